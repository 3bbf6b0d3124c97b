#!/bin/sh
# SPDX-License-Identifier: MIT
# echo.sh - tapqd's echo backend against a plain echo loop, 1 and 2 queues, in network namespaces
#
#   BUILD=/abs/path/build sh bench/echo.sh
#
# Two namespaces with the same addresses (so the same flows hash the same way
# onto the queues): in one, tapqd with a private /run serves be0 with
# backend = echo (bench/echo.conf: 2 queues, 1 active); in the other, a
# persistent multiqueue tap be0 served by build/bench/echo's plain loop. In
# each, build/bench/echo drives 8 UDP request/response flows through the tap
# to a fake peer with a static neighbour entry, with 1 and then 2 active
# queues (tapqctl resize for tapqd), plain and tapqd runs alternating. Prints packets per second, the 2/1
# ratios and tapqd/plain, and the CPU time per frame of each: tapqd's from
# its status (cpu_ns and rx_packets summed over the queues, read before and
# after each run), the plain loop's from its own threads' CPU clocks over the
# same span (bench/echo.c); then the targets. Never judges a timing in the
# exit status. Everything is bounded in time and removed on exit.
#
# Environment: BENCH_SECONDS (per run, default 2), BENCH_ROUNDS (runs of each
# kind, default 5, the median is shown), BENCH_TIMEOUT (per run, default 30).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
TAPQCTL=$BUILD/tapqctl
ECHO=$BUILD/bench/echo
CONF=$here/echo.conf
NS_T=tapqd-bench-echo-$$
NS_P=tapqd-bench-plain-$$
SECS=${BENCH_SECONDS:-2}
ROUNDS=${BENCH_ROUNDS:-5}
STEP=${BENCH_TIMEOUT:-30}
SRC=10.78.0.1
DST=10.78.0.2
NS=$NS_T
. "$here/lib.sh"
bench_init "$TAPQCTL" "$ECHO"
command -v jq >/dev/null || die "jq not found"
bench_add_ns "$NS_P"

for ns in "$NS_T" "$NS_P"; do
	# no IPv6 autoconfiguration on the taps: every frame is the bench's own
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done

# addresses DEV NS: the sender's address on the tap, the fake peer behind it
addresses() {
	ip -n "$2" addr add "$SRC/24" dev "$1"
	ip -n "$2" link set "$1" up
	ip -n "$2" neigh replace "$DST" lladdr 02:00:00:00:00:02 nud permanent dev "$1"
}

# run NAME CMD...: one measured run, bounded; its "pps N" line goes to $tmp/NAME
run() {
	_n=$1
	shift
	timeout -k 5 "$STEP" "$@" >"$tmp/$_n" || die "$_n failed (exit $?): $(cat "$tmp/$_n")"
	sed -n 's/^pps //p' "$tmp/$_n"
}

bench_start_daemon "$CONF"
tq() { timeout -k 5 "$STEP" nsenter -t "$daemon_pid" -m -n "$TAPQCTL" "$@"; }
workers() { tq status be0 --json | jq -r '[.devices[0].queues[] | select(.worker)] | length'; }
addresses be0 "$NS_T"

ip -n "$NS_P" tuntap add dev be0 mode tap multi_queue vnet_hdr
addresses be0 "$NS_P"

echo "8 UDP request/response flows (4 requests in flight each, 64-byte payloads), median of $ROUNDS runs of ${SECS} s, plain and tapqd alternating, $(nproc) CPUs"
[ "$(workers)" = 1 ] || die "tapqd: expected 1 worker on be0, status says $(workers)"
# cost: tapqd's workers so far over every queue of be0, "CPU_NS FRAMES"
cost() { tq status be0 --json | jq -r '[.devices[0].queues[] | .cpu_ns, .rx_packets] |
	"\([.[range(0; length; 2)]] | add) \([.[range(1; length; 2)]] | add)"'; }
# per_frame BEFORE AFTER: ns of CPU per frame between two "CPU_NS FRAMES"
per_frame() { printf '%s %s\n' "$1" "$2" | awk '{ if ($4 == $2) exit 1; printf "%.0f\n", ($3 - $1) / ($4 - $2) }'; }
# rounds QUEUES: plain and tapqd in turn, so that a busy neighbour on the machine hits both
# alike. Every round has flows of its own (-p): a tap sends a flow to the queue that last
# wrote a frame of it, and an echo writes on the queue it read from, so flows it served
# on queue 0 before a resize would stay there as long as they last. Both sides of a
# round get the same new flows, and so the same spread over the queues.
ports=0
rounds() {
	_r=0
	while [ $_r -lt "$ROUNDS" ]; do
		ports=$((ports + 100))
		run "plain$1" ip netns exec "$NS_P" "$ECHO" plain be0 "$1" "$SRC" "$DST" -t "$SECS" \
			-p "$ports" >>"$tmp/plain$1.pps"
		sed -n 's/^cpu_ns \([0-9]*\) frames \([0-9]*\)$/0 0 \1 \2/p' "$tmp/plain$1" |
			awk '{ if ($4 == 0) exit 1; printf "%.0f\n", $3 / $4 }' >>"$tmp/plain$1.ns" ||
			die "plain$1: no frames echoed"
		_c0=$(cost)
		run "tapqd$1" ip netns exec "$NS_T" "$ECHO" load "$SRC" "$DST" -t "$SECS" \
			-p "$ports" >>"$tmp/tapqd$1.pps"
		per_frame "$_c0" "$(cost)" >>"$tmp/tapqd$1.ns" || die "tapqd$1: no frames echoed"
		_r=$((_r + 1))
	done
}
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# txq: tapqd's tx_packets per queue, "N M"
txq() { tq status be0 --json | jq -r '[.devices[0].queues[].tx_packets | tostring] | join(" ")'; }
rounds 1
txq_before=$(txq)
tq resize be0 2 >/dev/null || die "tapqctl resize be0 2 failed"
[ "$(workers)" = 2 ] || die "tapqd: expected 2 workers on be0 after the resize, status says $(workers)"
rounds 2
txq_after=$(txq)
plain1=$(median "$tmp/plain1.pps")
tapqd1=$(median "$tmp/tapqd1.pps")
plain2=$(median "$tmp/plain2.pps")
tapqd2=$(median "$tmp/tapqd2.pps")
for f in plain1 tapqd1 plain2 tapqd2; do
	printf '%s runs: pps %s; CPU ns/frame %s\n' "$f" "$(tr '\n' ' ' <"$tmp/$f.pps")" \
		"$(tr '\n' ' ' <"$tmp/$f.ns")"
done
plain1_ns=$(median "$tmp/plain1.ns")
tapqd1_ns=$(median "$tmp/tapqd1.ns")
plain2_ns=$(median "$tmp/plain2.ns")
tapqd2_ns=$(median "$tmp/tapqd2.ns")
# a round's two runs are seconds apart: their ratio sees the same neighbours, the medians may not
for q in 1 2; do
	paste -d ' ' "$tmp/plain$q.ns" "$tmp/tapqd$q.ns" | awk '{ printf "%.3f\n", $2 / $1 }' >"$tmp/ratio$q"
	printf 'CPU per frame tapqd/plain by round, %s queue(s): %s\n' "$q" "$(tr '\n' ' ' <"$tmp/ratio$q")"
done
ratio1=$(median "$tmp/ratio1")
ratio2=$(median "$tmp/ratio2")

split=$(printf '%s %s\n' "$txq_before" "$txq_after" | awk '{ printf "0:%d 1:%d", $3 - $1, $4 - $2 }')
drops=$(tq status be0 --json | jq -r '[.devices[0].queues[].drops] | add')

awk -v p1="$plain1" -v p2="$plain2" -v t1="$tapqd1" -v t2="$tapqd2" \
	-v pc1="$plain1_ns" -v pc2="$plain2_ns" -v tc1="$tapqd1_ns" -v tc2="$tapqd2_ns" \
	-v r1="$ratio1" -v r2="$ratio2" \
	-v psplit="$(sed -n 's/^queues //p' "$tmp/plain2")" -v tsplit="$split" -v drops="$drops" '
function met(ok) { return ok ? "met" : "missed" }
BEGIN {
	printf "%-22s %12s %12s %8s\n", "", "1 queue pps", "2 queues pps", "2/1"
	printf "%-22s %12.0f %12.0f %8.2f\n", "plain C echo loop", p1, p2, p2 / p1
	printf "%-22s %12.0f %12.0f %8.2f\n", "tapqd backend = echo", t1, t2, t2 / t1
	printf "%-22s %12.2f %12.2f\n", "tapqd / plain", t1 / p1, t2 / p2
	printf "%-22s %12s %12s\n", "CPU ns per frame", "1 queue", "2 queues"
	printf "%-22s %12.0f %12.0f\n", "plain C echo loop", pc1, pc2
	printf "%-22s %12.0f %12.0f\n", "tapqd backend = echo", tc1, tc2
	printf "%-22s %12.2f %12.2f\n", "tapqd / plain", tc1 / pc1, tc2 / pc2
	printf "%-22s %12.2f %12.2f\n", "median of round ratios", r1, r2
	printf "frames echoed per queue with 2 queues: plain (last run) %s; tapqd (all runs) %s; tapqd drops %s\n",
		psplit, tsplit, drops
	printf "targets (reported, not asserted):\n"
	printf "  tapqd within 10%% of the plain loop at 1 queue:  %s (%.2f)\n", met(t1 >= 0.9 * p1), t1 / p1
	printf "  tapqd within 10%% of the plain loop at 2 queues: %s (%.2f)\n", met(t2 >= 0.9 * p2), t2 / p2
	printf "  tapqd 2/1 ratio at least the plain loop'"'"'s:        %s (%.2f vs %.2f)\n", met(t2 / t1 >= p2 / p1), t2 / t1, p2 / p1
	printf "  tapqd CPU per frame at most 1.1x the plain loop'"'"'s at 1 queue (round ratios):  %s (%.2f)\n", met(r1 <= 1.1), r1
	printf "  tapqd CPU per frame at most 1.1x the plain loop'"'"'s at 2 queues (round ratios): %s (%.2f)\n", met(r2 <= 1.1), r2
}'
