#!/bin/sh
# SPDX-License-Identifier: MIT
# t_auth_handover.sh - a lease is handed over only to a process its
# requester could signal (kill(2): the same real or saved uid), never to
# pid 1 or tapqd unless root asks: nobody cannot park its lease on init,
# on tapqd, on a root process or on another uid's process, even one the
# device's allow list names; it can on a process of its own, and root on
# anyone's.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/auth.conf" || finish

bg "$TQ_TMP/root.sleep" sleep 120
ROOTP=$BGPID
bg "$TQ_TMP/u.sleep" setpriv --reuid=12345 --regid=12345 --clear-groups sleep 120
UP=$BGPID
bg "$TQ_TMP/n.sleep" setpriv --reuid=nobody --regid=nogroup --clear-groups sleep 120
NP=$BGPID
wait_until 50 0.1 "the targets run" sh -c "[ \"\$(stat -c %u /proc/$UP)\" = 12345 ] &&
	[ \"\$(stat -c %u /proc/$NP)\" = 65534 ]"

# refused TARGET WHAT: nobody acquires tqshare and tries to hand it to TARGET
refused() {
	OUT=$(tqprobe_nobody acquire tqshare --handover "$1" 2>&1)
	RC=$?
	say "       $2: $(printf '%s\n' "$OUT" | tail -n 1)"
	assert_eq "nobody: handover of tqshare to $2 (pid $1) refused" 1 "$RC"
	assert_match "the refusal says why" "may not hand its lease to pid $1: only to a process of its own uid" "$OUT"
	wait_until 50 0.1 "the lease ended with nobody's probe, not kept by pid $1" leased_is tqshare false
}

refused 1 "pid 1"
refused "$DPID" "tapqd itself"
refused "$ROOTP" "a root process"
refused "$UP" "uid 12345's process (allowed on tqshare)"
assert_match "the refusal is logged with the requester's uid" \
	"refused pid [0-9]+ uid 65534 \\(bad_target\\): tqshare: uid 65534 may not hand its lease to pid $UP" \
	"$(cat "$DLOG")"

OUT=$(tqprobe_nobody acquire tqshare --handover "$NP" 2>&1)
assert_eq "nobody hands tqshare to a process of its own" 0 "$?"
assert_eq "that process holds the lease" "$NP" "$(status_field tqshare .holder_pid)"
stop_bg "$NP"
wait_until 50 0.1 "the lease ends when it exits" leased_is tqshare false

OUT=$(tqprobe acquire tqshare --handover "$UP" 2>&1)
assert_eq "root hands tqshare to uid 12345's process" 0 "$?"
assert_eq "uid 12345's process holds it" "$UP" "$(status_field tqshare .holder_pid)"
stop_bg "$UP"
wait_until 50 0.1 "and the lease ends with it" leased_is tqshare false

assert_ok "tapqd still answers" tq status
stop_daemon
finish
