#!/bin/sh
# SPDX-License-Identifier: MIT
# t_config.sh - tapqd -t: every bad config is refused with its line number,
# the example and the test configs are accepted, and checking creates nothing.
. "$(dirname "$0")/lib.sh"
tq_init

ROOT=$(cd "$TQ_DIR/../.." && pwd)

# check FILE: runs tapqd -t -c FILE in the namespace; sets CK_RC, CK_OUT
check() {
	CK_OUT=$(timeout 20 ip netns exec "$TQ_NS" "$TAPQD" -t -c "$1" 2>&1)
	CK_RC=$?
}

n_bad=0
for f in "$TQ_DIR"/bad-configs/*.conf; do
	[ -f "$f" ] || continue
	n_bad=$((n_bad + 1))
	want=$(sed -n 's/^#[[:space:]]*expect-line:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$f" | head -n 1)
	b=$(basename "$f")
	if [ -z "$want" ]; then
		fail "$b has an '# expect-line: N' header"
		continue
	fi
	check "$f"
	assert_eq "tapqd -t $b exits 1" 1 "$CK_RC"
	assert_match "tapqd -t $b names $b:$want:" "^$f:$want: " "$CK_OUT"
done
assert_ge "bad configs found in test/integration/bad-configs" 1 "$n_bad"

for f in "$ROOT/tapqd.conf.example" "$TQ_DIR"/*.conf; do
	b=$(basename "$f")
	if [ ! -f "$f" ]; then
		fail "$b exists"
		continue
	fi
	check "$f"
	assert_eq "tapqd -t $b exits 0" 0 "$CK_RC"
	[ "$CK_RC" = 0 ] || say "       output: $CK_OUT"
done

check "$TQ_TMP/no-such-file.conf"
assert_eq "tapqd -t on a missing file exits 1" 1 "$CK_RC"
assert_match "tapqd -t on a missing file names it" "no-such-file.conf" "$CK_OUT"

# The error names the file as given, and the line, for a file written here.
printf '[tapqd]\nlog_level = info\n\n[device tqx]\nmax_queues = 257\n' >"$TQ_TMP/over.conf"
check "$TQ_TMP/over.conf"
assert_eq "max_queues = 257 is refused" 1 "$CK_RC"
assert_match "max_queues = 257 is reported at line 5" "^$TQ_TMP/over.conf:5: " "$CK_OUT"

# Checking a config creates no device.
check "$TQ_DIR/basic.conf"
assert_fails "tapqd -t created no device tqa" link_exists tqa
assert_fails "tapqd -t created no device tqv" link_exists tqv

finish
