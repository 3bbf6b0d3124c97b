#!/bin/sh
# SPDX-License-Identifier: MIT
# t_follow_vcpus.sh - vCPU following with a real QEMU (TCG, no guest): tapqd
# on a QMP monitor of its own, the test hot-adds a CPU over another. tapqd
# reports 1 then 2 vCPUs and the queue map that goes with them (queue i on
# the core of vCPU i mod vCPUs), pins the vCPU threads to those cores, and
# survives a monitor that is missing, one that talks garbage and a QEMU that
# quits.
. "$(dirname "$0")/lib.sh"
TQQMP=$BUILD/test/integration/tqqmp
TQMON=$BUILD/test/integration/tqmon
tq_init

QEMU=$(command -v qemu-system-x86_64)
if [ -z "$QEMU" ]; then
	fail "qemu-system-x86_64 is installed (Debian package qemu-system-x86)"
	finish
fi

CONF=$TQ_TMP/follow-vcpus.conf
cat >"$CONF" <<EOF
[tapqd]
log_level = debug

[device tqvc]
max_queues = 4
follow = qmp:$TQ_TMP/tq.sock
pin_client_threads = yes
EOF

qmp() { timeout 20 "$TQQMP" "$TQ_TMP/test.sock" "$@"; }
# vcpu_threads: the thread-id of every vCPU, in cpu-index order, as QEMU says
vcpu_threads() { jget "$(qmp '{"execute":"query-cpus-fast"}')" '.return | sort_by(.["cpu-index"]) | map(.["thread-id"] | tostring) | join(" ")'; }
vcpus_is() { [ "$(status_field tqvc .vcpus)" = "$1" ]; }
follow_is() { [ "$(status_field tqvc .follow)" = "$1" ]; }
cpus_of() { status_field tqvc '.queues | map(.cpu | tostring) | join(" ")'; }
# expected_map N: queue i on placement's core of queue (i mod N) mod 4
expected_map() {
	_m=""
	for _i in 0 1 2 3; do
		_m="$_m $(printf '%s\n' $PLACED | sed -n "$(((_i % $1) % 4 + 1))p")"
	done
	printf '%s\n' "${_m# }"
}
allowed_of() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$QPID/task/$1/status"; }
# threads_pinned N: vCPU thread j allowed exactly on placement's core of queue j mod 4
threads_pinned() {
	_j=0
	for _t in $(vcpu_threads); do
		_want=$(printf '%s\n' $PLACED | sed -n "$((_j % 4 + 1))p")
		[ "$(allowed_of "$_t")" = "$_want" ] || return 1
		_j=$((_j + 1))
	done
	[ "$_j" = "$1" ]
}

# -- no monitor yet: logged once, retried, tapqd runs
start_daemon "$CONF" || finish
# the events of tqvc, to compare with what status said at each step
tq_bg "$TQ_TMP/mon.json" monitor tqvc --json
wait_until 50 0.1 "a missing monitor is logged" file_has "$DLOG" \
	"tqvc: QMP monitor $TQ_TMP/tq.sock: connecting: No such file or directory; following nothing, retrying"
assert_eq "status: follow connecting, no vCPUs" "connecting 0" \
	"$(status_field tqvc .follow) $(status_field tqvc .vcpus)"
assert_refused "a daemon-mode lease of a followed device is refused" tq acquire tqvc --mode daemon
assert_match "saying why" 'tqvc follows a QEMU .*client control mode only' "$REF_OUT"
PLACED=$(cpus_of)
assert_match "placement gave every queue a core" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' "$PLACED"

# -- a monitor that talks garbage: logged, retried, tapqd runs
"$TQMON" "$TQ_TMP/tq.sock" '{"QMP": {"version": {}}}
{"return": {}, "id": "tapqd-caps"}
this is not json
' >/dev/null 2>&1 &
FAKE=$!
track "$FAKE"
wait_until 100 0.1 "garbage is logged" file_has "$DLOG" \
	"tqvc: QMP monitor $TQ_TMP/tq.sock: parsing a message: Protocol error"
wait_until 50 0.1 "tapqd closes the garbage connection" pid_dead "$FAKE"
untrack "$FAKE"
assert_ok "tapqd still answers" tq status tqvc

# -- QEMU with 1 of 4 vCPUs, tapqd on its own monitor, the test on another;
# it holds the device (tapqctl exec, same pid): tapqd pins only the holder's threads
setsid nsenter -t "$DPID" -m -n "$TAPQCTL" exec tqvc -- \
	"$QEMU" -machine q35,accel=tcg -nodefaults -display none -smp 1,maxcpus=4 \
	-netdev tap,id=n0,fds=@FDS@,vhost=off -device virtio-net-pci,netdev=n0,mq=on,vectors=10 \
	-chardev "socket,id=tq,path=$TQ_TMP/tq.sock,server=on,wait=off" -mon chardev=tq,mode=control \
	-qmp "unix:$TQ_TMP/test.sock,server=on,wait=off" >"$TQ_TMP/qemu.log" 2>&1 </dev/null &
QPID=$!
track "$QPID"
wait_until 100 0.1 "QEMU's test monitor answers" qmp '{"execute":"query-status"}'
wait_until 100 0.1 "tapqd follows 1 vCPU" vcpus_is 1
assert_eq "status: follow up" up "$(status_field tqvc .follow)"
assert_match "tapqd logged the QEMU it follows" "tqvc: following the vCPUs of pid $QPID over $TQ_TMP/tq.sock" "$(cat "$DLOG")"
assert_eq "1 vCPU: every queue on the core of vCPU 0" "$(expected_map 1)" "$(cpus_of)"
assert_match "the change is logged once" "tqvc: 1 vCPU of pid $QPID \(threads [0-9]+\), 0 vhost: queues on cpus $(expected_map 1 | tr ' ' ','), threads pinned" "$(cat "$DLOG")"
wait_until 50 0.1 "vCPU 0's thread is pinned to its core" threads_pinned 1

# -- hot-add a CPU over the test's monitor
SLOTS=$(qmp '{"execute":"query-hotpluggable-cpus"}')
ADD=$(jget "$SLOTS" '[.return[] | select(.["qom-path"] == null)] | last | {execute: "device_add", arguments: (.props + {driver: .type, id: "cpu1"})} | tojson')
say "# hot-add: $ADD"
assert_ok "device_add of a CPU" qmp "$ADD"
assert_eq "QEMU has 2 vCPUs" 2 "$(vcpu_threads | wc -w)"
wait_until 50 0.1 "tapqd follows 2 vCPUs (timer poll, no event for an added CPU)" vcpus_is 2
assert_eq "2 vCPUs: queue i on the core of vCPU i mod 2" "$(expected_map 2)" "$(cpus_of)"
assert_eq "the change is logged once" 1 \
	"$(grep -c "tqvc: 2 vCPUs of pid $QPID (threads [0-9]*,[0-9]*), 0 vhost: queues on cpus $(expected_map 2 | tr ' ' ','), threads pinned" "$DLOG")"
wait_until 50 0.1 "both vCPU threads are pinned to their cores" threads_pinned 2
assert_match "text status names the vCPUs" 'following 2 vCPUs: queue i on the core of vCPU i mod 2' "$(tq status tqvc)"
N=$(grep -c 'tqvc: [0-9]* vCPUs* of pid' "$DLOG")
sleep 2.5
assert_eq "nothing logged again while nothing changes (a poll later)" "$N" "$(grep -c 'tqvc: [0-9]* vCPUs* of pid' "$DLOG")"
assert_eq "tapqd never touched the queues" 0 "$(status_field tqvc .tunsetqueue_calls)"

# -- QEMU quits: its monitor goes, tapqd logs it and keeps running
assert_ok "quit over the test's monitor" qmp '{"execute":"quit"}'
wait_until 100 0.1 "QEMU exits" pid_dead "$QPID"
wait "$QPID"
assert_eq "QEMU exit status" 0 "$?"
untrack "$QPID"
wait_until 50 0.1 "the lost monitor is logged" file_has "$DLOG" \
	"tqvc: QMP monitor $TQ_TMP/tq.sock: the monitor closed the connection: Connection reset by peer; queues back on their placement, retrying"
wait_until 50 0.1 "status: follow connecting again, no vCPUs" follow_is connecting
assert_eq "queues back on their placement" "$PLACED" "$(cpus_of)"
assert_ok "tapqd still answers" tq status tqvc
assert_eq "and reports 0 vCPUs" 0 "$(status_field tqvc .vcpus)"
assert_match "text status says it waits for the monitor" 'following vCPUs: waiting for the QMP monitor' "$(tq status tqvc)"
assert_eq "monitor: vcpus_changed 1, 2, then 0 when the monitor went" "1 2 0" \
	"$(jq -r 'select(.event == "vcpus_changed") | .vcpus' "$TQ_TMP/mon.json" | tr '\n' ' ' | sed 's/ $//')"

stop_daemon
finish
