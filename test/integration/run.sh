#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh - runs every test/integration/t_*.sh (or those named on the command
# line), each in its own shell with a time limit; prints one line per test
# (and the log of a failed one, indented), then "N passed, M failed".
#
#   BUILD=/abs/build sh test/integration/run.sh [t_name ...]
#   TQ_TIMEOUT=300   seconds one test may take
#   TQ_VERBOSE=1     print every test's log, not only failed ones
#   TQ_JOBS=2        tests run at once (default 2). Each has its own namespaces,
#                    so they cannot meet; those named in SERIAL below still run
#                    alone afterwards: QEMU's TCG guests take a core each, and the
#                    others assert that an answer comes within a bound under load
#                    they make themselves

set -u
DIR=$(cd "$(dirname "$0")" && pwd)
: "${BUILD:=$(cd "$DIR/../.." && pwd)/build}"
export BUILD
TIMEOUT=${TQ_TIMEOUT:-300}

pass=0
failed=0

# tools the tests need, with the Debian package that has each
missing=""
for t in ip:iproute2 ping:iputils-ping unshare:util-linux nsenter:util-linux \
	setpriv:util-linux setsid:util-linux jq:jq timeout:coreutils promtool:prometheus; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t%%:*} (Debian package ${t#*:})"
done
if [ -n "$missing" ]; then
	echo "missing tools:$missing"
	echo "0 passed, 1 failed"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "the integration tests need root (network namespaces, tap devices)"
	echo "0 passed, 1 failed"
	exit 1
fi

if [ $# -gt 0 ]; then
	tests=""
	for a in "$@"; do
		a=$(basename "$a" .sh)
		tests="$tests $DIR/$a.sh"
	done
else
	tests=$(ls "$DIR"/t_*.sh 2>/dev/null | sort)
fi
if [ -z "$tests" ]; then
	echo "no tests found in $DIR"
	echo "0 passed, 1 failed"
	exit 1
fi

SERIAL="t_qemu_qmp t_qemu_guest t_blockfd t_outq t_conncap t_refusals t_resize"
JOBS=${TQ_JOBS:-2}

LOGDIR=$(mktemp -d /tmp/tqtest-logs.XXXXXX)
# run_one TEST: its log in LOGDIR/NAME.log, its exit status and seconds in LOGDIR/NAME.rc
run_one() {
	name=$(basename "$1" .sh)
	start=$(date +%s)
	if [ ! -f "$1" ]; then
		echo "no such test $1" >"$LOGDIR/$name.log"
		rc=127
	else
		timeout -k 15 "$TIMEOUT" sh "$1" >"$LOGDIR/$name.log" 2>&1 </dev/null
		rc=$?
	fi
	echo "$rc $(($(date +%s) - start))" >"$LOGDIR/$name.rc"
}

report() {
	name=$(basename "$1" .sh)
	read -r rc secs <"$LOGDIR/$name.rc"
	log=$LOGDIR/$name.log
	asserts=$(sed -n 's/^# .*: \([0-9]* passed, [0-9]* failed\)$/\1/p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $name (${secs}s; ${asserts:-no summary})"
		[ "${TQ_VERBOSE:-0}" = 1 ] && sed 's/^/    /' "$log"
	else
		failed=$((failed + 1))
		why="exit $rc"
		[ "$rc" -eq 124 ] && why="timed out after ${TIMEOUT}s"
		echo "FAIL $name (${secs}s; $why; ${asserts:-no summary})"
		sed 's/^/    /' "$log"
	fi
}

together=""
alone=""
for t in $tests; do
	case " $SERIAL " in
	*" $(basename "$t" .sh) "*) alone="$alone $t" ;;
	*) together="$together $t" ;;
	esac
done
# JOBS lanes, test i in lane i mod JOBS; reported in order once all are done
lane=0
while [ "$lane" -lt "$JOBS" ]; do
	(
		i=0
		for t in $together; do
			[ $((i % JOBS)) -eq "$lane" ] && run_one "$t"
			i=$((i + 1))
		done
	) &
	lane=$((lane + 1))
done
wait
for t in $together; do report "$t"; done
for t in $alone; do
	run_one "$t"
	report "$t"
done
rm -rf "$LOGDIR"

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
