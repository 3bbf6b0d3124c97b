#!/bin/sh
# SPDX-License-Identifier: MIT
# t_reload.sh - tapqctl reload and SIGHUP apply the difference of the config
# tapqd started with: devices created and deleted, link settings, allow lists
# and backends changed live; a broken file is refused with its line, shown in
# status, and the old config keeps running; what a lease holds waits for the
# release; and reloads under a ping flood through a leased queue lose nothing
# (its MTU changes live; its ring waits for the release, as resizing drops).
. "$(dirname "$0")/lib.sh"
tq_init
# no IPv6 autoconfiguration chatter on the taps
ip netns exec "$TQ_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

CONF=$TQ_TMP/tapqd.conf
# What write_conf puts in the file; each test step changes some and writes it again.
MTU1=1500 QLEN1=500 ALLOW1="" BACKEND1=none
HAVE2=yes HAVE3=yes MAXQ4=2 HAVE5=no QLENP=1000 MTUP=1500 BROKEN=""

write_conf() {
	{
		printf '# written by t_reload.sh\n[tapqd]\nsocket_mode = 0666\nlog_level = debug\n'
		printf '\n[device tqr1]\nmax_queues = 2\nmtu = %s\ntxqueuelen = %s\nbackend = %s\n' \
			"$MTU1" "$QLEN1" "$BACKEND1"
		[ -n "$ALLOW1" ] && printf 'allow_users = %s\n' "$ALLOW1"
		[ "$HAVE2" = yes ] && printf '\n[device tqr2]\nmax_queues = 1\n'
		[ "$HAVE3" = yes ] && printf '\n[device tqr3]\nmax_queues = 2\n'
		printf '\n[device tqr4]\nmax_queues = %s\n' "$MAXQ4"
		[ "$HAVE5" = yes ] && printf '\n[device tqr5]\nmax_queues = 3\n'
		printf '\n[device tqp]\nmax_queues = 2\nvnet_hdr = no\ntxqueuelen = %s\nmtu = %s\n' \
			"$QLENP" "$MTUP"
		[ -n "$BROKEN" ] && printf '%s\n' "$BROKEN"
	} >"$CONF.new"
	# a whole file at once: a SIGHUP never reads half of one
	mv "$CONF.new" "$CONF"
}

link_mtu() { ip -n "$TQ_NS" -o link show dev "$1" | grep -Eo 'mtu [0-9]+' | cut -d' ' -f2; }
link_qlen() { ip -n "$TQ_NS" -o link show dev "$1" | grep -Eo 'qlen [0-9]+' | cut -d' ' -f2; }
mtu_is() { [ "$(link_mtu "$1")" = "$2" ]; }
pending_is() { [ "$(status_field "$1" .pending)" = "$2" ]; }
total_queues_is() { [ "$(link_total_queues "$1")" = "$2" ]; }
config_error() { jget "$(tq status --json)" '.config_error // ""'; }
has_config_error() { [ -n "$(config_error)" ]; }
no_config_error() { [ -z "$(config_error)" ]; }

write_conf
start_daemon "$CONF" || finish

# -- reload over the socket: created, deleted, link settings, allow list, backend
assert_refused "nobody: acquire tqr1 refused before the reload" tq_nobody acquire tqr1
assert_refused "nobody may not reload" tq_nobody reload
assert_match "nobody's refusal says why" 'only root' "$REF_OUT"
TQR1_INDEX=$(link_ifindex tqr1)
MTU1=9000 QLEN1=800 ALLOW1=nobody BACKEND1=sink HAVE2=no HAVE5=yes
write_conf
OUT=$(tq reload 2>&1)
assert_eq "tapqctl reload exits 0 when applied" 0 "$?"
assert_eq "tapqctl reload says nothing when applied" "" "$OUT"
assert_ok "tqr5 created" link_exists tqr5
assert_eq "tqr5 has its 3 queues" 3 "$(link_total_queues tqr5)"
assert_ok "tqr2 deleted" link_gone tqr2
assert_eq "status lists the new set" 'tqp tqr1 tqr3 tqr4 tqr5' \
	"$(jget "$(tq status --json)" '[.devices[].name] | sort | join(" ")')"
assert_eq "tqr1: mtu 9000 (ip -d link)" 9000 "$(link_mtu tqr1)"
assert_eq "tqr1: txqueuelen 800 (ip -d link)" 800 "$(link_qlen tqr1)"
assert_eq "tqr1: status ring 800" 800 "$(status_field tqr1 .txqueuelen)"
assert_eq "tqr1: the same interface, changed live" "$TQR1_INDEX" "$(link_ifindex tqr1)"
assert_eq "tqr1: backend sink, a worker on each queue" 'sink true true' \
	"$(jget "$(tq status tqr1 --json)" '.devices[0] | "\(.backend) \([.queues[].worker | tostring] | join(" "))"')"
OUT=$(tqprobe_nobody acquire tqr1 --expect 2 2>&1)
assert_eq "nobody: acquire tqr1 accepted after allow_users = nobody" 0 "$?"
assert_match "the log has one line per change" 'tqr1: mtu 1500 -> 9000' "$(cat "$DLOG")"
assert_match "the log names the deletion" 'tqr2: deleted: removed from the config' "$(cat "$DLOG")"

# -- a broken file is refused with its line; the old config keeps running
BROKEN="bogus_key = 1"
MTU1=1400
write_conf
BAD_LINE=$(grep -n '^bogus_key' "$CONF" | cut -d: -f1)
assert_refused "tapqctl reload of a broken file fails" tq reload
assert_match "the refusal names FILE:LINE" "^tapqctl: reload refused: $CONF:$BAD_LINE: " "$REF_OUT"
say "       tapqctl said: $REF_OUT"
assert_match "tapqd logs FILE:LINE: message" "$CONF:$BAD_LINE: .*bogus_key" "$(cat "$DLOG")"
assert_ok "tapqd keeps running" pid_alive "$DPID"
assert_eq "tqr1 keeps mtu 9000" 9000 "$(link_mtu tqr1)"
assert_match "status --json: config_error names FILE:LINE" "^$CONF:$BAD_LINE: " "$(config_error)"
assert_eq "status --json: devices, refusals and config_error" '["config_error","devices","refusals"]' \
	"$(jget "$(tq status --json)" 'keys | tojson')"
assert_match "plain status shows the error" "config not reloaded.*$CONF:$BAD_LINE: " "$(tq status)"
BROKEN=""
write_conf
assert_ok "the fixed file reloads" tq reload
assert_eq "tqr1: mtu 1400 from the fixed file" 1400 "$(link_mtu tqr1)"
assert_eq "status --json is {\"devices\":[...],\"refusals\":{...}} again" '["devices","refusals"]' \
	"$(jget "$(tq status --json)" 'keys | tojson')"
assert_nomatch "plain status: no error" 'config not reloaded' "$(tq status)"

# -- SIGHUP reloads too
MTU1=1300
write_conf
kill -HUP "$DPID"
wait_until 50 0.1 "SIGHUP: tqr1 gets mtu 1300" mtu_is tqr1 1300
BROKEN="[device tqr1]"
write_conf
kill -HUP "$DPID"
wait_until 50 0.1 "SIGHUP of a broken file: status shows the error" has_config_error
assert_match "the error names the duplicate section's line" "^$CONF:[0-9]+: " "$(config_error)"
BROKEN=""
write_conf
kill -HUP "$DPID"
wait_until 50 0.1 "SIGHUP of the fixed file clears the error" no_config_error
assert_ok "tapqd survived the SIGHUPs" pid_alive "$DPID"

# -- leased devices: removal and new queues wait for the release
tq_bg "$TQ_TMP/l3.out" acquire tqr3 --json
L3=$BGPID
tq_bg "$TQ_TMP/l4.out" acquire tqr4 --json
L4=$BGPID
wait_until 100 0.1 "tqr3 leased" holder_is tqr3 "$L3"
wait_until 100 0.1 "tqr4 leased" holder_is tqr4 "$L4"
TQR4_INDEX=$(link_ifindex tqr4)
HAVE3=no MAXQ4=3
write_conf
assert_ok "reload with leased devices changed applies" tq reload
assert_ok "tqr3 stays while leased" link_exists tqr3
assert_eq "tqr3: pending removal in status" remove "$(status_field tqr3 .pending)"
assert_match "plain status says tqr3 goes at release" 'deleted when the lease ends' "$(tq status tqr3)"
assert_eq "tqr3: the holder keeps its 2 queues" 2 "$(tap_fds_of "$L3" tqr3 | wc -l)"
assert_eq "tqr4: still 2 queues while leased (ip -d link)" 2 "$(link_total_queues tqr4)"
assert_eq "tqr4: status max_queues 2, changes pending" '2 reconfigure' \
	"$(jget "$(tq status tqr4 --json)" '.devices[0] | "\(.max_queues) \(.pending)"')"
assert_eq "tqr4: the holder keeps its 2 queues" 2 "$(tap_fds_of "$L4" tqr4 | wc -l)"
assert_eq "tqr4: the same interface while leased" "$TQR4_INDEX" "$(link_ifindex tqr4)"
stop_bg "$L3"
wait_until 50 0.1 "tqr3 deleted once its lease ended" link_gone tqr3
assert_eq "status no longer lists tqr3" '' \
	"$(jget "$(tq status --json)" '.devices[] | select(.name == "tqr3") | .name')"
stop_bg "$L4"
wait_until 50 0.1 "tqr4 has 3 queues once its lease ended" total_queues_is tqr4 3
wait_until 50 0.1 "tqr4: nothing pending any more" pending_is tqr4 null
assert_eq "tqr4: status max_queues 3" 3 "$(status_field tqr4 .max_queues)"

# -- reloads under a ping flood through a leased queue
N=2000
ip -n "$TQ_NS" addr add 192.0.2.1/24 dev tqp
ip -n "$TQ_NS" link set dev tqp up
ip -n "$TQ_NS" neigh flush dev tqp
# the probe keeps the lease after the flood, until told: the ring must
# still wait for the release however long the reloads take
tqprobe_bg "$TQ_TMP/pong" pong tqp 192.0.2.2 "$N" 90 --hold
P=$BGPID
wait_until 100 0.1 "pong probe holds tqp" file_has "$TQ_TMP/pong" '^ready'
TQP_INDEX=$(link_ifindex tqp)
echoes() { grep -c '^echo request' "$TQ_TMP/pong"; }
reloads_applied() { grep -c '^tapqd: info: reloaded ' "$DLOG"; }
bg "$TQ_TMP/ping" timeout 80 ip netns exec "$TQ_NS" ping -n -q -i 0.002 -W 5 -c "$N" 192.0.2.2
PING=$BGPID
wait_until 100 0.05 "the flood runs through tqp" eval '[ "$(echoes)" -ge 100 ]'
# SIGHUP rather than tapqctl reload: the flood has to outlast all five, and
# a sanitized tapqctl takes up to a second just to start on a loaded machine
R0=$(reloads_applied)
reloads=0
for step in 1 2 3 4 5; do
	QLENP=$((1000 + step * 100))
	MTUP=$((1400 + step * 10))
	MTU1=$((1300 + step * 10))
	if [ $((step % 2)) = 1 ]; then HAVE5=no; else HAVE5=yes; fi
	write_conf
	kill -HUP "$DPID"
	if poll_until 100 0.05 eval '[ "$(reloads_applied)" -ge $((R0 + step)) ]'; then
		reloads=$((reloads + 1))
	fi
	# spread the reloads over the flood: some echo requests between each two
	E=$(echoes)
	poll_until 100 0.05 eval '[ "$(echoes)" -ge $((E + 50)) ]'
done
assert_eq "5 reloads applied during the flood" 5 "$reloads"
assert_ok "the flood was still running after the last reload" pid_alive "$PING"
assert_eq "tqp: mtu changed live under the lease" 1450 "$(link_mtu tqp)"
assert_eq "tqp: ring kept under the lease (resizing it drops packets)" 1000 "$(link_qlen tqp)"
assert_eq "tqp: ring 1500 pending in status" 1500 "$(status_field tqp .txqueuelen_pending)"
assert_eq "tqp: the same interface" "$TQP_INDEX" "$(link_ifindex tqp)"
assert_eq "tqr1: mtu of the last reload" 1350 "$(link_mtu tqr1)"
poll_until 600 0.1 pid_dead "$PING"
stop_bg "$PING"
PING_RC=$?
RESULT=$(grep -E 'packets transmitted' "$TQ_TMP/ping")
say "       ping: $RESULT"
assert_eq "ping exits 0" 0 "$PING_RC"
assert_match "every echo request answered: $N sent, $N received, 0% loss" \
	"^$N packets transmitted, $N received, 0% packet loss" "$RESULT"
stop_bg "$P"
assert_eq "the pong probe answered $N echo requests" 0 "$?"
say "       pong: $(grep -E '^(frames|ok|FAIL)' "$TQ_TMP/pong" | tr '\n' ' ')"
wait_until 50 0.1 "tqp: the pending ring is set once the lease ended" \
	eval '[ "$(link_qlen tqp)" = 1500 ]'
assert_eq "tqp: nothing pending" null "$(status_field tqp .txqueuelen_pending)"

stop_daemon
finish
