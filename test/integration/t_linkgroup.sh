#!/bin/sh
# SPDX-License-Identifier: MIT
# t_linkgroup.sh - new devices get a noqueue root qdisc before they are up,
# and SIGTERM deletes tapqd's unleased devices in one RTM_DELLINK by link
# group, but never with an interface that is not tapqd's in the group: then
# the closes delete tapqd's devices one by one and the stranger stays.
. "$(dirname "$0")/lib.sh"
tq_init
CONF=$TQ_TMP/linkgroup.conf
printf '[tapqd]\nlog_level = debug\n\n[device tqa]\nmax_queues = 4\n\n[device tqb]\nmax_queues = 2\n\n[device tqp]\nmax_queues = 2\npersist = yes\n' >"$CONF"

start_daemon "$CONF" || finish
assert_match "tqa: a noqueue root qdisc" '^qdisc noqueue' "$(tc -n "$TQ_NS" qdisc show dev tqa)"
assert_match "tqa is up" 'state (UP|UNKNOWN)' "$(ip -n "$TQ_NS" -o link show dev tqa)"
G=$(link_group tqa)
assert_match "tqa is in a link group of its own" '^[0-9]+$' "$G"
assert_eq "tqb is in the same group" "$G" "$(link_group tqb)"
assert_eq "persistent tqp stays out of the group" default "$(link_group tqp)"

# a stranger in the group: the batch is off, the stranger stays
ip -n "$TQ_NS" link add tqstranger type bridge
ip -n "$TQ_NS" link set dev tqstranger group "$G"
stop_daemon
assert_match "the stranger is named in the log" "link group $G holds ifindex [0-9]+, which is not tapqd's" "$(cat "$DLOG")"
assert_ok "the stranger in the group is not deleted" link_exists tqstranger
wait_until 50 0.1 "tqa goes with its last close" link_gone tqa
wait_until 50 0.1 "tqb goes with its last close" link_gone tqb
assert_ok "persistent tqp stays" link_exists tqp

# without the stranger: one message deletes both, and tqp, taken back, stays
ip -n "$TQ_NS" link del tqstranger
ip -n "$TQ_NS" link del tqp
start_daemon "$CONF" || finish
stop_daemon
assert_match "one message deleted the two" "deleted 2 devices in one message \(link group $G\)" "$(cat "$DLOG")"
assert_ok "tqa is gone" link_gone tqa
assert_ok "tqb is gone" link_gone tqb
assert_ok "persistent tqp stays" link_exists tqp
finish
