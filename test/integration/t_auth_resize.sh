#!/bin/sh
# SPDX-License-Identifier: MIT
# t_auth_resize.sh - a daemon-mode lease is resized only by its holder, a
# connection that resumed it with its token, or root: nobody, allowed on the
# same device, cannot shrink uid 12345's lease, nor can 12345 from another
# process; the holder grows its own lease and root shrinks it.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/auth.conf" || finish

as_12345() {
	timeout 20 nsenter -t "$DPID" -m -n setpriv --reuid=12345 --regid=12345 \
		--clear-groups "$@"
}

# uid 12345 holds tqshare in daemon mode, all 4 queues attached
bg "$TQ_TMP/h.out" nsenter -t "$DPID" -m -n setpriv --reuid=12345 --regid=12345 \
	--clear-groups "$TAPQCTL" acquire tqshare --mode daemon --json
H=$BGPID
wait_until 100 0.1 "uid 12345 holds tqshare in daemon mode" holder_is tqshare "$H"
assert_eq "4 of 4 attached" "numqueues 4 numdisabled 0" "$(link_queues tqshare)"

assert_refused "nobody: resize of uid 12345's daemon-mode lease refused" tq_nobody resize tqshare 1
say "       tapqctl said: $REF_OUT"
assert_match "the refusal says who may" "leased in daemon mode by pid $H: only that process, root" "$REF_OUT"
assert_eq "still 4 of 4 attached" "numqueues 4 numdisabled 0" "$(link_queues tqshare)"
assert_eq "status: still 4 active" 4 "$(status_field tqshare .active_queues)"

assert_refused "uid 12345 from another process: refused as well" as_12345 "$TAPQCTL" resize tqshare 2
assert_eq "still 4 of 4 attached after it" "numqueues 4 numdisabled 0" "$(link_queues tqshare)"

assert_ok "root shrinks it (the holder acknowledges)" tq resize tqshare 2
assert_eq "root's resize applied" "numqueues 2 numdisabled 2" "$(link_queues tqshare)"
stop_bg "$H"
wait_until 50 0.1 "the lease ends with its holder" leased_is tqshare false

# the holder itself, on its own connection: tqprobe grows its lease from 2 to 3
assert_ok "tqshare back to 2 active" tq resize tqshare 2
OUT=$(timeout 60 nsenter -t "$DPID" -m -n setpriv --reuid=12345 --regid=12345 --clear-groups \
	"$TQPROBE" acquire tqshare --mode daemon --expect 4 --expect-active 2 --grow 3 2>&1)
RC=$?
printf '%s\n' "$OUT" | sed 's/^/       /'
assert_eq "uid 12345's holder resizes its own lease" 0 "$RC"
assert_match "it grew to 3" '^grew to 3$' "$OUT"
wait_until 50 0.1 "that lease ends too" leased_is tqshare false
assert_eq "and the kernel has 3 attached" "numqueues 3 numdisabled 1" "$(link_queues tqshare)"

# an unleased device stays anyone's to resize who may use it
assert_ok "nobody resizes the unleased tqshare" tq_nobody resize tqshare 4
assert_eq "nobody's resize applied" "numqueues 4 numdisabled 0" "$(link_queues tqshare)"

assert_ok "tapqd still answers" tq status
stop_daemon
finish
