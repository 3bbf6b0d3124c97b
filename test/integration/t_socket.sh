#!/bin/sh
# SPDX-License-Identifier: MIT
# t_socket.sh - the control socket and start-up: a second tapqd on a live
# socket refuses to start ("already running") and leaves the first alone; a
# stale socket file (tapqd killed) is replaced; an interface of a configured
# name that tapqd did not create is refused and left alone, the other
# devices still come up.
. "$(dirname "$0")/lib.sh"
tq_init

# -- a foreign interface named like a configured device
ip -n "$TQ_NS" tuntap add dev tqa mode tap multi_queue
IFX_FOREIGN=$(link_ifindex tqa)
start_daemon "$TQ_DIR/basic.conf" || finish
assert_match "tapqd logs the refused device" 'tqa' "$(cat "$DLOG")"
assert_eq "the foreign tqa is the same interface" "$IFX_FOREIGN" "$(link_ifindex tqa)"
assert_eq "tapqd attached no queue to the foreign tqa" "numqueues 0 numdisabled 0" "$(link_queues tqa)"
assert_refused "acquire of the refused tqa fails" tq acquire tqa
OUT=$REF_OUT
assert_eq "tqv still came up" "numqueues 4 numdisabled 0" "$(link_queues tqv)"
assert_ok "tqv can be acquired" tqprobe acquire tqv --expect 4
stop_daemon
assert_ok "the foreign tqa survives tapqd's stop" link_exists tqa
assert_eq "still the same interface" "$IFX_FOREIGN" "$(link_ifindex tqa)"
ip -n "$TQ_NS" link del tqa

# -- a stale socket file is replaced
TQ_SOCK=$TQ_TMP/tapqd.sock
CONF=$TQ_TMP/sock.conf
printf '[tapqd]\nsocket = %s\nsocket_mode = 0600\n\n[device tqs]\nmax_queues = 2\n' "$TQ_SOCK" >"$CONF"
start_daemon "$CONF" || finish
assert_ok "socket at the configured path" test -S "$TQ_SOCK"
assert_eq "socket_mode 0600" 600 "$(stat -c %a "$TQ_SOCK")"
kill -KILL "$DPID"
poll_until 50 0.1 pid_dead "$DPID"
wait "$DPID" 2>/dev/null
untrack "$DPID"
assert_ok "the killed tapqd left its socket file" test -S "$TQ_SOCK"
wait_until 50 0.1 "tqs went with the killed tapqd's fds" link_gone tqs
start_daemon "$CONF" || finish
assert_ok "restarted over the stale socket: tqs back" link_exists tqs

# -- a second tapqd on the live socket
IFX=$(link_ifindex tqs)
OUT=$(timeout 20 nsenter -t "$DPID" -m -n "$TAPQD" -f -c "$CONF" 2>&1)
RC=$?
say "       second tapqd said: $(printf '%s' "$OUT" | tail -n 3)"
assert_ne "a second tapqd on a live socket exits non-zero" 0 "$RC"
assert_match "saying it is already running" 'already running' "$OUT"
assert_ok "the first tapqd still runs" pid_alive "$DPID"
assert_ok "and still answers" tq status tqs
assert_ok "its socket is still there" test -S "$TQ_SOCK"
assert_eq "tqs is the same interface" "$IFX" "$(link_ifindex tqs)"
assert_eq "with its 2 queues" "numqueues 2 numdisabled 0" "$(link_queues tqs)"
stop_daemon
assert_fails "tapqd removes its socket at stop" test -e "$TQ_SOCK"
finish
