#!/bin/sh
# SPDX-License-Identifier: MIT
# t_nosd.sh - without a service manager (no fd store), tapqd killed with
# SIGKILL while a client holds a device: the restarted tapqd finds the
# interface alive, leaves it alone (never deletes what a client uses) and
# says why; the client keeps its queues, the other devices come up again.
# Re-adoption without the fd store is not implemented.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish
tqprobe_bg "$TQ_TMP/probe.out" acquire tqa --hold
H=$BGPID
wait_until 100 0.1 "tqprobe holds tqa" file_has "$TQ_TMP/probe.out" '^holding'
IFX=$(link_ifindex tqa)
OLD=$DPID
kill -KILL "$OLD"
poll_until 50 0.1 pid_dead "$OLD"
wait "$OLD" 2>/dev/null
untrack "$OLD"
wait_until 50 0.1 "tqv went with the killed tapqd's fds" link_gone tqv
assert_ok "tqa lives on with its holder" link_exists tqa

start_daemon "$TQ_DIR/basic.conf" || finish
assert_match "the restarted tapqd says why it leaves tqa alone" \
	'tqa: not created: interface exists and no fd of it came back from a service manager.s fd store \(a client may still use it: left alone' \
	"$(cat "$DLOG")"
assert_eq "tqa is the same interface" "$IFX" "$(link_ifindex tqa)"
assert_eq "with the holder's 4 queues, none added" "numqueues 4 numdisabled 0" "$(link_queues tqa)"
assert_eq "the holder still has its 4 fds" 4 "$(tap_fds_of "$H" tqa | wc -l)"
assert_eq "tqv is back" "numqueues 4 numdisabled 0" "$(link_queues tqv)"
assert_refused "tqa is not handed to anyone" tq acquire tqa
stop_daemon
assert_ok "and stopping tapqd leaves it too" link_exists tqa
stop_bg "$H"
wait_until 50 0.1 "tqa goes with its last holder" link_gone tqa
finish
