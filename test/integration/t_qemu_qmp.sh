#!/bin/sh
# SPDX-License-Identifier: MIT
# t_qemu_qmp.sh - tapqctl qmp-add puts a 4-queue device into a running QEMU
# (TCG, no guest OS) and hands the lease to it; status shows QEMU as the
# holder and what QEMU left attached; stop, cont and system_reset leave QEMU
# running; qmp-del takes the device out and ends the lease, but not while
# the device stays in (after a reset only a guest could let it go); a lease
# handed to QEMU ends when QEMU quits (exit 0, and never "could not enable/disable
# queue"). Every failed qmp-add leaves no fd in QEMU, by name or otherwise,
# and no lease: a taken netdev id, a taken device id, a QEMU whose user may
# not use the device. A qmp-del can be run again: steps already done (device
# or netdev gone) count as done, so a retry after one that gave up on a
# stopped guest (Debian's kernel, `make guest`), once the guest let the
# device go, ends the lease; an id QEMU does not know ends nothing while
# QEMU has the fds; tapqd logs whether the holder closed its queue fds.
. "$(dirname "$0")/lib.sh"

GUEST=${GUEST:-$(dirname "$BUILD")/build/guest}
for f in "$GUEST/vmlinuz" "$GUEST/initramfs.gz"; do
	if [ ! -r "$f" ]; then
		say "  FAIL missing $f (make guest)"
		exit 1
	fi
done
tq_init
start_daemon "$TQ_DIR/basic.conf" || finish

TQQMP=$BUILD/test/integration/tqqmp
# q35's pcie.0 takes no hotplug: a root port does. Native PCIe hotplug (not
# ACPI's, q35's default since QEMU 6.1) lets an empty slot's device go
# without a guest to agree.
QEMU_ARGS="-machine q35,accel=tcg -nodefaults -display none
	-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1
	-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2
	-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"

# start_qemu OUT QMPSOCK [setpriv args]: QEMU in the daemon's namespaces; sets Q
start_qemu() {
	_out=$1 _qmp=$2
	shift 2
	# shellcheck disable=SC2086 # QEMU_ARGS is split on purpose
	bg "$_out" nsenter -t "$DPID" -m -n "$@" qemu-system-x86_64 $QEMU_ARGS \
		-qmp "unix:$_qmp,server=on,wait=off"
	Q=$BGPID
	wait_until 100 0.1 "QEMU listens on its QMP socket" test -S "$_qmp"
}

qmp() { "$TQQMP" "$QMP" "$@"; }
qmp_ok() { assert_ok "QMP $1" qmp "{\"execute\":\"$1\"}"; }
fd_name_gone() { ! qmp "{\"execute\":\"closefd\",\"arguments\":{\"fdname\":\"$1\"}}" >/dev/null; }
# device_gone ID: QEMU answers that it has no device ID (tqqmp exits 1 on an error answer)
device_gone() {
	qmp "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine/peripheral/$1\",\"property\":\"type\"}}" >/dev/null
	[ $? -eq 1 ]
}
# revoke_logged DEV PID WHAT: tapqd's log line for a lease of PID ended by root's qmp-del
revoke_logged() {
	assert_match "tapqd logs that the holder $3" \
		"$1: lease of pid $2 revoked by pid [0-9]+ uid 0; the holder $3\$" "$(cat "$DLOG")"
}
# active_matches DEV: tapqd's active_queues is the kernel's numqueues
active_matches() {
	[ "$(link_queues "$1" | awk '{ print $2 }')" = "$(status_field "$1" .active_queues)" ]
}

QMP=$TQ_TMP/qmp.sock
start_qemu "$TQ_TMP/qemu.out" "$QMP"
say "       QEMU pid $Q: qemu-system-x86_64 $(echo $QEMU_ARGS) -qmp unix:$QMP,server=on,wait=off"

# ---- rollback: an id QEMU already has ----
assert_ok "a netdev of id nd exists" qmp \
	'{"execute":"netdev_add","arguments":{"type":"hubport","id":"nd","hubid":0}}'
assert_refused "qmp-add with a taken netdev id fails" tq qmp-add tqv --qmp "$QMP" --id nd --bus rp1
assert_match "naming netdev_add" 'netdev_add nd' "$REF_OUT"
assert_eq "no lease left" false "$(status_field tqv .leased)"
assert_eq "QEMU holds no fd of tqv" "" "$(tap_fds_of "$Q" tqv)"
assert_ok "no fd left named nd-q0 in QEMU" fd_name_gone nd-q0
assert_ok "no fd left named nd-q3 in QEMU" fd_name_gone nd-q3

assert_ok "a device of id taken exists" qmp \
	'{"execute":"device_add","arguments":{"driver":"virtio-net-pci","id":"taken","bus":"rp2"}}'
assert_refused "qmp-add with a taken device id fails" tq qmp-add tqv --qmp "$QMP" --id taken --bus rp1
assert_match "naming device_add" 'device_add taken' "$REF_OUT"
assert_eq "no lease left" false "$(status_field tqv .leased)"
assert_eq "QEMU holds no fd of tqv" "" "$(tap_fds_of "$Q" tqv)"
assert_ok "no fd left named taken-q0 in QEMU" fd_name_gone taken-q0
assert_ok "its netdev is gone again: the id is free" qmp \
	'{"execute":"netdev_add","arguments":{"type":"hubport","id":"taken","hubid":1}}'
assert_refused "qmp-add refuses daemon mode" tq qmp-add tqv --qmp "$QMP" --id n0 --bus rp1 --mode daemon
assert_match "client mode only" 'client mode only' "$REF_OUT"
assert_eq "and leases nothing" false "$(status_field tqv .leased)"

# ---- qmp-add, stop and cont, qmp-del ----
OUT=$(tq qmp-add tqv --qmp "$QMP" --id nic0 --bus rp1 --mac 52:54:00:12:34:56 2>&1)
assert_eq "qmp-add exits 0" 0 "$?"
say "       $OUT"
assert_match "qmp-add names QEMU's pid and the token" "^device tqv id nic0 qemu pid $Q queues 4 token [0-9a-f]{32}\$" "$OUT"
assert_eq "status: holder_pid is QEMU's pid" "$Q" "$(status_field tqv .holder_pid)"
assert_eq "status: control client" client "$(status_field tqv .control)"
assert_eq "QEMU holds the 4 queue fds" 4 "$(tap_fds_of "$Q" tqv | wc -l)"
wait_until 50 0.1 "status shows what QEMU left attached, as the kernel counts it" active_matches tqv
say "       after qmp-add: kernel $(link_queues tqv), tapqd $(status_field tqv .active_queues) active"
assert_eq "QEMU left 1 of 4 queues attached (no guest driver)" 1 "$(status_field tqv .active_queues)"
OUT=$(qmp '{"execute":"query-pci"}')
assert_match "QEMU has the virtio-net device nic0" '"qdev_id": "nic0"' "$OUT"
assert_refused "acquire while QEMU holds it" tq acquire tqv
assert_match "names QEMU's pid" "leased by pid $Q([^0-9]|\$)" "$REF_OUT"
qmp_ok stop
qmp_ok cont
assert_ok "QEMU runs after stop and cont" pid_alive "$Q"
assert_eq "still leased by QEMU" "$Q" "$(status_field tqv .holder_pid)"

assert_ok "qmp-del exits 0" tq qmp-del tqv --qmp "$QMP" --id nic0
assert_eq "the lease ended" false "$(status_field tqv .leased)"
assert_eq "QEMU holds no fd of tqv any more" "" "$(tap_fds_of "$Q" tqv)"
revoke_logged tqv "$Q" "has closed every queue fd"
assert_nomatch "QEMU has no device nic0" '"qdev_id": "nic0"' "$(qmp '{"execute":"query-pci"}')"
assert_refused "qmp-del of a device QEMU does not hold" tq qmp-del tqv --qmp "$QMP" --id nic0
assert_match "says so" 'not leased by QEMU' "$REF_OUT"

# ---- qmp-del again after its device_del and netdev_del were done: only the lease is left ----
OUT=$(tq qmp-add tqv --qmp "$QMP" --id nic9 --bus rp1 2>&1)
assert_eq "qmp-add nic9 exits 0" 0 "$?"
assert_refused "qmp-del with an id QEMU does not know" tq qmp-del tqv --qmp "$QMP" --id nosuch
assert_match "ends nothing while QEMU has the fds" "QEMU pid $Q still has 4 fds of it" "$REF_OUT"
assert_eq "the lease stays with QEMU" "$Q" "$(status_field tqv .holder_pid)"
# an empty slot no guest powered: the device goes at once
assert_ok "device_del nic9 by hand" qmp '{"execute":"device_del","arguments":{"id":"nic9"}}'
wait_until 50 0.1 "QEMU has no device nic9" device_gone nic9
assert_ok "netdev_del nic9 by hand" qmp '{"execute":"netdev_del","arguments":{"id":"nic9"}}'
assert_eq "QEMU holds no fd of tqv" "" "$(tap_fds_of "$Q" tqv)"
assert_eq "still leased by QEMU" "$Q" "$(status_field tqv .holder_pid)"
OUT=$(tq qmp-del tqv --qmp "$QMP" --id nic9 2>&1)
assert_eq "qmp-del finishes the job: exit 0" 0 "$?"
say "       $(printf '%s' "$OUT" | tr '\n' ';')"
assert_match "device_del found done" '^device_del nic9: already done' "$OUT"
assert_match "netdev_del found done" '^netdev_del nic9: already done' "$OUT"
assert_eq "the lease ended" false "$(status_field tqv .leased)"

# ---- qmp-add, system_reset, stop and cont; the lease ends with QEMU ----
OUT=$(tq qmp-add tqv --qmp "$QMP" --id nic1 --bus rp1 2>&1)
assert_eq "qmp-add into the slot qmp-del freed" 0 "$?"
TOKEN=$(printf '%s\n' "$OUT" | sed -n 's/.* token //p')
assert_eq "leased by QEMU again" "$Q" "$(status_field tqv .holder_pid)"
CALLS=$(status_field tqv .tunsetqueue_calls)
qmp_ok system_reset
qmp_ok stop
qmp_ok cont
assert_ok "QEMU runs after reset, stop and cont" pid_alive "$Q"
wait_until 50 0.1 "status matches the kernel after the reset" active_matches tqv
say "       after reset/stop/cont: kernel $(link_queues tqv), tapqd $(status_field tqv .active_queues) active"
assert_eq "still leased by QEMU" "$Q" "$(status_field tqv .holder_pid)"
assert_eq "tapqd changed no queue of QEMU's (TUNSETQUEUE calls)" "$CALLS" "$(status_field tqv .tunsetqueue_calls)"
# The reset powered the slot on: its device now leaves only with a guest's consent.
assert_refused "qmp-del times out waiting for a guest that is not there" \
	tq qmp-del tqv --qmp "$QMP" --id nic1 --token "$TOKEN"
assert_match "saying so" 'no DEVICE_DELETED for nic1' "$REF_OUT"
assert_eq "and leaves the lease with QEMU, which still uses the queues" "$Q" "$(status_field tqv .holder_pid)"
qmp_ok quit
wait_until 100 0.1 "QEMU exits on quit" pid_dead "$Q"
wait "$Q"
assert_eq "QEMU exit status" 0 "$?"
untrack "$Q"
wait_until 50 0.1 "the lease ended with QEMU" leased_is tqv false
assert_nomatch "QEMU never failed to enable/disable a queue" 'could not (enable|disable) queue' \
	"$(cat "$TQ_TMP/qemu.out.err")"
assert_eq "QEMU's stderr is empty" "" "$(cat "$TQ_TMP/qemu.out.err")"
wait_until 50 0.1 "tapqd put the device back as it keeps it" active_matches tqv

# ---- a QEMU whose user may not use the device: handover refused, all undone ----
mkdir -m 0777 "$TQ_TMP/nobody"
QMP=$TQ_TMP/nobody/qmp.sock
start_qemu "$TQ_TMP/qemu-nobody.out" "$QMP" setpriv --reuid=nobody --regid=nogroup --clear-groups
assert_refused "qmp-add of tqroot into nobody's QEMU fails" tq qmp-add tqroot --qmp "$QMP" --id nic0 --bus rp1
assert_match "the handover is refused for uid 65534" "uid 65534 of pid $Q may not use tqroot" "$REF_OUT"
assert_eq "no lease left" false "$(status_field tqroot .leased)"
assert_eq "QEMU holds no fd of tqroot" "" "$(tap_fds_of "$Q" tqroot)"
assert_nomatch "QEMU has no device nic0" '"qdev_id": "nic0"' "$(qmp '{"execute":"query-pci"}')"
qmp_ok quit
wait_until 100 0.1 "nobody's QEMU exits on quit" pid_dead "$Q"
wait "$Q"
assert_eq "its exit status" 0 "$?"
untrack "$Q"
assert_match "tapqd logged the refusal" 'refused pid [0-9]+ uid [0-9]+ \(bad_target\): tqroot: handover to pid [0-9]+: uid 65534 of pid [0-9]+ may not use tqroot' "$(cat "$DLOG")"

# ---- a guest that lets the device go late: qmp-del gives up, a retry ends the lease ----
# Debian's kernel (pciehp built in) and the busybox initramfs, kept up by a
# long pause before virtio_net: pciehp powers the slot off 5 s after the
# attention button device_del presses, then QEMU deletes the device.
QMP=$TQ_TMP/guest-qmp.sock
SERIAL=$TQ_TMP/serial.log
: >"$SERIAL"
# shellcheck disable=SC2086 # QEMU_ARGS is split on purpose
bg "$TQ_TMP/qemu-guest.out" nsenter -t "$DPID" -m -n qemu-system-x86_64 $QEMU_ARGS -cpu max -m 256 \
	-serial "file:$SERIAL" -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initramfs.gz" \
	-append "console=ttyS0 panic=-1 tq.pause=600" -qmp "unix:$QMP,server=on,wait=off"
Q=$BGPID
wait_until 100 0.1 "the guest's QEMU listens on its QMP socket" test -S "$QMP"
wait_until 600 0.1 "the guest booted" file_has "$SERIAL" 'TQG VIRTIO-PCI-LOADED'
OUT=$(tq qmp-add tqv --qmp "$QMP" --id nic2 --bus rp1 2>&1)
assert_eq "qmp-add into the guest's QEMU exits 0" 0 "$?"
TOKEN=$(printf '%s\n' "$OUT" | sed -n 's/.* token //p')
# Until pciehp has bound a driver and lit the power indicator, QEMU refuses
# device_del ("guest is busy (power indicator blinking)"): measured 0.2 s.
wait_until 100 0.1 "the guest found nic2" file_has "$SERIAL" 'virtio-pci [0-9a-f:.]*: enabling device'
sleep 1
qmp_ok stop
T0=$(date +%s)
assert_refused "qmp-del gives up on a stopped guest" \
	tq qmp-del tqv --qmp "$QMP" --id nic2 --token "$TOKEN"
say "       qmp-del gave up after $(($(date +%s) - T0)) s: $REF_OUT"
assert_match "no DEVICE_DELETED" 'no DEVICE_DELETED for nic2' "$REF_OUT"
assert_eq "the lease stays with QEMU" "$Q" "$(status_field tqv .holder_pid)"
# QEMU's unplug timer runs on the guest's clock, stopped too: device_del refuses
assert_refused "a retry while the unplug waits for the guest fails too" \
	tq qmp-del tqv --qmp "$QMP" --id nic2 --token "$TOKEN"
assert_match "with QEMU's words" 'device_del nic2: .*in the process of unplug' "$REF_OUT"
assert_eq "the lease still stays with QEMU" "$Q" "$(status_field tqv .holder_pid)"
qmp_ok cont
T0=$(date +%s)
wait_until 300 0.1 "the running guest lets nic2 go" device_gone nic2
say "       nic2 gone $(($(date +%s) - T0)) s after cont"
assert_eq "its netdev still has the 4 queue fds in QEMU" 4 "$(tap_fds_of "$Q" tqv | wc -l)"
assert_eq "and the lease is still QEMU's" "$Q" "$(status_field tqv .holder_pid)"
OUT=$(tq qmp-del tqv --qmp "$QMP" --id nic2 --token "$TOKEN" 2>&1)
assert_eq "a retry of qmp-del finishes the job: exit 0" 0 "$?"
say "       $(printf '%s' "$OUT" | tr '\n' ';')"
assert_match "device_del found done" '^device_del nic2: already done' "$OUT"
assert_eq "the lease ended" false "$(status_field tqv .leased)"
assert_eq "QEMU holds no fd of tqv" "" "$(tap_fds_of "$Q" tqv)"
revoke_logged tqv "$Q" "has closed every queue fd"
qmp_ok quit
wait_until 100 0.1 "the guest's QEMU exits on quit" pid_dead "$Q"
wait "$Q"
assert_eq "its exit status" 0 "$?"
untrack "$Q"

stop_daemon
finish
