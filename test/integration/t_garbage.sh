#!/bin/sh
# SPDX-License-Identifier: MIT
# t_garbage.sh - malformed input on the control socket (random bytes,
# truncated or oversized messages, wrong magic or version, unknown or reply
# types, unknown non-zero bytes, fds sent unasked, floods, idle and abandoned
# connections) gets an error or a closed connection; the daemon stays up,
# serves others, and keeps no fd. Newer clients are served: a HELLO of any
# version negotiates, a zero-extended request is taken.
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
	assert_match "pass $pass: a newer client's zero-extended request is served" \
		'case acquire-zero-extended: error \(open\) ERROR 2 no device' "$OUT"
	assert_match "pass $pass: unknown non-zero bytes refused, named" \
		'case acquire-non-zero-extension: error\+closed ERROR 95 ACQUIRE request has 2 unknown non-zero bytes, the first at offset 29 .* speaks version 3' \
		"$OUT"
	assert_match "pass $pass: a HELLO from a newer client negotiates down to ours" \
		'case hello-from-next-version: reply' "$OUT"
	assert_match "pass $pass: no common version is a clear EPROTO" \
		'case hello-older-versions-only: error \(open\) ERROR 71 protocol versions 1-1 are not supported' \
		"$OUT"
	assert_match "pass $pass: a RESUME_FDS no RESUME asked for is refused" \
		'case resume-fds-unasked: error\+closed ERROR 74 RESUME_FDS that no RESUME asked for' \
		"$OUT"
	assert_match "pass $pass: fds with it never leave the client (SO_PASSRIGHTS)" \
		'case resume-fds-unasked-with-fds: send refused by the kernel' "$OUT"
	assert_match "pass $pass: RESUME_FDS is unknown in version 2" \
		'case resume-fds-v2: error\+closed ERROR 95 unknown message type 11 in protocol version 2' \
		"$OUT"
	assert_ok "pass $pass: tapqd still running" pid_alive "$DPID"
	wait_until 50 0.1 "pass $pass: daemon fd count back to $FD0" fd_back
	say "       daemon fds: before $FD0, now $(daemon_fd_count)"
done

assert_eq "tqa not leased after it all" false "$(status_field tqa .leased)"
assert_ok "an ordinary lease still works" tqprobe acquire tqa --expect 4
stop_daemon
finish
