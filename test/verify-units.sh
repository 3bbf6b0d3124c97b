#!/bin/sh
# SPDX-License-Identifier: MIT
# verify-units.sh - systemd-analyze verify on units/tapqd.service and
# units/tapqd.socket, with their paths pointed at this build (verify checks
# that ExecStart= and ExecReload= exist). systemd-analyze only warns about a
# bad key or value and still exits 0, so any line naming our units fails.
# It also fails when FileDescriptorStoreMax= of tapqd.service is less than
# what tapqd can store, computed from config/conf.h (see the unit's comment).
#
#   BUILD=/abs/path/build sh test/verify-units.sh
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/build}
out=$BUILD/units

# CONF_MAX_DEVICES * (CONF_MAX_QUEUES + 1 holder pidfd) + 2 lease state memfds
conf_define() {
	v=$(sed -n "s/^#define $1 \([0-9][0-9]*\)\([^0-9].*\)\{0,1\}\$/\1/p" "$here/config/conf.h")
	case $v in
	'' | *[!0-9]*)
		echo "verify-units: no single numeric #define $1 in config/conf.h" >&2
		exit 1
		;;
	esac
	echo "$v"
}
devices=$(conf_define CONF_MAX_DEVICES)
queues=$(conf_define CONF_MAX_QUEUES)
need=$((devices * (queues + 1) + 2))
max=$(sed -n 's/^FileDescriptorStoreMax=\([0-9][0-9]*\)[[:space:]]*$/\1/p' "$here/units/tapqd.service")
case $max in
'' | *[!0-9]*)
	echo "verify-units: tapqd.service needs exactly one numeric FileDescriptorStoreMax=" >&2
	exit 1
	;;
esac
if [ "$max" -lt "$need" ]; then
	echo "verify-units: tapqd.service has FileDescriptorStoreMax=$max, tapqd stores up to" \
		"$devices * ($queues + 1) + 2 = $need fds" >&2
	exit 1
fi
echo "verify-units: FileDescriptorStoreMax=$max, tapqd stores up to $need fds"
mkdir -p "$out"
sed -e "s|/usr/local/sbin/tapqd|$BUILD/tapqd|" -e "s|/usr/local/bin/tapqctl|$BUILD/tapqctl|" \
	-e "s|/etc/tapqd/tapqd.conf|$here/tapqd.conf.example|" \
	"$here/units/tapqd.service" >"$out/tapqd.service"
cp "$here/units/tapqd.socket" "$out/tapqd.socket"
report=$(cd "$out" && systemd-analyze verify tapqd.socket tapqd.service 2>&1) || {
	printf '%s\n' "$report"
	echo "verify-units: systemd-analyze verify failed"
	exit 1
}
ours=$(printf '%s\n' "$report" | grep -F "$out/" || true)
if [ -n "$ours" ]; then
	printf '%s\n' "$ours"
	echo "verify-units: systemd-analyze complains about the units"
	exit 1
fi
[ -z "$report" ] || printf 'verify-units: about other units, ignored:\n%s\n' "$report"
echo "verify-units: tapqd.service and tapqd.socket verified"
