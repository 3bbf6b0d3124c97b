#!/bin/sh
# SPDX-License-Identifier: MIT
# ghost.sh - what cutting off a lease's queue files at its end costs: fresh
# queues (same ifindex) or the interface again (new ifindex), at 4 and 64
# queues, against open+TUNSETIFF of as many queues, in one run
#
#   BUILD=/abs/path/build sh bench/ghost.sh
#
# Environment: BENCH_ROUNDS (default 20), BENCH_TIMEOUT (seconds, default 120).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
GHOST=$BUILD/bench/ghost
NS=tapqd-bench-ghost-$$
. "$here/lib.sh"
bench_init "$GHOST"
timeout -k 5 "${BENCH_TIMEOUT:-120}" ip netns exec "$NS" "$GHOST" -r "${BENCH_ROUNDS:-20}" 4 64
