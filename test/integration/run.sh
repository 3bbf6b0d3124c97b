#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh - runs every test/integration/t_*.sh (or those named on the command
# line), each in its own shell with a time limit; prints one line per test
# (and the log of a failed one, indented), then "N passed, M failed".
#
#   BUILD=/abs/build sh test/integration/run.sh [t_name ...]
#   TQ_TIMEOUT=300   seconds one test may take
#   TQ_VERBOSE=1     print every test's log, not only failed ones

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
	setpriv:util-linux setsid:util-linux jq:jq timeout:coreutils; do
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

LOGDIR=$(mktemp -d /tmp/tqtest-logs.XXXXXX)
for t in $tests; do
	name=$(basename "$t" .sh)
	log=$LOGDIR/$name.log
	start=$(date +%s)
	if [ ! -f "$t" ]; then
		echo "no such test $t" >"$log"
		rc=127
	else
		timeout -k 15 "$TIMEOUT" sh "$t" >"$log" 2>&1 </dev/null
		rc=$?
	fi
	secs=$(($(date +%s) - start))
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
done
rm -rf "$LOGDIR"

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
