# SPDX-License-Identifier: MIT
# daemon.sh - what the bench/*.sh scripts share (sourced, never run on its
# own): die, alive, and tapqd in a network namespace with a private /run,
# started with a bounded wait for its socket and stopped with a bounded wait.
#
# Needs TAPQD and SOCK (the socket path inside the daemon's /run); keeps the
# daemon's pid in daemon_pid.

daemon_pid=

die() {
	echo "bench: $*" >&2
	exit 1
}

# kill -0 alone also succeeds on a zombie: our own child that exited and was not waited for
alive() {
	kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# bench_daemon_start NS CONF LOG [WRAPPER...]: tapqd -f -c CONF in netns NS
# with its own /run, output to LOG, run through WRAPPER (e.g. taskset -c 1)
# if given. The wrapper, ip netns exec, unshare and sh all exec, so
# daemon_pid is tapqd's pid. Waits 10 s at most for the socket.
bench_daemon_start() {
	_ns=$1 _conf=$2 _log=$3
	shift 3
	# shellcheck disable=SC2016 # expanded by the inner shell
	"$@" ip netns exec "$_ns" unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=0755 tmpfs /run && exec "$0" -f -c "$1"' "$TAPQD" "$_conf" \
		>"$_log" 2>&1 &
	daemon_pid=$!
	_i=0
	until nsenter -t "$daemon_pid" -m -n test -S "$SOCK" 2>/dev/null; do
		alive "$daemon_pid" || die "tapqd exited during start-up"
		[ $_i -lt 100 ] || die "no socket $SOCK after 10 s"
		sleep 0.1
		_i=$((_i + 1))
	done
}

# bench_daemon_stop LOG STATUS: SIGTERM, then SIGKILL after 5 s; when the
# bench failed (STATUS not 0), the end of the daemon's LOG
bench_daemon_stop() {
	if [ -n "$daemon_pid" ] && alive "$daemon_pid"; then
		kill -TERM "$daemon_pid" 2>/dev/null || true
		_i=0
		while alive "$daemon_pid" && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		if alive "$daemon_pid"; then
			echo "bench: tapqd did not stop within 5 s, killing it" >&2
			kill -KILL "$daemon_pid" 2>/dev/null || true
		fi
		wait "$daemon_pid" 2>/dev/null || true
	fi
	if [ "$2" -ne 0 ] && [ -s "$1" ]; then
		echo "bench: last lines of the tapqd log:" >&2
		tail -n 20 "$1" >&2
	fi
}
