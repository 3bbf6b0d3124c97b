#!/bin/sh
# SPDX-License-Identifier: MIT
# t_backend.sh - backend = sink counts the frames the namespace sends into the
# tap; backend = echo sends a UDP datagram back to its sender, addresses and
# ports swapped; a lease stops the workers and its end restarts them; a
# resize leaves one worker per active queue, each pinned to its queue's core.
. "$(dirname "$0")/lib.sh"
TQUDP=$BUILD/test/integration/tqudp
tq_init
[ -x "$TQUDP" ] || { fail "missing binary $TQUDP (run make integration)"; finish; }
# no IPv6 autoconfiguration chatter: every frame on the taps is one the test sent
ip netns exec "$TQ_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
start_daemon "$TQ_DIR/backend.conf" || finish

# threads: the main thread, the one that closes fds clients send, and one per worker
tasks() { ls "/proc/$DPID/task" | wc -l; }
tasks_are() { [ "$(tasks)" = "$1" ]; }
# workers DEV: the worker flag of every queue, "true false"
workers() { jget "$(tq status "$1" --json)" '[.devices[0].queues[].worker | tostring] | join(" ")'; }
workers_are() { [ "$(workers "$1")" = "$2" ]; }
# qsum DEV FIELD: a counter summed over the queues
qsum() { jget "$(tq status "$1" --json)" "[.devices[0].queues[].$2] | add"; }
qsum_is() { [ "$(qsum "$1" "$2")" = "$3" ]; }
# worker_cpus DEV: "queue:cpu" of every worker thread of DEV, from its name and its affinity
worker_cpus() {
	for _t in /proc/"$DPID"/task/*; do
		_c=$(cat "$_t/comm" 2>/dev/null)
		case $_c in
		"$1"/*) printf '%s:%s\n' "${_c#*/}" "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$_t/status")" ;;
		esac
	done | sort | tr '\n' ' '
}
# status_cpus DEV: "queue:cpu" of every queue status says a worker serves
status_cpus() {
	jget "$(tq status "$1" --json)" '[.devices[0].queues[] | select(.worker) | "\(.index):\(.cpu)"] | join(" ")' |
		tr ' ' '\n' | sort | tr '\n' ' '
}

S=$(tq status --json)
assert_eq "backends in status" 'tqecho:echo tqsink:sink' \
	"$(jget "$S" '[.devices[] | "\(.name):\(.backend)"] | sort | join(" ")')"
assert_eq "tqsink: a worker on each active queue" "true true" "$(workers tqsink)"
assert_eq "tqecho: a worker on each active queue" "true true" "$(workers tqecho)"
assert_eq "threads: main + closer + 4 workers" 6 "$(tasks)"
assert_match "tqecho: two named worker threads, each pinned to one core" '^[0-9]+:[0-9]+ [0-9]+:[0-9]+ $' "$(worker_cpus tqecho)"
assert_eq "tqecho: each worker pinned to its queue's core" "$(status_cpus tqecho)" "$(worker_cpus tqecho)"
assert_eq "tqsink: each worker pinned to its queue's core" "$(status_cpus tqsink)" "$(worker_cpus tqsink)"

for spec in "tqsink 10.77.1" "tqecho 10.77.2"; do
	set -- $spec
	ip -n "$TQ_NS" addr add "$2.1/24" dev "$1"
	# a static neighbour: no ARP, the peer's frames are the test's own
	ip -n "$TQ_NS" neigh replace "$2.2" lladdr 02:00:00:00:00:02 nud permanent dev "$1"
done
wait_until 50 0.1 "tqsink has carrier" carrier_on tqsink
wait_until 50 0.1 "tqecho has carrier" carrier_on tqecho

# -- sink: every frame the kernel put on the queues is read and counted
RX0=$(qsum tqsink rx_packets)
timeout 20 ip netns exec "$TQ_NS" ping -n -q -c 5 -i 0.2 -W 1 10.77.1.2 >/dev/null 2>&1
assert_eq "tqsink: the peer never answers a sink" 1 "$?"
wait_until 50 0.1 "tqsink: 5 more frames counted ($RX0 before)" qsum_is tqsink rx_packets $((RX0 + 5))
# the kernel counts a tap's tx when a reader takes the frame off the queue
assert_eq "tqsink: rx_packets = the kernel's tx_packets" "$(link_stat tqsink tx_packets)" "$(qsum tqsink rx_packets)"
assert_eq "tqsink: rx_bytes = the kernel's tx_bytes" "$(link_stat tqsink tx_bytes)" "$(qsum tqsink rx_bytes)"
assert_eq "tqsink: nothing written, nothing dropped" "0 0" "$(qsum tqsink tx_packets) $(qsum tqsink drops)"

# -- echo: a datagram to the fake peer comes back from it, to the sender's socket
OUT=$(timeout 20 ip netns exec "$TQ_NS" "$TQUDP" 10.77.2.1 5001 10.77.2.2 7001 5 2000)
assert_eq "tqecho: 5 datagrams to 10.77.2.2:7001 come back from it" 0 "$?"
assert_eq "tqecho: 5 replies, from the peer's address and port" 5 \
	"$(printf '%s\n' "$OUT" | grep -c '^reply tqudp [0-4] from 10.77.2.2:7001$')"
wait_until 50 0.1 "tqecho: tx_packets counts them" qsum_is tqecho tx_packets 5
assert_eq "tqecho: rx_packets" 5 "$(qsum tqecho rx_packets)"
assert_eq "tqecho: tx_packets = the kernel's rx_packets" "$(link_stat tqecho rx_packets)" "$(qsum tqecho tx_packets)"
assert_eq "tqecho: tx_bytes = rx_bytes" "$(qsum tqecho rx_bytes)" "$(qsum tqecho tx_bytes)"
assert_eq "tqecho: no drops" 0 "$(qsum tqecho drops)"
CPU_RUNNING=$(qsum tqecho cpu_ns)
assert_ge "tqecho: its running workers' CPU time is reported (ns)" 1 "$CPU_RUNNING"

# -- a lease stops the workers; the holder gets blocking fds, as tapqd opened them
tq_bg "$TQ_TMP/acq.out" acquire tqecho
A=$BGPID
wait_until 100 0.1 "tqecho leased" holder_is tqecho "$A"
assert_eq "leased: no worker on any queue" "false false" "$(workers tqecho)"
wait_until 50 0.1 "leased: the two tqecho worker threads are gone (4 left)" tasks_are 4
assert_eq "leased: tqsink keeps its workers" "true true" "$(workers tqsink)"
FDS=$(tap_fds_of "$A" tqecho)
assert_eq "the holder has both queue fds" 2 "$(printf '%s\n' "$FDS" | grep -c .)"
NB=""
for f in $FDS; do
	# fdinfo flags are octal; O_NONBLOCK is 04000
	fl=$(sed -n 's/^flags:[[:space:]]*//p' "/proc/$A/fdinfo/$f")
	[ $((0$fl & 04000)) -eq 0 ] || NB="$NB $f"
done
assert_eq "the holder's fds are not O_NONBLOCK (the workers' flag was undone)" "" "$NB"
TX_LEASED=$(qsum tqecho tx_packets)
CPU_LEASED=$(qsum tqecho cpu_ns)
assert_ge "leased: the stopped workers' CPU time is kept (ns)" "$CPU_RUNNING" "$CPU_LEASED"
stop_bg "$A"
wait_until 50 0.1 "tqecho unleased" leased_is tqecho false
wait_until 50 0.1 "lease ended: the workers are back" workers_are tqecho "true true"
assert_eq "lease ended: threads main + closer + 4 workers" 6 "$(tasks)"
assert_eq "counters survive the restart" "$TX_LEASED" "$(qsum tqecho tx_packets)"
assert_ge "CPU time goes on from the stopped workers' (ns)" "$CPU_LEASED" "$(qsum tqecho cpu_ns)"
OUT=$(timeout 20 ip netns exec "$TQ_NS" "$TQUDP" 10.77.2.1 5002 10.77.2.2 7002 3 2000)
assert_eq "tqecho: echo works again after the lease" 0 "$?"
wait_until 50 0.1 "tqecho: counters go on from where they were" qsum_is tqecho tx_packets $((TX_LEASED + 3))

# -- resize: one worker per active queue
assert_ok "resize tqecho 1" tq resize tqecho 1
assert_eq "1 active queue: one worker" "true false" "$(workers tqecho)"
assert_eq "1 active queue: threads main + closer + 3 workers" 5 "$(tasks)"
assert_eq "1 active queue: queue 0's worker on queue 0's core" "0:$(status_field tqecho '.queues[0].cpu') " "$(worker_cpus tqecho)"
OUT=$(timeout 20 ip netns exec "$TQ_NS" "$TQUDP" 10.77.2.1 5003 10.77.2.2 7003 3 2000)
assert_eq "tqecho: echo on one queue" 0 "$?"
assert_ok "resize tqecho 2" tq resize tqecho 2
assert_eq "2 active queues: two workers" "true true" "$(workers tqecho)"
assert_eq "2 active queues: threads main + closer + 4 workers" 6 "$(tasks)"
assert_eq "2 active queues: each worker on its core" "$(status_cpus tqecho)" "$(worker_cpus tqecho)"

# -- workers stopped and started under traffic: the reads a stop cancels lose no frame they took
FLOWS=""
for i in 1 2 3 4; do
	bg "$TQ_TMP/flow$i" timeout 30 ip netns exec "$TQ_NS" "$TQUDP" 10.77.2.1 $((5100 + i)) 10.77.2.2 $((7100 + i)) 400 100
	FLOWS="$FLOWS $BGPID"
done
for n in 1 2 1 2 1 2; do
	assert_ok "resize tqecho $n under traffic" tq resize tqecho $n
	sleep 0.1
done
for f in $FLOWS; do
	wait_until 300 0.1 "flow $f done" pid_dead "$f"
	untrack "$f"
done
assert_ge "under traffic: frames echoed" 1 "$(qsum tqecho tx_packets)"
assert_eq "tqecho: no drops in all that" 0 "$(qsum tqecho drops)"
assert_eq "tqecho: every frame read was written" "$(qsum tqecho rx_packets)" "$(qsum tqecho tx_packets)"

# plain status shows the counters
assert_match "plain status: per-queue counters and CPU time" 'worker .* cpu [0-9]+\.[0-9]{3} s' \
	"$(tq status tqecho)"

stop_daemon
assert_nomatch "no worker errors logged" 'worker had stopped|starting its worker|restoring its file status' "$(cat "$DLOG")"

# -- where io_uring is refused (kernel.io_uring_disabled=2, a container's seccomp
#    profile), the workers read and write one frame at a time, and echo the same
DEXE=$TAPQD
start_in_ns 'exec "$0" --no-uring "$1" -f -c "$2"' "$BUILD/test/integration/tqnopass" "$TAPQD" \
	"$TQ_DIR/backend.conf"
wait_daemon_ready || finish
assert_match "without io_uring: each worker says so" \
	'tqecho: queue 0: echo worker started, without io_uring \(Operation not permitted\)' "$(cat "$DLOG")"
ip -n "$TQ_NS" addr add 10.77.2.1/24 dev tqecho
ip -n "$TQ_NS" neigh replace 10.77.2.2 lladdr 02:00:00:00:00:02 nud permanent dev tqecho
wait_until 50 0.1 "tqecho has carrier" carrier_on tqecho
OUT=$(timeout 20 ip netns exec "$TQ_NS" "$TQUDP" 10.77.2.1 5001 10.77.2.2 7001 5 2000)
assert_eq "without io_uring: 5 datagrams come back" 0 "$?"
assert_eq "without io_uring: 5 replies, from the peer's address and port" 5 \
	"$(printf '%s\n' "$OUT" | grep -c '^reply tqudp [0-4] from 10.77.2.2:7001$')"
assert_eq "without io_uring: tx_packets = rx_packets" "$(qsum tqecho rx_packets)" "$(qsum tqecho tx_packets)"
stop_daemon
assert_nomatch "without io_uring: no worker errors logged" \
	'worker had stopped|starting its worker|restoring its file status' "$(cat "$DLOG")"
finish
