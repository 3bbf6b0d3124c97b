#!/bin/sh
# SPDX-License-Identifier: MIT
# t_stop.sh - SIGTERM stops tapqd in order: an unleased device goes away, a
# persistent one stays, a leased one stays up and keeps carrying traffic
# while its holder lives, and goes when the holder exits.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/stop.conf" || finish

ip -n "$TQ_NS" link set dev tqheld up
ip -n "$TQ_NS" addr add 192.0.2.1/24 dev tqheld

# tqheld: held by a probe that answers ping; tqctl: held by tapqctl acquire
tqprobe_bg "$TQ_TMP/pong.out" pong tqheld 192.0.2.2 3 60
P=$BGPID
tq_bg "$TQ_TMP/ctl.out" acquire tqctl --json
C=$BGPID
wait_until 100 0.1 "tqheld leased by the probe" file_has "$TQ_TMP/pong.out" '^ready'
wait_until 100 0.1 "tqctl leased by tapqctl" holder_is tqctl "$C"
for d in tqgone tqheld tqctl tqpersist; do
	assert_ok "$d exists before the stop" link_exists "$d"
done
stop_daemon
sed 's/^/       | /' "$DLOG" | tail -n 15

wait_until 50 0.1 "unleased tqgone is removed" link_gone tqgone
assert_ok "persistent tqpersist stays" link_exists tqpersist
assert_ok "leased tqheld stays" link_exists tqheld
assert_ok "leased tqctl stays" link_exists tqctl
assert_eq "tqheld keeps the holder's 4 queues attached" "numqueues 4 numdisabled 0" "$(link_queues tqheld)"
assert_eq "tqctl keeps the holder's 2 queues" "numqueues 2 numdisabled 0" "$(link_queues tqctl)"
assert_match "tqgone went in the one message by link group" 'deleted 1 device in one message' "$(cat "$DLOG")"
assert_eq "leased tqheld left tapqd's link group first" default "$(link_group tqheld)"
assert_eq "leased tqctl left tapqd's link group first" default "$(link_group tqctl)"
assert_ok "the probe holding tqheld lives on" pid_alive "$P"
assert_ok "tapqctl acquire holding tqctl lives on" pid_alive "$C"
assert_fails "the socket file is removed" nsenter -t "$C" -m test -e "$TQ_SOCK"

# The lease keeps carrying traffic without the daemon.
OUT=$(timeout 30 ip netns exec "$TQ_NS" ping -n -c 3 -i 0.2 -W 3 192.0.2.2 2>&1)
assert_eq "ping through tqheld after tapqd stopped" 0 "$?"
poll_until 100 0.1 pid_dead "$P"
stop_bg "$P"
assert_eq "the probe read and answered 3 echo requests" 0 "$?"
wait_until 50 0.1 "tqheld goes when its holder exits" link_gone tqheld

stop_bg "$C"
wait_until 50 0.1 "tqctl goes when tapqctl exits" link_gone tqctl
assert_ok "tqpersist is still there" link_exists tqpersist
finish
