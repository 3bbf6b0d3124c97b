#!/bin/sh
# SPDX-License-Identifier: MIT
# t_sigkill.sh - a holder killed with SIGKILL releases its lease; the device
# and its queues stay, the next client gets the same interface, and the
# daemon keeps no fd of the dead lease.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

IFX=$(link_ifindex tqa)
tq status >/dev/null 2>&1
FD0=$(daemon_fd_count)

for mode in client daemon; do
	tq_bg "$TQ_TMP/acq.$mode" acquire tqa --mode "$mode" --json
	H=$BGPID
	wait_until 100 0.1 "$mode: tapqctl acquire holds tqa" holder_is tqa "$H"
	assert_eq "$mode: status control" "$mode" "$(status_field tqa .control)"
	kill -KILL "$H"
	poll_until 50 0.1 pid_dead "$H"
	wait "$H" 2>/dev/null
	untrack "$H"
	wait_until 50 0.1 "$mode: lease ends after SIGKILL of the holder" leased_is tqa false
	assert_eq "$mode: holder_pid null" null "$(status_field tqa .holder_pid)"
	assert_ok "$mode: tqa still exists" link_exists tqa
	assert_eq "$mode: same ifindex" "$IFX" "$(link_ifindex tqa)"
	assert_eq "$mode: tqa keeps its 4 queues" 4 "$(link_total_queues tqa)"
done

# a libtapqd holder killed in the middle of holding
tqprobe_bg "$TQ_TMP/probe.out" acquire tqa --hold
H=$BGPID
wait_until 100 0.1 "tqprobe holds tqa" file_has "$TQ_TMP/probe.out" '^holding'
assert_eq "status: holder is tqprobe" "$H" "$(status_field tqa .holder_pid)"
kill -KILL "$H"
poll_until 50 0.1 pid_dead "$H"
wait "$H" 2>/dev/null
untrack "$H"
wait_until 50 0.1 "lease ends after SIGKILL of tqprobe" leased_is tqa false

OUT=$(tqprobe acquire tqa --expect 4 --expect-active 4)
assert_eq "the next client gets 4 attached queues of tqa" 0 "$?"
assert_match "and the same interface" "ifindex $IFX " "$OUT"
wait_until 50 0.1 "lease ends when that client exits" leased_is tqa false
assert_eq "numqueues back to 4 with the daemon's copies" "numqueues 4 numdisabled 0" "$(link_queues tqa)"

fd_back() { [ "$(daemon_fd_count)" -le "$FD0" ]; }
wait_until 50 0.1 "daemon fd count back to $FD0 (no pidfd or fd kept from dead leases)" fd_back
say "       daemon fds: before $FD0, after $(daemon_fd_count)"

stop_daemon
finish
