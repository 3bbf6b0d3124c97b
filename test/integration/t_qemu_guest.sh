#!/bin/sh
# SPDX-License-Identifier: MIT
# t_qemu_guest.sh - a real guest behind a client-mode lease: QEMU (TCG, q35,
# 2 vCPUs) started by `tapqctl exec` on a 4-queue device boots Debian's kernel
# with a busybox initramfs (`make guest`, build/guest/); the guest's
# virtio-net driver enables 2 queue pairs, QEMU attaches and detaches the tap
# queues itself, and tapqd follows: status shows 1 of 4 before the driver
# loads, 2 of 4 once it has, as the kernel counts them, without one
# TUNSETQUEUE of its own. The guest pings the tap's address in the test's
# namespace, powers off, and QEMU exits 0 without "could not enable/disable
# queue". Prints the timeline: what tapqd's status, the kernel and the guest
# showed, and how long tapqd took to show 2 of 4 after the driver loaded.
# The guest waits on a second serial port before loading virtio_net and
# before powering off until the samples have seen that phase, so a slow
# sampler on a loaded machine still sees both.
. "$(dirname "$0")/lib.sh"

GUEST=${GUEST:-$(dirname "$BUILD")/build/guest}
QEMU=qemu-system-x86_64
HOST_IP=10.99.0.1
GUEST_IP=10.99.0.2
for f in "$GUEST/vmlinuz" "$GUEST/initramfs.gz"; do
	if [ ! -r "$f" ]; then
		say "  FAIL missing $f (make guest)"
		exit 1
	fi
done
if ! command -v "$QEMU" >/dev/null 2>&1; then
	say "  FAIL missing $QEMU (Debian package qemu-system-x86; make deps)"
	exit 1
fi

tq_init
say "# guest kernel: $(cat "$GUEST/kernel-package" 2>/dev/null), $($QEMU --version | head -n 1)"
start_daemon "$TQ_DIR/guest.conf" || finish

ip -n "$TQ_NS" addr add "$HOST_IP/24" dev tqg
ip -n "$TQ_NS" link set tqg up
assert_eq "before QEMU: 4 of 4 attached (kernel)" "numqueues 4 numdisabled 0" "$(link_queues tqg)"
assert_eq "before QEMU: 4 active (tapqd)" 4 "$(status_field tqg .active_queues)"
CALLS0=$(status_field tqg .tunsetqueue_calls)

# The kernel's own record of every attach and detach (RTM_NEWLINK, the link is up)
bg "$TQ_TMP/monitor" ip -n "$TQ_NS" -ts -d monitor link
MON=$BGPID
# and tapqd's: its events, as they come
tqprobe_bg "$TQ_TMP/events" events tqg 170
EV=$BGPID
wait_until 50 0.1 "subscribed to tqg's events" file_has "$TQ_TMP/events" '^ready'

SERIAL=$TQ_TMP/serial.log
: >"$SERIAL"
# the guest's second serial port: it waits there, before loading virtio_net
# and before powering off, until the samples below have seen that phase
GATE=$TQ_TMP/gate
mkfifo "$GATE.in" "$GATE.out"
T0=$(date +%s%N)
tq_bg "$TQ_TMP/qemu.out" exec tqg -- "$QEMU" -machine q35,accel=tcg -cpu max -smp 2 -m 256 \
	-nodefaults -display none -serial "file:$SERIAL" -serial "pipe:$GATE" \
	-kernel "$GUEST/vmlinuz" -initrd "$GUEST/initramfs.gz" \
	-append "console=ttyS0 panic=-1 tq.ip=$GUEST_IP/24 tq.peer=$HOST_IP tq.gate=/dev/ttyS1 tq.ping=5" \
	-netdev tap,id=n0,fds=@FDS@,vhost=off \
	-device virtio-net-pci,netdev=n0,mq=on,vectors=10 -no-reboot
Q=$BGPID
say "       QEMU pid $Q"

# The timeline, every 0.1 s until QEMU exits (150 s at most): milliseconds
# since the exec, the guest's last marker, tapqd's active count, whether the
# lease is QEMU's, tapqd's TUNSETQUEUE count, the kernel's counts, and
# whether the kernel's counts were the same just before tapqd's status was
# read ("stable"; else "moved": QEMU changed the queues during the sample,
# and tapqd's answer may rightly be the one before).
TL=$TQ_TMP/timeline
: >"$TL"
ms() { echo $((($(date +%s%N) - T0) / 1000000)); }
marker() { sed -n 's/.*TQG \([A-Z0-9-]*\).*/\1/p' "$SERIAL" | tail -n 1 | grep . || echo -; }
# judged: the stable samples the agreement check below judges, from 0.5 s
# after the host first saw eth0 up (so that a sample that read tapqd's
# status just before the kernel's change reached it does not count)
judged() {
	awk '!up && $2 == "ETH0-UP" { up = $1 }
		up && $1 >= up + 500 && $2 ~ /^(ETH0-UP|PING-OK|QUEUES-AT-END)$/ && $7 == "stable"' "$TL"
}
# open_gate: the guest may go on (5 s at most: QEMU holds the fifo open)
open_gate() { timeout 5 sh -c 'printf "go\n" >"$1"' sh "$GATE.in"; }
GATES=0
k=0
while [ $k -lt 1500 ] && pid_alive "$Q"; do
	K1=$(link_queues tqg | awk '{ print $2 "+" $4 }')
	S=$(tq status tqg --json 2>/dev/null |
		jq -r '.devices[0] | "\(.active_queues) \(.holder_pid == '"$Q"') \(.tunsetqueue_calls)"' 2>/dev/null)
	K2=$(link_queues tqg | awk '{ print $2 "+" $4 }')
	printf '%s %s %s %s %s\n' "$(ms)" "$(marker)" "${S:-? ? ?}" "$K2" \
		"$([ "$K1" = "$K2" ] && echo stable || echo moved)" >>"$TL"
	if [ "$GATES" = 0 ] && [ "$(awk '$2 == "VIRTIO-PCI-LOADED"' "$TL" | wc -l)" -ge 3 ]; then
		open_gate && GATES=1
	elif [ "$GATES" = 1 ] && [ "$(judged | wc -l)" -ge 5 ]; then
		open_gate && GATES=2
	fi
	sleep 0.1
	k=$((k + 1))
done
if pid_alive "$Q"; then
	fail "QEMU exits by itself once the guest powers off"
	stop_bg "$Q"
else
	wait "$Q"
	QRC=$?
	untrack "$Q"
	assert_eq "QEMU exit status after the guest's poweroff" 0 "$QRC"
fi
TEND=$(ms)
wait_until 50 0.1 "the lease ends with QEMU" leased_is tqg false
wait_until 50 0.1 "tapqd re-attaches the queues QEMU left detached" \
	sh -c "[ \"\$(ip -n $TQ_NS -d link show dev tqg | grep -Eo 'numqueues [0-9]+ numdisabled [0-9]+')\" = 'numqueues 4 numdisabled 0' ]"
sleep 0.2
stop_bg "$MON"
stop_bg "$EV"
assert_eq "the event subscriber ran to the end" 0 "$?"

# kernel events: ms since the exec, attached, detached
KEV=$TQ_TMP/kernel-events
awk '/^\[/ { ts = substr($1, 2, length($1) - 2) } / numqueues / {
	for (i = 1; i < NF; i++) { if ($i == "numqueues") q = $(i + 1); if ($i == "numdisabled") d = $(i + 1) }
	print ts, q, d }' "$TQ_TMP/monitor" |
	while read -r ts q d; do
		echo "$((($(date -d "$ts" +%s%N) - T0) / 1000000)) $q $d"
	done | awk '{ k = $2 " " $3; if (k != last) print; last = k }' >"$KEV"

# tapqd's events: ms since the exec, kind (1 active set changed, 2 lease ended), active, pid
TEV=$TQ_TMP/tapqd-events
sed -n 's/^event //p' "$TQ_TMP/events" | while read -r ns kind act pid; do
	echo "$(((ns - T0) / 1000000)) $kind $act $pid"
done >"$TEV"

say "       --- guest (serial console) ---"
tr -d '\r' <"$SERIAL" | grep -E 'TQG |Kernel panic|virtio_net|Run /init' | sed 's/^/       | /'
say "       --- QEMU stderr ---"
sed 's/^/       | /' "$TQ_TMP/qemu.out.err"
say "       --- kernel (RTM_NEWLINK): ms since the exec, attached, detached ---"
sed 's/^/       | /' "$KEV"
say "       --- tapqd events: ms since the exec, kind (1 active set changed, 2 lease ended), active, pid ---"
sed 's/^/       | /' "$TEV"
say "       --- samples: ms, guest marker, tapqd active, leased by QEMU, tapqd TUNSETQUEUE, kernel attached+detached, stable (changes only) ---"
awk '{ k = $2 " " $3 " " $4 " " $5 " " $6; if (k != last) print "       | " $0; last = k }' "$TL"

# first_ms FILE AWK-CONDITION: the first line's time that satisfies it, or empty
first_ms() { awk "$2 { print \$1; exit }" "$1"; }
# guest_uptime MARKER: the guest kernel's timestamp of its marker
guest_uptime() { tr -d '\r' <"$SERIAL" | sed -n 's/^\[ *\([0-9.]*\)\] TQG '"$1"'.*/\1/p' | head -n 1; }
# the host's first sight of the driver loading (or loaded: the guest is quick there)
T_LOAD=$(first_ms "$TL" '$2 ~ /^(VIRTIO-NET-LOAD|ETH0-UP|PING-|QUEUES-AT-END|POWEROFF)/')
T_UP=$(first_ms "$TL" '$2 == "ETH0-UP"')
T_TWO=$(first_ms "$TL" '$3 == 2')
K_ONE=$(first_ms "$KEV" '$2 == 1')
# QEMU detaches 3, 2, 1 at start-up: the 2 that counts comes after the 1
K_TWO=$(awk 'one && $2 == 2 { print $1; exit } $2 == 1 { one = 1 }' "$KEV")
E_TWO=$(awk '$2 == 1 && one && $3 == 2 { print $1; exit } $2 == 1 && $3 == 1 { one = 1 }' "$TEV")
say "       host: QEMU left 1 attached at ${K_ONE:-?} ms; the guest's virtio_net seen at ${T_LOAD:-?} ms, eth0 up at ${T_UP:-?} ms; kernel 2 attached at ${K_TWO:-?} ms; tapqd 2 of 4 at ${T_TWO:-?} ms; QEMU gone at $TEND ms"
say "       guest uptime: /init $(guest_uptime INIT) s, insmod virtio_net $(guest_uptime VIRTIO-NET-LOADING) s, eth0 $(guest_uptime VIRTIO-NET-LOADED) s, up $(guest_uptime ETH0-UP) s, poweroff $(guest_uptime POWEROFF) s"

OUT=$(tr -d '\r' <"$SERIAL")
assert_match "the guest booted (/init ran on 2 vCPUs)" 'TQG INIT .* cpus 2' "$OUT"
assert_nomatch "the guest loaded every module" 'TQG INSMOD-FAIL' "$OUT"
assert_match "guest: its virtio-net driver enabled 2 queue pairs" 'TQG VIRTIO-NET-LOADED queues 2$' "$OUT"
assert_match "guest: pinged $HOST_IP through the tap" 'TQG PING-OK' "$OUT"
assert_match "guest: still 2 queue pairs at the end" 'TQG QUEUES-AT-END 2$' "$OUT"
assert_match "guest: powered off" 'TQG POWEROFF' "$OUT"
assert_nomatch "guest: no kernel panic" 'Kernel panic' "$OUT"
assert_nomatch "guest: the host let it go on at each gate" 'TQG GATE-TIMEOUT' "$OUT"
ERR=$(cat "$TQ_TMP/qemu.out.err")
assert_nomatch "QEMU: no \"could not enable/disable queue\"" 'could not (enable|disable) queue' "$ERR"
assert_nomatch "QEMU: no failed assertion" '[Aa]ssert' "$ERR"

assert_match "kernel: QEMU kept 1 of 4 attached before the guest's driver loaded" \
	' VIRTIO-PCI-LOADED 1 true [0-9]+ 1\+3 (stable|moved)$' "$(cat "$TL")"
assert_match "tapqd: 1 of 4 active before the guest's driver loads" \
	' VIRTIO-PCI-LOADED 1 true [0-9]+ 1\+[0-9]+ (stable|moved)$' "$(cat "$TL")"
assert_match "kernel: 2 attached, 2 detached once the guest's driver loaded" \
	' (ETH0-UP|PING-OK|QUEUES-AT-END) [0-9?]+ true [0-9]+ 2\+2 (stable|moved)$' "$(cat "$TL")"
# followed_in_time DESC FROM_MS TO_MS: prints the delay (a figure, never a
# pass/fail line: the machine's load sets it) and asserts what tapqd saw:
# TO seen after QEMU left 1 queue attached (K_ONE) and while QEMU still ran.
# Not TO >= FROM: the kernel's and tapqd's times are read by two processes,
# and a notification that both get at once can be stamped 1 ms apart either way.
followed_in_time() {
	if [ -z "$2" ] || [ -z "$3" ] || [ -z "$K_ONE" ]; then
		fail "$1" "both seen" "from ${2:-never} to ${3:-never}"
		return
	fi
	say "       $1: $(($3 - $2)) ms"
	if [ "$3" -ge "$K_ONE" ] && [ "$3" -le "$TEND" ]; then
		pass "$1 (while QEMU ran)"
	else
		fail "$1" "between $K_ONE and $TEND ms" "$3 ms"
	fi
}
followed_in_time "tapqd's event ACTIVE_CHANGED 2 after the kernel's RTM_NEWLINK with 2 attached" \
	"$K_TWO" "$E_TWO"
followed_in_time "tapqd's status 2 of 4 after the kernel's (status sampled every ~0.1 s)" \
	"$K_TWO" "$T_TWO"
followed_in_time "tapqd's status 2 of 4 after the host saw the guest's virtio_net marker" \
	"$T_LOAD" "$T_TWO"
assert_eq "tapqd agrees with the kernel in every stable sample from eth0 up to poweroff" "" \
	"$(judged | awk '{ split($6, a, "+"); if (a[1] != $3 || $4 != "true") print }')"
assert_ge "stable samples from eth0 up to poweroff" 5 "$(judged | wc -l)"
assert_eq "tapqd: no TUNSETQUEUE of its own while QEMU held the lease" "$CALLS0" \
	"$(awk '$4 == "true" { print $5 }' "$TL" | sort -u | tr '\n' ' ' | sed 's/ $//')"
stop_daemon
finish
