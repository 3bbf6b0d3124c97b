#!/bin/sh
# SPDX-License-Identifier: MIT
# t_refusals.sh - refusals are counted, every one, and logged at most 10
# every 5 s per uid with a count of the rest: 2,000 wrong-token RESUMEs from
# nobody give a handful of log lines and a "more not logged" line whose
# count makes up the 2,000, the counters in status say 2,000, root's own
# refusal in the same seconds is still logged, and refused RELEASE and
# HANDOVER (EPERM) are logged and counted too.
. "$(dirname "$0")/lib.sh"
TQCONN=$BUILD/test/integration/tqconn
N=2000
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

tq_bg "$TQ_TMP/root.out" acquire tqnobody --json
R=$BGPID
wait_until 100 0.1 "root holds tqnobody (nobody is on its allow list)" holder_is tqnobody "$R"

# log lines of nobody's token refusals, in the old wording and the new
token_lines() { grep -c '65534.*token' "$DLOG"; }
# what the "N more not logged" lines of uid 65534 add up to
suppressed_sum() { sed -n 's/.*refusals of uid 65534: \([0-9]*\) more not logged.*/\1/p' "$DLOG" | awk '{ s += $1 } END { print s + 0 }'; }
all_said() { [ $(($(token_lines) + $(suppressed_sum))) -eq "$N" ]; }

T0=$(date +%s%N)
OUT=$(timeout 120 nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$TQCONN" resume-wrong tqnobody "$N")
T1=$(date +%s%N)
SECS=$(((T1 - T0) / 1000000000))
say "       nobody: $OUT (in $(((T1 - T0) / 1000000)) ms)"
assert_match "nobody: all $N wrong-token RESUMEs refused" "^refused $N of $N \\(last: Operation not permitted: tqnobody: wrong lease token\\)" "$OUT"

# root's refusal within the same window is its own budget
OUT=$(tqprobe resume tqnobody 00000000000000000000000000000000 5 2>&1)
assert_match "root's wrong-token RESUME, right after, is logged (another uid)" 'refused pid [0-9]+ uid 0 \(bad_token\)' "$(cat "$DLOG")"

wait_until 100 0.1 "the lines plus the suppressed count make up $N (the window ended)" all_said
LINES=$(token_lines)
BOUND=$((10 * (SECS / 5 + 2)))
say "       log: $LINES lines of nobody's refusals, $(suppressed_sum) more said as a count, $(grep -c 'more not logged' "$DLOG") such line(s)"
if [ "$LINES" -le "$BOUND" ]; then
	pass "at most $BOUND lines for $N refusals in ${SECS}s (10 every 5 s)"
else
	fail "at most $BOUND lines for $N refusals in ${SECS}s (10 every 5 s)" "<= $BOUND" "$LINES"
fi
assert_match "the suppressed count is said" 'refusals of uid 65534: [0-9]+ more not logged \(at most 10 every 5 s\)' "$(cat "$DLOG")"
assert_eq "status counts every one: refusals.bad_token" "$((N + 1))" "$(jget "$(tq status --json)" .refusals.bad_token)"
assert_match "plain status too" "refused since tapqd started: .*bad_token $((N + 1))" "$(tq status)"

# -- EPERM on RELEASE and HANDOVER: logged and counted
assert_refused "nobody cannot release root's lease" tq_nobody release tqnobody
OUT=$(timeout 20 nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$TQCONN" handover tqnobody "$$")
assert_match "nobody cannot hand root's lease over" 'Operation not permitted' "$OUT"
assert_match "the refused release is logged" 'refused pid [0-9]+ uid 65534 \(not_permitted\): tqnobody is leased by pid [0-9]+: only that process, root or the lease token can release it' "$(cat "$DLOG")"
assert_match "the refused handover is logged" 'refused pid [0-9]+ uid 65534 \(not_permitted\): tqnobody is leased by pid [0-9]+: only that process or the lease token can hand it over' "$(cat "$DLOG")"
assert_eq "both counted: refusals.not_permitted" 2 "$(jget "$(tq status --json)" .refusals.not_permitted)"
assert_eq "root still holds tqnobody" "$R" "$(status_field tqnobody .holder_pid)"
stop_bg "$R"

# -- what an allowed user does succeeds, and its info lines are limited too:
# resizing in a loop must not push real messages out of the journal either
wait_until 50 0.1 "tqnobody unleased" leased_is tqnobody false
resize_lines() { grep -cE 'tqnobody: [12] of 2 queues active' "$DLOG"; }
L0=$(resize_lines)
T0=$(date +%s)
assert_ok "nobody resizes tqnobody 300 times" timeout 120 nsenter -t "$DPID" -m -n \
	setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c \
	"for i in \$(seq 300); do $TAPQCTL resize tqnobody \$((i % 2 + 1)) >/dev/null || exit 1; done"
SECS=$(($(date +%s) - T0))
LINES=$(($(resize_lines) - L0))
BOUND=$((50 * (SECS / 10 + 2)))
say "       log: $LINES resize lines of nobody's 300 in ${SECS}s"
if [ "$LINES" -le "$BOUND" ]; then
	pass "at most $BOUND lines for 300 resizes in ${SECS}s (50 info lines every 10 s per uid)"
else
	fail "at most $BOUND lines for 300 resizes in ${SECS}s" "<= $BOUND" "$LINES"
fi
wait_until 150 0.1 "the rest said as a count once the window is over" \
	file_has "$DLOG" 'requests of uid 65534: [0-9]+ more info lines not logged'

stop_daemon
finish
