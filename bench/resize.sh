#!/bin/sh
# SPDX-License-Identifier: MIT
# resize.sh - tapqd's RESIZE against a plain TUNSETQUEUE loop, in a network namespace
#
#   BUILD=/abs/path/build sh bench/resize.sh
#
# Starts tapqd with bench/resize.conf (devices rz4, rz64, rz256) in its own
# netns and /run and runs build/bench/resize in its namespaces, bounded in
# time; the daemon and the namespace go away on exit, whatever happened.
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

# in the background, so that a signal to this script stops it at once (see cleanup)
timeout -k 5 "$BENCH_TIMEOUT" nsenter -t "$daemon_pid" -m -n taskset -c 0 "$RESIZE" "$SOCK" &
bench_pid=$!
bench_wait resize
