#!/bin/sh
# SPDX-License-Identifier: MIT
# check.sh - make check-systemd: tapqd under the systemd it is written for
# (Debian 12's 252), booted in a container, since a fake service manager
# cannot show what systemd's own fd store costs. Builds the Debian 12 root
# once (BUILD/sdroot, reused while present), installs this build of tapqd,
# tapqctl and the units into it, boots it with systemd-nspawn in its own
# network namespace, runs scenario.sh there at each count of SD_DEVICES, and
# always powers the container off, even on failure. Every wait is bounded.
#
#   BUILD=/abs/build [SD_DEVICES="10 1000"] [SD_OLD=/abs/tapqd] sh test/systemd/check.sh
#
# SD_OLD: another tapqd binary (an earlier version) run through the same
# scenario in the same boot first, as the baseline of the figures (its
# failures are reported, not counted: at 1000 devices its start can pass
# TimeoutStartSec=), and then
# once more at the first count, restarted into this build on the way (an
# upgrade under a running service: nothing may be lost).
set -eu

here=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$here/build}
ROOT=$BUILD/sdroot
MACHINE=tapqd-check
SD_DEVICES=${SD_DEVICES:-10 1000}
SD_OLD=${SD_OLD:-}
LOG=$BUILD/sdcheck
# tapqd's runtime libraries, what scenario.sh uses (ip, jq), and a systemd to boot
PKGS=systemd,systemd-sysv,dbus,libevent-core-2.1-7,libnl-3-200,libnl-route-3-200,libhwloc15,libinih1,libjson-c5,libsystemd0,iproute2,jq,procps

say() { printf 'check-systemd: %s\n' "$*"; }

. /etc/os-release
if [ "${VERSION_CODENAME:-}" != bookworm ]; then
	# the binaries are built here and run in a Debian 12 root: same glibc and libraries
	say "this host is ${PRETTY_NAME:-unknown}, not Debian 12: its binaries may not run in the container"
	exit 1
fi

mkdir -p "$LOG"
if [ ! -x "$ROOT/lib/systemd/systemd" ]; then
	say "building the Debian 12 root in $ROOT (once, a few minutes)"
	rm -rf "$ROOT.tmp"
	debootstrap --variant=minbase --include=$PKGS bookworm "$ROOT.tmp" >"$LOG/debootstrap.log" 2>&1 || {
		tail -n 20 "$LOG/debootstrap.log"
		say "debootstrap failed"
		exit 1
	}
	mv "$ROOT.tmp" "$ROOT"
fi

make -s -C "$here" BUILD="$BUILD" install DESTDIR="$ROOT" PREFIX=/usr/local >"$LOG/install.log"
# the group tapqd.socket gives its socket: a KVM host has it, a bare root does not
grep -q '^kvm:' "$ROOT/etc/group" || chroot "$ROOT" groupadd -r kvm
# a hand-written config each run: the scenario writes it
rm -f "$ROOT/etc/tapqd/tapqd.conf"
cp "$here/test/systemd/scenario.sh" "$ROOT/root/scenario.sh"
[ -z "$SD_OLD" ] || install -m 0755 "$SD_OLD" "$ROOT/usr/local/sbin/tapqd.old"
ln -sf /usr/local/lib/systemd/system/tapqd.service "$ROOT/etc/systemd/system/tapqd.service"
ln -sf /usr/local/lib/systemd/system/tapqd.socket "$ROOT/etc/systemd/system/tapqd.socket"
# the journal of the last run only
rm -rf "$ROOT/var/log/journal"

NSPID=
LEADER=
# bounded at each step: a poweroff that does not come (PID 1 busy, the bus
# timing out) ends with SIGKILL to the container's init, which takes every
# process of its PID namespace with it
wait_gone() { # PID TENTHS
	i=0
	while kill -0 "$1" 2>/dev/null && [ "$i" -lt "$2" ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
cleanup() {
	if [ -n "$LEADER" ] && kill -0 "$LEADER" 2>/dev/null; then
		timeout 60 nsenter -t "$LEADER" -a systemctl poweroff >/dev/null 2>&1 || true
		wait_gone "$LEADER" 600
		kill -9 "$LEADER" 2>/dev/null || true
	fi
	if [ -n "$NSPID" ]; then
		wait_gone "$NSPID" 100
		kill -9 "$NSPID" 2>/dev/null || true
		wait "$NSPID" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --register=no: the host need not run systemd-machined; --keep-unit: no scope of its own
systemd-nspawn -q -D "$ROOT" --private-network --bind=/dev/net/tun -b -M "$MACHINE" \
	--register=no --keep-unit >"$LOG/console.log" 2>&1 </dev/null &
NSPID=$!
i=0
while [ "$i" -lt 300 ]; do
	LEADER=$(pgrep -P "$NSPID" | head -n 1 || true)
	if [ -n "$LEADER" ]; then
		st=$(nsenter -t "$LEADER" -a systemctl is-system-running 2>/dev/null || true)
		case $st in running | degraded) break ;; esac
	fi
	kill -0 "$NSPID" 2>/dev/null || break
	sleep 0.2
	i=$((i + 1))
done
if [ -z "$LEADER" ] || ! nsenter -t "$LEADER" -a systemctl is-system-running >/dev/null 2>&1; then
	st=$( [ -z "$LEADER" ] || nsenter -t "$LEADER" -a systemctl is-system-running 2>/dev/null || true)
	case ${st:-} in
	running | degraded) ;;
	*)
		tail -n 20 "$LOG/console.log"
		say "the container did not boot within 60 s (state: ${st:-none})"
		exit 1
		;;
	esac
fi
say "container up: $(nsenter -t "$LEADER" -a systemctl --version | head -n 1), kernel $(uname -r)"

in_ct() { nsenter -t "$LEADER" -a env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
# the old binary with the store size of its own unit: one fd per queue and holder
use_old() {
	in_ct sh -c 'mkdir -p /etc/systemd/system/tapqd.service.d &&
		printf "[Service]\nExecStart=\nExecStart=/usr/local/sbin/tapqd.old -f -c /etc/tapqd/tapqd.conf\nFileDescriptorStoreMax=16450\n" \
			>/etc/systemd/system/tapqd.service.d/old.conf && systemctl daemon-reload'
}
use_new() { in_ct sh -c 'rm -rf /etc/systemd/system/tapqd.service.d && systemctl daemon-reload'; }
fails=0
first=yes
for n in $SD_DEVICES; do
	if [ -n "$SD_OLD" ]; then
		# a baseline: what fails there (a start past TimeoutStartSec=) is reported, not ours
		use_old
		in_ct sh /root/scenario.sh "$n" old || say "the baseline failed at $n devices (not counted)"
		use_new
	fi
	in_ct sh /root/scenario.sh "$n" new || fails=$((fails + 1))
	if [ -n "$SD_OLD" ] && [ "$first" = yes ]; then
		use_old
		in_ct sh /root/scenario.sh "$n" upgrade || fails=$((fails + 1))
		use_new
	fi
	first=no
done
in_ct journalctl -b -u tapqd.service -o short-monotonic >"$LOG/tapqd.journal" 2>&1 || true
say "journal of tapqd.service in $LOG/tapqd.journal"
[ "$fails" -eq 0 ] || {
	say "$fails scenario runs failed"
	exit 1
}
say "all scenario runs passed"
