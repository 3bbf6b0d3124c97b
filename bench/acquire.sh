#!/bin/sh
# SPDX-License-Identifier: MIT
# acquire.sh - tapqd's acquire latency against its baselines, in a network namespace
#
#   BUILD=/abs/path/build sh bench/acquire.sh [extra options for build/bench/acquire]
#
# Creates a network namespace with a bridge br0, starts tapqd there with a
# private /run (bench/acquire.conf: devices bq1, bq4, bq64, bq256), then runs
# build/bench/acquire inside the daemon's namespaces and, for the
# qemu-bridge-helper baseline, its own private mount namespace in which
# /etc/qemu/bridge.conf ("allow br0") lives on a tmpfs: the host's /etc is
# never touched. Everything is bounded in time, and the daemon and the
# namespace go away on exit, whatever happened.
#
# Environment: BENCH_PIN=0 (do not pin the client and the servers to two
# CPUs), BENCH_TIMEOUT (seconds, default 180), BENCH_CONF, QEMU_BRIDGE_HELPER.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$here/../build}
TAPQD=$BUILD/tapqd
ACQUIRE=$BUILD/bench/acquire
CONF=${BENCH_CONF:-$here/acquire.conf}
HELPER=${QEMU_BRIDGE_HELPER:-/usr/lib/qemu/qemu-bridge-helper}
SOCK=/run/tapqd/tapqd.sock # as in acquire.conf, inside the daemon's private /run
NS=tapqd-bench-$$
BENCH_TIMEOUT=${BENCH_TIMEOUT:-180}
. "$here/lib/daemon.sh"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, /dev/net/tun)"
for f in "$TAPQD" "$ACQUIRE"; do
	[ -x "$f" ] || die "$f missing: run make first"
done
[ -r "$CONF" ] || die "$CONF missing"
for t in ip unshare nsenter timeout mount taskset awk; do
	command -v "$t" >/dev/null || die "$t not found"
done

tmp=$(mktemp -d /tmp/tapqd-bench.XXXXXX)
bench_pid=
ns_made=

cleanup() {
	status=$?
	trap - EXIT INT TERM HUP
	if [ -n "$bench_pid" ] && alive "$bench_pid"; then
		kill -TERM "$bench_pid" 2>/dev/null || true # timeout passes it on, then kills after 5 s
		wait "$bench_pid" 2>/dev/null || true
	fi
	bench_daemon_stop "$tmp/tapqd.log" $status
	if [ -n "$ns_made" ] && ! ip netns del "$NS"; then
		echo "bench: could not delete netns $NS" >&2
	fi
	rm -rf "$tmp"
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ip netns add "$NS"
ns_made=1
ip -n "$NS" link set lo up
ip -n "$NS" link add br0 type bridge
ip -n "$NS" link set br0 up

# Like for like: the client on one CPU, tapqd and the baseline's server thread
# on another (unpinned, the scheduler sometimes puts the baseline's thread next
# to its client and sometimes not, and the ratio swings from 1x to 5x).
# BENCH_PIN=0 leaves everything unpinned.
client_cpu=
server_cpu=
pin=
if [ "${BENCH_PIN:-1}" != 0 ]; then
	# the first two CPUs we may run on, or nothing on a single-CPU machine
	cpus=$(awk '/^Cpus_allowed_list:/ {
		n = split($2, r, ",")
		for (i = 1; i <= n && k < 2; i++) {
			if (split(r[i], ab, "-") == 1)
				ab[2] = ab[1]
			for (c = ab[1] + 0; c <= ab[2] + 0 && k < 2; c++)
				cpu[k++] = c
		}
		if (k == 2)
			print cpu[0], cpu[1]
	}' /proc/self/status)
	if [ -n "$cpus" ]; then
		client_cpu=${cpus% *}
		server_cpu=${cpus#* }
		pin="taskset -c $server_cpu"
	fi
fi

# The daemon: its own netns and its own /run
# shellcheck disable=SC2086 # $pin is a command and its arguments, or nothing
bench_daemon_start "$NS" "$CONF" "$tmp/tapqd.log" $pin

set -- -s "$SOCK" -B br0 "$@"
[ -z "$client_cpu" ] || set -- -c "$client_cpu" -C "$server_cpu" "$@"
if [ -x "$HELPER" ]; then
	set -- -H "$HELPER" "$@"
else
	echo "bench: $HELPER not found (Debian: qemu-system-common); skipping that baseline" >&2
fi

# The bench: in tapqd's netns and mount namespace, plus a private mount
# namespace of its own for /etc/qemu/bridge.conf. When /etc/qemu does not
# exist on the host, /etc is overlaid with a tmpfs upper layer instead of
# creating the directory. The scratch space is in the daemon's private /run.
# It runs in the background so that a signal to this script interrupts the
# wait at once (the trap then stops it) instead of waiting for it to end.
# shellcheck disable=SC2016 # expanded by the inner shell
timeout -k 5 "$BENCH_TIMEOUT" nsenter -t "$daemon_pid" -m -n \
	unshare -m --propagation private sh -c '
set -eu
scratch=/run/tapqd-bench
mkdir -p "$scratch"
mount -t tmpfs -o mode=0700 tmpfs "$scratch"
if [ -d /etc/qemu ]; then
	mount -t tmpfs -o mode=0755 tmpfs /etc/qemu
else
	mkdir "$scratch/upper" "$scratch/work"
	mount -t overlay overlay \
		-o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc
	mkdir /etc/qemu
fi
echo "allow br0" >/etc/qemu/bridge.conf
chmod 0644 /etc/qemu/bridge.conf
acquire=$1
shift
exec "$acquire" -b "$scratch/base.sock" "$@"
' sh "$ACQUIRE" "$@" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=
[ $status -ne 124 ] || die "acquire timed out after $BENCH_TIMEOUT s"
[ $status -eq 0 ] || die "acquire failed (exit status $status)"
