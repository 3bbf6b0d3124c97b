#!/bin/sh
# SPDX-License-Identifier: MIT
# t_resize.sh - active_queues at start-up and tapqctl resize on an unleased
# device: the kernel's numqueues/numdisabled and tapqctl status agree; a
# client-mode lease gets every queue attached, a daemon-mode lease the set
# as it is; a client-mode lease cannot be resized.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/resize.conf" || finish

# active_pattern DEV: the status queues as "1100..." (1 = active)
active_pattern() {
	status_field "$1" '.queues | map(if .active then "1" else "0" end) | join("")'
}
prefix() { # N MAX: N ones then zeros
	_s=""
	_i=0
	while [ "$_i" -lt "$2" ]; do
		if [ "$_i" -lt "$1" ]; then _s="${_s}1"; else _s="${_s}0"; fi
		_i=$((_i + 1))
	done
	printf '%s' "$_s"
}

# -- the device as configured
assert_eq "tqhalf: active_queues = 2 of 8 in the kernel" "numqueues 2 numdisabled 6" "$(link_queues tqhalf)"
assert_eq "tqhalf: status active_queues" 2 "$(status_field tqhalf .active_queues)"
assert_eq "tqhalf: status queues" "$(prefix 2 8)" "$(active_pattern tqhalf)"
LINK=$(ip -n "$TQ_NS" -d link show dev tqhalf)
assert_match "tqhalf: mtu 9000" ' mtu 9000 ' "$LINK"
assert_match "tqhalf: txqueuelen 2000" ' qlen 2000' "$LINK"
assert_match "tqhalf: mac" 'link/ether 02:00:00:00:aa:01 ' "$LINK"
assert_match "tqhalf: vnet_hdr by default" 'vnet_hdr on' "$LINK"
assert_match "tqr: multi_queue" 'multi_queue' "$(ip -n "$TQ_NS" -d link show dev tqr)"

# -- resize an unleased device
for n in 1 3 2 4 1 4; do
	assert_ok "tapqctl resize tqr $n" tq resize tqr "$n"
	assert_eq "tqr resized to $n: kernel" "numqueues $n numdisabled $((4 - n))" "$(link_queues tqr)"
	assert_eq "tqr resized to $n: status active_queues" "$n" "$(status_field tqr .active_queues)"
	assert_eq "tqr resized to $n: status queues" "$(prefix "$n" 4)" "$(active_pattern tqr)"
done
assert_refused "resize beyond max_queues fails" tq resize tqr 5
OUT=$REF_OUT
assert_eq "and changes nothing" "numqueues 4 numdisabled 0" "$(link_queues tqr)"
assert_refused "resize of an unknown device fails" tq resize tqnosuch 2
OUT=$REF_OUT
assert_ok "tapqctl resize tqhalf 8" tq resize tqhalf 8
assert_eq "tqhalf: all 8 attached" "numqueues 8 numdisabled 0" "$(link_queues tqhalf)"

# -- hand-over: client mode attaches everything, daemon mode keeps the set
assert_ok "tapqctl resize tqr 2" tq resize tqr 2
OUT=$(tqprobe acquire tqr --mode daemon --expect 4 --expect-active 2)
RC=$?
printf '%s\n' "$OUT" | sed 's/^/       /'
assert_eq "daemon-mode lease gets queues 0-1 attached, 2-3 detached" 0 "$RC"
assert_match "daemon mode: queue 2 detached" '^queue 2 fd [0-9]+ name tqr flags 0x[0-9a-f]+ detached$' "$OUT"
wait_until 50 0.1 "lease ends" leased_is tqr false

assert_ok "tapqctl resize tqr 1" tq resize tqr 1
assert_eq "tqr at 1" "numqueues 1 numdisabled 3" "$(link_queues tqr)"
tqprobe_bg "$TQ_TMP/client.out" acquire tqr --expect 4 --expect-active 4 --hold
H=$BGPID
wait_until 100 0.1 "client-mode lease taken" file_has "$TQ_TMP/client.out" '^holding'
sed 's/^/       /' "$TQ_TMP/client.out"
assert_match "client mode: every queue attached at hand-over" '^ok tqr fds 4 attached 4$' "$(cat "$TQ_TMP/client.out")"
assert_eq "client mode: kernel agrees" "numqueues 4 numdisabled 0" "$(link_queues tqr)"
assert_eq "client mode: status agrees" 4 "$(status_field tqr .active_queues)"
assert_refused "resize of a client-mode lease is refused" tq resize tqr 2
assert_eq "and the client's queues are untouched" "numqueues 4 numdisabled 0" "$(link_queues tqr)"
stop_bg "$H"
wait_until 50 0.1 "lease ends" leased_is tqr false

# -- a daemon-mode lease is resized by tapqd, and the holder's fds follow
tq_bg "$TQ_TMP/daemon.out" acquire tqr --mode daemon --json
H=$BGPID
wait_until 100 0.1 "daemon-mode lease taken by tapqctl" holder_is tqr "$H"
for n in 2 3 1 4; do
	assert_ok "resize of the daemon-mode lease to $n" tq resize tqr "$n"
	assert_eq "daemon-mode lease at $n: kernel" "numqueues $n numdisabled $((4 - n))" "$(link_queues tqr)"
	assert_eq "daemon-mode lease at $n: status" "$n" "$(status_field tqr .active_queues)"
	assert_eq "daemon-mode lease at $n: still held" "$H" "$(status_field tqr .holder_pid)"
done
assert_refused "resize of the daemon-mode lease to 5 fails" tq resize tqr 5
assert_match "the holder was asked before each shrink and acknowledged" \
	'shrinking to 1 queues: acknowledged' "$(cat "$TQ_TMP/daemon.out.err")"
assert_match "tapqd detached on the holder's ack" 'tqr: pid [0-9]+ acknowledged the shrink to 1 queues' "$(cat "$DLOG")"
stop_bg "$H"
wait_until 50 0.1 "lease ends" leased_is tqr false

# -- a daemon-mode holder that never acknowledges: tapqd waits resize_timeout (700 ms), then detaches
tqprobe_bg "$TQ_TMP/noack.out" acquire tqr --mode daemon --expect 4 --expect-active 4 --hold
H=$BGPID
wait_until 100 0.1 "daemon-mode lease taken by a silent holder" holder_is tqr "$H"
tq resize tqr 2 >"$TQ_TMP/shrink.out" 2>&1 &
R=$!
track "$R"
sleep 0.3
assert_eq "while the holder has not acknowledged, every queue stays attached" "numqueues 4 numdisabled 0" "$(link_queues tqr)"
assert_refused "a second resize while a shrink waits is refused" tq resize tqr 3
assert_match "naming the holder" "waits for pid $H" "$REF_OUT"
wait "$R"
RC=$?
untrack "$R"
assert_eq "the resize completes after the timeout" 0 "$RC"
assert_eq "then the queues are detached" "numqueues 2 numdisabled 2" "$(link_queues tqr)"
assert_match "tapqd logged the missing ack" "tqr: pid $H did not acknowledge the shrink to 2 queues within 700 ms" "$(cat "$DLOG")"
assert_ok "growing needs no ack" tq resize tqr 4
assert_eq "grown at once" "numqueues 4 numdisabled 0" "$(link_queues tqr)"
stop_bg "$H"
wait_until 50 0.1 "lease ends" leased_is tqr false

stop_daemon
finish
