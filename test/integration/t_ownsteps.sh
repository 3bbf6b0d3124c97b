#!/bin/sh
# SPDX-License-Identifier: MIT
# t_ownsteps.sh - tapqd's own resizes send one RTM_NEWLINK per queue step;
# tapqd recognises them by their attached count and reads no queue state
# for them (no TUNGETIFF, which takes rtnl once per queue), while a step
# somebody else makes is still read: here, a client-mode holder's, which
# status follows.
. "$(dirname "$0")/lib.sh"
tq_init
command -v strace >/dev/null || { fail "strace is installed (Debian package strace)" yes no; finish; }
start_daemon "$TQ_DIR/ownsteps.conf" || finish

# trace_start NAME: tapqd's ioctls into $TQ_TMP/NAME until trace_stop
trace_start() {
	TRACE=$TQ_TMP/$1.trace
	strace -f -qq -e trace=ioctl -o "$TRACE" -p "$DPID" &
	SPID=$!
	track "$SPID"
	wait_until 50 0.1 "strace is attached" file_has "/proc/$DPID/status" 'TracerPid:[[:space:]]*[1-9]'
}
trace_stop() {
	kill_wait INT "$SPID"
	untrack "$SPID"
}

trace_start resize
for n in 1 32 2 64; do
	assert_ok "tapqctl resize tqs $n" tq resize tqs "$n"
done
assert_eq "the kernel has 64 of 64 attached" "numqueues 64 numdisabled 0" "$(link_queues tqs)"
# a request after the last step: its notifications were read before it
assert_eq "status says 64 active" 64 "$(status_field tqs .active_queues)"
trace_stop
sets=$(grep -c 'TUNSETQUEUE' "$TRACE")
gets=$(grep -c 'TUNGETIFF' "$TRACE")
say "       tapqd's ioctls over 4 resizes: $sets TUNSETQUEUE, $gets TUNGETIFF"
assert_eq "every queue step was tapqd's own TUNSETQUEUE" $((63 + 31 + 30 + 62)) "$sets"
assert_eq "and none of their notifications made tapqd read a queue" 0 "$gets"

# a holder's own steps are not tapqd's: they are read, and followed
trace_start follow
OUT=$(tqprobe follow tqs 3 1 4)
assert_match "a client-mode holder's steps are followed" 'ok set 4: tapqd status' "$OUT"
trace_stop
assert_ge "those were read with TUNGETIFF" 1 "$(grep -c 'TUNGETIFF' "$TRACE")"

stop_daemon
check_daemon_log
finish
