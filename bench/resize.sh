#!/bin/sh
# SPDX-License-Identifier: MIT
# resize.sh - tapqd's RESIZE against a plain TUNSETQUEUE loop, in a network namespace
#
#   BUILD=/abs/path/build sh bench/resize.sh
#
# Starts tapqd with bench/resize.conf (devices rz4, rz64, rz256) in its own
# netns and /run, makes pl4, pl64 and pl256 beside them for the plain loop
# (taps tapqd does not own, with the same size, ring and root qdisc), and
# runs build/bench/resize in its namespaces, bounded in time; the daemon and
# the namespace go away on exit, whatever happened.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
RESIZE=$BUILD/bench/resize
NS=tapqd-bench-resize-$$
BENCH_TIMEOUT=${BENCH_TIMEOUT:-180}

. "$here/lib.sh"
bench_init "$RESIZE"
# tapqd and the bench on different CPUs, as in acquire.sh: tapqd following the
# plain loop's own notifications must not steal its CPU
bench_start_daemon "$here/resize.conf" taskset -c 1

for n in 4 64 256; do
	ip -n "$NS" tuntap add dev "pl$n" mode tap multi_queue
	ip -n "$NS" link set "pl$n" txqueuelen 1000
	# the root qdisc decides what a detach resets: the same as tapqd's device
	if tc -n "$NS" qdisc show dev "rz$n" root | grep -q '^qdisc noqueue'; then
		tc -n "$NS" qdisc replace dev "pl$n" root noqueue
	fi
	ip -n "$NS" link set "pl$n" up
	echo "rz$n: $(tc -n "$NS" qdisc show dev "rz$n" root | awk '{ print $2; exit }'), pl$n: $(tc -n "$NS" qdisc show dev "pl$n" root | awk '{ print $2; exit }')"
done

# in the background, so that a signal to this script stops it at once (see cleanup)
timeout -k 5 "$BENCH_TIMEOUT" nsenter -t "$daemon_pid" -m -n taskset -c 0 "$RESIZE" "$SOCK" &
bench_pid=$!
bench_wait resize
