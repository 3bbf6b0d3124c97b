#!/bin/sh
# SPDX-License-Identifier: MIT
# t_handoff.sh - handoff = name, for libvirt's <interface type='ethernet'>
# with <target managed='no'/>: tapqd leaves a persistent multiqueue tap owned
# by nobody and holds none of its queues; nobody opens it 4 times by name
# with libvirt's flags (tqprobe pong-name) and a ping flood through those
# queues loses nothing; status shows the queues held outside tapqd; ACQUIRE
# and RESIZE are refused; root may open it too; the device outlives tapqd,
# which takes it over at its next start; removed from the config, it is
# deleted only once no queue is open; nothing of it goes to the fd store.
. "$(dirname "$0")/lib.sh"
tq_init
cp "$TQ_DIR/handoff.conf" "$TQ_TMP/handoff.conf"
start_daemon "$TQ_TMP/handoff.conf" || finish
COUNT=500

# NOBODY_TUN CMD...: CMD as nobody in the test's namespace, where
# /dev/net/tun is 0666 as Debian's udev rules make it (session libvirt relies
# on that); some hosts have it 0600, so a node of its own is bound over it in
# a private mount namespace, and the host's stays as it is. Every step execs:
# the pid bg reports is CMD's.
NOBODY_TUN=$TQ_TMP/nobody-tun.sh
cat >"$NOBODY_TUN" <<EOS
exec ip netns exec "$TQ_NS" unshare -m --propagation private sh -c '
	mount -t tmpfs tmpfs /mnt && mknod -m 0666 /mnt/tun c 10 200 &&
	mount --bind /mnt/tun /dev/net/tun &&
	exec setpriv --reuid=nobody --regid=nogroup --clear-groups "\$@"' sh "\$@"
EOS

held_is() { # ATTACHED DETACHED
	[ "$(status_field tqh .outside.attached)" = "$1" ] &&
		[ "$(status_field tqh .outside.detached)" = "$2" ]
}

# -- what tapqd left: a persistent multiqueue tap owned by nobody, no queue of tapqd's
DETAIL=$(ip -n "$TQ_NS" -d link show dev tqh)
say "       $(printf '%s' "$DETAIL" | grep -o 'tun type.*')"
assert_match "tqh: a persistent multiqueue tap with vnet headers, owner nobody" \
	'tun type tap pi off vnet_hdr on multi_queue numqueues 0 numdisabled 0 persist on user (65534|nobody)' "$DETAIL"
assert_match "tqh: up with mtu 1400 (tapqd configured the link)" 'mtu 1400 .*state (UNKNOWN|DOWN)|<[^>]*UP[^>]*> mtu 1400' "$DETAIL"
assert_eq "tapqd holds no fd of tqh" "" "$(tap_fds_of "$DPID" tqh)"
assert_eq "status: handoff name" name "$(status_field tqh .handoff)"
assert_eq "status: no queue open outside tapqd" "0 0" \
	"$(status_field tqh .outside.attached) $(status_field tqh .outside.detached)"

# -- ACQUIRE and RESIZE refused, with what to do instead
OUT=$(tq acquire tqh 2>&1)
assert_ne "acquire tqh refused" 0 "$?"
assert_match "acquire: the refusal says to open it by name" 'handed off by name: open it as tqh' "$OUT"
OUT=$(tq_nobody acquire tqh 2>&1)
assert_match "acquire as nobody: the same answer" 'handed off by name: open it as tqh' "$OUT"
OUT=$(tq resize tqh 2 2>&1)
assert_ne "resize tqh refused" 0 "$?"
assert_match "resize: the refusal says why" 'handed off by name' "$OUT"

# -- nobody opens it 4 times by name, as session libvirt would; a flood through it
ip -n "$TQ_NS" addr add 192.0.2.1/24 dev tqh
bg "$TQ_TMP/pong" sh "$NOBODY_TUN" "$TQPROBE" pong-name tqh 4 192.0.2.2 "$COUNT" 120
P=$BGPID
wait_until 100 0.1 "nobody opened tqh 4 times by name" file_has "$TQ_TMP/pong" '^ready tqh fds 4'
[ -s "$TQ_TMP/pong.err" ] && say "       stderr: $(cat "$TQ_TMP/pong.err")"
assert_match "the holder runs as nobody" '^Uid:[[:space:]]+65534[[:space:]]' "$(grep '^Uid:' /proc/$P/status)"
assert_eq "nobody holds 4 queues of tqh" 4 "$(tap_fds_of "$P" tqh | wc -l)"
assert_eq "kernel: 4 attached" "numqueues 4 numdisabled 0" "$(link_queues tqh)"
assert_eq "status: 4 queues attached, held outside tapqd" "4 0" \
	"$(status_field tqh .outside.attached) $(status_field tqh .outside.detached)"
assert_eq "status: active_queues 4" 4 "$(status_field tqh .active_queues)"
OUT=$(tq status tqh)
say "$(printf '%s\n' "$OUT" | sed -n '1,3p' | sed 's/^/       /')"
assert_match "text status: 4 attached, held outside tapqd" \
	'handed off by name \(open it as tqh\): 4 queues attached, 0 detached, held outside tapqd' "$OUT"
assert_eq "tapqd still holds no fd of tqh" "" "$(tap_fds_of "$DPID" tqh)"

bg "$TQ_TMP/ping" ip netns exec "$TQ_NS" ping -n -q -f -i 0.002 -c "$COUNT" -w 100 192.0.2.2
flood_lost_none "$BGPID" "$COUNT" "$TQ_TMP/ping"
wait_until 100 0.1 "pong answered all $COUNT and exited" pid_dead "$P"
wait "$P"
assert_eq "pong-name exit status" 0 "$?"
untrack "$P"
say "       $(grep -E '^frames ' "$TQ_TMP/pong")"
for q in 0 1 2 3; do
	say "       queue $q: $(grep -c "^echo request .* on queue $q, reply" "$TQ_TMP/pong") echo requests"
done
wait_until 50 0.1 "status: no queue open once nobody closed them" held_is 0 0

# -- root opens it too (system libvirtd); a config removal waits for it
bg "$TQ_TMP/pong.root" ip netns exec "$TQ_NS" "$TQPROBE" pong-name tqh 4 192.0.2.2 3 60
P=$BGPID
wait_until 100 0.1 "root opened tqh 4 times by name" file_has "$TQ_TMP/pong.root" '^ready tqh fds 4'
OUT=$(timeout 30 ip netns exec "$TQ_NS" ping -n -c 3 -i 0.2 -W 3 192.0.2.2 2>&1)
assert_match "ping through root's queues: 3 replies" '3 received' "$OUT"
poll_until 100 0.1 pid_dead "$P"
stop_bg "$P"
assert_eq "root's pong-name exit status" 0 "$?"

# -- 8 opened with max_queues = 4: the kernel has no limit per device, so
# tapqd says so, counts them, and places none of the 4 extra
bg "$TQ_TMP/pong.8" ip netns exec "$TQ_NS" "$TQPROBE" pong-name tqh 8 192.0.2.2 1 60
P=$BGPID
wait_until 100 0.1 "root opened tqh 8 times by name" file_has "$TQ_TMP/pong.8" '^ready tqh fds 8'
assert_eq "kernel: 8 attached" "numqueues 8 numdisabled 0" "$(link_queues tqh)"
# the count logged is the one read when the notifications were handled: 5 to 8
wait_until 50 0.1 "tapqd logs the queues over max_queues" file_has "$DLOG" \
	'tqh: [5-8] queues are open by name, [1-4] more than max_queues = 4: the kernel sets no limit per device'
assert_eq "said once" 1 "$(grep -c 'tqh: [0-9]* queues are open by name' "$DLOG")"
J=$(tq status tqh --json)
assert_eq "status: 8 attached outside tapqd" 8 "$(jget "$J" '.devices[0].outside.attached')"
assert_eq "status: the excess is named" 4 "$(jget "$J" '.devices[0].outside.over_max')"
assert_eq "status: the 4 extra slots have no core" "null null null null" \
	"$(jget "$J" '[.devices[0].queues[4:8][].cpu] | map(tostring) | join(" ")')"
assert_eq "status: the first 4 are placed" 4 "$(jget "$J" '[.devices[0].queues[0:4][].cpu | select(. != null)] | length')"
assert_match "text status: the excess said plainly" \
	'8 queues attached, 0 detached, held outside tapqd: 4 more than max_queues 4' "$(tq status tqh)"
ip netns exec "$TQ_NS" ping -n -c 1 -W 3 192.0.2.2 >/dev/null 2>&1
poll_until 100 0.1 pid_dead "$P"
stop_bg "$P"
wait_until 50 0.1 "back within max_queues: said too" file_has "$DLOG" \
	'tqh: [0-4] queues open by name, within max_queues = 4 again'

# -- tapqd stops: the device stays, and the log says so; the next tapqd takes it over
bg "$TQ_TMP/pong.held" sh "$NOBODY_TUN" "$TQPROBE" pong-name tqh 4 192.0.2.2 1000000 120
P=$BGPID
wait_until 100 0.1 "nobody holds tqh again" file_has "$TQ_TMP/pong.held" '^ready tqh fds 4'
stop_daemon
assert_ok "tqh outlives tapqd" link_exists tqh
assert_match "the stop log says it stays" 'tqh: stays, persistent, handed off by name' "$(cat "$DLOG")"
start_daemon "$TQ_TMP/handoff.conf" || finish
assert_match "the next tapqd takes tqh over" 'tqh: exists, persistent, 4 queues attached and 0 detached outside tapqd: taken over' "$(cat "$DLOG")"
assert_eq "status after the restart: 4 attached" "4 0" \
	"$(status_field tqh .outside.attached) $(status_field tqh .outside.detached)"
assert_eq "the new tapqd holds no fd of tqh" "" "$(tap_fds_of "$DPID" tqh)"

# -- removed from the config: kept while a queue is open, deleted by a reload after
printf '[tapqd]\nsocket_mode = 0666\nlog_level = debug\n' >"$TQ_TMP/handoff.conf"
assert_ok "reload without tqh" tq reload
assert_ok "tqh kept: nobody has 4 queues open" link_exists tqh
assert_match "the reload says why it is kept" 'tqh: removed from the config: 4 queues are open outside tapqd: kept' "$(cat "$DLOG")"
stop_bg "$P"
wait_until 50 0.1 "kernel: no queue left" sh -c "ip -n '$TQ_NS' -d link show dev tqh | grep -q 'numqueues 0 numdisabled 0'"
assert_ok "reload again" tq reload
wait_until 50 0.1 "tqh deleted once no queue is open" link_gone tqh
stop_daemon

# -- under a service manager: nothing of tqh goes to the fd store
cp "$TQ_DIR/handoff.conf" "$TQ_TMP/handoff.conf"
start_fakesd "$TQ_TMP/handoff.conf" || finish
wait_until 50 0.1 "READY=1 came" file_has "$NLOG" ' READY=1'
assert_eq "no queue of tqh in the fd store" "" "$(grep 'FDNAME=q\.[0-9]*\.tqh' "$NLOG")"
assert_eq "tapqd holds no fd of tqh" "" "$(tap_fds_of "$(tapqd_pid)" tqh)"
stop_daemon
finish
