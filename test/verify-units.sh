#!/bin/sh
# SPDX-License-Identifier: MIT
# verify-units.sh - systemd-analyze verify on units/tapqd.service and
# units/tapqd.socket, with their paths pointed at this build (verify checks
# that ExecStart= and ExecReload= exist). systemd-analyze only warns about a
# bad key or value and still exits 0, so any line naming our units fails.
#
#   BUILD=/abs/path/build sh test/verify-units.sh
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/build}
out=$BUILD/units
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
