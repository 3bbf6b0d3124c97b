#!/bin/sh
# SPDX-License-Identifier: MIT
# man.sh - the manual pages say what the code does: every config key of
# tapqd.conf.example and of the parser's key table (config/conf.c, section by
# section) is in tapqd.conf(5) and the other way round; every command and
# option of tapqctl --help is in tapqctl(8), and of tapqd -h in tapqd(8), and
# the other way round; so is every JSON key tools/tapqctl.c and tools/monitor.c
# print, refusal names included, in tapqctl(8)'s JSON OUTPUT, every metric family
# of tools/metrics.c in METRICS and event kind of tools/monitor.c in EVENTS; and groff renders each built
# page without a warning.
#
#   BUILD=build sh test/man.sh      (after make man and make all)
#
# SRC names another copy of the sources to check (test/man-selftest.sh gives
# it broken ones); BUILD must then be absolute.
set -eu
export LC_ALL=C

BUILD=${BUILD:-build}
cd "${SRC:-.}"
command -v groff >/dev/null || { echo "man: groff (Debian package groff-base) is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# The lines of section HEADING ("# HEADING" up to the next "# ") of a scdoc source.
man_section() {
	awk -v h="# $2" '/^# / { on = ($0 == h); next } on' "$1"
}

# Keys documented as "*key* = ..." at the start of a line, from stdin.
man_keys() {
	sed -n 's/^\*\([a-z_][a-z_0-9]*\)\* =.*/\1/p' | sort -u
}

# Prints what one list has that the other lacks: LABEL_A FILE_A LABEL_B FILE_B.
compare() {
	only_a=$(comm -23 "$2" "$4")
	only_b=$(comm -13 "$2" "$4")
	if [ -n "$only_a" ]; then
		echo "man: in $1, not in $3:" $only_a
		fail=1
	fi
	if [ -n "$only_b" ]; then
		echo "man: in $3, not in $1:" $only_b
		fail=1
	fi
}

conf_man=man/tapqd.conf.5.scd
# "key = value" and commented-out "#key = value" lines; prose comments have "# ".
sed -n 's/^#\{0,1\}\([a-z_][a-z_0-9]*\)[ 	]*=.*/\1/p' tapqd.conf.example | sort -u >"$tmp/example"
man_keys <"$conf_man" >"$tmp/man-all"
[ -s "$tmp/example" ] || { echo "man: no key found in tapqd.conf.example"; exit 1; }
compare tapqd.conf.example "$tmp/example" "tapqd.conf(5)" "$tmp/man-all"

for s in TAPQD:"[tapqd] SECTION" DEVICE:"[device NAME] SECTION" TEMPLATE:"[template NAME] SECTION"; do
	sec=${s%%:*}
	heading=${s#*:}
	sed -n "s/^	{\"\([a-z_0-9]*\)\", CONF_SECTION_$sec,.*/\1/p" config/conf.c | sort -u >"$tmp/table"
	[ -s "$tmp/table" ] || { echo "man: no $sec key found in config/conf.c's table"; exit 1; }
	man_section "$conf_man" "$heading" | man_keys >"$tmp/man-sec"
	compare "config/conf.c (CONF_SECTION_$sec)" "$tmp/table" "tapqd.conf(5) $heading" \
		"$tmp/man-sec"
done

# tapqctl: commands are the usage's lines "  word ...", options every -x/--word in it.
# -h and --help are main()'s own, before the usage lists anything.
"$BUILD/tapqctl" --help >"$tmp/ctl-help"
sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' "$tmp/ctl-help" | sort -u >"$tmp/ctl-cmds"
[ -s "$tmp/ctl-cmds" ] || { echo "man: no command found in tapqctl --help"; exit 1; }
man_section man/tapqctl.8.scd COMMANDS | sed -n 's/^\*\([a-z][a-z-]*\)\*.*/\1/p' |
	sort -u >"$tmp/man-cmds"
compare "tapqctl --help (commands)" "$tmp/ctl-cmds" "tapqctl(8) COMMANDS" "$tmp/man-cmds"

options() {
	grep -o -- "$1" | sed 's/^[^-]*//; s/\*$//' | sort -u
}
{ options '\(^\|[^a-zA-Z0-9-]\)-\{1,2\}[a-z][a-z-]*' <"$tmp/ctl-help"; printf -- '-h\n--help\n'; } | sort -u \
	>"$tmp/ctl-opts"
options '\*-\{1,2\}[a-z][a-z-]*\*' <man/tapqctl.8.scd >"$tmp/man-ctl-opts"
compare "tapqctl --help (options)" "$tmp/ctl-opts" "tapqctl(8)" "$tmp/man-ctl-opts"

# JSON keys: what json-c is given, what printf writes whole ("\"key\":"), and the
# refusal counters, named by tapqd_refusal_name() in lib/proto.c.
{
	sed -n 's/.*json_object_object_add([^,]*, "\([a-z_]*\)".*/\1/p' tools/tapqctl.c tools/monitor.c
	grep -o '\\"[a-z_]*\\":' tools/tapqctl.c | tr -d '\\":'
	sed -n 's/^		\[TAPQD_REFUSAL_[A-Z_]*\] = "\([a-z_]*\)",$/\1/p' lib/proto.c
} | sort -u >"$tmp/json"
[ -s "$tmp/json" ] || { echo "man: no JSON key found in tools/tapqctl.c"; exit 1; }
man_section man/tapqctl.8.scd "JSON OUTPUT" | grep -o '\*[a-z_]*\*' | tr -d '*' | sort -u \
	>"$tmp/man-json"
compare "tapqctl's JSON (tools/tapqctl.c, tools/monitor.c, lib/proto.c)" "$tmp/json" "tapqctl(8) JSON OUTPUT" \
	"$tmp/man-json"

# metric families (tools/metrics.c's table) and event kinds (tools/monitor.c's names)
sed -n 's/.*\] = {"\(tapqd_[a-z_]*\)",.*/\1/p' tools/metrics.c | sort -u >"$tmp/metrics"
[ -s "$tmp/metrics" ] || { echo "man: no metric found in tools/metrics.c"; exit 1; }
man_section man/tapqctl.8.scd METRICS | grep -o '\*tapqd_[a-z_]*\*' | tr -d '*' | sort -u \
	>"$tmp/man-metrics"
compare "tapqctl metrics (tools/metrics.c)" "$tmp/metrics" "tapqctl(8) METRICS" "$tmp/man-metrics"
sed -n 's/^		\[TAPQD_EVENT_[A-Z_]*\] = "\([a-z_]*\)",$/\1/p' tools/monitor.c | sort -u >"$tmp/events"
[ -s "$tmp/events" ] || { echo "man: no event kind found in tools/monitor.c"; exit 1; }
man_section man/tapqctl.8.scd EVENTS | grep '^\*' | grep -o '\*[a-z_]*\*' | tr -d '*' |
	sort -u >"$tmp/man-events"
compare "tapqctl monitor (tools/monitor.c)" "$tmp/events" "tapqctl(8) EVENTS" "$tmp/man-events"

"$BUILD/tapqd" -h >"$tmp/d-help"
{ sed -n 's/^  \(-[a-z]\) .*/\1/p' "$tmp/d-help"; echo -h; } | sort -u >"$tmp/d-opts"
man_section man/tapqd.8.scd OPTIONS | sed -n 's/^\*\(-[a-z]\)\*.*/\1/p' | sort -u \
	>"$tmp/man-d-opts"
compare "tapqd -h (options)" "$tmp/d-opts" "tapqd(8) OPTIONS" "$tmp/man-d-opts"

for src in man/*.scd; do
	page="$BUILD/man/$(basename "$src" .scd)"
	[ -f "$page" ] || { echo "man: $page is not built (make man)"; fail=1; continue; }
	groff -man -Tutf8 -ww -z "$page" 2>"$tmp/groff"
	if [ -s "$tmp/groff" ]; then
		echo "man: groff warns on $page:"
		cat "$tmp/groff"
		fail=1
	fi
done

[ "$fail" = 0 ] || exit 1
echo "man: the pages document every config key, command, option and JSON key"
