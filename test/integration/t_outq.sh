#!/bin/sh
# SPDX-License-Identifier: MIT
# t_outq.sh - clients that never read: 100 connections of nobody send STATUS
# (20 devices of 256 queues: 290 KB of replies each) and read nothing: a
# STATUS goes out as the peer reads it, so tapqd stops at client_output_max
# for each and reads none of their next requests; its memory stays bounded
# (100 x 1M at most) and root's status answers meanwhile. A slow reader gets
# the whole answer, larger than client_output_max. Then subscribers that read
# no event while root resizes a device 2,000 times: each is dropped once
# client_output_max waits for it, counted as a refusal ("unread") and logged
# within the per-uid rate limit of refusals. Last, 200 peers that ask and hang
# up at once: tapqd's answers find them gone, and that is no warning (any peer
# could fill the log so).
. "$(dirname "$0")/lib.sh"
TQHOSTILE=$BUILD/test/integration/tqhostile
tq_init
CONF=$TQ_TMP/outq.conf
cp "$TQ_DIR/outq.conf" "$CONF"
start_daemon "$CONF" || finish

kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$DPID/status"; }
flood_nobody() { # OUT MODE CONNECTIONS REQUESTS SECONDS
	bg "$1" nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TQHOSTILE" "$TQ_SOCK" "$2" "$3" "$4" "$5"
}
count() { _n=$(sed -n "s/^$2 //p" "$1"); printf '%s' "${_n:-0}"; }
drops_logged() { grep -c 'dropping the connection: it does not read' "$DLOG"; }
unread() { tq status --json | jq -r .refusals.unread; }
status_ms() {
	_t0=$(date +%s%N)
	timeout 5 nsenter -t "$DPID" -m -n "$TAPQCTL" status >/dev/null 2>&1 || return 1
	echo $((($(date +%s%N) - _t0) / 1000000))
}

tq status >/dev/null
RSS0=$(kb VmRSS)
HWM0=$(kb VmHWM)

OUT=$TQ_TMP/flood
flood_nobody "$OUT" status 100 400 8
FPID=$BGPID
wait_until 900 0.1 "the 100 connections sent what they could" file_has "$OUT" '^sent '
ms=$(status_ms)
assert_ok "root's status answers during the flood, within 1 s (${ms:-no answer} ms)" \
	test "${ms:-9999}" -lt 1000
wait_until 200 0.1 "the flood's 8 s are over" file_has "$OUT" '^dropped '
sed 's/^/       flood: /' "$OUT"
RSS=$(kb VmRSS)
HWM=$(kb VmHWM)
say "       tapqd VmRSS: $RSS0 kB before, $RSS kB after; VmHWM (peak): $HWM0 kB before, $HWM kB after"
assert_eq "no connection dropped: each answer waits for its reader within the bound" 0 \
	"$(count "$OUT" dropped)"
assert_eq "none counted as unread" 0 "$(unread)"

# 100 connections x client_output_max (1M): 100M at most; twice that is generous
assert_ok "tapqd's peak memory grew by less than 200 MB (grew $(((HWM - HWM0) / 1024)) MB)" \
	test "$HWM" -lt $((HWM0 + 200 * 1024))
ms=$(status_ms)
assert_ok "root's status answers after it (${ms:-no answer} ms)" test "${ms:-9999}" -lt 1000
stop_bg "$FPID"

# the same bound for events: subscribers that never read, a small bound from a reload
printf '[tapqd]\nclient_output_max = 64K\n' >"$CONF.new"
sed '1,/^\[tapqd\]$/d' "$CONF" >>"$CONF.new"
mv "$CONF.new" "$CONF"
assert_ok "a reload takes client_output_max = 64K" tq reload
assert_ok "said so" file_has "$DLOG" 'client_output_max 1048576 -> 65536 bytes'
SLOW=$TQ_TMP/slow
assert_ok "a reader that pauses 1 s gets all of a 290 KB STATUS through client_output_max = 64K" \
	sh -c "timeout 30 nsenter -t $DPID -m -n $TQHOSTILE $TQ_SOCK slowstatus 1000 >$SLOW 2>&1"
assert_eq "every device in it" "devices 21" "$(cat "$SLOW")"
SUB=$TQ_TMP/subscribers
flood_nobody "$SUB" subscribe 5 0 60
SPID=$BGPID
wait_until 100 0.1 "5 subscribers connected" file_has "$SUB" '^sent 5$'
U0=$(unread)
assert_ok "root resizes tqa 2000 times" timeout 120 nsenter -t "$DPID" -m -n \
	"$TQHOSTILE" "$TQ_SOCK" resize tqa 2000
wait_until 600 0.1 "the subscribers are done" file_has "$SUB" '^dropped '
sed 's/^/       subscribers: /' "$SUB"
assert_eq "every subscriber that never read was dropped" 5 "$(count "$SUB" dropped)"
assert_eq "each counted" 5 "$(($(unread) - U0))"
stop_bg "$SPID"
W0=$(grep -c 'warn' "$DLOG")
assert_match "200 peers hang up before their answer" '^hung up 200$' \
	"$(nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$TQHOSTILE" "$TQ_SOCK" hangup 200)"
assert_ok "root's status answers after them" tq status
assert_eq "no warning for peers that hung up" "$W0" "$(grep -c 'warn' "$DLOG")"
assert_ok "tapqd still running" pid_alive "$DPID"
stop_daemon
finish
