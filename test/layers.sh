#!/bin/sh
# SPDX-License-Identifier: MIT
# layers.sh - calls in daemon/ go down: checks, from universal-ctags, that no
# file of the lower layer calls a function only a file of the upper layer
# defines, and that no files call each other in a loop. A lower module
# reports upward through d->hooks or ctl_ops, which are calls through
# pointers, not names, and so not arrows here.
#
#   sh test/layers.sh [DIR]      (default daemon)
set -eu
export LC_ALL=C

dir=${1:-daemon}
# the kernel-facing modules and the device model; everything else is upper
lower="tap link monitor device expect topo worker uring budget qmp follow acl frame log state"

command -v ctags >/dev/null || { echo "layers: ctags (Debian package universal-ctags) is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# function -> the one file defining it
for f in "$dir"/*.c; do
	ctags -x --c-kinds=f "$f" | awk -v m="$(basename "$f" .c)" '{ print $1, m }'
done | sort | awk '{ n[$1]++; m[$1] = $2 } END { for (f in n) if (n[f] == 1) print f, m[f] }' \
	>"$tmp/defs"

# caller -> callee module, for every name( outside comments that another file defines
for f in "$dir"/*.c; do
	me=$(basename "$f" .c)
	sed -e 's://.*$::' "$f" | awk 'BEGIN { c = 0 } {
		line = $0
		while (1) {
			if (c) { i = index(line, "*/"); if (!i) { line = ""; break } line = substr(line, i + 2); c = 0 }
			i = index(line, "/*"); if (!i) break
			printf "%s ", substr(line, 1, i - 1); line = substr(line, i + 2); c = 1
		}
		print line }' |
		grep -oE '\b[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\(' | tr -d '( \t' | sort -u |
		awk -v me="$me" 'NR == FNR { d[$1] = $2; next } ($1 in d) && d[$1] != me { print me, d[$1], $1 }' \
			"$tmp/defs" -
done >"$tmp/calls"

bad=0
for l in $lower; do
	awk -v l="$l" -v lower=" $lower " '$1 == l && index(lower, " " $2 " ") == 0 {
		print "layers: " $1 ".c (lower) calls " $3 "() of " $2 ".c (upper)" }' "$tmp/calls"
done >"$tmp/up"
if [ -s "$tmp/up" ]; then
	cat "$tmp/up"
	bad=1
fi

# a loop: a module reaches itself through the arrows (closure by repeated joins)
awk '{ print $1, $2 }' "$tmp/calls" | sort -u >"$tmp/edges"
sort -k2,2 "$tmp/edges" >"$tmp/reach"
i=0
while [ $i -lt 40 ]; do
	join -1 2 -2 1 -o 1.1,2.2 "$tmp/reach" "$tmp/edges" | cat - "$tmp/reach" |
		sort -u | sort -k2,2 >"$tmp/next"
	if cmp -s "$tmp/next" "$tmp/reach"; then
		break
	fi
	mv "$tmp/next" "$tmp/reach"
	i=$((i + 1))
done
loops=$(awk '$1 == $2 { print $1 }' "$tmp/reach" | sort -u | tr '\n' ' ')
if [ -n "$loops" ]; then
	echo "layers: these files of $dir/ call each other in a loop: $loops"
	bad=1
fi
n=$(wc -l <"$tmp/edges")
if [ $bad -ne 0 ]; then
	exit 1
fi
echo "layers: $dir/: $n call arrows between files, none up from the lower layer ($lower), no loop"
