#!/bin/sh
# SPDX-License-Identifier: MIT
# t_notify.sh - the rest of what tapqd tells a service manager (fakesd.c):
# WATCHDOG=1 at half the interval asked for, RELOADING=1 with MONOTONIC_USEC=
# then READY=1 around a reload, a refused reload in the STATUS= line
# until a good one clears it, and a STATUS= line that counts a lease no more
# once it ended (its holder exited, or root released it).
. "$(dirname "$0")/lib.sh"
tq_init
CONF=$TQ_TMP/notify.conf
cp "$TQ_DIR/basic.conf" "$CONF"
# a 600 ms watchdog: tapqd pings every 300 ms
start_fakesd "$CONF" 600000 || finish
wait_until 50 0.1 "READY=1 came" file_has "$NLOG" ' READY=1'
assert_match "tapqd logged the watchdog interval" 'watchdog: every 300 ms' "$(cat "$DLOG")"
wait_until 30 0.1 "three WATCHDOG=1 came" sh -c "[ \$(grep -c ' WATCHDOG=1\$' '$NLOG') -ge 3 ]"
assert_eq "none before READY=1" "" "$(sed -n '/READY=1/q;p' "$NLOG" | grep WATCHDOG)"
# fakesd stamps messages with the wall clock: the pings are about 300 ms apart
GAPS=$(grep ' WATCHDOG=1$' "$NLOG" | awk '{ if (NR > 1) printf "%d\n", ($1 - t) * 1000; t = $1 }')
say "       gaps between WATCHDOG=1 (ms): $(printf '%s ' $GAPS)"
assert_eq "every gap under the 600 ms interval" "" "$(printf '%s\n' $GAPS | awk '$1 >= 600')"

# a reload: RELOADING=1 with the monotonic clock, then READY=1 again
READY0=$(ready_count)
assert_ok "tapqctl reload" tq reload
wait_until 30 0.1 "READY=1 after the reload" sh -c "[ \$(grep -c ' READY=1' '$NLOG') -gt $READY0 ]"
RL=$(grep 'RELOADING=1' "$NLOG" | tail -n 1)
assert_match "RELOADING=1 with MONOTONIC_USEC" 'RELOADING=1 \| MONOTONIC_USEC=[0-9]+ \[monotonic skew -?[0-9]+ ms\]$' "$RL"
SKEW=$(printf '%s\n' "$RL" | sed -n 's/.*monotonic skew \(-\{0,1\}[0-9]*\) ms.*/\1/p')
assert_eq "MONOTONIC_USEC is CLOCK_MONOTONIC when sent (fakesd's clock, within 5 s)" 1 \
	"$(awk -v s="$SKEW" 'BEGIN { print (s >= 0 && s < 5000) ? 1 : 0 }')"
assert_eq "READY=1 follows RELOADING=1" "READY=1" \
	"$(sed -n '/RELOADING=1/,$p' "$NLOG" | grep -o 'READY=1' | tail -n 1)"

# a refused reload shows in STATUS=, and a good one clears it
printf '[device tqbad]\nmax_queues = 999\n' >>"$CONF"
assert_refused "a broken config is refused" tq reload
wait_until 30 0.1 "STATUS= names the file and line" file_has "$NLOG" "config not reloaded: $CONF:[0-9]+: max_queues"
cp "$TQ_DIR/basic.conf" "$CONF"
assert_ok "the fixed config reloads" tq reload
assert_nomatch "the last STATUS= has no refusal" 'config not reloaded' "$(grep 'STATUS=' "$NLOG" | tail -n 1)"

# the end of a lease: the STATUS= line sent for it no longer counts it
last_status() { grep ' STATUS=' "$NLOG" | tail -n 1; }
status_count() { grep -c ' STATUS=' "$NLOG"; }
# status_after N ERE: a STATUS= line came after the first N, and the last one matches ERE
status_after() { [ "$(status_count)" -gt "$1" ] && last_status | grep -Eq -- "$2"; }
for how in exit release; do
	N0=$(status_count)
	tqprobe_bg "$TQ_TMP/hold.$how" acquire tqa --hold
	H=$BGPID
	wait_until 100 0.1 "$how: tqprobe holds tqa" file_has "$TQ_TMP/hold.$how" '^holding'
	wait_until 50 0.1 "$how: a STATUS= line counts the lease" status_after "$N0" ', 1 leased,'
	N0=$(status_count)
	if [ "$how" = exit ]; then
		stop_bg "$H"
	else
		assert_ok "root releases tqa" tq release tqa
	fi
	wait_until 50 0.1 "$how: the lease of tqa ended" leased_is tqa false
	# bounded: a STATUS= line comes with the end of the lease, or a little after
	poll_until 30 0.1 status_after "$N0" ', 0 leased,'
	assert_ok "$how: a STATUS= line came after the lease ended" status_after "$N0" .
	assert_match "$how: the last STATUS= says 0 leased" 'STATUS=[0-9]+ devices?, 0 leased,' "$(last_status)"
	[ "$how" = release ] && stop_bg "$H"
done

stop_daemon
finish
