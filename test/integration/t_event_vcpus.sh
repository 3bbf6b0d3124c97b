#!/bin/sh
# SPDX-License-Identifier: MIT
# t_event_vcpus.sh - status hides the vCPUs of the QEMU a device follows
# from a user who may not use it, and vcpus_changed goes only to those who
# may; the other events of that device carry the count too, so to such a
# user they must say 0 (a hostile client reads the wire, not tapqctl's
# rendering of it). Real QEMU (TCG, no guest), as t_follow_vcpus.
. "$(dirname "$0")/lib.sh"
tq_init
LEASE_TAKEN=5 # enum tapqd_event_kind

QEMU=$(command -v qemu-system-x86_64)
if [ -z "$QEMU" ]; then
	fail "qemu-system-x86_64 is installed (Debian package qemu-system-x86)"
	finish
fi

CONF=$TQ_TMP/event-vcpus.conf
cat >"$CONF" <<EOC
[tapqd]
socket_mode = 0666
log_level = debug

# root only: nobody may subscribe to its events, not learn its QEMU's vCPUs
[device tqev]
max_queues = 2
follow = qmp:$TQ_TMP/tq.sock
EOC
start_daemon "$CONF" || finish

setsid nsenter -t "$DPID" -m -n "$QEMU" -machine q35,accel=tcg -nodefaults -display none -smp 1,maxcpus=2 \
	-chardev "socket,id=tq,path=$TQ_TMP/tq.sock,server=on,wait=off" -mon chardev=tq,mode=control \
	>"$TQ_TMP/qemu.log" 2>&1 </dev/null &
QPID=$!
track "$QPID"
wait_until 100 0.1 "tapqd follows 1 vCPU" sh -c \
	"[ \"\$(nsenter -t $DPID -m -n $TAPQCTL status tqev --json | jq '.devices[0].vcpus')\" = 1 ]"
assert_eq "nobody's status hides the vCPUs" null \
	"$(jget "$(tq_nobody status tqev --json)" '.devices[0].vcpus')"

tqprobe_bg "$TQ_TMP/ev.root" events tqev 30 --vcpus
EVR=$BGPID
bg "$TQ_TMP/ev.nb" nsenter -t "$DPID" -m -n setpriv --reuid=nobody --regid=nogroup \
	--clear-groups "$TQPROBE" events tqev 30 --vcpus
EVN=$BGPID
wait_until 100 0.1 "root subscribed to tqev" file_has "$TQ_TMP/ev.root" '^ready'
wait_until 100 0.1 "nobody subscribed to tqev" file_has "$TQ_TMP/ev.nb" '^ready'

tq_bg "$TQ_TMP/hold.out" acquire tqev --json
H=$BGPID
wait_until 100 0.1 "root's subscriber hears the lease taken, with the vCPUs" \
	file_has "$TQ_TMP/ev.root" "^event [0-9]+ $LEASE_TAKEN [0-9]+ $H vcpus 1\$"
wait_until 100 0.1 "nobody's subscriber hears it too" \
	file_has "$TQ_TMP/ev.nb" "^event [0-9]+ $LEASE_TAKEN "
assert_match "but with no pid and no vCPUs" "^event [0-9]+ $LEASE_TAKEN [0-9]+ 0 vcpus 0\$" \
	"$(grep "^event [0-9]* $LEASE_TAKEN " "$TQ_TMP/ev.nb")"
assert_eq "no line of nobody's names a vCPU count" "" \
	"$(grep -v ' vcpus 0$' "$TQ_TMP/ev.nb" | grep '^event ')"

stop_bg "$H"
stop_bg "$EVR"
stop_bg "$EVN"
stop_bg "$QPID"
stop_daemon
finish
