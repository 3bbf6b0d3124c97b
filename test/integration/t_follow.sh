#!/bin/sh
# SPDX-License-Identifier: MIT
# t_follow.sh - a client-mode holder attaches and detaches its own queues, as
# QEMU does when the guest changes its queue pairs: tapqd's status and events
# follow, with the link up (rtnetlink notifications) and down (polling), and
# tapqd issues no TUNSETQUEUE on those queues meanwhile.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/follow.conf" || finish

follow() { # DESC ARGS...: tqprobe follow, its output shown and checked
	_d=$1
	shift
	OUT=$(tqprobe follow "$@")
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/       /'
	assert_eq "$_d: every step followed, no TUNSETQUEUE by tapqd" 0 "$RC"
	assert_eq "$_d: steps followed" "$(($# - 1))" "$(printf '%s\n' "$OUT" | grep -c '^ok set [0-9]*: tapqd status')"
}

CALLS0=$(status_field tqf .tunsetqueue_calls)
follow "link up" tqf 1 3 2 4 1 2
wait_until 50 0.1 "lease ends" leased_is tqf false
assert_match "tapqd logged the holder's changes" 'tqf: pid [0-9]+ set 3 of 4 queues active \(was [12]\)' "$(cat "$DLOG")"
assert_eq "after the lease tapqd restores all 4 queues" "numqueues 4 numdisabled 0" "$(link_queues tqf)"
assert_ne "tapqd's own TUNSETQUEUE calls are counted (the restore)" "$CALLS0" "$(status_field tqf .tunsetqueue_calls)"

ip -n "$TQ_NS" link set tqf down
follow "link down" tqf 2 1 4 3
wait_until 50 0.1 "lease ends" leased_is tqf false
ip -n "$TQ_NS" link set tqf up

# -- leaving a bridge sends an RTM_DELLINK of family AF_BRIDGE: not a deletion
IDX0=$(link_ifindex tqf)
ip -n "$TQ_NS" link add tqbr type bridge
ip -n "$TQ_NS" link set tqf master tqbr
ip -n "$TQ_NS" link set tqf nomaster
ip -n "$TQ_NS" link del tqbr
sleep 0.3
assert_eq "tqf is still there after leaving a bridge" "$IDX0" "$(link_ifindex tqf)"
assert_eq "and tapqd still has it" "$IDX0" "$(status_field tqf .ifindex)"
assert_eq "nothing was taken for a deletion" "" "$(grep 'deleted from outside' "$DLOG")"

# -- deleted from outside: reported, and created again since the config declares it
IDX0=$(link_ifindex tqf)
ip -n "$TQ_NS" link del tqf
wait_until 50 0.1 "tapqd noticed the deletion" file_has "$DLOG" 'tqf: deleted from outside tapqd'
wait_until 50 0.1 "tapqd created tqf again" file_has "$DLOG" 'tqf: created again'
assert_ne "a new interface" "$IDX0" "$(link_ifindex tqf)"
assert_eq "status names the new ifindex" "$(link_ifindex tqf)" "$(status_field tqf .ifindex)"
assert_eq "with all its queues" "numqueues 4 numdisabled 0" "$(link_queues tqf)"

stop_daemon
finish
