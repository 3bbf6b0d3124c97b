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

# one number from FILE by sed SCRIPT, or stop with WHY: a single non-negative integer only
number_in() { # FILE SCRIPT WHY
	v=$(sed -n "$2" "$1")
	case $v in
	'' | *[!0-9]*)
		echo "verify-units: $3" >&2
		exit 1
		;;
	esac
	echo "$v"
}
conf_define() {
	number_in "$here/config/conf.h" "s/^#define $1 \([0-9][0-9]*\)\([^0-9].*\)\{0,1\}\$/\1/p" \
		"no single numeric #define $1 in config/conf.h"
}
# a bundle per device (its queues and holder pidfd), one more being replaced,
# and 2 lease state memfds
devices=$(conf_define CONF_STORE_SIZED_DEVICES)
need=$((devices + 1 + 2))
max=$(number_in "$here/units/tapqd.service" 's/^FileDescriptorStoreMax=\([0-9][0-9]*\)[[:space:]]*$/\1/p' \
	"tapqd.service needs exactly one numeric FileDescriptorStoreMax=")
if [ "$max" -lt "$need" ]; then
	echo "verify-units: tapqd.service has FileDescriptorStoreMax=$max, tapqd stores up to" \
		"$devices + 1 + 2 = $need fds" >&2
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
