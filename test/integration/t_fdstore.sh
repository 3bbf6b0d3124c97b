#!/bin/sh
# SPDX-License-Identifier: MIT
# t_fdstore.sh - what tapqd tells a service manager (fakesd.c): READY=1 only
# once the socket listens, STATUS= lines, one FDSTORE=1 message per device
# with one fd, its bundle (its queues in flight in a socket), stored anew
# with the holder's pidfd under the other name as a lease comes and goes,
# and the lease state, and on SIGTERM STOPPING=1 without any FDSTOREREMOVE. A restart
# (fakesd's SIGUSR1: SIGTERM, then a start with the store kept) logs no
# unleased device as removed, since each lives on in the store and is
# re-adopted with its ifindex; without a service manager, SIGTERM does
# remove an unleased, non-persistent device, and says so.
. "$(dirname "$0")/lib.sh"
tq_init
start_fakesd "$TQ_DIR/basic.conf" || finish
wait_until 50 0.1 "READY=1 came" file_has "$NLOG" ' READY=1'
say "       notify messages at start (excerpt):"
grep -v 'FDNAME=b\.' "$NLOG" | head -n 8 | sed 's/^/       | /'

assert_eq "one READY=1" 1 "$(ready_count)"
assert_match "the socket listened when READY=1 came" 'READY=1.*\[socket listening\]' "$(cat "$NLOG")"
assert_match "READY=1 carries the status" 'READY=1 \| STATUS=5 devices, 0 leased, 13 of 13 queues active' \
	"$(cat "$NLOG")"

# basic.conf: tqa, tqv, tqnobody, tqroot, tqgroup: one bundle each, generation 1
EXPECT=$(printf 'b.1.%s\n' tqa tqv tqnobody tqroot tqgroup | sort | tr '\n' ' ')
SEEN=$(sed -n 's/.* FDSTORE=1 | FDPOLL=0 | FDNAME=\(b\.[^ ]*\) \[fds 1\]$/\1/p' "$NLOG" | sort | tr '\n' ' ')
assert_eq "one FDSTORE=1 message with one fd per device, named b.1.DEVICE" "$EXPECT" "$SEEN"
assert_eq "no FDSTORE=1 message carries more than one fd" "" \
	"$(grep 'FDSTORE=1' "$NLOG" | grep -v '\[fds 1\]$')"
assert_eq "no name has a ':'" "" "$(grep -o 'FDNAME=[^ ]*' "$NLOG" | grep ':')"
assert_eq "no READY=1 before the last bundle was stored" "" \
	"$(sed -n '/READY=1/,$p' "$NLOG" | grep 'FDNAME=b\.')"
assert_eq "nothing stored one fd per queue, as up to 0.3" "" "$(grep -E 'FDNAME=(q|h)\.' "$NLOG")"
assert_match "the first tapqd got no fds from fakesd" '# start pid [0-9]+ fds 0 ' "$(head -n 1 "$NLOG")"

# a lease: the holder's pidfd and the state go in, and leave with the lease
tqprobe_bg "$TQ_TMP/probe.out" acquire tqa --hold
H=$BGPID
wait_until 100 0.1 "tqprobe holds tqa" file_has "$TQ_TMP/probe.out" '^holding'
wait_until 50 0.1 "tqa's bundle went to the store anew, with the holder's pidfd" \
	file_has "$NLOG" 'FDSTORE=1 \| FDPOLL=0 \| FDNAME=b\.0\.tqa \[fds 1\]'
assert_match "then the bundle before it left" 'FDNAME=b\.0\.tqa \[fds 1\];FDSTOREREMOVE=1 \| FDNAME=b\.1\.tqa;' \
	"$(grep -E 'FDNAME=b\.[01]\.tqa' "$NLOG" | sed 's/^[0-9.]* //' | tr '\n' ';')"
# the new state goes in under the other name before the old one leaves:
# a crash in between leaves both, never none (the newer generation wins)
STATES=$(sed -n '/FDNAME=b\.0\.tqa \[fds 1\]/,$p' "$NLOG" | grep -Eo 'FDSTORE(REMOVE)?=1 .*FDNAME=state\.[01]' | head -n 2 |
	sed 's/ | FDPOLL=0//' | tr '\n' ';')
assert_match "and the lease state, stored anew before the old one is removed" \
	'^FDSTORE=1 \| FDNAME=state\.([01]);FDSTOREREMOVE=1 \| FDNAME=state\.[01];$' "$STATES"
assert_nomatch "under the other name" 'state\.0;.*state\.0;|state\.1;.*state\.1;' "$STATES"
wait_until 50 0.1 "STATUS= follows the lease" file_has "$NLOG" 'STATUS=5 devices, 1 leased'
stop_bg "$H"
wait_until 50 0.1 "lease ends with its holder" leased_is tqa false
wait_until 50 0.1 "the bundle without the pidfd replaced it" sh -c "sed -n '/FDNAME=b.0.tqa \\[fds 1\\]/,\$p' '$NLOG' | grep -q 'FDSTORE=1 | FDPOLL=0 | FDNAME=b.1.tqa'"
wait_until 50 0.1 "and the one with the pidfd left the store" sh -c "sed -n '/FDNAME=b.0.tqa \\[fds 1\\]/,\$p' '$NLOG' | grep -q 'FDSTOREREMOVE=1 | FDNAME=b.0.tqa'"

# a restart, as `systemctl restart`: the unleased devices live on in the store
IFX_V=$(link_ifindex tqv)
IFX_A=$(link_ifindex tqa)
TP=$(tapqd_pid)
R0=$(ready_count)
LOG0=$(wc -l <"$DLOG")
kill -USR1 "$DPID"
wait_until 100 0.1 "fakesd restarted tapqd and it said READY=1" sh -c "[ \$(grep -c ' READY=1' '$NLOG') -gt $R0 ]"
wait_until 100 0.1 "the new tapqd answers" daemon_ready
assert_ne "a new tapqd" "$TP" "$(tapqd_pid)"
assert_match "the old one exited on SIGTERM, status 0" "# exit pid $TP status 0" "$(cat "$NLOG")"
STOPLOG=$(sed -n "$((LOG0 + 1)),\$p" "$DLOG")
say "       tapqd log around the restart (excerpt):"
printf '%s\n' "$STOPLOG" | grep -E 'tqv|stopping|ready' | head -n 8 | sed 's/^/       | /'
assert_eq "the stop does not log tqv as removed (it lives on in the store)" "" \
	"$(printf '%s\n' "$STOPLOG" | grep -E 'tqv: removed')"
assert_eq "nor any other unleased device" "" \
	"$(printf '%s\n' "$STOPLOG" | grep -E '(tqa|tqnobody|tqroot|tqgroup): removed')"
assert_match "the new tapqd re-adopts tqv from the fd store" \
	"tqv: re-adopted from the fd store, ifindex $IFX_V," "$STOPLOG"
assert_eq "tqv keeps its ifindex" "$IFX_V" "$(link_ifindex tqv)"
assert_eq "tqa keeps its ifindex" "$IFX_A" "$(link_ifindex tqa)"
assert_eq "tqv: unleased, 4 queues" "false numqueues 4 numdisabled 0" "$(status_field tqv .leased) $(link_queues tqv)"

# SIGTERM: STOPPING=1 and nothing removed
TP=$(tapqd_pid)
kill -TERM "$TP"
wait_until 100 0.1 "tapqd exits on SIGTERM, and fakesd with it" pid_dead "$DPID"
wait "$DPID"
assert_eq "tapqd exit status 0 (fakesd passes it on)" 0 "$?"
untrack "$DPID"
assert_match "STOPPING=1 sent" ' STOPPING=1$' "$(cat "$NLOG")"
# after each STOPPING=1 (the restart's, and this one) until the next start
assert_eq "no FDSTOREREMOVE after STOPPING=1" "" \
	"$(awk '/ STOPPING=1$/ { s = 1 } /^[0-9.]* # start pid / { s = 0 } s && /FDSTOREREMOVE/' "$NLOG")"
assert_match "fakesd saw a clean exit, no restart" "# exit pid $TP status 0" "$(cat "$NLOG")"
say "       notify messages at the end:"
tail -n 4 "$NLOG" | sed 's/^/       | /'
check_daemon_log

# without a service manager, SIGTERM removes an unleased, non-persistent
# device, and the log says so
wait_until 50 0.1 "the store went with fakesd: tqv is gone" link_gone tqv
start_daemon "$TQ_DIR/basic.conf" || finish
assert_ok "plain tapqd: tqv exists" link_exists tqv
stop_daemon
assert_match "plain SIGTERM: tqv logged as removed" 'tqv: removed' "$(cat "$DLOG")"
wait_until 50 0.1 "and its interface is gone" link_gone tqv
finish
