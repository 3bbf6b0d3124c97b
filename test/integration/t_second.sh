#!/bin/sh
# SPDX-License-Identifier: MIT
# t_second.sh - a second tapqd started by mistake beside a running one
# refuses before it touches anything: it exits non-zero naming the running
# pid and the lock file, no tap appears or gains a queue, the lease state
# file is the same file with the same bytes, and the first tapqd still
# serves its lease. Once the first is killed with SIGKILL, its lock and its
# socket file are stale and block nothing: a restarted tapqd takes the lease
# back. A socket that only a service manager listens on (socket activation,
# tapqd not yet started) also makes a manual tapqd refuse, creating nothing.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish
FIRST=$DPID
# basic.conf and one more device: what the second tapqd would create
CONF2=$TQ_TMP/second.conf
cp "$TQ_DIR/basic.conf" "$CONF2"
printf '\n[device tqsecond]\nmax_queues = 2\n' >>"$CONF2"

bg "$TQ_TMP/hold" nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
	--clear-groups "$TAPQCTL" acquire tqnobody
H=$BGPID
wait_until 100 0.1 "nobody holds tqnobody" holder_is tqnobody "$H"

in_ns() { nsenter -t "$FIRST" -m -n "$@"; }
# name, ifindex and queues of every link: a new tap or a new queue shows
links() { ip -n "$TQ_NS" -d -o link show | grep -Eo '^[0-9]+: [^:@]+|numqueues [0-9]+ numdisabled [0-9]+' | tr '\n' ' '; }
state() { in_ns sh -c 'stat -c "inode %i" /run/tapqd/leases && sha256sum </run/tapqd/leases'; }
# every link event from here on: a tap made and deleted again shows there
bg "$TQ_TMP/monitor" ip -n "$TQ_NS" monitor link
MON=$BGPID
marked() {
	ip -n "$TQ_NS" tuntap del tqmark mode tap 2>/dev/null
	ip -n "$TQ_NS" tuntap add tqmark mode tap && grep -q tqmark "$TQ_TMP/monitor"
}
wait_until 50 0.1 "the link monitor runs (it saw a tap made for it)" marked
LINKS=$(links)
STATE=$(state)
SOCK=$(in_ns stat -c 'inode %i' /run/tapqd/tapqd.sock)
say "       links: $LINKS"

for conf in "$TQ_DIR/basic.conf" "$CONF2"; do
	c=$(basename "$conf")
	OUT=$(timeout 20 nsenter -t "$FIRST" -m -n "$TAPQD" -f -c "$conf" 2>&1)
	RC=$?
	say "       second tapqd ($c) said: $(printf '%s' "$OUT" | tail -n 1)"
	assert_eq "$c: the second tapqd exits with status 1" 1 "$RC"
	assert_match "$c: naming the running pid and the lock file" \
		"already running: pid $FIRST holds /run/tapqd/tapqd.lock" "$OUT"
	assert_eq "$c: and says nothing else" 1 "$(printf '%s\n' "$OUT" | wc -l)"
	assert_eq "$c: no tap appeared, none gained a queue" "$LINKS" "$(links)"
	assert_eq "$c: the lease state file is the same file, same bytes" "$STATE" "$(state)"
	assert_eq "$c: the socket file is the same" "$SOCK" "$(in_ns stat -c 'inode %i' /run/tapqd/tapqd.sock)"
	assert_ok "$c: the first tapqd lives" pid_alive "$FIRST"
	assert_eq "$c: and still serves nobody's lease" "$H" "$(status_field tqnobody .holder_pid)"
done
stop_bg "$MON"
assert_eq "no link was made or deleted meanwhile" "" "$(grep -E '^(Deleted )?[0-9]+: ' "$TQ_TMP/monitor" | grep -v tqmark)"
assert_ok "tapqd -t needs no lock" nsenter -t "$FIRST" -m -n "$TAPQD" -t -c "$TQ_DIR/basic.conf"

# a crash leaves the lock file and the socket file behind, neither held
IFX=$(link_ifindex tqnobody)
kill -KILL "$FIRST"
poll_until 50 0.1 pid_dead "$FIRST"
wait "$FIRST" 2>/dev/null
untrack "$FIRST"
assert_ok "the socket file outlives the SIGKILL" nsenter -t "$H" -m test -S /run/tapqd/tapqd.sock
start_daemon_in "$H" "$TQ_DIR/basic.conf" || finish
assert_match "the restarted tapqd waits for nobody's lease" \
	"tqnobody: interface alive \\(ifindex $IFX\\), held by pid $H" "$(cat "$DLOG")"
assert_eq "and shows it leased to the same holder" "$H true" \
	"$(status_field tqnobody .holder_pid) $(status_field tqnobody .leased)"
assert_refused "root's acquire of tqnobody is refused meanwhile" tq acquire tqnobody
assert_match "naming the holder" "leased by pid $H" "$REF_OUT"
OUT=$(timeout 20 nsenter -t "$H" -m -n "$TAPQD" -f -c "$TQ_DIR/basic.conf" 2>&1)
assert_match "a second one beside the restarted tapqd names it" \
	"already running: pid $DPID holds /run/tapqd/tapqd.lock" "$OUT"
stop_bg "$H"
stop_daemon

# socket activation: only systemd-socket-activate listens; tapqd has not started
start_activator || finish
ACT=$DPID
MLOG=$TQ_TMP/manual.log
setsid nsenter -t "$ACT" -m -n "$TAPQD" -f -c "$CONF" >"$MLOG" 2>&1 </dev/null &
M=$!
track "$M"
wait_until 100 0.1 "a manual tapqd beside the socket unit exits" pid_dead "$M"
wait "$M"
assert_eq "with status 1" 1 "$?"
untrack "$M"
say "       manual tapqd said: $(tail -n 1 "$MLOG")"
assert_match "because the socket answers" "$TQ_SOCK answers: another tapqd, or a service manager" "$(cat "$MLOG")"
assert_nomatch "having created nothing" 'tqa: created' "$(cat "$MLOG")"
# its probe was a first connection: the service manager starts tapqd, which
# must not find a lock held by the one that refused
DEXE=$TAPQD
wait_daemon_ready || finish
assert_eq "the activated tapqd has tqa" "numqueues 4 numdisabled 0" "$(link_queues tqa)"
assert_nomatch "and found no lock held" 'already running' "$(cat "$DLOG")"
OUT=$(timeout 20 nsenter -t "$DPID" -m -n "$TAPQD" -f -c "$CONF" 2>&1)
assert_match "a manual tapqd beside the activated one names it" \
	"already running: pid $DPID holds $TQ_TMP/tapqd.lock" "$OUT"
assert_eq "tqa kept its queues" "numqueues 4 numdisabled 0" "$(link_queues tqa)"
stop_daemon
finish
