#!/bin/sh
# SPDX-License-Identifier: MIT
# lib.sh - sourced by every bench/*.sh: a network namespace, tapqd in it with
# a private /run, and a cleanup that removes both whatever happened.
#
# Before sourcing: BUILD (absolute), NS. After bench_init: $tmp; after
# bench_start_daemon CONF [PREFIX...]: $daemon_pid, its log in $tmp/tapqd.log.
# A bench that runs something in the background sets bench_pid to it.

TAPQD=$BUILD/tapqd
SOCK=/run/tapqd/tapqd.sock # every bench config's socket, inside the daemon's private /run

die() {
	echo "bench: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, /dev/net/tun)"
bench_init() { # BINARIES...
	for f in "$TAPQD" "$@"; do
		[ -x "$f" ] || die "$f missing: run make first"
	done
	for t in ip unshare nsenter timeout mount taskset awk; do
		command -v "$t" >/dev/null || die "$t not found"
	done
	tmp=$(mktemp -d /tmp/tapqd-bench.XXXXXX)
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	ip netns add "$NS"
	ns_made=1
	ip -n "$NS" link set lo up
}
daemon_pid=
bench_pid=
ns_made=
extra_ns=

# bench_add_ns NAME: one more network namespace, deleted on exit like $NS
bench_add_ns() {
	ip netns add "$1"
	extra_ns="$extra_ns $1"
	ip -n "$1" link set lo up
}

# kill -0 alone also succeeds on a zombie: our own child that exited and was not waited for
alive() {
	kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

cleanup() {
	status=$?
	trap - EXIT INT TERM HUP
	if [ -n "$bench_pid" ] && alive "$bench_pid"; then
		kill -TERM "$bench_pid" 2>/dev/null || true # timeout passes it on, then kills after 5 s
		wait "$bench_pid" 2>/dev/null || true
	fi
	if [ -n "$daemon_pid" ] && alive "$daemon_pid"; then
		kill -TERM "$daemon_pid" 2>/dev/null || true
		i=0
		while alive "$daemon_pid" && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if alive "$daemon_pid"; then
			echo "bench: tapqd did not stop within 5 s, killing it" >&2
			kill -KILL "$daemon_pid" 2>/dev/null || true
		fi
		wait "$daemon_pid" 2>/dev/null || true
	fi
	if [ $status -ne 0 ] && [ -s "$tmp/tapqd.log" ]; then
		echo "bench: last lines of the tapqd log:" >&2
		tail -n 20 "$tmp/tapqd.log" >&2
	fi
	for ns in ${ns_made:+"$NS"} $extra_ns; do
		ip netns del "$ns" || echo "bench: could not delete netns $ns" >&2
	done
	rm -rf "$tmp"
	exit $status
}


# bench_start_daemon CONF [PREFIX...]: tapqd -f -c CONF in the namespace with
# its own /run, run through PREFIX (taskset...); waits for its socket.
bench_start_daemon() {
	_conf=$1
	shift
	[ -r "$_conf" ] || die "$_conf missing"
	# ip netns exec, unshare and sh all exec, so $! is tapqd's pid.
	# shellcheck disable=SC2016 # expanded by the inner shell
	"$@" ip netns exec "$NS" unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=0755 tmpfs /run && exec "$0" -f -c "$1"' "$TAPQD" "$_conf" \
		>"$tmp/tapqd.log" 2>&1 &
	daemon_pid=$!
	i=0
	# until tapqd itself runs (then its /run is the private one) and its socket exists
	until [ "$(readlink "/proc/$daemon_pid/exe")" = "$(readlink -f "$TAPQD")" ] &&
		nsenter -t "$daemon_pid" -m -n test -S "$SOCK" 2>/dev/null; do
		alive "$daemon_pid" || die "tapqd exited during start-up"
		# every 10 ms: bench/scale.sh times the start-up with this loop
		[ $i -lt 3000 ] || die "no socket $SOCK after 30 s"
		sleep 0.01
		i=$((i + 1))
	done
}

# bench_wait NAME: waits for $bench_pid, started in the background so that a
# signal to the script stops it at once (see cleanup); dies when it failed.
bench_wait() {
	status=0
	wait "$bench_pid" || status=$?
	bench_pid=
	[ $status -ne 124 ] || die "$1 timed out after $BENCH_TIMEOUT s"
	[ $status -eq 0 ] || die "$1 failed (exit status $status)"
}
