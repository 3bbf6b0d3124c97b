#!/bin/sh
# SPDX-License-Identifier: MIT
# check.sh - the Debian packages of "make deb" as an operator gets them:
# installed with apt-get on this machine, tapqd -t on the packaged config,
# tapqctl --help, the socket enabled and owned by the group tapqd, the
# daemon started from the installed files in its own network namespace (and
# its own /run), a client built with `pkg-config tapqd` that acquires a
# device from it; then every package purged, the ones apt-get pulled in too,
# and nothing of tapqd left on the machine. Refuses to run where tapqd is
# installed already: its purge would be the operator's.
#
#   sh test/deb/check.sh DEB_DIR        (make deb-check)
set -u

if [ $# -ne 1 ] || [ ! -d "$1" ]; then echo "usage: check.sh DEB_DIR"; exit 2; fi
dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
PKGS="tapqd libtapqd2 libtapqd-dev"
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
NS=tqdeb-$$
FAILS=0
DPID=""
tmp=""

say() { printf '%s\n' "$*"; }
pass() { say "  ok   $1"; }
fail() {
	FAILS=$((FAILS + 1))
	say "  FAIL $1"
	[ $# -lt 2 ] || say "       seen: $(printf '%s' "$2" | head -c 1500)"
}
check() { # DESC CMD...: passes when CMD succeeds
	_d=$1
	shift
	if _o=$("$@" 2>&1); then pass "$_d"; else fail "$_d" "$_o"; fi
}

# What the packages may have put anywhere: none of it may stay after the purge.
leftovers() {
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'not-installed' ||
			! dpkg-query -W "$p" >/dev/null 2>&1 || echo "package $p"
	done
	for f in /usr/sbin/tapqd /usr/bin/tapqctl /lib/systemd/system/tapqd.service \
		/lib/systemd/system/tapqd.socket /etc/tapqd /usr/share/doc/tapqd \
		/usr/share/doc/libtapqd2 /usr/share/doc/libtapqd-dev /usr/include/tapqd.h \
		/usr/lib/"$MA"/pkgconfig/tapqd.pc /etc/systemd/system/sockets.target.wants/tapqd.socket \
		/run/tapqd /usr/lib/"$MA"/libtapqd.so /usr/lib/"$MA"/libtapqd.a \
		/usr/share/bash-completion/completions/tapqctl; do
		[ ! -e "$f" ] && [ ! -L "$f" ] || echo "file $f"
	done
	ls /usr/lib/"$MA"/libtapqd.so.* /usr/share/man/man*/tapq* 2>/dev/null | sed 's/^/file /'
	! getent group tapqd >/dev/null || echo "group tapqd"
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	trap - EXIT INT TERM
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null
		for _i in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$DPID" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$DPID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	say "== purge"
	# shellcheck disable=SC2086 # PKGS are words
	DEBIAN_FRONTEND=noninteractive dpkg --purge $PKGS >"$tmp/purge.log" 2>&1 ||
		fail "dpkg --purge $PKGS" "$(cat "$tmp/purge.log")"
	# what apt-get installed for them (adduser, run-time libraries) goes too
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 ~ /^.i/ { print $2 }' |
		sort >"$tmp/after"
	pulled=$(comm -13 "$tmp/before" "$tmp/after" | tr '\n' ' ')
	if [ -n "$pulled" ]; then
		say "   also purging what the install pulled in: $pulled"
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive dpkg --purge $pulled >>"$tmp/purge.log" 2>&1 ||
			fail "dpkg --purge $pulled" "$(tail -n 20 "$tmp/purge.log")"
	fi
	left=$(leftovers)
	if [ -z "$left" ]; then pass "nothing of tapqd left on the machine"; else fail "left behind" "$left"; fi
	rm -rf "$tmp"
	if [ "$FAILS" -eq 0 ]; then say "ok deb-check"; exit 0; fi
	say "deb-check: $FAILS failed"
	exit 1
}

debs=""
for p in $PKGS; do
	f=$(ls "$dir"/"${p}"_*.deb 2>/dev/null | head -n 1)
	[ -n "$f" ] || { say "deb-check: no ${p}_*.deb in $dir (make deb)"; exit 1; }
	debs="$debs $f"
done
left=$(leftovers)
if [ -n "$left" ]; then
	say "deb-check: tapqd is on this machine already, not purging it:"
	say "$left"
	exit 1
fi

tmp=$(mktemp -d /tmp/tqdeb.XXXXXX)
dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 ~ /^.i/ { print $2 }' | sort >"$tmp/before"
trap cleanup EXIT
trap 'fail interrupted; exit 1' INT TERM

say "== install:$debs"
# shellcheck disable=SC2086 # debs are words
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $debs \
	>"$tmp/install.log" 2>&1; then
	fail "apt-get install" "$(tail -n 20 "$tmp/install.log")"
	exit 1
fi
for p in $PKGS; do
	check "$p installed" sh -c "dpkg-query -W -f='\${Status}' $p | grep -q 'ok installed'"
done

say "== the installed files"
check "tapqd -t on /etc/tapqd/tapqd.conf" sh -c \
	'/usr/sbin/tapqd -t | grep -q "^/etc/tapqd/tapqd.conf: configuration OK, 0 devices"'
check "tapqd -t on the example config" /usr/sbin/tapqd -t -c /usr/share/doc/tapqd/tapqd.conf.example
check "/etc/tapqd/tapqd.conf is a conffile" sh -c 'dpkg-query -W -f="\${Conffiles}" tapqd | grep -q " /etc/tapqd/tapqd.conf "'
check "tapqctl --help" sh -c '/usr/bin/tapqctl --help | grep -q "^usage: tapqctl"'
check "group tapqd exists" getent group tapqd
check "the socket belongs to group tapqd" grep -qx 'SocketGroup=tapqd' /lib/systemd/system/tapqd.socket
check "ExecStart is /usr/sbin/tapqd" grep -q '^ExecStart=/usr/sbin/tapqd ' /lib/systemd/system/tapqd.service
check "ExecReload is /usr/bin/tapqctl" grep -q '^ExecReload=/usr/bin/tapqctl reload' /lib/systemd/system/tapqd.service
check "no /usr/local path in the units" sh -c '! cat /lib/systemd/system/tapqd.* | grep -v "^#" | grep /usr/local'
check "the units' Documentation= exists" sh -c \
	'test -f "$(sed -n "s|^Documentation=file:||p" /lib/systemd/system/tapqd.service)"'
check "tapqd.socket enabled" test -L /etc/systemd/system/sockets.target.wants/tapqd.socket
check "tapqd.service not enabled" test ! -e /etc/systemd/system/multi-user.target.wants/tapqd.service
for m in man8/tapqd.8 man8/tapqctl.8 man5/tapqd.conf.5; do
	check "tapqd holds $m" sh -c "dpkg -L tapqd | grep -qx '/usr/share/man/$m.gz'"
done
check "groff renders the installed tapqctl(8), metrics included" sh -c \
	'zcat /usr/share/man/man8/tapqctl.8.gz | groff -man -Tascii -P-cbou 2>&1 | grep -q "tapqctl metrics"'
check "tapqd holds tapqctl's bash completion" \
	test -f /usr/share/bash-completion/completions/tapqctl
check "libtapqd2 holds libtapqd.so.2" test -e "/usr/lib/$MA/libtapqd.so.2"

say "== tapqd from /usr/sbin in network namespace $NS"
ip netns add "$NS" || { fail "ip netns add $NS"; exit 1; }
cat >"$tmp/tapqd.conf" <<'CONF'
[tapqd]
log_level = debug

[device tqdeb0]
max_queues = 3
CONF
# setsid and ip netns exec exec: DPID is tapqd, with its own /run
setsid ip netns exec "$NS" unshare -m --propagation private \
	sh -c 'mount -t tmpfs tmpfs /run && exec /usr/sbin/tapqd -f -c "$1"' sh "$tmp/tapqd.conf" \
	>"$tmp/tapqd.log" 2>&1 </dev/null &
DPID=$!
up=no
for _i in $(seq 1 50); do
	if timeout 5 nsenter -t "$DPID" -m -n /usr/bin/tapqctl status >/dev/null 2>&1; then up=yes; break; fi
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.2
done
if [ $up = yes ]; then pass "installed tapqd answers tapqctl status"; else
	fail "installed tapqd answers" "$(tail -n 20 "$tmp/tapqd.log")"
	exit 1
fi
check "tqdeb0 has 3 queues in the namespace" sh -c \
	"ip -n $NS -d link show tqdeb0 | grep -q 'numqueues [0-9]* numdisabled [0-9]*' && \
	 nsenter -t $DPID -m -n /usr/bin/tapqctl status | grep -q tqdeb0"

say "== a client built with pkg-config tapqd"
check "pkg-config --modversion tapqd" sh -c \
	"[ \"\$(pkg-config --modversion tapqd)\" = \"$(dpkg-query -W -f='${Version}' libtapqd-dev)\" ]"
# shellcheck disable=SC2046 # pkg-config's flags are words
if cc -std=c11 -Wall -Wextra -Werror "$here/client.c" $(pkg-config --cflags --libs tapqd) \
	-o "$tmp/client" 2>"$tmp/cc.log"; then
	pass "cc client.c \$(pkg-config --cflags --libs tapqd)"
	check "the client loads the installed libtapqd.so.2" sh -c \
		"ldd $tmp/client | grep -Eq 'libtapqd.so.2 => (/usr)?/lib/$MA/libtapqd.so.2 '"
	check "the client acquires tqdeb0's 3 queues and releases them" \
		timeout 20 nsenter -t "$DPID" -m -n "$tmp/client" /run/tapqd/tapqd.sock tqdeb0 3
else
	fail "cc client.c with pkg-config tapqd" "$(cat "$tmp/cc.log")"
fi

kill -TERM "$DPID"
for _i in $(seq 1 20); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.25; done
if kill -0 "$DPID" 2>/dev/null; then fail "tapqd stops on SIGTERM"; else pass "tapqd stops on SIGTERM"; DPID=""; fi
exit 0
