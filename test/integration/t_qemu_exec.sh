#!/bin/sh
# SPDX-License-Identifier: MIT
# t_qemu_exec.sh - real QEMU (TCG, no guest OS) started through tapqctl exec
# on a 4-queue device with a vnet header: QEMU leaves 1 of 4 queues attached
# and tapqd's status says so, as the kernel does; system_reset, stop/cont and
# quit over QMP; QEMU exits 0 without "could not enable/disable queue"; a
# second QEMU on the same device right after the first starts and runs (the
# first left 3 queues detached: handed over as they are, QEMU aborts).
# Also: exec refuses daemon mode, and @VHOSTFDS@ opens /dev/vhost-net once
# per queue, only when asked.
. "$(dirname "$0")/lib.sh"
TQQMP=$BUILD/test/integration/tqqmp
QEMU=qemu-system-x86_64
tq_init
for b in "$TQQMP" "$(command -v $QEMU)"; do
	[ -x "$b" ] || { fail "$QEMU and $TQQMP are here (make deps, make integration)"; finish; }
done
start_daemon "$TQ_DIR/qemu.conf" || finish

qmp() { timeout 30 "$TQQMP" "$@"; } # SOCKET COMMAND...
running_is() { qmp "$1" query-status | grep -q "\"status\": \"$2\""; }
active_is() { [ "$(status_field tqq .active_queues)" = "$1" ]; }
kernel_is() { [ "$(link_queues tqq)" = "$1" ]; }

# qemu_start NAME NETDEV_OPTS: QEMU through tapqctl exec on tqq, QMP at
# $TQ_TMP/NAME.qmp, stderr in $TQ_TMP/NAME.out.err; sets Q (its pid, which
# is tapqctl's) once QMP answers.
qemu_start() {
	tq_bg "$TQ_TMP/$1.out" exec tqq -- $QEMU -machine q35,accel=tcg -nodefaults \
		-display none -m 128 -qmp "unix:$TQ_TMP/$1.qmp,server=on,wait=off" \
		-netdev "tap,id=n0,$2" -device virtio-net-pci,netdev=n0,mq=on,vectors=10
	Q=$BGPID
	say "       $QEMU ... -netdev tap,id=n0,$2 -device virtio-net-pci,netdev=n0,mq=on,vectors=10"
	wait_until 100 0.1 "$1: QEMU answers on QMP" running_is "$TQ_TMP/$1.qmp" running
}

# qemu_cycle NAME NETDEV_OPTS: one QEMU's life, every check on the way.
qemu_cycle() {
	T0=$(status_field tqq .tunsetqueue_calls)
	qemu_start "$1" "$2" || return
	assert_eq "$1: the QMP peer is the pid tapqctl exec'd" "$(readlink -f "$(command -v $QEMU)")" \
		"$(readlink "/proc/$Q/exe")"
	assert_eq "$1: QEMU holds the 4 queues of tqq" 4 "$(tap_fds_of "$Q" tqq | wc -l)"
	assert_eq "$1: status: QEMU's pid holds the lease" "$Q" "$(status_field tqq .holder_pid)"
	assert_eq "$1: status: client control" client "$(status_field tqq .control)"
	wait_until 50 0.1 "$1: status: 1 of 4 active, as QEMU left it" active_is 1
	assert_eq "$1: the kernel agrees" "numqueues 1 numdisabled 3" "$(link_queues tqq)"
	assert_eq "$1: status: queue 0 attached, 1-3 detached" "true false false false" \
		"$(status_field tqq '.queues | map(.active | tostring) | join(" ")')"
	OUT=$(qmp "$TQ_TMP/$1.qmp" system_reset stop query-status cont query-status)
	assert_eq "$1: system_reset, stop, cont over QMP" 0 "$?"
	printf '%s\n' "$OUT" | sed 's/^/       qmp: /'
	assert_match "$1: paused after stop" '"status": "paused"' "$OUT"
	wait_until 50 0.1 "$1: running after cont" running_is "$TQ_TMP/$1.qmp" running
	wait_until 50 0.1 "$1: after the reset, still 1 of 4 (kernel)" kernel_is \
		"numqueues 1 numdisabled 3"
	wait_until 50 0.1 "$1: and in status" active_is 1
	assert_eq "$1: tapqd touched no queue while QEMU held them" "$T0" \
		"$(status_field tqq .tunsetqueue_calls)"
	assert_ok "$1: quit over QMP" qmp "$TQ_TMP/$1.qmp" quit
	wait_until 100 0.1 "$1: QEMU exits" pid_dead "$Q"
	wait "$Q"
	assert_eq "$1: QEMU's exit status" 0 "$?"
	untrack "$Q"
	ERR=$(cat "$TQ_TMP/$1.out.err")
	[ -n "$ERR" ] && printf '%s\n' "$ERR" | sed 's/^/       qemu stderr: /'
	assert_nomatch "$1: no 'could not enable/disable queue' from QEMU" \
		'could not (enable|disable) queue|Assertion' "$ERR"
}

qemu_cycle first 'fds=@FDS@,vhost=off'
# Right after the first exits, without waiting for tapqd to notice: tapqd
# must have given the next holder every queue attached, or QEMU aborts.
qemu_cycle second 'fds=@FDS@,vhost=off'
wait_until 50 0.1 "the lease ends with QEMU" leased_is tqq false
assert_eq "tapqd attached the 3 queues QEMU left detached" "numqueues 4 numdisabled 0" \
	"$(link_queues tqq)"

# -- daemon mode: QEMU could never acknowledge a shrink
assert_refused "exec --mode daemon is refused" tq exec tqq --mode daemon -- sh -c 'echo RAN'
OUT=$REF_OUT
assert_match "saying why" 'daemon mode is refused' "$OUT"
assert_nomatch "without running the program" '^RAN$' "$OUT"
assert_eq "and without a lease" false "$(status_field tqq .leased)"
assert_ok "exec --mode client runs" tq exec tqq --mode client -- true

# -- @VHOSTFDS@: the script prints each fd's target and every /dev/vhost-net fd it has
SCRIPT='for f in $(echo "$1" | tr : " "); do echo "vfd $f $(readlink /proc/$$/fd/$f)"; done
echo "vhost $(ls -l /proc/$$/fd | grep -c /dev/vhost-net)"; echo "arg $2"'
# exec_fake_vhost ARGS...: tapqctl exec with a /dev of its own (a private
# mount namespace) whose vhost-net is a null device: the host's /dev is not
# touched, and this kernel may have no vhost-net
exec_fake_vhost() {
	timeout 20 nsenter -t "$DPID" -m -n unshare -m --propagation private sh -c \
		'mount -t tmpfs tmpfs /dev && mknod /dev/null c 1 3 && mknod /dev/vhost-net c 1 3 &&
		exec "$@"' sh "$TAPQCTL" exec tqq -- "$@"
}
OUT=$(exec_fake_vhost sh -c "$SCRIPT" sh @VHOSTFDS@ 'fds=@FDS@,vhostfds=@VHOSTFDS@')
printf '%s\n' "$OUT" | sed 's/^/       /'
assert_eq "@VHOSTFDS@ is one /dev/vhost-net fd per queue, inherited" 4 \
	"$(printf '%s\n' "$OUT" | grep -c '^vfd [0-9]* /dev/vhost-net$')"
assert_match "and no other" '^vhost 4$' "$OUT"
assert_match "@FDS@ and @VHOSTFDS@ in one argument" \
	'^arg fds=[0-9]+:[0-9]+:[0-9]+:[0-9]+,vhostfds=[0-9]+:[0-9]+:[0-9]+:[0-9]+$' "$OUT"
OUT=$(exec_fake_vhost sh -c 'echo "vhost $(ls -l /proc/$$/fd | grep -c /dev/vhost-net)"' sh 'fds=@FDS@')
assert_eq "without @VHOSTFDS@, no vhost-net fd is opened" "vhost 0" "$OUT"
assert_refused "no /dev/vhost-net: exec fails" timeout 20 nsenter -t "$DPID" -m -n unshare -m \
	--propagation private sh -c 'mount -t tmpfs tmpfs /dev && exec "$@"' sh \
	"$TAPQCTL" exec tqq -- sh -c 'echo RAN' @VHOSTFDS@
assert_match "naming the device it could not open" 'opening /dev/vhost-net for queue 0' "$REF_OUT"
assert_nomatch "without running the program" '^RAN$' "$REF_OUT"
wait_until 50 0.1 "and no lease is left" leased_is tqq false

# -- vhost=on with QEMU needs the kernel's vhost-net
if [ -c /dev/vhost-net ]; then
	qemu_cycle vhost 'fds=@FDS@,vhost=on,vhostfds=@VHOSTFDS@'
else
	say "  NOTE vhost=on with QEMU not run: this kernel has no /dev/vhost-net (CONFIG_VHOST_NET)"
fi

stop_daemon
finish
