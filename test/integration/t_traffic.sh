#!/bin/sh
# SPDX-License-Identifier: MIT
# t_traffic.sh - frames written to a leased queue fd reach the device (the
# kernel answers ARP through the queues), and frames sent to the device from
# inside the namespace (ping) are read from the queue fds and answered.
. "$(dirname "$0")/lib.sh"
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

for d in tqa tqv; do
	assert_match "$d is up (tapqd brings it up)" '<[^>]*\bUP\b' "$(ip -n "$TQ_NS" link show dev "$d")"
	ip -n "$TQ_NS" link set dev "$d" up
done
ip -n "$TQ_NS" addr add 192.0.2.1/25 dev tqa
ip -n "$TQ_NS" addr add 192.0.2.129/25 dev tqv
wait_until 50 0.1 "tqa has carrier" carrier_on tqa
wait_until 50 0.1 "tqv has carrier" carrier_on tqv

# -- device <- queue fd: an ARP request written on each queue, the reply read back
for spec in "tqa 192.0.2.1 192.0.2.2" "tqv 192.0.2.129 192.0.2.130"; do
	set -- $spec
	RX0=$(link_stat "$1" rx_packets)
	OUT=$(tqprobe arp "$1" "$2" "$3")
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/       /'
	assert_eq "$1: an ARP request written on each queue is answered" 0 "$RC"
	assert_eq "$1: 4 replies" 4 "$(printf '%s\n' "$OUT" | grep -c 'ARP request written, reply read')"
	RX1=$(link_stat "$1" rx_packets)
	assert_ge "$1: rx_packets grew by at least 4 ($RX0 -> $RX1)" 4 "$((RX1 - RX0))"
	wait_until 50 0.1 "$1: lease ends with the probe" leased_is "$1" false
done

# -- namespace -> device -> queue fd: ping answered by the probe
for spec in "tqa 192.0.2.2" "tqv 192.0.2.130"; do
	set -- $spec
	ip -n "$TQ_NS" neigh flush dev "$1"
	tqprobe_bg "$TQ_TMP/pong.$1" pong "$1" "$2" 3 30
	P=$BGPID
	wait_until 100 0.1 "$1: pong probe ready" file_has "$TQ_TMP/pong.$1" '^ready'
	TX0=$(link_stat "$1" tx_packets)
	OUT=$(timeout 30 ip netns exec "$TQ_NS" ping -n -c 3 -i 0.2 -W 3 "$2" 2>&1)
	RC=$?
	assert_eq "$1: ping $2 from the namespace gets its replies" 0 "$RC"
	assert_match "$1: 3 replies" '3 received' "$OUT"
	poll_until 100 0.1 pid_dead "$P"
	stop_bg "$P"
	assert_eq "$1: pong probe read 3 echo requests and exited 0" 0 "$?"
	sed 's/^/       /' "$TQ_TMP/pong.$1"
	assert_eq "$1: echo requests read from the queue fds" 3 \
		"$(grep -c '^echo request seq' "$TQ_TMP/pong.$1")"
	assert_ge "$1: tx_packets grew" 3 "$(($(link_stat "$1" tx_packets) - TX0))"
done

stop_daemon
finish
