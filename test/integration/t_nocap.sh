#!/bin/sh
# SPDX-License-Identifier: MIT
# t_nocap.sh - no cap on declared devices: a config of 1000 passes tapqd -t
# and comes up, every one listed in status; at a fd limit too low for them
# tapqd refuses to start, saying what they need. A functional check, no timing:
# bench/ measures how long it takes. txqueuelen = 16 keeps the kernel's
# qdisc memory of 1000 multiqueue taps small (256 tx queues each), so that
# the test does not take gigabytes from a shared machine.
. "$(dirname "$0")/lib.sh"
tq_init
BIG=$TQ_TMP/big.conf
{
	printf '[tapqd]\nsocket_mode = 0666\n\n'
	i=0
	while [ "$i" -lt 1000 ]; do
		printf '[device tqm%d]\ntxqueuelen = 16\n' "$i"
		i=$((i + 1))
	done
} >"$BIG"
assert_ok "tapqd -t takes 1000 devices" "$TAPQD" -t -c "$BIG"
# at a fd limit too low for them, tapqd refuses to start, saying what it needs
OUT=$(timeout 20 ip netns exec "$TQ_NS" unshare -m --propagation private sh -c \
	'mount -t tmpfs tmpfs /run && exec prlimit --nofile=200:200 "$0" -f -c "$1"' "$TAPQD" "$BIG" 2>&1)
assert_eq "tapqd refuses to start at a fd limit of 200" 1 "$?"
assert_match "  saying what the devices need" \
	'its 1000 devices need 3064 file descriptors .* and the fd limit is 200: raise it' "$OUT"
assert_ok "  and creating none" link_gone tqm0
DEXE=$TAPQD
start_in_ns 'exec "$0" -f -c "$1"' "$TAPQD" "$BIG"
# creating 1000 taps takes seconds, more on a loaded machine: a generous bound, not a timing
wait_until 1200 0.1 "tapqd with 1000 devices answers" daemon_ready || finish
assert_eq "status lists 1000 devices" 1000 "$(jget "$(tq status --json)" '.devices | length')"
assert_ok "the last one exists" link_exists tqm999
# SIGTERM would delete them one by one: the namespace takes them all at the end
kill_wait KILL "$DPID"
wait "$DPID" 2>/dev/null
untrack "$DPID"
check_daemon_log
DPID=""
finish
