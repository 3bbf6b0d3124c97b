#!/bin/sh
# SPDX-License-Identifier: MIT
# t_auth_fifo.sh - a config path that is a FIFO (or anything but a regular
# file) is refused at once, never waited on: tapqd -t, start-up, and a
# reload with the file swapped for a FIFO, while tapqd keeps answering.
. "$(dirname "$0")/lib.sh"
tq_init

mkfifo "$TQ_TMP/fifo.conf"
OUT=$(timeout 5 ip netns exec "$TQ_NS" "$TAPQD" -t -c "$TQ_TMP/fifo.conf" 2>&1)
RC=$?
say "       tapqd -t said: $OUT"
assert_eq "tapqd -t on a FIFO exits 1 at once (124: it hung)" 1 "$RC"
assert_match "tapqd -t names the FIFO" "^$TQ_TMP/fifo.conf: is a FIFO, not a regular file" "$OUT"

OUT=$(timeout 5 ip netns exec "$TQ_NS" "$TAPQD" -t -c /dev/zero 2>&1)
assert_eq "tapqd -t on /dev/zero exits 1 at once" 1 "$?"
assert_match "and says what it is" "/dev/zero: is a character device, not a regular file" "$OUT"

OUT=$(timeout 5 ip netns exec "$TQ_NS" "$TAPQD" -f -c "$TQ_TMP/fifo.conf" 2>&1)
assert_eq "tapqd -f on a FIFO refuses to start at once" 1 "$?"
assert_match "and names the FIFO" "fifo.conf: is a FIFO, not a regular file" "$OUT"
assert_fails "it created no device" link_exists tqshare

cp "$TQ_DIR/auth.conf" "$TQ_TMP/run.conf"
start_daemon "$TQ_TMP/run.conf" || finish
rm "$TQ_TMP/run.conf"
mkfifo "$TQ_TMP/run.conf"
REF_OUT=$(timeout 10 nsenter -t "$DPID" -m -n "$TAPQCTL" reload 2>&1)
RC=$?
say "       tapqctl reload said: $REF_OUT"
assert_eq "reload of a FIFO is refused (1), not hung (124)" 1 "$RC"
assert_match "the refusal names the FIFO" "run.conf: is a FIFO, not a regular file" "$REF_OUT"
OUT=$(timeout 5 nsenter -t "$DPID" -m -n "$TAPQCTL" status 2>&1)
assert_eq "tapqd answers status after it" 0 "$?"
assert_match "with the running config's devices" '^tqshare ' "$OUT"
assert_match "status shows why the reload was refused" "is a FIFO, not a regular file" "$OUT"

rm "$TQ_TMP/run.conf"
cp "$TQ_DIR/auth.conf" "$TQ_TMP/run.conf"
assert_ok "a regular file again: reload applies" tq reload
stop_daemon
finish
