#!/bin/sh
# SPDX-License-Identifier: MIT
# t_blockfd.sh - a client (nobody) sends tapqd fds whose last close blocks:
# TCP sockets with SO_LINGER 60 s whose peer stays alive with a full window,
# attached to a HELLO, queued behind garbage (so that closing the connection
# would release them), and to a RESUME_FDS nobody asked for. Meanwhile root's
# `tapqctl status` answers within 1 s, 20 times of 20.
#  - On this kernel (Linux 6.16+) the kernel refuses the attacker's sends
#    (SO_PASSRIGHTS off on tapqd's socket), and tapqd ends up holding none of
#    the attacker's fds.
#  - As on an older kernel (tqnopass: SO_PASSRIGHTS says ENOPROTOOPT), the
#    fds arrive, tapqd says once what that means, and closes them off the
#    main loop.
. "$(dirname "$0")/lib.sh"
TQHOSTILE=$BUILD/test/integration/tqhostile
TQNOPASS=$BUILD/test/integration/tqnopass
tq_init

count() { _n=$(sed -n "s/^$1 //p" "$ATT"); printf '%s' "${_n:-0}"; }
nopass_said() { grep -c 'this kernel has no SO_PASSRIGHTS' "$DLOG"; }

# attack WHAT: the attacker against the running daemon, root's status meanwhile
attack() {
	ATT=$TQ_TMP/attacker.$1
	bg "$ATT" nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
		--clear-groups "$TQHOSTILE" "$TQ_SOCK" linger 20 150
	APID=$BGPID
	# 20 tries, each given 3 s; three slow ones are enough to tell
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
	say "       $1: root's status, ms per try:$times"
	assert_eq "$1: root's status answers within 1 s, every try (slowest $max ms)" \
		"20 of 20" "$((tries - slow)) of $tries"
	wait_until 250 0.1 "$1: the attacker finished its rounds" file_has "$ATT" '^rounds [0-9]+'
	sed "s/^/       $1: attacker: /" "$ATT"
	rounds=$(count rounds)
	assert_ge "$1: the attacker sent (or had refused) at least 2 fds a round" \
		"$((2 * rounds))" "$(($(count sent) + $(count refused)))"
	assert_ge "$1: the attack lasted while root asked (rounds)" 20 "$rounds"
	assert_ok "$1: tapqd still running" pid_alive "$DPID"
}

start_daemon "$TQ_DIR/basic.conf" || finish
tq status >/dev/null 2>&1
FD0=$(daemon_fd_count)
fd_back() { [ "$(daemon_fd_count)" -le "$FD0" ]; }
attack kernel
assert_eq "kernel: every fd the attacker tried was refused by the kernel" 0 "$(count sent)"
wait_until 50 0.1 "kernel: tapqd holds none of the attacker's fds (fd count back to $FD0)" \
	fd_back
assert_eq "kernel: nothing said of SO_PASSRIGHTS" 0 "$(nopass_said)"
stop_bg "$APID"
stop_daemon

DEXE=$TAPQD
start_in_ns 'exec "$0" "$1" -f -c "$2"' "$TQNOPASS" "$TAPQD" "$TQ_DIR/basic.conf"
wait_daemon_ready || finish
assert_eq "fallback: tapqd says once that this kernel has no SO_PASSRIGHTS" 1 "$(nopass_said)"
attack fallback
assert_ge "fallback: the attacker's fds reached tapqd" 1 "$(count sent)"
say "       fallback: tapqd holds $(daemon_fd_count) fds ($FD0 before the attack; the closer thread waits out the lingers of those queued behind garbage)"
stop_bg "$APID"
stop_daemon
finish
