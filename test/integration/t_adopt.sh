#!/bin/sh
# SPDX-License-Identifier: MIT
# t_adopt.sh - what a restarted tapqd does with fd store contents that no
# longer fit (under fakesd.c): a lease whose holder died while tapqd was
# down ends at once, and the device's bundle is stored anew without it; a
# device whose config changed (max_queues) is not adopted but created
# afresh; the bundle of a device no longer declared is logged and removed
# from the store.
. "$(dirname "$0")/lib.sh"
tq_init
CONF=$TQ_TMP/adopt.conf
conf() { # TQA_QUEUES WITH_TQC
	printf '[tapqd]\nsocket_mode = 0666\nlog_level = debug\n\n'
	printf '[device tqa]\nmax_queues = %s\n\n[device tqb]\nmax_queues = 2\n' "$1"
	[ "$2" = yes ] && printf '\n[device tqc]\nmax_queues = 2\n'
}
conf 4 yes >"$CONF"
start_fakesd "$CONF" || finish
IFX_A=$(link_ifindex tqa)
IFX_B=$(link_ifindex tqb)
tqprobe_bg "$TQ_TMP/probe.out" acquire tqb --hold
H=$BGPID
wait_until 100 0.1 "tqprobe holds tqb" file_has "$TQ_TMP/probe.out" '^holding'

conf 2 no >"$CONF"
# the holder dies while tapqd cannot see it, then tapqd dies
TP=$(tapqd_pid)
kill -STOP "$TP"
kill -KILL "$H"
poll_until 50 0.1 pid_dead "$H"
wait "$H" 2>/dev/null
untrack "$H"
kill -KILL "$TP"
wait_until 100 0.05 "fakesd restarted tapqd" sh -c "[ \$(grep -c ' READY=1' '$NLOG') -ge 2 ]"
wait_until 100 0.1 "the new tapqd answers" daemon_ready
LOG=$(cat "$DLOG")

assert_match "tqb's lease ended at once: its holder died while tapqd was down" \
	"tqb: lease of pid $H ended: holder exited while tapqd was down" "$LOG"
assert_match "tqb re-adopted, unleased" 'tqb: re-adopted from the fd store, ifindex [0-9]+, 2 of 2 queues active$' "$LOG"
assert_eq "tqb keeps its ifindex" "$IFX_B" "$(link_ifindex tqb)"
assert_eq "tqb not leased" false "$(status_field tqb .leased)"
# stored as b.0.tqb (generation 2, with the holder): now stored anew without it, then removed
AFTER=$(sed -n '/fds [0-9]* names .*b\.0\.tqb/,$p' "$NLOG" | grep -E 'FDNAME=b\.[01]\.tqb' | sed 's/^[0-9.]* //' | tr '\n' ';')
assert_match "its bundle went to the store anew without the holder pidfd, then the old one left" \
	'^FDSTORE=1 \| FDPOLL=0 \| FDNAME=b\.1\.tqb \[fds 1\];FDSTOREREMOVE=1 \| FDNAME=b\.0\.tqb;$' "$AFTER"
assert_ok "tqb can be acquired" tqprobe acquire tqb --expect 2

assert_match "tqa (4 queues stored, 2 declared) is not re-adopted, saying why" \
	'tqa: not re-adopted: stored queue [23], the config has 2' "$LOG"
assert_match "and is created afresh" 'tqa: created, ifindex [0-9]+, 2 of 2 queues active' "$LOG"
assert_ne "a new tqa" "$IFX_A" "$(link_ifindex tqa)"
assert_eq "with 2 queues" "numqueues 2 numdisabled 0" "$(link_queues tqa)"

assert_match "tqc's bundle, no longer declared, is logged" \
	'fd store: b\.1\.tqc matches no declared device: removed' "$LOG"
assert_match "and removed from the store" 'FDSTOREREMOVE=1 \| FDNAME=b\.1\.tqc' "$(cat "$NLOG")"
wait_until 50 0.1 "tqc is gone" link_gone tqc
stop_daemon
finish
