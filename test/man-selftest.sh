#!/bin/sh
# SPDX-License-Identifier: MIT
# man-selftest.sh - test/man.sh catches what it is there for: on copies of the
# sources, each broken in one way, it must fail and name what is missing
# where; on an unbroken copy it must pass.
#
#   BUILD=/abs/build sh test/man-selftest.sh      (after make man and make all)
set -eu
export LC_ALL=C

: "${BUILD:?BUILD (absolute) is needed}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# What man.sh reads, into $tmp/src.
copy_sources() {
	rm -rf "$tmp/src"
	mkdir -p "$tmp/src/config" "$tmp/src/lib" "$tmp/src/tools"
	cp -r man test tapqd.conf.example "$tmp/src/"
	cp config/conf.c "$tmp/src/config/"
	cp lib/proto.c "$tmp/src/lib/"
	cp tools/tapqctl.c tools/monitor.c tools/metrics.c "$tmp/src/tools/"
}

# CASE: a name; EXPECT: a line man.sh must print; then a shell command run in the copy.
expect_failure() {
	copy_sources
	(cd "$tmp/src" && sh -c "$3")
	if SRC="$tmp/src" BUILD="$BUILD" sh test/man.sh >"$tmp/out" 2>&1; then
		echo "man-selftest: $1: man.sh passed"
		fail=1
	elif ! grep -qxF "$2" "$tmp/out"; then
		echo "man-selftest: $1: expected \"$2\", got:"
		cat "$tmp/out"
		fail=1
	else
		echo "man-selftest: $1: caught"
	fi
}

expect_failure "key left out of tapqd.conf(5)" \
	"man: in tapqd.conf.example, not in tapqd.conf(5): hello_timeout" \
	"sed -i '/^\*hello_timeout\* =/,/^\$/d' man/tapqd.conf.5.scd"
expect_failure "commented-out key only in tapqd.conf.example" \
	"man: in tapqd.conf.example, not in tapqd.conf(5): bogus_key" \
	"echo '#bogus_key = 1' >>tapqd.conf.example"
expect_failure "key of the parser's table documented in the wrong section" \
	"man: in config/conf.c (CONF_SECTION_TEMPLATE), not in tapqd.conf(5) [template NAME] SECTION: max_per_user" \
	"sed -i '/^\*max_per_user\* =/,/^\$/d; s/^\*mtu\* =/*max_per_user* = _N_\n\tx\n\n&/' man/tapqd.conf.5.scd"
expect_failure "tapqctl command left out of tapqctl(8)" \
	"man: in tapqctl --help (commands), not in tapqctl(8) COMMANDS: destroy" \
	"sed -i 's/^\*destroy\* _NAME_/destroy _NAME_/' man/tapqctl.8.scd"
expect_failure "command only in tapqctl(8)" \
	"man: in tapqctl(8) COMMANDS, not in tapqctl --help (commands): frobnicate" \
	"sed -i 's/^# EXIT STATUS\$/*frobnicate*\n\tx\n\n&/' man/tapqctl.8.scd"
expect_failure "JSON key left out of tapqctl(8)" \
	"man: in tapqctl's JSON (tools/tapqctl.c, tools/monitor.c, lib/proto.c), not in tapqctl(8) JSON OUTPUT: waiting" \
	"sed -i 's/^\*waiting\*\$/waiting/' man/tapqctl.8.scd"
expect_failure "metric left out of tapqctl(8)" \
	"man: in tapqctl metrics (tools/metrics.c), not in tapqctl(8) METRICS: tapqd_errors_total" \
	"sed -i 's/^\\*tapqd_errors_total\\*\$/tapqd_errors_total/' man/tapqctl.8.scd"
expect_failure "event kind left out of tapqctl(8)" \
	"man: in tapqctl monitor (tools/monitor.c), not in tapqctl(8) EVENTS: shrink" \
	"sed -i 's/^\\*shrink\\*\$/shrink/' man/tapqctl.8.scd"
expect_failure "tapqd option left out of tapqd(8)" \
	"man: in tapqd -h (options), not in tapqd(8) OPTIONS: -t" \
	"sed -i 's/^\*-t\*\$/-t/' man/tapqd.8.scd"

copy_sources
if ! SRC="$tmp/src" BUILD="$BUILD" sh test/man.sh >"$tmp/out" 2>&1; then
	echo "man-selftest: an unbroken copy fails:"
	cat "$tmp/out"
	fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "man-selftest: test/man.sh catches every case"
