# SPDX-License-Identifier: MIT
# lib.sh - shared helpers for the integration tests (POSIX sh, sourced by each t_*.sh)
#
# Every test gets its own network namespace (tqtest-NAME-PID) and temporary
# directory; both are removed, and every process the test started is
# killed, on exit, on INT and on TERM. The daemon under test runs with its
# own network namespace and its own /run (a tmpfs in a private mount
# namespace), so the default socket path is used and the host is never
# touched. Clients reach it with nsenter into the daemon's namespaces.
#
# Every wait is bounded: wait_until COUNT INTERVAL DESC CMD...
#
# Usage in a test:
#	. "$(dirname "$0")/lib.sh"
#	tq_init
#	start_daemon "$TQ_DIR/basic.conf"
#	assert_eq "status exit" 0 "$(tq status >/dev/null 2>&1; echo $?)"
#	stop_daemon
#	finish

set -u

: "${BUILD:?BUILD must be the absolute path of the build directory}"
TQ_DIR=$(cd "$(dirname "$0")" && pwd)
TQ_NAME=$(basename "$0" .sh)
TAPQD=$BUILD/tapqd
TAPQCTL=$BUILD/tapqctl
TQPROBE=$BUILD/test/integration/tqprobe
FAKESD=$BUILD/test/integration/fakesd
TQ_DEFAULT_SOCK=/run/tapqd/tapqd.sock
TQ_SOCK=$TQ_DEFAULT_SOCK # inside the daemon's mount namespace; a test may set another

TQ_PASS=0
TQ_FAIL=0
TQ_PIDS=""   # processes started by this test (each a session leader: setsid)
TQ_NS=""
TQ_TMP=""
DPID=""      # the daemon under test (or the fake service manager it runs under)
DLOG=""      # its stderr
DEXE=$TAPQD  # what DPID runs once it has exec'd
NLOG=""      # under fakesd: every notify message, one a line
JLOG=""      # set before start_fakesd: fakesd is journald too, and writes every entry here

# ---- reporting ----

say() { printf '%s\n' "$*"; }

pass() {
	TQ_PASS=$((TQ_PASS + 1))
	say "  ok   $1"
}

# fail DESC [EXPECTED SEEN]
fail() {
	TQ_FAIL=$((TQ_FAIL + 1))
	say "  FAIL $1"
	if [ $# -ge 3 ]; then
		say "       expected: $2"
		say "       seen:     $(printf '%s' "$3" | head -c 2000)"
	fi
}

assert_eq() { # DESC EXPECTED SEEN
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "$2" "$3"; fi
}

assert_ne() { # DESC UNEXPECTED SEEN
	if [ "$2" != "$3" ]; then pass "$1"; else fail "$1" "anything but $2" "$3"; fi
}

assert_match() { # DESC ERE TEXT
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then pass "$1"; else fail "$1" "/$2/" "$3"; fi
}

assert_nomatch() { # DESC ERE TEXT
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then fail "$1" "no /$2/" "$3"; else pass "$1"; fi
}

assert_ge() { # DESC MIN SEEN
	case $3 in
	'' | *[!0-9]*) fail "$1" ">= $2" "$3"; return ;;
	esac
	if [ "$3" -ge "$2" ]; then pass "$1"; else fail "$1" ">= $2" "$3"; fi
}

# assert_ok DESC CMD... : CMD exits 0 (its output is shown on failure)
assert_ok() {
	_d=$1
	shift
	if _o=$("$@" 2>&1); then pass "$_d"; else fail "$_d" "exit 0 from: $*" "exit $? $_o"; fi
}

# assert_fails DESC CMD... : CMD exits non-zero
assert_fails() {
	_d=$1
	shift
	if _o=$("$@" 2>&1); then fail "$_d" "non-zero exit from: $*" "exit 0 $_o"; else pass "$_d"; fi
}

# assert_refused DESC CMD... : CMD answers with a failure (non-zero exit, but
# not a timeout); its output is left in REF_OUT
assert_refused() {
	_d=$1
	shift
	REF_OUT=$("$@" 2>&1)
	_r=$?
	case $_r in
	0) fail "$_d" "a refusal (non-zero exit)" "exit 0: $REF_OUT" ;;
	124 | 137) fail "$_d" "a refusal" "no answer: timed out, $REF_OUT" ;;
	*) pass "$_d" ;;
	esac
}

# wait_until COUNT INTERVAL DESC CMD... : retries CMD up to COUNT times, INTERVAL
# seconds apart; asserts that it succeeded. Return: CMD's last status.
wait_until() {
	_n=$1 _i=$2 _d=$3
	shift 3
	_k=0
	while [ "$_k" -lt "$_n" ]; do
		if "$@" >/dev/null 2>&1; then
			pass "$_d"
			return 0
		fi
		_k=$((_k + 1))
		sleep "$_i"
	done
	fail "$_d" "success of '$*' within $_n x ${_i}s" "$("$@" 2>&1 | tail -n 5)"
	return 1
}

# poll_until COUNT INTERVAL CMD... : like wait_until, without asserting
poll_until() {
	_n=$1 _i=$2
	shift 2
	_k=0
	while [ "$_k" -lt "$_n" ]; do
		"$@" >/dev/null 2>&1 && return 0
		_k=$((_k + 1))
		sleep "$_i"
	done
	return 1
}

# ---- processes ----

# pid_alive PID: running, neither gone nor a zombie
pid_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

pid_dead() { ! pid_alive "$1"; }

track() { TQ_PIDS="$TQ_PIDS $1"; }

untrack() {
	_new=""
	for _p in $TQ_PIDS; do
		[ "$_p" = "$1" ] || _new="$_new $_p"
	done
	TQ_PIDS=$_new
}

# kill_wait SIG PID: signals one process and waits (5 s at most) until it is gone
kill_wait() {
	kill -s "$1" "$2" 2>/dev/null
	poll_until 50 0.1 pid_dead "$2"
}

# ---- namespace, cleanup ----

cleanup() {
	_rc=$?
	trap - EXIT INT TERM
	set +e
	for _p in $TQ_PIDS; do
		kill -TERM -- "-$_p" 2>/dev/null || kill -TERM "$_p" 2>/dev/null
	done
	for _p in $TQ_PIDS; do
		poll_until 30 0.1 pid_dead "$_p" || kill -KILL -- "-$_p" 2>/dev/null || kill -KILL "$_p" 2>/dev/null
	done
	for _p in $TQ_PIDS; do
		poll_until 30 0.1 pid_dead "$_p"
		wait "$_p" 2>/dev/null
	done
	if [ -n "$TQ_NS" ]; then
		ip netns del "$TQ_NS" 2>/dev/null
		if ip netns list | grep -Eq "^$TQ_NS( |\$)"; then
			say "  warning: could not remove namespace $TQ_NS"
		fi
	fi
	[ -n "$TQ_TMP" ] && rm -rf "$TQ_TMP"
	exit "$_rc"
}

# tq_init: namespace + temporary directory + traps. Sets TQ_NS, TQ_TMP.
tq_init() {
	if [ "$(id -u)" != 0 ]; then
		say "  FAIL must run as root"
		exit 1
	fi
	for _b in "$TAPQD" "$TAPQCTL" "$TQPROBE"; do
		if [ ! -x "$_b" ]; then
			say "  FAIL missing binary $_b (run make integration)"
			exit 1
		fi
	done
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	TQ_TMP=$(mktemp -d "/tmp/tqtest-$TQ_NAME.XXXXXX")
	chmod 755 "$TQ_TMP"
	TQ_NS="tqtest-$(printf '%s' "$TQ_NAME" | tr -c 'a-zA-Z0-9\n' -)-$$"
	if ! ip netns add "$TQ_NS"; then
		TQ_NS=""
		say "  FAIL ip netns add"
		exit 1
	fi
	ip -n "$TQ_NS" link set lo up
	say "# $TQ_NAME: namespace $TQ_NS, files $TQ_TMP"
}

# ---- the daemon ----

# start_in_ns SCRIPT ARGS...: sh -c SCRIPT ARGS in the test's network namespace
# with a private /run (a tmpfs, mounted first), in its own session, stdout
# and stderr to DLOG. Sets DPID.
start_in_ns() {
	_script=$1
	shift
	DLOG=$TQ_TMP/tapqd.$(date +%s%N).log
	setsid ip netns exec "$TQ_NS" unshare -m --propagation private \
		sh -c "mount -t tmpfs tmpfs /run && $_script" "$@" >"$DLOG" 2>&1 </dev/null &
	DPID=$!
	track "$DPID"
}

# wait_daemon_ready: (10 s at most) until DPID runs DEXE and its socket
# answers a status request; shows the log when not.
wait_daemon_ready() {
	if wait_until 100 0.1 "tapqd started and answers on $TQ_SOCK" daemon_ready; then
		return 0
	fi
	say "  --- tapqd log ---"
	sed 's/^/  | /' "$DLOG" | tail -n 40
	return 1
}

# start_daemon CONF: starts tapqd -f -c CONF and waits until it answers.
start_daemon() {
	DEXE=$TAPQD
	start_in_ns 'exec "$0" -f -c "$1"' "$TAPQD" "$1"
	wait_daemon_ready
}

# start_daemon_in PID CONF: tapqd -f -c CONF in the network and mount
# namespaces of PID, a client of an earlier tapqd that keeps that tapqd's
# private /run alive: a restart without a service manager, which finds what
# the earlier tapqd left in /run (nsenter does not fork: DPID is tapqd).
start_daemon_in() {
	DEXE=$TAPQD
	DLOG=$TQ_TMP/tapqd.$(date +%s%N).log
	setsid nsenter -t "$1" -m -n "$TAPQD" -f -c "$2" >"$DLOG" 2>&1 </dev/null &
	DPID=$!
	track "$DPID"
	wait_daemon_ready
}

# start_fakesd CONF [WATCHDOG_USEC]: tapqd -f -c CONF under the fake service
# manager (fakesd.c), which restarts it when it fails (3 times at most),
# records every notify message in NLOG and checks the socket at READY=1, and
# asks for a watchdog when given one. DPID is fakesd (tapqd's namespaces are
# its own); tapqd_pid names the tapqd now. With JLOG set, tapqd's stderr is
# the journal's stream and its entries with fields go to JLOG (fakesd -j).
start_fakesd() {
	DEXE=$FAKESD
	NLOG=$TQ_TMP/notify.log
	: >"$NLOG"
	start_in_ns 'exec "$0" -c /run/tapqd/tapqd.sock -r 3 ${4:+-w "$4"} ${5:+-j "$5"} /run/notify.sock "$1" -- "$2" -f -c "$3"' \
		"$FAKESD" "$NLOG" "$TAPQD" "$1" "${2:-}" "$JLOG"
	wait_daemon_ready
}

# start_activator: the real systemd-socket-activate --seqpacket listens on
# $TQ_TMP/activated.sock and starts tapqd -f -c CONF (that socket, tqa with 4
# queues) at the first connection, in the test's namespaces. Sets TQ_SOCK,
# CONF and DPID. Return: 1 when it is missing or does not listen.
start_activator() {
	if ! command -v systemd-socket-activate >/dev/null 2>&1; then
		fail "systemd-socket-activate is installed (Debian package systemd)"
		return 1
	fi
	TQ_SOCK=$TQ_TMP/activated.sock
	CONF=$TQ_TMP/activate.conf
	printf '[tapqd]\nsocket = %s\nlog_level = debug\n\n[device tqa]\nmax_queues = 4\n' "$TQ_SOCK" >"$CONF"
	DEXE=$(command -v systemd-socket-activate)
	start_in_ns 'exec "$0" --seqpacket -l "$1" "$2" -f -c "$3"' \
		"$DEXE" "$TQ_SOCK" "$TAPQD" "$CONF"
	wait_until 100 0.1 "systemd-socket-activate listens on $TQ_SOCK" test -S "$TQ_SOCK"
}

# tapqd_pid: the tapqd fakesd started last
tapqd_pid() { sed -n 's/^[0-9.]* # start pid \([0-9]*\) .*/\1/p' "$NLOG" | tail -n 1; }

# ready_count: READY=1 messages fakesd got so far
ready_count() { grep -c ' READY=1' "$NLOG"; }

# The daemon has exec'd (so its mount namespace is the private one) and answers.
daemon_ready() {
	pid_alive "$DPID" || return 1
	[ "$(readlink "/proc/$DPID/exe")" = "$(readlink -f "$DEXE")" ] || return 1
	nsenter -t "$DPID" -m test -S "$TQ_SOCK" || return 1
	timeout 5 nsenter -t "$DPID" -m -n "$TAPQCTL" $(sock_opt) status >/dev/null 2>&1
}

# stop_daemon: SIGTERM, bounded wait, asserts an orderly exit (status 0) and a
# clean sanitizer report.
stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	if wait_until 100 0.1 "tapqd exits on SIGTERM" pid_dead "$DPID"; then
		wait "$DPID"
		assert_eq "tapqd exit status after SIGTERM" 0 "$?"
		untrack "$DPID"
	fi
	check_daemon_log
	DPID=""
}

# check_daemon_log: no sanitizer report, no crash in the daemon's stderr
check_daemon_log() {
	[ -n "$DLOG" ] && [ -f "$DLOG" ] || return 0
	_bad=$(grep -E 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation fault|Aborted' "$DLOG" | head -n 5)
	if [ -n "$_bad" ]; then
		fail "tapqd log has no sanitizer report or crash" "nothing" "$_bad"
		sed 's/^/  | /' "$DLOG" | tail -n 60
	else
		pass "tapqd log has no sanitizer report or crash"
	fi
}

daemon_fd_count() { ls "/proc/$DPID/fd" | wc -l; }

# ---- clients ----

# sock_opt: "-s PATH" when the test uses another socket than the default
sock_opt() { [ "$TQ_SOCK" = "$TQ_DEFAULT_SOCK" ] || printf -- '-s %s' "$TQ_SOCK"; }

# tq ARGS...: tapqctl inside the daemon's namespaces (20 s at most)
tq() { timeout 20 nsenter -t "$DPID" -m -n "$TAPQCTL" $(sock_opt) "$@"; }

# tqprobe ARGS...: the probe inside the daemon's namespaces (60 s at most)
tqprobe() { timeout 60 nsenter -t "$DPID" -m -n "$TQPROBE" $(sock_opt) "$@"; }

# tq_nobody ARGS... / tqprobe_nobody ARGS...: the same, as nobody:nogroup
tq_nobody() {
	timeout 20 nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
		--clear-groups "$TAPQCTL" $(sock_opt) "$@"
}
tqprobe_nobody() {
	timeout 60 nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
		--clear-groups "$TQPROBE" $(sock_opt) "$@"
}

# as_nobody CMD...: runs CMD as nobody:nogroup with no supplementary groups
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# bg OUT CMD...: runs CMD in the background in its own session, stdout to OUT
# and stderr to OUT.err; sets BGPID (the pid CMD keeps: nsenter -m -n does
# not fork) and tracks it for cleanup.
bg() {
	_out=$1
	shift
	setsid "$@" >"$_out" 2>"$_out.err" </dev/null &
	BGPID=$!
	track "$BGPID"
}

# tq_bg OUT ARGS...: tapqctl ARGS in the background, in the daemon's namespaces
tq_bg() {
	_out=$1
	shift
	bg "$_out" nsenter -t "$DPID" -m -n "$TAPQCTL" $(sock_opt) "$@"
}

# tqprobe_bg OUT ARGS...: tqprobe ARGS in the background, in the daemon's namespaces
tqprobe_bg() {
	_out=$1
	shift
	bg "$_out" nsenter -t "$DPID" -m -n "$TQPROBE" $(sock_opt) "$@"
}

# stop_bg PID: SIGTERM, bounded wait, reap. Return: its exit status, or 255.
stop_bg() {
	kill -TERM "$1" 2>/dev/null
	if poll_until 50 0.1 pid_dead "$1"; then
		wait "$1"
		_r=$?
	else
		kill -KILL -- "-$1" 2>/dev/null
		poll_until 50 0.1 pid_dead "$1"
		wait "$1" 2>/dev/null
		_r=255
	fi
	untrack "$1"
	return $_r
}

file_has() { grep -Eq -- "$2" "$1" 2>/dev/null; } # FILE ERE

# ---- the network namespace ----

link_exists() { ip -n "$TQ_NS" link show dev "$1" >/dev/null 2>&1; }
link_gone() { ! link_exists "$1"; }

# link_queues DEV: "numqueues N numdisabled M" as the kernel reports it
link_queues() {
	ip -n "$TQ_NS" -d link show dev "$1" 2>/dev/null |
		grep -Eo 'numqueues [0-9]+ numdisabled [0-9]+'
}

# link_total_queues DEV: attached + detached queues
link_total_queues() {
	link_queues "$1" | awk '{ print $2 + $4 }'
}

link_ifindex() { ip -n "$TQ_NS" -o link show dev "$1" 2>/dev/null | cut -d: -f1; }
# the link group of an interface as ip -d link names it: a number, or "default" for 0
link_group() { ip -n "$TQ_NS" -d -o link show dev "$1" 2>/dev/null | sed -n 's/.* group \([^ ]*\).*/\1/p'; }

link_stat() { # DEV rx_packets|tx_packets|...
	nsenter -t "$DPID" -m -n cat "/sys/class/net/$1/statistics/$2" 2>/dev/null ||
		ip netns exec "$TQ_NS" cat "/sys/class/net/$1/statistics/$2"
}

# tap_fds_of PID DEV: the fds of PID whose fdinfo names tap DEV, one per line, sorted
tap_fds_of() {
	for _f in /proc/"$1"/fdinfo/*; do
		if grep -Eq "^iff:[[:space:]]+$2\$" "$_f" 2>/dev/null; then
			basename "$_f"
		fi
	done | sort -n
}

# jget JSON QUERY: one value out of a JSON text (raw strings), empty on error
jget() { printf '%s\n' "$1" | jq -r "$2" 2>/dev/null; }

# status_field DEV QUERY: QUERY on DEV's object in `tapqctl status DEV --json`
status_field() { jget "$(tq status "$1" --json 2>/dev/null)" ".devices[0]$2"; }

# leased_is DEV true|false
leased_is() { [ "$(status_field "$1" .leased)" = "$2" ]; }

# holder_is DEV PID
holder_is() { [ "$(status_field "$1" .holder_pid)" = "$2" ]; }

# pong_on_tqa COUNT [--hold]: the namespace gets 192.0.2.1/25 on tqa, and a
# tqprobe pong holds tqa in client mode to answer COUNT echo requests to
# 192.0.2.2 (--hold: and keeps the lease until SIGTERM), its output in
# $TQ_TMP/pong; sets H to its pid once tqa has carrier.
pong_on_tqa() {
	ip -n "$TQ_NS" addr add 192.0.2.1/25 dev tqa
	tqprobe_bg "$TQ_TMP/pong" pong tqa 192.0.2.2 "$1" 120 ${2:+"$2"}
	H=$BGPID
	wait_until 100 0.1 "pong holds tqa (client mode)" file_has "$TQ_TMP/pong" '^ready'
	wait_until 50 0.1 "tqa has carrier" carrier_on tqa
}

# carrier_on DEV: a client holds DEV's queues, so the tap has carrier
carrier_on() { ip -n "$TQ_NS" link show dev "$1" | grep -q 'LOWER_UP'; }

# flood_lost_none PID COUNT OUT: waits (60 s) for a ping flood of COUNT
# packets started with bg (its output in OUT), shows its summary, asserts
# that it exited 0 and lost no packet.
flood_lost_none() {
	wait_until 600 0.1 "the flood is over" pid_dead "$1"
	wait "$1"
	_r=$?
	untrack "$1"
	_sum=$(grep -E 'packets transmitted' "$3")
	say "       ping: $_sum"
	assert_eq "ping exits 0" 0 "$_r"
	assert_match "zero packets lost (ping's own count)" "^$2 packets transmitted, $2 received, 0% packet loss" "$_sum"
}

# pong_done PID COUNT DEV: tqprobe pong answered COUNT echo requests and
# exited 0, and its lease of DEV ended with it.
pong_done() {
	wait_until 100 0.1 "pong answered all $2 and exited" pid_dead "$1"
	wait "$1"
	assert_eq "pong exit status" 0 "$?"
	untrack "$1"
	wait_until 50 0.1 "the lease ends when its holder exits" leased_is "$3" false
}

# ---- end ----

finish() {
	if [ "$TQ_PASS" -eq 0 ] && [ "$TQ_FAIL" -eq 0 ]; then
		fail "the test asserted something"
	fi
	say "# $TQ_NAME: $TQ_PASS passed, $TQ_FAIL failed"
	[ "$TQ_FAIL" -eq 0 ]
	exit $?
}
