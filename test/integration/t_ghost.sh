#!/bin/sh
# SPDX-License-Identifier: MIT
# t_ghost.sh - ghost queues: nobody takes tqg, passes its queue files to a
# child and exits (its lease ends); uid 12345 takes tqg next. The child must
# neither attach those files again, nor inject frames through them, nor read
# the frames sent to the tap, while uid 12345 gets them all. The same with
# tqbig, whose 200 ghost files leave no room for 200 fresh queues (E2BIG).
# And nobody cannot open the tap by name itself (tapqd owns it).
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/ghost.conf" || finish
TQGHOST=$BUILD/test/integration/tqghost

# as_uid UID CMD...: CMD as UID (its own gid, no groups) in the daemon's namespaces
as_uid() {
	_u=$1
	shift
	timeout 60 nsenter -t "$DPID" -m -n setpriv --reuid="$_u" --regid="$_u" --clear-groups "$@"
}

# ghost_of OUT: the pid of the ghost a "tqghost spawn" printed into OUT
ghost_of() { sed -n 's/^ghost \([0-9]*\) .*/\1/p' "$1"; }

# -- the kernel's own door: a tap nobody owns lets every uid in by name
OUT=$(as_uid 65534 "$TQGHOST" byname tqg)
assert_eq "nobody cannot open tqg by name (TUNSETIFF)" "byname tqg Operation not permitted" "$OUT"

# -- nobody's lease ends; a child keeps its 4 queue files
IFX=$(link_ifindex tqg)
as_uid 65534 "$TQGHOST" spawn tqg >"$TQ_TMP/ghost.out" 2>&1
G=$(ghost_of "$TQ_TMP/ghost.out")
track "$G"
assert_match "nobody took tqg and left a ghost" '^ghost [0-9]+ fds 4 ' "$(cat "$TQ_TMP/ghost.out")"
wait_until 50 0.1 "nobody's lease ended with it" leased_is tqg false
assert_eq "the ghost still holds 4 tap files" 4 "$(ls -l "/proc/$G/fd" | grep -c /dev/net/tun)"
say "       ifindex $IFX before, $(link_ifindex tqg) after; $(grep -E 'tqg: (deleted|created again)' "$DLOG" | tail -n 2 | tr '\n' ' ')"

# -- uid 12345 takes tqg and answers pings through it
ip -n "$TQ_NS" addr replace 192.0.2.1/25 dev tqg
bg "$TQ_TMP/pong" nsenter -t "$DPID" -m -n setpriv --reuid=12345 --regid=12345 --clear-groups \
	"$TQPROBE" pong tqg 192.0.2.2 100 60
P=$BGPID
wait_until 100 0.1 "uid 12345 holds tqg" file_has "$TQ_TMP/pong" '^ready'
ip -n "$TQ_NS" addr replace 192.0.2.1/25 dev tqg
wait_until 50 0.1 "tqg has carrier" carrier_on tqg
RX0=$(link_stat tqg rx_packets)

# -- the ghost tries everything while the tap carries uid 12345's traffic
kill -USR1 "$G"
wait_until 100 0.1 "the ghost tried its files" file_has "$TQ_TMP/ghost.out" '^reading'
RX1=$(link_stat tqg rx_packets)
bg "$TQ_TMP/ping" ip netns exec "$TQ_NS" ping -c 100 -i 0.01 -W 5 192.0.2.2
PING=$BGPID
wait_until 300 0.1 "the pings are over" pid_dead "$PING"
untrack "$PING"
kill -USR2 "$G"
wait_until 100 0.1 "the ghost reported" file_has "$TQ_TMP/ghost.out" '^read '
untrack "$G"
GOUT=$(cat "$TQ_TMP/ghost.out")
say "       ghost: $(printf '%s' "$GOUT" | grep -E '^(attach q0|inject q0|read )' | tr '\n' ';')"
say "       tap rx_packets $RX0 before the ghost's injection, $RX1 after"
assert_eq "no file of the ghost attaches again" 0 "$(printf '%s\n' "$GOUT" | grep -c '^attach q[0-9]* ok$')"
assert_eq "no frame injected through the ghost's files" 0 "$(printf '%s\n' "$GOUT" | grep -c '^inject q[0-9]* ok$')"
assert_eq "the tap received nothing from the ghost" "$RX0" "$RX1"
assert_match "the ghost read no frame of uid 12345's" '^read 0 frames' "$GOUT"
pong_done "$P" 100 tqg
assert_match "uid 12345 answered all 100 pings" '100 packets transmitted, 100 received' "$(cat "$TQ_TMP/ping")"
assert_eq "status names the interface's ifindex" "$(link_ifindex tqg)" "$(status_field tqg .ifindex)"

# -- with no ghost, the next holder gets the same interface
IFX=$(link_ifindex tqg)
OUT=$(as_uid 12345 "$TQPROBE" acquire tqg --expect 4)
assert_match "uid 12345 acquires and releases tqg" 'ok' "$OUT"
wait_until 50 0.1 "its lease ended" leased_is tqg false
assert_eq "no ghost: the same ifindex" "$IFX" "$(link_ifindex tqg)"

# -- 200 ghost files: fresh queues hit the kernel's 256 (E2BIG), the interface goes
as_uid 65534 "$TQGHOST" spawn tqbig >"$TQ_TMP/big.out" 2>&1
G=$(ghost_of "$TQ_TMP/big.out")
track "$G"
assert_match "nobody took tqbig and left a ghost" '^ghost [0-9]+ fds 200 ' "$(cat "$TQ_TMP/big.out")"
wait_until 50 0.1 "nobody's lease of tqbig ended" leased_is tqbig false
assert_match "fresh queues ran into the kernel's limit" 'tqbig: deleted: .*Argument list too long' "$(cat "$DLOG")"
kill -USR1 "$G"
wait_until 100 0.1 "the ghost of tqbig tried its files" file_has "$TQ_TMP/big.out" '^reading'
kill -USR2 "$G"
wait_until 100 0.1 "the ghost of tqbig reported" file_has "$TQ_TMP/big.out" '^read '
untrack "$G"
assert_eq "no file of tqbig's ghost attaches again" 0 "$(grep -c '^attach q[0-9]* ok$' "$TQ_TMP/big.out")"
assert_eq "no frame injected through them" 0 "$(grep -c '^inject q[0-9]* ok$' "$TQ_TMP/big.out")"
assert_eq "tqbig is whole again: 200 queues, tapqd's" "numqueues 200 numdisabled 0" "$(link_queues tqbig)"

stop_daemon
check_daemon_log
finish
