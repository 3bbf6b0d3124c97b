#!/bin/sh
# SPDX-License-Identifier: MIT
# t_auth_privacy.sh - what an unprivileged client learns: a refused reload's
# reason without the text of the line (which may hold a secret), and of a
# device it may not use only its name, queues and lease state: no holder
# pid (in STATUS or in an event), no traffic counts. Root and a user
# allowed on a device see it all.
. "$(dirname "$0")/lib.sh"
tq_init
LEASE_ENDED=2 # enum tapqd_event_kind
cp "$TQ_DIR/auth.conf" "$TQ_TMP/run.conf"
start_daemon "$TQ_TMP/run.conf" || finish

as_12345() {
	timeout 20 nsenter -t "$DPID" -m -n setpriv --reuid=12345 --regid=12345 \
		--clear-groups "$TAPQCTL" "$@"
}

# -- a refused reload: root reads the line, nobody file, line and reason
cp "$TQ_DIR/auth.conf" "$TQ_TMP/run.conf"
printf '[device tqnew]\nmtu = password=hunter2\n' >>"$TQ_TMP/run.conf"
LINE=$(grep -n 'hunter2' "$TQ_TMP/run.conf" | cut -d: -f1)
assert_refused "root: the reload is refused" tq reload
assert_match "root reads the refused line's text" "run.conf:$LINE: mtu: \"password=hunter2\" is not a number" "$REF_OUT"
assert_match "root's status shows it too" 'hunter2' "$(tq status)"
OUT=$(tq_nobody status 2>&1)
say "       nobody's status: $(printf '%s\n' "$OUT" | grep 'config not reloaded')"
assert_match "nobody: status names file, line and reason" \
	"config not reloaded.*$TQ_TMP/run.conf:$LINE: mtu: \"...\" is not a number" "$OUT"
assert_nomatch "nobody: not the line's text" 'hunter2' "$OUT"
OUT=$(tq_nobody status --json 2>&1)
assert_match "nobody: config_error in JSON has file and line" "run.conf:$LINE: mtu: " "$(jget "$OUT" .config_error)"
assert_nomatch "nobody: nor in JSON" 'hunter2' "$OUT"
assert_refused "nobody may not reload" tq_nobody reload
assert_nomatch "nor learn the text by trying" 'hunter2' "$REF_OUT"
cp "$TQ_DIR/auth.conf" "$TQ_TMP/run.conf"
assert_ok "a good file reloads" tq reload

# -- leases: root holds tqpriv, uid 12345 holds tqshare, nobody holds tqmine
tq_bg "$TQ_TMP/root.out" acquire tqpriv --json
R=$BGPID
bg "$TQ_TMP/u.out" nsenter -t "$DPID" -m -n setpriv --reuid=12345 --regid=12345 \
	--clear-groups "$TAPQCTL" acquire tqshare --json
U=$BGPID
bg "$TQ_TMP/n.out" nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
	--clear-groups "$TAPQCTL" acquire tqmine --json
N=$BGPID
wait_until 100 0.1 "root holds tqpriv" holder_is tqpriv "$R"
wait_until 100 0.1 "uid 12345 holds tqshare" holder_is tqshare "$U"
wait_until 100 0.1 "nobody holds tqmine" holder_is tqmine "$N"

SN=$(tq_nobody status --json)
dev_of() { jget "$1" ".devices[] | select(.name == \"$2\") | $3"; }
assert_eq "nobody: tqpriv is leased" true "$(dev_of "$SN" tqpriv .leased)"
assert_eq "nobody: but not by whom" null "$(dev_of "$SN" tqpriv .holder_pid)"
assert_eq "nobody: its queues are shown" 2 "$(dev_of "$SN" tqpriv .max_queues)"
assert_match "nobody's text status says the holder is not shown" \
	'^tqpriv .*leased \(client control; its holder is not shown to you\)' "$(tq_nobody status)"
assert_eq "nobody: the holder of tqshare, a device it may use" "$U" "$(dev_of "$SN" tqshare .holder_pid)"
assert_eq "nobody: its own lease of tqmine" "$N" "$(dev_of "$SN" tqmine .holder_pid)"
S12=$(as_12345 status --json)
assert_eq "uid 12345: nobody's tqmine is leased" true "$(dev_of "$S12" tqmine .leased)"
assert_eq "uid 12345: not by whom" null "$(dev_of "$S12" tqmine .holder_pid)"
assert_eq "uid 12345: its own tqshare" "$U" "$(dev_of "$S12" tqshare .holder_pid)"
assert_eq "root sees every holder" "$R $U $N" \
	"$(status_field tqpriv .holder_pid) $(status_field tqshare .holder_pid) $(status_field tqmine .holder_pid)"
OUT=$(tq_nobody status tqpriv)
assert_nomatch "nobody: status tqpriv names no pid" "pid $R" "$OUT"

# -- traffic: root's sink counts frames; nobody sees none of them
ip -n "$TQ_NS" addr add 10.77.9.1/24 dev tqsink
ip -n "$TQ_NS" neigh replace 10.77.9.2 lladdr 02:00:00:00:00:02 nud permanent dev tqsink
wait_until 50 0.1 "tqsink has carrier" carrier_on tqsink
timeout 20 ip netns exec "$TQ_NS" ping -n -q -c 5 -i 0.2 -W 1 10.77.9.2 >/dev/null 2>&1
wait_until 50 0.1 "root: the sink counted frames" sh -c \
	"[ \"\$(nsenter -t $DPID -m -n $TAPQCTL status tqsink --json | jq '.devices[0].queues[0].rx_packets')\" -ge 5 ]"
SN=$(tq_nobody status tqsink --json)
assert_eq "nobody: tqsink's counters and CPU time read 0" "0 0 0 0 0 0" \
	"$(jget "$SN" '.devices[0].queues[0] | "\(.rx_packets) \(.rx_bytes) \(.tx_packets) \(.tx_bytes) \(.drops) \(.cpu_ns)"')"
assert_eq "nobody: tqsink's worker state is shown" true "$(jget "$SN" '.devices[0].queues[0].worker')"

# -- events: the end of root's lease of tqpriv names its pid only to those who may use tqpriv
tqprobe_bg "$TQ_TMP/ev.root" events tqpriv 30
EVR=$BGPID
bg "$TQ_TMP/ev.nb" nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
	--clear-groups "$TQPROBE" events tqpriv 30
EVN=$BGPID
wait_until 100 0.1 "root subscribed to tqpriv" file_has "$TQ_TMP/ev.root" '^ready'
wait_until 100 0.1 "nobody subscribed to tqpriv" file_has "$TQ_TMP/ev.nb" '^ready'
stop_bg "$R"
wait_until 100 0.1 "root's subscriber hears the lease end, with the holder's pid" \
	file_has "$TQ_TMP/ev.root" "^event [0-9]+ $LEASE_ENDED [0-9]+ $R\$"
wait_until 100 0.1 "nobody's subscriber hears it too" \
	file_has "$TQ_TMP/ev.nb" "^event [0-9]+ $LEASE_ENDED "
assert_match "but with pid 0" "^event [0-9]+ $LEASE_ENDED [0-9]+ 0\$" \
	"$(grep "^event [0-9]* $LEASE_ENDED " "$TQ_TMP/ev.nb")"
stop_bg "$EVR"
stop_bg "$EVN"

stop_bg "$U"
stop_bg "$N"
stop_daemon
finish
