#!/bin/sh
# SPDX-License-Identifier: MIT
# t_overflow.sh - tapqd's rtnetlink monitor loses notifications: tapqd is
# stopped (SIGSTOP) while thousands of link changes in its namespace fill
# its receive buffer, and meanwhile one of its devices is deleted and
# another renamed, their notifications lost. Once it runs again, tapqd
# says once that it lost notifications, reads every link again (one dump),
# and so still notices both: the deleted device is created again, the
# renamed one shows its new name.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/overflow.conf" || finish

IFX=$(link_ifindex tqo1)
assert_match "tqo1 exists" '^[0-9]+$' "$IFX"
ip -n "$TQ_NS" tuntap add dev tqflap mode tap
# 6000 MTU changes, each an RTM_NEWLINK of about 1.5 KB: well past the 1 MiB buffer
i=0
while [ $i -lt 6000 ]; do
	echo "link set tqflap mtu $((1400 + i % 2))"
	i=$((i + 1))
done >"$TQ_TMP/flap.batch"

kill -STOP "$DPID"
ip -n "$TQ_NS" -batch "$TQ_TMP/flap.batch"
ip -n "$TQ_NS" link del tqo1
ip -n "$TQ_NS" link set tqo2 down
ip -n "$TQ_NS" link set tqo2 name tqo2x
kill -CONT "$DPID"

wait_until 50 0.1 "tapqd says it lost notifications" file_has "$DLOG" 'receive buffer full \(ENOBUFS\): notifications lost'
wait_until 50 0.1 "it noticed the deletion all the same" file_has "$DLOG" 'tqo1: deleted from outside tapqd'
wait_until 50 0.1 "and created tqo1 again" link_exists tqo1
assert_ne "a new interface" "$IFX" "$(link_ifindex tqo1)"
renamed_is() { [ "$(status_field tqo2 .renamed_to)" = tqo2x ]; }
wait_until 50 0.1 "status shows tqo2 renamed to tqo2x" renamed_is
assert_eq "the loss is logged once" 1 "$(grep -c 'notifications lost' "$DLOG")"
assert_eq "no device's queues failed to read" 0 "$(grep -c 'reading queue states' "$DLOG")"
OUT=$(tqprobe acquire tqo1 --expect 4)
assert_match "the new tqo1 is served" '^ok tqo1 fds 4' "$OUT"
# later notifications are heard again: the rename back is noticed at once
ip -n "$TQ_NS" link set tqo2x name tqo2
wait_until 50 0.1 "the rename back is heard" file_has "$DLOG" 'tqo2: renamed back from tqo2x'

stop_daemon
check_daemon_log
finish
