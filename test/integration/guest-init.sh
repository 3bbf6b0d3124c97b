#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# guest-init.sh - /init of the busybox initramfs the QEMU tests boot (built by
# `make guest` into build/guest/initramfs.gz). Everything it reports goes to
# the serial console as "TQG <what>" lines the test waits for, written through
# /dev/kmsg: printk reaches the console at once, with the kernel's timestamp,
# while a tty write waits for the emulated UART (seen lagging by seconds).
#
# Kernel command line (all optional):
#   tq.ip=ADDR/LEN   eth0's address            (default 10.0.2.2/24)
#   tq.peer=ADDR     the address it pings      (default 10.0.2.1)
#   tq.pause=SECS    pause between virtio_pci and virtio_net, so the host sees
#                    what QEMU attached before the guest's driver loads (default 2)
#   tq.ping=COUNT    echo requests             (default 5)
#   tq.gate=DEV      instead of the pause, wait for a line on DEV (a second
#                    serial port) from the host, once before virtio_net and once
#                    before powering off: the host says when it has seen enough
#                    of each phase, however slowly a loaded machine lets it look
#                    (120 s at most each, then "TQG GATE-TIMEOUT")
#
# Order: virtio_pci binds the device (no net driver yet: QEMU keeps 1 queue
# attached), then virtio_net loads and enables min(vCPUs, max) queue pairs,
# eth0 comes up, the peer is pinged, and the guest powers off (QEMU exits 0).

/bin/busybox mkdir -p /bin /proc /sys /dev
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

echo on >/proc/sys/kernel/printk_devkmsg
say() { echo "TQG $*" >/dev/kmsg; }

arg() { # NAME DEFAULT
	for w in $(cat /proc/cmdline); do
		case $w in "$1="*)
			echo "${w#*=}"
			return
			;;
		esac
	done
	echo "$2"
}

IP=$(arg tq.ip 10.0.2.2/24)
PEER=$(arg tq.peer 10.0.2.1)
PAUSE=$(arg tq.pause 2)
COUNT=$(arg tq.ping 5)
GATE=$(arg tq.gate "")
# open from the start: what a serial port receives while nobody has it open is lost
if [ -n "$GATE" ]; then
	exec 3<"$GATE"
	stty -echo <&3
fi

# gate WHAT: waits for the host's go-ahead on GATE
gate() {
	read -r -t 120 _go <&3 || say "GATE-TIMEOUT $1"
}

# rx-N directories: the queue pairs the driver made real (its active set)
queues() { ls -d /sys/class/net/eth0/queues/rx-* 2>/dev/null | wc -l; }

say "INIT uptime $(cut -d' ' -f1 /proc/uptime) cpus $(grep -c ^processor /proc/cpuinfo)"
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover; do
	insmod "/lib/modules/$m.ko" || say "INSMOD-FAIL $m"
done
say "VIRTIO-PCI-LOADED"
if [ -n "$GATE" ]; then gate virtio_net; else sleep "$PAUSE"; fi
say "VIRTIO-NET-LOADING"
insmod /lib/modules/virtio_net.ko || say "INSMOD-FAIL virtio_net"
n=0
while [ ! -d /sys/class/net/eth0 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
say "VIRTIO-NET-LOADED queues $(queues)"
ip addr add "$IP" dev eth0
ip link set eth0 up
say "ETH0-UP queues $(queues) uptime $(cut -d' ' -f1 /proc/uptime)"

if ping -c "$COUNT" -W 3 "$PEER"; then
	say "PING-OK"
else
	say "PING-FAIL"
fi
[ -n "$GATE" ] && gate poweroff
say "QUEUES-AT-END $(queues)"
say "POWEROFF"
sync
poweroff -f
# not reached unless poweroff failed; returning would panic the kernel
sleep 5
say "POWEROFF-FAILED"
