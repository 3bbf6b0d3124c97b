#!/bin/sh
# SPDX-License-Identifier: MIT
# t_nosd.sh - without a service manager (no fd store), tapqd killed with
# SIGKILL during a ping flood through a client-mode lease: the restarted
# tapqd finds tqa's interface alive and its holder living (the lease state
# file says whose it is), and waits for it: status shows it leased by that
# pid and waiting, a second acquire is refused naming the holder. The holder
# resumes with its token and its queue fds (a wrong token and a short set
# refused first), and tqa is re-adopted, same ifindex, no packet lost. tqv,
# whose holder exits without resuming, goes with its fds and is created
# afresh. The lease of tqa ends when its holder exits; tqa stays.
. "$(dirname "$0")/lib.sh"
tq_init
# 20 s of flood at 2 ms: the restart and every check below happen while it runs, even on a loaded machine
COUNT=10000
start_daemon "$TQ_DIR/basic.conf" || finish
state_file() { nsenter -t "$DPID" -m stat -c '%a %s' /run/tapqd/leases; }

pong_on_tqa "$COUNT" --hold
tqprobe_bg "$TQ_TMP/hold" acquire tqv --hold
V=$BGPID
wait_until 100 0.1 "tqprobe holds tqv" file_has "$TQ_TMP/hold" '^holding'
IFX_A=$(link_ifindex tqa)
IFX_V=$(link_ifindex tqv)
# header 24 bytes + 44 per lease; the file carries no config (only the fd store copy does)
assert_eq "the lease state file, 0600, has both leases" "600 112" "$(state_file)"

# every packet goes from the namespace to the fake peer behind tqa's queues
bg "$TQ_TMP/ping" ip netns exec "$TQ_NS" ping -n -q -f -i 0.002 -c "$COUNT" -w 100 192.0.2.2
PING=$BGPID
echoes() { grep -c '^echo request' "$TQ_TMP/pong"; }
some_echoes() { [ "$(echoes)" -ge 300 ]; }
wait_until 100 0.1 "the flood runs through the leased queues" some_echoes

OLD=$DPID
kill -KILL "$OLD"
poll_until 50 0.1 pid_dead "$OLD"
wait "$OLD" 2>/dev/null
untrack "$OLD"
assert_ok "tqa lives on with its holder" link_exists tqa
T0=$(date +%s%N)
# plainly, as an init script would: the same /run, no fd store
start_daemon_in "$H" "$TQ_DIR/basic.conf" || finish
T1=$(date +%s%N)
LOG=$(cat "$DLOG")
assert_match "the restarted tapqd waits for tqa's holder" \
	"tqa: interface alive \\(ifindex $IFX_A\\), held by pid $H under the lease of an earlier tapqd: waiting for it to resume with its fds" \
	"$LOG"
assert_nomatch "and deletes nothing" 'tq[av]: (created|removed)' "$LOG"
assert_eq "status: tqa waiting" true "$(status_field tqa .waiting)"
assert_eq "status: leased by pong" "true $H client" \
	"$(status_field tqa .leased) $(status_field tqa .holder_pid) $(status_field tqa .control)"
assert_eq "status: same ifindex, queue states unknown (0 active)" "$IFX_A 4 0" \
	"$(status_field tqa .ifindex) $(status_field tqa .max_queues) $(status_field tqa .active_queues)"
assert_eq "the kernel: the holder's 4 queues, none added" "numqueues 4 numdisabled 0" "$(link_queues tqa)"
assert_eq "tapqd has no fd of tqa" 0 "$(tap_fds_of "$DPID" tqa | wc -l)"
assert_refused "a second acquire of tqa is refused" tq acquire tqa
assert_match "naming the holder" "leased by pid $H" "$REF_OUT"
assert_eq "tqv waits for its holder too" "true $V" "$(status_field tqv .waiting) $(status_field tqv .holder_pid)"

kill -USR1 "$H"
wait_until 100 0.1 "the holder resumes with its token and fds" file_has "$TQ_TMP/pong" '^resumed tqa with 4 fds'
T2=$(date +%s%N)
assert_match "a wrong token is refused" '^resume with a wrong token: Operation not permitted: tqa: wrong lease token' \
	"$(cat "$TQ_TMP/pong")"
assert_match "the queues of a same-named tap of another network namespace are refused" \
	'^resume with the fds of a tqa of another netns: .*no tap queue of this network namespace' "$(cat "$TQ_TMP/pong")"
assert_match "a holder asked for fds that sends another request is closed, its fd too" \
	'^resume, another request first: error\+closed ERROR 74 RESUME_FDS was asked for, another request came; the extra fd closed by tapqd' \
	"$(cat "$TQ_TMP/pong")"
assert_match "a holder that sends more than the RESUME_FDS asked for is closed, its extra fd too" \
	'^resume with an extra message: error\+closed ERROR 74 fds attached to a request that takes none; the extra fd closed by tapqd' \
	"$(cat "$TQ_TMP/pong")"
assert_match "3 of 4 fds are refused" '^resume with 3 fds: Invalid argument: tqa: 3 fds, the device has 4 queues' \
	"$(cat "$TQ_TMP/pong")"
assert_match "tqa re-adopted from the holder's fds" \
	"tqa: re-adopted from the fds of pid $H, ifindex $IFX_A, 4 of 4 queues active, leased" "$(cat "$DLOG")"
assert_eq "status: no longer waiting, same ifindex, 4 active, pong's" "false $IFX_A 4 $H" \
	"$(status_field tqa .waiting) $(status_field tqa .ifindex) $(status_field tqa .active_queues) $(status_field tqa .holder_pid)"
assert_eq "tapqd keeps one copy of each queue, none of the refused ones" 4 "$(tap_fds_of "$DPID" tqa | wc -l)"
assert_refused "still refused to others" tq acquire tqa

stop_bg "$V"
wait_until 50 0.1 "tqv, its holder gone without resuming, is created afresh" \
	sh -c "grep -q 'tqv: created again, ifindex' '$DLOG'"
assert_match "said why" "tqv: its interface went with its holder's fds \\(ifindex $IFX_V\\): creating it afresh" \
	"$(cat "$DLOG")"
assert_ne "a new tqv" "$IFX_V" "$(link_ifindex tqv)"
assert_eq "unleased, not waiting, 4 queues" "false false numqueues 4 numdisabled 0" \
	"$(status_field tqv .leased) $(status_field tqv .waiting) $(link_queues tqv)"
assert_ok "tqv can be acquired" tqprobe acquire tqv --expect 4

say "       restart to ready: $(((T1 - T0) / 1000000)) ms; SIGUSR1 to re-adopted: $(((T2 - T1) / 1000000)) ms (polled at 100 ms); pong: $(grep '^resumed' "$TQ_TMP/pong")"
flood_lost_none "$PING" "$COUNT" "$TQ_TMP/ping"

wait_until 50 0.1 "pong answered all $COUNT and holds tqa" file_has "$TQ_TMP/pong" "^holding tqa after $COUNT "
kill -TERM "$H"
pong_done "$H" "$COUNT" tqa
assert_eq "tqa stays, tapqd's own" "$IFX_A" "$(link_ifindex tqa)"
assert_ok "tqa can be acquired again" tqprobe acquire tqa --expect 4
assert_eq "the state file has no lease left" "600 24" "$(state_file)"
stop_daemon
finish
