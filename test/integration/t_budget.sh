#!/bin/sh
# SPDX-License-Identifier: MIT
# t_budget.sh - queue_memory sets each queue's ring (txqueuelen): sized for
# every queue at creation, resized with the active set while unleased, and
# never under a lease (the new size waits for its end).
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/follow.conf" || finish

# queue_memory 4M, MTU 1500: a frame is 1500 + 26 bytes
ring() { echo $((4194304 / ($1 * 1526))); } # ACTIVE_QUEUES
qlen() { ip -n "$TQ_NS" link show dev tqbudget | sed -n 's/.* qlen \([0-9]*\).*/\1/p'; }

assert_eq "created for 4 queues: kernel qlen" "$(ring 4)" "$(qlen)"
assert_eq "status txqueuelen" "$(ring 4)" "$(status_field tqbudget .txqueuelen)"
assert_eq "status queue_memory" 4194304 "$(status_field tqbudget .queue_memory)"
assert_eq "status worst case = ring x 64 KiB" "$(($(ring 4) * 65536))" "$(status_field tqbudget .ring_worst_case_bytes)"
assert_eq "a fixed txqueuelen has no budget" null "$(status_field tqf .queue_memory)"
assert_match "text status shows ring and worst case" "ring $(ring 4) packets/queue \\(worst case 42\\.9 MiB/queue" "$(tq status tqbudget)"

assert_ok "resize tqbudget 1" tq resize tqbudget 1
assert_eq "1 active: the ring grows" "$(ring 1)" "$(qlen)"
assert_ok "resize tqbudget 2" tq resize tqbudget 2
assert_eq "2 active, unleased: shrinks at once" "$(ring 2)" "$(qlen)"
assert_eq "no pending shrink" null "$(status_field tqbudget .txqueuelen_pending)"

tq_bg "$TQ_TMP/hold.out" acquire tqbudget --mode daemon
H=$BGPID
wait_until 100 0.1 "daemon-mode lease taken" holder_is tqbudget "$H"
assert_ok "resize the lease to 1" tq resize tqbudget 1
assert_eq "leased, 1 active: the ring is not resized under the holder" "$(ring 2)" "$(qlen)"
assert_eq "the larger ring is pending" "$(ring 1)" "$(status_field tqbudget .txqueuelen_pending)"
assert_match "status says so" "$(ring 1) once released" "$(tq status tqbudget)"
assert_ok "resize the lease to 4" tq resize tqbudget 4
assert_eq "leased, 4 active: still not resized" "$(ring 2)" "$(qlen)"
assert_eq "the smaller ring is pending" "$(ring 4)" "$(status_field tqbudget .txqueuelen_pending)"
stop_bg "$H"
wait_until 50 0.1 "lease ends" leased_is tqbudget false
assert_eq "the lease ended: the pending ring is applied" "$(ring 4)" "$(qlen)"
assert_eq "nothing pending" null "$(status_field tqbudget .txqueuelen_pending)"

stop_daemon
finish
