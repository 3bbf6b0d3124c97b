#!/bin/sh
# SPDX-License-Identifier: MIT
# t_conncap.sh - hostile connections: nobody opening connections past
# max_connections_per_uid is refused with a reason while root's status
# answers within 1 s; a reload lowering the caps leaves open connections and
# refuses new ones; connections that send nothing are closed after
# hello_timeout; and with tapqd out of fds (RLIMIT_NOFILE lowered on the
# running daemon) while nobody holds every connection it can get, root's
# status still answers within 1 s, every time.
. "$(dirname "$0")/lib.sh"
TQCONN=$BUILD/test/integration/tqconn
tq_init
cp "$TQ_DIR/conncap.conf" "$TQ_TMP/conncap.conf"
start_daemon "$TQ_TMP/conncap.conf" || finish

# as_uid UID CMD...: CMD in the daemon's namespaces as UID, no groups
as_uid() {
	_u=$1
	shift
	nsenter -t "$DPID" -m -n setpriv --reuid="$_u" --regid="$_u" --clear-groups "$@"
}

# conn_bg UID OUT ARGS...: tqconn ARGS as UID in the background (BGPID), waits until it holds
conn_bg() {
	_u=$1 _o=$2
	shift 2
	bg "$_o" nsenter -t "$DPID" -m -n setpriv --reuid="$_u" --regid="$_u" --clear-groups \
		"$TQCONN" "$@"
	wait_until 600 0.1 "tqconn $* as uid $_u holds its connections" file_has "$_o" '^ready'
	say "       uid $_u: $(grep -v '^ready' "$_o" | tr '\n' ' ')"
}

# root_status_ms: root's tapqctl status (5 s at most), then a STATUS timed
# from connect() to the whole answer by tqconn itself: "EXIT MS", MS empty
# when tqconn got no answer. Timing tapqctl from the shell would time exec,
# nsenter and the sanitizer's start too, which a loaded machine stretches
# past a second while tapqd answers in milliseconds.
root_status_ms() {
	timeout 5 nsenter -t "$DPID" -m -n "$TAPQCTL" status >/dev/null 2>&1
	_rc=$?
	_ms=$(timeout 5 nsenter -t "$DPID" -m -n "$TQCONN" status 2>&1 |
		sed -n 's/^status: [0-9]* devices in \([0-9]*\) ms$/\1/p')
	echo "$_rc $_ms"
}

# assert_root_fast DESC: root's tapqctl status exits 0, and tapqd lets root
# in and answers its STATUS within 1000 ms
assert_root_fast() {
	_s=$(root_status_ms)
	say "       root status: exit ${_s% *}, answered in ${_s#* } ms"
	case ${_s#* } in
	'' | *[!0-9]*) fail "$1" "exit 0, an answer within 1000 ms" "$_s" ;;
	*) if [ "${_s% *}" = 0 ] && [ "${_s#* }" -lt 1000 ]; then pass "$1"; else fail "$1" "exit 0, an answer within 1000 ms" "$_s"; fi ;;
	esac
}

refusals() { jget "$(tq status --json)" ".refusals.$1"; }

# -- (a) nobody past max_connections_per_uid (default 64)
conn_bg 65534 "$TQ_TMP/nb" hold 70
NB=$BGPID
assert_match "nobody: 64 connections let in, the next refused" '^accepted 64 refused [1-6] ' "$(cat "$TQ_TMP/nb")"
assert_match "the refusal is an ERROR naming the cap" \
	'^refusal: seq 0 code [0-9]+: refused: uid 65534 has 64 connections open \(max_connections_per_uid = 64\)' \
	"$(cat "$TQ_TMP/nb")"
assert_root_fast "root's status answers within 1 s while nobody is at its cap"
assert_refused "nobody's tapqctl status over its cap is refused" tq_nobody status
assert_match "tapqctl says why" 'max_connections_per_uid' "$REF_OUT"
say "       tapqctl said: $REF_OUT"
conn_bg 12345 "$TQ_TMP/other" hold 3
OTHER=$BGPID
assert_match "another uid is not held back by nobody's cap" '^accepted 3 refused 0 ' "$(cat "$TQ_TMP/other")"
assert_ge "status counts the refusals (uid_cap)" 1 "$(refusals uid_cap)"
assert_match "the refusal is logged with pid and uid" 'refused pid [0-9]+ uid 65534 \(uid_cap\)' "$(cat "$DLOG")"
assert_match "plain status shows the count" 'refused since tapqd started: .*uid_cap [1-9]' "$(tq status)"

# -- a reload lowers the caps: open connections stay, new ones are refused
printf '[tapqd]\nsocket_mode = 0666\nlog_level = debug\nmax_connections = 66\nmax_connections_per_uid = 10\n[device tqa]\nmax_queues = 2\n' \
	>"$TQ_TMP/conncap.conf"
assert_ok "reload with max_connections 66, max_connections_per_uid 10" tq reload
assert_match "the reload says open connections stay" 'max_connections_per_uid 64 -> 10: for new connections; open ones stay' "$(cat "$DLOG")"
assert_ok "nobody's 64 connections stay open" pid_alive "$NB"
OUT=$(as_uid 65534 "$TQCONN" open 1)
assert_match "a new one of nobody is refused (per uid)" '^accepted 0 refused 1 .*' "$OUT"
OUT=$(as_uid 12346 "$TQCONN" open 1)
say "       uid 12346: $(printf '%s' "$OUT" | tr '\n' ' ')"
assert_match "a new uid is refused: 67 open, max_connections 66" 'refusal: .*67 connections are open \(max_connections = 66\)' "$OUT"
assert_ge "status counts it (total_cap)" 1 "$(refusals total_cap)"
assert_root_fast "root still gets in over max_connections"
stop_bg "$NB"
stop_bg "$OTHER"

# -- (c) connections that never send a request are closed after hello_timeout
printf '[tapqd]\nsocket_mode = 0666\nlog_level = debug\nhello_timeout = 1500\n[device tqa]\nmax_queues = 2\n' \
	>"$TQ_TMP/conncap.conf"
assert_ok "reload with hello_timeout 1500 ms" tq reload
OUT=$(as_uid 65534 "$TQCONN" idle 10 8000)
say "       $(printf '%s' "$OUT" | tr '\n' ' ')"
assert_match "10 idle connections closed by tapqd, each told why" '^closed 10 of 10, .* told why 10' "$OUT"
assert_match "the reason names hello_timeout" 'said: seq 0 code [0-9]+: closed: no request within hello_timeout \(1500 ms\)' "$OUT"
assert_eq "status counts them (idle)" 10 "$(refusals idle)"

# -- (b) out of fds: nobody takes every connection tapqd can accept
printf '[tapqd]\nsocket_mode = 0666\nlog_level = debug\nmax_connections_per_uid = 1000\n[device tqa]\nmax_queues = 2\n' \
	>"$TQ_TMP/conncap.conf"
assert_ok "reload with max_connections_per_uid 1000" tq reload
FDS=$(daemon_fd_count)
LIMIT=$((FDS + 30))
assert_ok "RLIMIT_NOFILE of the running tapqd lowered to $LIMIT ($FDS open)" prlimit --pid "$DPID" --nofile="$LIMIT:$LIMIT"
conn_bg 65534 "$TQ_TMP/nbfd" hold 200
NB=$BGPID
assert_match "nobody got connections until tapqd ran out of fds, then was refused" '^accepted [1-9][0-9]* refused [1-9]' "$(cat "$TQ_TMP/nbfd")"
say "       tapqd holds $(daemon_fd_count) fds of $LIMIT"
for i in 1 2 3; do
	assert_root_fast "out of fds: root's status answers within 1 s ($i)"
done
assert_match "nobody is refused, told it is the fd limit" 'refusal: seq 0 code [0-9]+: refused: tapqd is out of file descriptors' "$(cat "$TQ_TMP/nbfd")"
assert_ge "status counts it (fd_limit)" 1 "$(refusals fd_limit)"
stop_bg "$NB"
assert_root_fast "root's status answers once nobody lets go"
OUT=$(as_uid 65534 "$TAPQCTL" status)
assert_eq "and nobody's again" 0 "$?"

stop_daemon
finish
