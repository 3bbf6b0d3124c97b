#!/bin/sh
# SPDX-License-Identifier: MIT
# t_metrics.sh - tapqctl metrics passes promtool's strict check (Debian's
# prometheus package), and its counters move with what happens: frames a
# sink worker reads, a resize, refusals (the same as status --json says),
# a refused reload and the error it logs.
. "$(dirname "$0")/lib.sh"
tq_init
command -v promtool >/dev/null || { fail "promtool missing (make deps installs prometheus)"; finish; }
ip netns exec "$TQ_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
CONF=$TQ_TMP/tapqd.conf
write_conf() {
	printf '[tapqd]\nsocket_mode = 0666\n[device tqmsink]\nmax_queues = 2\nbackend = sink\n%s\n' "$1" >"$CONF"
}
write_conf ""
start_daemon "$CONF" || finish

# metric SELECTOR: the value of the one sample whose name and labels start so
metric() { tq metrics | grep -v '^#' | grep -F "$1" | awk '{ print $2 }'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
# rx: frames the sink read, over both queues
rx() { tq metrics | awk '/^tapqd_queue_rx_packets_total\{device="tqmsink"/ { s += $2 } END { print s + 0 }'; }
rx_is() { [ "$(rx)" = "$1" ]; }
check() { # DESC: the whole text through promtool, which says nothing when it is clean
	tq metrics >"$TQ_TMP/m.prom"
	assert_eq "$1: tapqctl metrics exits 0" 0 "$?"
	OUT=$(promtool check metrics <"$TQ_TMP/m.prom" 2>&1)
	assert_eq "$1: promtool check metrics accepts it" "0 " "$? $OUT"
}

check "at start"
M=$(cat "$TQ_TMP/m.prom")
assert_match "HELP and TYPE of a per-queue counter" \
	'# HELP tapqd_queue_rx_packets_total .*
# TYPE tapqd_queue_rx_packets_total counter' "$M"
assert_match "one sample per queue, labelled device and queue" \
	'tapqd_queue_rx_packets_total\{device="tqmsink",queue="1"\} 0' "$M"
assert_eq "devices" 1 "$(metric 'tapqd_devices ')"
assert_eq "max queues" 2 "$(metric 'tapqd_device_max_queues{device="tqmsink"}')"
assert_eq "connections: this one" 1 "$(metric 'tapqd_connections ')"

# -- frames the sink worker reads move its counter
ip -n "$TQ_NS" addr add 10.77.9.1/24 dev tqmsink
ip -n "$TQ_NS" neigh replace 10.77.9.2 lladdr 02:00:00:00:00:02 nud permanent dev tqmsink
wait_until 50 0.1 "tqmsink has carrier" carrier_on tqmsink
RX0=$(rx)
timeout 20 ip netns exec "$TQ_NS" ping -n -q -c 5 -i 0.2 -W 1 10.77.9.2 >/dev/null 2>&1
wait_until 50 0.1 "rx_packets_total counts 5 more frames ($RX0 before)" rx_is $((RX0 + 5))

# -- a resize
assert_eq "no resize yet" 0 "$(metric 'tapqd_resizes_total ')"
assert_ok "resize tqmsink 1" tq resize tqmsink 1
assert_eq "resizes_total 1" 1 "$(metric 'tapqd_resizes_total ')"
assert_eq "active queues 1" 1 "$(metric 'tapqd_device_active_queues{device="tqmsink"}')"
assert_eq "queue 1 inactive" 0 "$(metric 'tapqd_queue_active{device="tqmsink",queue="1"}')"

# -- refusals: nobody is on no allow list
assert_refused "nobody: acquire refused" tq_nobody acquire tqmsink
assert_refused "nobody: acquire refused again" tq_nobody acquire tqmsink
assert_eq "refusals_total not_allowed = status's" \
	"$(jget "$(tq status --json)" .refusals.not_allowed)" \
	"$(metric 'tapqd_refusals_total{reason="not_allowed"}')"
assert_eq "refusals_total not_allowed 2" 2 "$(metric 'tapqd_refusals_total{reason="not_allowed"}')"

# -- reloads, applied and refused; the refusal is an error line
write_conf "mtu = 1400"
assert_ok "reload applied" tq reload
write_conf "no_such_key = 1"
assert_refused "reload of a broken file refused" tq reload
assert_eq "reloads applied 1" 1 "$(metric 'tapqd_reloads_total{result="applied"}')"
assert_eq "reloads refused 1" 1 "$(metric 'tapqd_reloads_total{result="refused"}')"
assert_eq "errors_total = the error lines logged" "$(grep -c 'reload refused' "$DLOG")" \
	"$(metric 'tapqd_errors_total ')"
check "after all that"

assert_refused "metrics of a device that does not exist" tq metrics nosuch
assert_match "and says so" 'no device nosuch' "$REF_OUT"
assert_refused "metrics --json is a usage error" tq metrics --json
assert_eq "and says why, not the whole usage" \
	"tapqctl: metrics prints Prometheus text only: it has no --json" "$REF_OUT"
stop_daemon
finish
