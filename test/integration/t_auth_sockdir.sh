#!/bin/sh
# SPDX-License-Identifier: MIT
# t_auth_sockdir.sh - the control socket's directory and file: tapqd refuses
# to start with its socket in a directory others can write (world-writable,
# or nobody's own), and it sets the socket's mode and group on the socket
# itself, never through a name: a symlink planted at the socket path (what
# a race in such a directory would do) leaves the root-owned 0600 file it
# points to as it was, when a reload changes socket_mode.
. "$(dirname "$0")/lib.sh"
tq_init

conf_at() { # SOCKET MODE > FILE
	printf '[tapqd]\nsocket = %s\nsocket_mode = %s\nlog_level = debug\n\n[device tqsd]\nmax_queues = 2\n' \
		"$1" "$2"
}

# refused_dir DIR WHAT: tapqd with its socket in DIR exits 1 at once, naming DIR
refused_dir() {
	conf_at "$1/tapqd.sock" 0660 >"$TQ_TMP/dir.conf"
	OUT=$(timeout 10 ip netns exec "$TQ_NS" unshare -m --propagation private \
		sh -c 'mount -t tmpfs tmpfs /run && exec "$0" -f -c "$1"' "$TAPQD" "$TQ_TMP/dir.conf" 2>&1)
	RC=$?
	say "       tapqd said: $(printf '%s\n' "$OUT" | grep -i 'socket directory' | tail -n 1)"
	assert_eq "socket in $2: tapqd refuses to start (exit 1, 124: it ran)" 1 "$RC"
	assert_match "and says why" "socket directory $1 \\(owner uid [0-9]+, mode [0-7]+\\) can be written by others" "$OUT"
	assert_fails "no socket was made there" test -e "$1/tapqd.sock"
}

mkdir "$TQ_TMP/world"
chmod 0777 "$TQ_TMP/world"
refused_dir "$TQ_TMP/world" "a world-writable directory"
mkdir "$TQ_TMP/nobodys"
chown nobody "$TQ_TMP/nobodys"
chmod 0755 "$TQ_TMP/nobodys"
refused_dir "$TQ_TMP/nobodys" "a directory nobody owns"
mkdir "$TQ_TMP/group"
chgrp nogroup "$TQ_TMP/group"
chmod 0775 "$TQ_TMP/group"
refused_dir "$TQ_TMP/group" "a group-writable directory"
# nobody sees it too: the directory is really nobody's to write
assert_ok "nobody can write the directory tapqd refused" as_nobody touch "$TQ_TMP/nobodys/x"

# -- a root-only directory: the mode is set on the socket, not through its name
mkdir "$TQ_TMP/priv"
chmod 0755 "$TQ_TMP/priv"
TQ_SOCK=$TQ_TMP/priv/tapqd.sock
conf_at "$TQ_SOCK" 0660 >"$TQ_TMP/priv.conf"
start_daemon "$TQ_TMP/priv.conf" || finish
assert_eq "socket_mode 0660 on the socket" 660 "$(stat -c %a "$TQ_SOCK")"
assert_eq "the socket is a socket" socket "$(stat -c %F "$TQ_SOCK")"

: >"$TQ_TMP/secret"
chmod 0600 "$TQ_TMP/secret"
rm "$TQ_SOCK"
ln -s "$TQ_TMP/secret" "$TQ_SOCK"
conf_at "$TQ_SOCK" 0666 >"$TQ_TMP/priv.conf"
kill -HUP "$DPID"
wait_until 100 0.1 "the reload took up socket_mode" file_has "$DLOG" 'socket_mode 0660 -> 0666'
assert_eq "the root-owned 0600 file behind the planted symlink stays 0600" 600 "$(stat -c %a "$TQ_TMP/secret")"
assert_match "tapqd says the path is not its socket any more" \
	"socket_mode 0660 -> 0666 \\($TQ_SOCK is no longer tapqd's socket \\(a symlink owned by uid 0\\)\\)" "$(cat "$DLOG")"
assert_ok "tapqd still runs" pid_alive "$DPID"
stop_daemon
finish
