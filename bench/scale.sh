#!/bin/sh
# SPDX-License-Identifier: MIT
# scale.sh - tapqd at 10, 100 and 1000 devices x 4 queues: ready, RSS,
# status --json, a no-op reload and the SIGTERM stop, each size in a network
# namespace of its own, next to the kernel's part alone (build/bench/scale_raw)
# measured in the same run, and at 1000 next to the targets of issue 12.
#
#   BUILD=/abs/path/build sh bench/scale.sh [SIZES...]     (default: 10 100 1000)
#
# One size per run of this script with --one N (a namespace, a daemon and a
# cleanup each, from lib.sh); the first run prints the table. Figures are one
# run each on a shared machine: compare ratios within a run, not across runs.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
QUEUES=4

now_ms() {
	awk -v t="$(date +%s%N)" 'BEGIN { printf "%.1f", t / 1e6 }'
}

# The figures of one size, as one line: N raw_start raw_stop ready rss hwm status text reload stop left launch
one() {
	n=$1
	NS=tapqd-scale-$$
	. "$here/lib.sh"
	bench_init "$BUILD/tapqctl" "$BUILD/bench/scale_raw"
	# the kernel's part alone, in a namespace of its own so that its devices meet none of tapqd's
	bench_add_ns "$NS-raw"
	raw=$(ip netns exec "$NS-raw" "$BUILD/bench/scale_raw" "$n" $QUEUES)
	awk -v n="$n" -v q=$QUEUES -f "$here/scale_conf.awk" >"$tmp/scale.conf"
	# what reaching tapqd through ip netns exec, unshare and mount costs alone, measured as ready is
	t0=$(now_ms)
	ip netns exec "$NS" unshare -m --propagation private sh -c 'mount -t tmpfs tmpfs /run && exec true'
	launch=$(awk -v t="$t0" -v n="$(now_ms)" 'BEGIN { printf "%.0f", n - t }')
	t0=$(now_ms)
	bench_start_daemon "$tmp/scale.conf"
	# polled every 10 ms: ready is within 10 ms (and a grep) of the figure
	i=0
	until grep -q ' ready: ' "$tmp/tapqd.log"; do
		[ $i -lt 6000 ] || die "tapqd not ready after 60 s"
		alive "$daemon_pid" || die "tapqd exited during start-up"
		sleep 0.01
		i=$((i + 1))
	done
	ready=$(awk -v t="$t0" -v n="$(now_ms)" 'BEGIN { printf "%.0f", n - t }')
	ctl="nsenter -t $daemon_pid -m -n $BUILD/tapqctl"
	t=$(now_ms)
	$ctl status --json >"$tmp/status.json"
	status=$(awk -v t="$t" -v n="$(now_ms)" 'BEGIN { printf "%.0f", n - t }')
	t=$(now_ms)
	$ctl status >/dev/null
	text=$(awk -v t="$t" -v n="$(now_ms)" 'BEGIN { printf "%.0f", n - t }')
	devices=$(grep -o '"ifindex"' "$tmp/status.json" | wc -l)
	[ "$devices" -eq "$n" ] || die "status --json lists $devices devices, not $n"
	t=$(now_ms)
	$ctl reload >/dev/null
	reload=$(awk -v t="$t" -v n="$(now_ms)" 'BEGIN { printf "%.0f", n - t }')
	rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon_pid/status")
	hwm=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$daemon_pid/status")
	t=$(now_ms)
	kill -TERM "$daemon_pid"
	wait "$daemon_pid" || die "tapqd exited with status $? at SIGTERM"
	stop=$(awk -v t="$t" -v n="$(now_ms)" 'BEGIN { printf "%.0f", n - t }')
	daemon_pid=
	left=$(ip -n "$NS" -o link show | grep -vc ': lo:' || true)
	echo "$n $raw $ready $rss $hwm $status $text $reload $stop $left $launch"
}

if [ "${1:-}" = --one ]; then
	one "$2"
	exit 0
fi

sizes=${*:-10 100 1000}
results=$(mktemp /tmp/tapqd-scale.XXXXXX)
trap 'rm -f "$results"' EXIT
for n in $sizes; do
	sh "$0" --one "$n" >>"$results"
done
echo "tapqd, N devices x $QUEUES queues, backend none (no worker threads), no service manager;"
echo "raw = build/bench/scale_raw: the kernel's part alone (opens, noqueue, up; delete by group, closes)"
echo "one run each, on a shared machine: noisy, compare within a row; ready counts from the launch"
echo "through ip netns exec + unshare + mount, whose cost alone is the 'launch' column"
awk '
BEGIN {
	printf "%6s | %-20s | %-6s | %-17s | %-20s | %-15s | %-11s | %-17s | %s\n", "N", "ready ms (raw)",
	       "launch", "RSS MiB (HWM)", "status ms json/text", "no-op reload ms", "stop ms (raw)",
	       "per device ms", "left"
}
{
	printf "%6d | %6d (%6.0f)      | %6d | %6.1f (%6.1f)   | %6d / %-6d      | %6d          | %5d (%4.0f) | ready %.2f stop %.2f | %d\n",
	       $1, $4, $2, $12, $5, $6, $7, $8, $9, $10, $3, $4 / $1, $10 / $1, $11
	if ($1 == 1000)
		t = sprintf("at 1000: ready %d ms (target <= 2000), RSS %.1f MiB (<= 64), status --json %d ms (<= 100), " \
			    "reload %d ms (<= 200), stop %d ms (<= 2000)", $4, $5, $7, $9, $10)
	if (NR > 1)
		g = g sprintf("  %d -> %d devices (x%.0f): ready x%.1f, RSS x%.1f, status x%.1f, reload x%.1f, stop x%.1f\n",
			      pn, $1, $1 / pn, $4 / pr, $5 / prss, $7 / ps, $9 / pl, $10 / pt)
	pn = $1; pr = $4 > 0 ? $4 : 1; prss = $5; ps = $7 > 0 ? $7 : 1; pl = $9 > 0 ? $9 : 1; pt = $10 > 0 ? $10 : 1
}
END {
	if (t != "")
		print t
	if (g != "")
		printf "growth (linear = the device factor):\n%s", g
}' "$results"
