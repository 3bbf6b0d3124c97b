#!/bin/sh
# SPDX-License-Identifier: MIT
# t_blockfd.sh - a client (nobody) sends tapqd fds whose last close blocks:
# TCP sockets with SO_LINGER 60 s whose peer stays alive with a full window,
# attached to a HELLO, queued behind garbage (so that closing the connection
# would release them), and to a RESUME_FDS nobody asked for. Meanwhile root's
# `tapqctl status` answers within 1 s, 20 times of 20; the daemon ends up
# holding no fd of the attacker's. On Linux 6.16+ the kernel refuses the
# attacker's sends (SO_PASSRIGHTS off on tapqd's socket).
. "$(dirname "$0")/lib.sh"
TQHOSTILE=$BUILD/test/integration/tqhostile
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

tq status >/dev/null 2>&1
FD0=$(daemon_fd_count)
fd_back() { [ "$(daemon_fd_count)" -le "$FD0" ]; }

ATT=$TQ_TMP/attacker
bg "$ATT" nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$TQHOSTILE" "$TQ_SOCK" linger 20 150
APID=$BGPID

# root's status, 20 times, each given 3 s; three slow ones are enough to tell
slow=0
max=0
tries=0
times=""
while [ "$tries" -lt 20 ] && [ "$slow" -lt 3 ]; do
	t0=$(date +%s%N)
	timeout 3 nsenter -t "$DPID" -m -n "$TAPQCTL" status >/dev/null 2>&1
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	tries=$((tries + 1))
	times="$times $ms"
	[ "$ms" -gt "$max" ] && max=$ms
	if [ "$rc" -ne 0 ] || [ "$ms" -ge 1000 ]; then
		slow=$((slow + 1))
	fi
	sleep 0.2
done
say "       root's status, ms per try:$times"
assert_eq "root's status answers within 1 s, every try (slowest $max ms)" "20 of 20" \
	"$((tries - slow)) of $tries"

wait_until 250 0.1 "the attacker finished its rounds" file_has "$ATT" '^rounds [0-9]+'
sed 's/^/       attacker: /' "$ATT"
count() { _n=$(sed -n "s/^$1 //p" "$ATT"); printf '%s' "${_n:-0}"; }
rounds=$(count rounds)
tried=$(($(count sent) + $(count refused)))
assert_ge "the attacker sent (or had refused) at least 2 fds a round" "$((2 * rounds))" \
	"$tried"
assert_ge "the attack lasted while root asked (rounds)" 20 "$rounds"
assert_ok "tapqd still running" pid_alive "$DPID"
wait_until 50 0.1 "tapqd holds none of the attacker's fds (fd count back to $FD0)" fd_back
stop_bg "$APID"
stop_daemon
finish
