#!/bin/sh
# SPDX-License-Identifier: MIT
# t_monitor.sh - tapqctl monitor prints one line per event as it comes (to a
# file, which stdio would buffer were the lines not flushed): a resize, a
# lease taken and ended (pid and command name; hidden from nobody), a device
# created and removed by reloads, a reload refused; --json one object per
# line, read with jq. Status names the holder's command next to its pid, and
# hides both from nobody.
. "$(dirname "$0")/lib.sh"
tq_init
CONF=$TQ_TMP/tapqd.conf
printf '[tapqd]\nsocket_mode = 0666\n[device tqmon]\nmax_queues = 4\nactive_queues = 1\n' >"$CONF"
start_daemon "$CONF" || finish

tq_bg "$TQ_TMP/mon.txt" monitor
MT=$BGPID
tq_bg "$TQ_TMP/mon.json" monitor --json
MJ=$BGPID
bg "$TQ_TMP/nobody.json" nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
	--clear-groups "$TAPQCTL" monitor --json
MN=$BGPID
tq_bg "$TQ_TMP/dev.txt" monitor tqmon
MD=$BGPID
# a device that a reload adds below: watched before it is there, and said so
tq_bg "$TQ_TMP/later.txt" monitor tqmon2
ML=$BGPID
# subscribed: five monitors and the status that asks
conns_are() { [ "$(tq metrics | awk '/^tapqd_connections / { print $2 }')" = "$1" ]; }
wait_until 100 0.1 "five monitors connected" conns_are 6
assert_eq "monitor tqmon2 says it has no such device yet" \
	"tapqctl: monitor: no device tqmon2 now; watching for one by that name" \
	"$(cat "$TQ_TMP/later.txt.err")"
assert_eq "monitor tqmon says nothing on stderr" "" "$(cat "$TQ_TMP/dev.txt.err")"
sleep 0.3

# lines KIND [FILE]: the text lines of an event
lines() { grep -c " $1" "${2:-$TQ_TMP/mon.txt}"; }
lines_are() { [ "$(lines "$1" "${3:-}")" = "$2" ]; }
# jcount FILTER [FILE]: the JSON lines that match a jq filter
jcount() { jq -c "select($1)" "${2:-$TQ_TMP/mon.json}" 2>/dev/null | grep -c .; }
jcount_is() { [ "$(jcount "$1" "${3:-}")" = "$2" ]; }

# -- a resize: one line, as it comes
assert_ok "resize tqmon 3" tq resize tqmon 3
wait_until 50 0.1 "text: one active_changed line" lines_are "tqmon active_changed active 3" 1
wait_until 50 0.1 "json: one active_changed object" jcount_is \
	'.event == "active_changed" and .device == "tqmon" and .active_queues == 3' 1

# -- a lease taken and ended, with the holder's pid and command name
tq_bg "$TQ_TMP/acq.out" acquire tqmon --mode daemon
A=$BGPID
wait_until 100 0.1 "tqmon leased" holder_is tqmon "$A"
assert_eq "status: the holder's command next to its pid" tapqctl "$(status_field tqmon .holder_comm)"
assert_match "plain status: leased by pid PID tapqctl" "leased by pid $A tapqctl" "$(tq status tqmon)"
S=$(tq_nobody status tqmon --json)
assert_eq "status to nobody: neither pid nor command" "null null" \
	"$(jget "$S" '.devices[0] | "\(.holder_pid) \(.holder_comm)"')"
wait_until 50 0.1 "text: lease_taken with pid and command" lines_are "tqmon lease_taken pid $A tapqctl" 1
stop_bg "$A"
wait_until 50 0.1 "tqmon unleased" leased_is tqmon false
wait_until 50 0.1 "text: lease_ended with pid and command" lines_are "tqmon lease_ended pid $A tapqctl" 1
wait_until 50 0.1 "json: one lease_taken, pid and comm" jcount_is \
	".event == \"lease_taken\" and .pid == $A and .comm == \"tapqctl\"" 1
wait_until 50 0.1 "json: one lease_ended, pid and comm" jcount_is \
	".event == \"lease_ended\" and .pid == $A and .comm == \"tapqctl\"" 1
wait_until 50 0.1 "nobody's json: lease_ended without pid or comm" jcount_is \
	'.event == "lease_ended" and .pid == null and .comm == null' 1 "$TQ_TMP/nobody.json"
assert_eq "nobody's json: no pid anywhere" 0 "$(jcount '.pid != null' "$TQ_TMP/nobody.json")"

# -- reloads applied: a device created, then removed
cp "$CONF" "$TQ_TMP/base.conf"
printf '[device tqmon2]\nmax_queues = 1\n' >>"$CONF"
assert_ok "reload: tqmon2 added" tq reload
wait_until 50 0.1 "text: tqmon2 device_created" lines_are "tqmon2 device_created" 1
cp "$TQ_TMP/base.conf" "$CONF"
assert_ok "reload: tqmon2 removed" tq reload
wait_until 50 0.1 "text: tqmon2 device_removed" lines_are "tqmon2 device_removed" 1
wait_until 50 0.1 "monitor tqmon2 heard it created and removed" lines_are "tqmon2 device_" 2 \
	"$TQ_TMP/later.txt"
assert_eq "text: tqmon2's creation, its count included, is not followed by an active_changed" \
	0 "$(lines "tqmon2 active_changed")"
wait_until 50 0.1 "json: two reload_applied, no device" jcount_is \
	'.event == "reload_applied" and .device == null' 2

# -- a reload refused: one line, to those who watch every device
printf 'no_such_key = 1\n' >>"$CONF"
assert_refused "reload of a broken file" tq reload
wait_until 50 0.1 "text: one reload_refused line" lines_are "- reload_refused" 1
wait_until 50 0.1 "json: one reload_refused, no device" jcount_is \
	'.event == "reload_refused" and .device == null' 1

assert_eq "json: every line one object" "$(grep -c . "$TQ_TMP/mon.json")" \
	"$(jq -c . "$TQ_TMP/mon.json" | grep -c .)"
assert_eq "json: as many lines as text" "$(grep -c . "$TQ_TMP/mon.txt")" "$(grep -c . "$TQ_TMP/mon.json")"
assert_eq "monitor tqmon: no reload lines" 0 "$(lines reload_ "$TQ_TMP/dev.txt")"
assert_eq "monitor tqmon: the lease's lines" 2 "$(grep -c 'lease_' "$TQ_TMP/dev.txt")"
for p in "$MT" "$MJ" "$MN" "$MD" "$ML"; do
	assert_ok "monitor $p still runs" pid_alive "$p"
done
say "# $(head -n 3 "$TQ_TMP/mon.txt" | tr '\n' '|')"
stop_daemon
wait_until 50 0.1 "the monitor ends when tapqd stops" pid_dead "$MT"
finish
