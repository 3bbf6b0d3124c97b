#!/bin/sh
# SPDX-License-Identifier: MIT
# t_activate.sh - socket activation with the real systemd-socket-activate
# (--seqpacket): the first connection starts tapqd, which takes the socket
# from LISTEN_FDS, answers on it, and leaves the socket file alone when it
# stops (it did not create it). A passed fd that is not a listening
# SEQPACKET Unix socket is refused with a clear error.
. "$(dirname "$0")/lib.sh"
tq_init
start_activator || finish
assert_ok "the first connection starts tapqd and is answered by it" tq status
DEXE=$TAPQD
wait_daemon_ready || finish
assert_match "tapqd took the socket from LISTEN_FDS" 'passed 1 fds: the control socket' "$(cat "$DLOG")"
assert_match "and listens on it" 'listening on the socket from the service manager' "$(cat "$DLOG")"
assert_eq "tqa came up" "numqueues 4 numdisabled 0" "$(link_queues tqa)"
assert_ok "a lease through the passed socket" tqprobe acquire tqa --expect 4
assert_eq "status through it" tqa "$(status_field tqa .name)"
stop_daemon
assert_ok "tapqd left the socket file it did not create" test -S "$TQ_SOCK"

# fd 3 is /dev/null: no socket tapqd can serve on
OUT=$(timeout 20 ip netns exec "$TQ_NS" unshare -m --propagation private sh -c \
	'mount -t tmpfs tmpfs /run && exec 3</dev/null && export LISTEN_PID=$$ LISTEN_FDS=1 && exec "$0" -f -c "$1"' \
	"$TAPQD" "$CONF" 2>&1)
RC=$?
say "       tapqd said: $(printf '%s' "$OUT" | tail -n 1)"
assert_ne "a passed fd that is no socket: tapqd refuses to start" 0 "$RC"
assert_match "saying what it wants" 'fd 3 \(unknown\) from the service manager is not a listening AF_UNIX SOCK_SEQPACKET socket' "$OUT"
assert_ok "and created no device" link_gone tqa
finish
