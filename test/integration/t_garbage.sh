#!/bin/sh
# SPDX-License-Identifier: MIT
# t_garbage.sh - malformed input on the control socket (random bytes,
# truncated or oversized messages, wrong magic or version, unknown or reply
# types, fds sent unasked, floods, idle and abandoned connections) gets an
# error or a closed connection; the daemon stays up, serves others, and
# keeps no fd.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

tq status >/dev/null 2>&1
tq status tqa >/dev/null 2>&1
FD0=$(daemon_fd_count)
fd_back() { [ "$(daemon_fd_count)" -eq "$FD0" ]; }

for pass in 1 2; do
	OUT=$(tqprobe garbage tqa 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/       /'
	assert_eq "pass $pass: every malformed request refused, daemon answers throughout" 0 "$RC"
	assert_match "pass $pass: probe finished" '^ok garbage$' "$OUT"
	assert_ok "pass $pass: tapqd still running" pid_alive "$DPID"
	wait_until 50 0.1 "pass $pass: daemon fd count back to $FD0" fd_back
	say "       daemon fds: before $FD0, now $(daemon_fd_count)"
done

assert_eq "tqa not leased after it all" false "$(status_field tqa .leased)"
assert_ok "an ordinary lease still works" tqprobe acquire tqa --expect 4
stop_daemon
finish
