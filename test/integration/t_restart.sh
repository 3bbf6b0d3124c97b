#!/bin/sh
# SPDX-License-Identifier: MIT
# t_restart.sh - tapqd killed with SIGKILL during a ping flood through a
# leased queue, under a service manager (fakesd.c) that restarts it with
# the fd store: no packet lost, the devices keep their ifindex, the lease
# comes back (same holder, same mode), status is the same before and after,
# the device is still refused to others while the holder lives, the holder
# can resume with its token, and the lease ends when the holder exits.
. "$(dirname "$0")/lib.sh"
tq_init
COUNT=3000
start_fakesd "$TQ_DIR/basic.conf" || finish

# the holder keeps its lease after the flood, until told: the checks after
# the restart need it alive however long they take on a loaded machine
pong_on_tqa "$COUNT" --hold
TOKEN=$(sed -n 's/^ready .* token \([0-9a-f]*\)$/\1/p' "$TQ_TMP/pong")
IFX_A=$(link_ifindex tqa)
IFX_V=$(link_ifindex tqv)
BEFORE=$(tq status --json | jq -S .)
assert_eq "holder is pong" "$H" "$(jget "$BEFORE" '.devices[] | select(.name == "tqa") | .holder_pid')"

# every packet goes from the namespace to the fake peer behind tqa's queues
bg "$TQ_TMP/ping" ip netns exec "$TQ_NS" ping -n -q -f -i 0.002 -c "$COUNT" -w 100 192.0.2.2
PING=$BGPID
echoes() { grep -c '^echo request' "$TQ_TMP/pong"; }
some_echoes() { [ "$(echoes)" -ge 300 ]; }
wait_until 100 0.1 "the flood runs through the leased queues" some_echoes

OLD=$(tapqd_pid)
T0=$(date +%s.%N)
kill -KILL "$OLD"
wait_until 100 0.05 "fakesd restarted tapqd and it said READY=1" sh -c "[ \$(grep -c ' READY=1' '$NLOG') -ge 2 ]"
T1=$(grep ' READY=1' "$NLOG" | sed -n 2p | cut -d' ' -f1)
AT_READY=$(echoes)
NEW=$(tapqd_pid)
assert_ne "a new tapqd" "$OLD" "$NEW"
assert_match "fakesd saw the SIGKILL" "# exit pid $OLD signal 9" "$(cat "$NLOG")"
assert_match "and passed back a bundle per device (5, tqa's with the holder pidfd) and the state" \
	"# start pid $NEW fds 6 " "$(cat "$NLOG")"
MS=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%d", (b - a) * 1000 }')
say "       SIGKILL to READY=1 of the new tapqd: $MS ms (echo requests answered by then: $AT_READY of $COUNT)"
assert_ok "tapqd answers again" tq status
wait_until 100 0.1 "the new tapqd answers" daemon_ready

assert_eq "tqa keeps its ifindex" "$IFX_A" "$(link_ifindex tqa)"
assert_eq "tqv keeps its ifindex" "$IFX_V" "$(link_ifindex tqv)"
assert_match "tqa re-adopted, leased" 'tqa: re-adopted from the fd store, ifindex [0-9]+, 4 of 4 queues active, leased' \
	"$(cat "$DLOG")"
assert_match "its lease restored" "tqa: lease of pid $H restored, client control" "$(cat "$DLOG")"
AFTER=$(tq status --json | jq -S .)
assert_eq "tapqctl status --json identical before and after" "$BEFORE" "$AFTER"
assert_eq "holder pid kept" "$H" "$(status_field tqa .holder_pid)"
assert_eq "control mode kept" client "$(status_field tqa .control)"

assert_refused "a second acquire of tqa is refused" tq acquire tqa
assert_match "naming the holder" "leased by pid $H" "$REF_OUT"
assert_refused "resume with a wrong token is refused" tqprobe resume tqa 00000000000000000000000000000000 5
tqprobe_bg "$TQ_TMP/resume" resume tqa "$TOKEN" 120
R=$BGPID
wait_until 100 0.1 "the holder's token resumes the lease on a new connection" file_has "$TQ_TMP/resume" '^resumed'

flood_lost_none "$PING" "$COUNT" "$TQ_TMP/ping"

wait_until 50 0.1 "pong answered all $COUNT and holds tqa" file_has "$TQ_TMP/pong" "^holding tqa after $COUNT "
kill -TERM "$H"
pong_done "$H" "$COUNT" tqa
wait_until 50 0.1 "the resumed connection got LEASE_ENDED" file_has "$TQ_TMP/resume" "^ok lease ended, holder pid $H"
stop_bg "$R"
assert_ok "tqa can be acquired again" tqprobe acquire tqa --expect 4

stop_daemon
say "       notify messages around the restart:"
grep -E "READY=1|# (exit|start)" "$NLOG" | cut -c1-150 | sed 's/^/       | /'
finish
