#!/bin/sh
# SPDX-License-Identifier: MIT
# t_completion.sh - bash completion of tapqctl (completion/tapqctl.bash),
# sourced in bash in the daemon's namespaces: commands, options and their
# values, device names from the running daemon (on the socket -s names),
# created devices for destroy, for create --template the templates the
# daemon lets the user create from (all to root, as nobody only those whose
# allow lists name it, used or not); nothing and no noise when no daemon
# answers.
. "$(dirname "$0")/lib.sh"
tq_init
COMPLETION=$TQ_DIR/../../completion/tapqctl.bash
CONF=$TQ_TMP/completion.conf
printf '[tapqd]\nsocket_mode = 0666\n\n[device tqc0]\nmax_queues = 2\n\n[device tqc1]\nmax_queues = 2\n\n' >"$CONF"
printf '[template vm]\nnames = tqvm*\nmax_queues = 2\n\n' >>"$CONF"
printf '[template guest]\nnames = tqg*\nmax_queues = 2\nallow_users = nobody\n\n' >>"$CONF"
printf '[template lab]\nnames = tql*\nmax_queues = 1\nallow_users = nobody\n' >>"$CONF"
start_daemon "$CONF" || finish
assert_ok "root creates tqvm1 from template vm" tq create tqvm1 --template vm

# comp WORD...: COMPREPLY for the command line tapqctl WORD..., the last word
# being completed, sorted, on one line; what the completion wrote on stderr
# goes to $TQ_TMP/comp.err. comp_nobody: the same in a shell of nobody's.
comp() { comp_as "" "$@"; }
comp_nobody() { comp_as "setpriv --reuid=nobody --regid=nogroup --clear-groups" "$@"; }
comp_as() { # PREFIX WORD...
	_p=$1
	shift
	timeout 20 nsenter -t "$DPID" -m -n $_p bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_tapqctl
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' bash "$COMPLETION" "$TAPQCTL" $(sock_opt) "$@" 2>"$TQ_TMP/comp.err"
}

# every command of tapqctl --help, and help and -s: a command added there and not here fails
HELP_CMDS=$({ "$TAPQCTL" --help | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p'; printf 'help\n-s\n'; } |
	LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
assert_eq "commands: tapqctl --help's, help and -s" "$HELP_CMDS" "$(comp '' | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
assert_match "  metrics and monitor among them" ' metrics monitor ' " $HELP_CMDS "
assert_eq "a command by its start" "release reload resize" "$(comp re)"
assert_eq "status: the daemon's devices" "tqc0 tqc1 tqvm1" "$(comp status '')"
assert_eq "acquire: devices by their start" "tqc0 tqc1" "$(comp acquire tqc)"
assert_eq "-s SOCKET before the command: devices on that socket" "tqc0 tqc1 tqvm1" \
	"$(comp -s "$TQ_SOCK" exec '')"
assert_eq "acquire --mode" "client daemon" "$(comp acquire tqc0 --mode '')"
assert_eq "exec --mode: client only" "client" "$(comp exec tqc0 --mode '')"
assert_eq "acquire's options" "--json --mode" "$(comp acquire tqc0 --)"
assert_eq "resize: no device after the device" "" "$(comp resize tqc0 '')"
assert_eq "destroy: only created devices" "tqvm1" "$(comp destroy '')"
assert_eq "create --template: every template of the daemon's to root, used or not" \
	"guest lab vm" "$(comp create tqvm2 --template '')"
assert_eq "  by their start" "guest" "$(comp create tqg1 --template g)"
assert_eq "create --template as nobody: only those it may create from" "guest lab" \
	"$(comp_nobody create tqg1 --template '')"
assert_eq "  and nothing on the terminal" "" "$(cat "$TQ_TMP/comp.err")"
assert_ok "nobody creates tqg1 from guest, as offered" tq_nobody create tqg1 --template guest
assert_eq "nobody's devices: every device, shown by status" "tqc0 tqc1 tqg1 tqvm1" \
	"$(comp_nobody status '')"
assert_eq "templates: its option" "--json" "$(comp templates --)"
assert_eq "monitor: its option" "--json" "$(comp monitor --)"
assert_eq "monitor and metrics: the daemon's devices" "tqc0 tqc1 tqg1 tqvm1|tqc0 tqc1 tqg1 tqvm1" \
	"$(comp monitor '')|$(comp metrics '')"
assert_eq "create: a new name is not completed" "" "$(comp create '')"
assert_eq "qmp-add --vhost" "off on" "$(comp qmp-add tqc0 --qmp /q --id n0 --vhost '')"
assert_eq "no daemon on the socket: no devices" "" "$(comp -s "$TQ_TMP/none.sock" status '')"
assert_eq "  and nothing on the terminal" "" "$(cat "$TQ_TMP/comp.err")"
# a name is its creator's choice: completing it runs nothing in root's shell,
# and what it offers is quoted, so the Enter after it runs nothing either
assert_ok "nobody creates a device whose name is a command substitution" \
	tq_nobody create 'tqg$(id>&2)' --template guest
assert_eq "root's status completion offers it quoted" 'tqc0 tqc1 tqg1 tqg\$\(id\>\&2\) tqvm1' \
	"$(comp status '')"
assert_eq "  and ran nothing" "" "$(cat "$TQ_TMP/comp.err")"
assert_eq "destroy offers it quoted" 'tqg1 tqg\$\(id\>\&2\)' "$(comp destroy tqg)"
assert_eq "  and ran nothing" "" "$(cat "$TQ_TMP/comp.err")"
assert_eq "tqc0 is still a device after all that" "2" "$(status_field tqc0 .max_queues)"

stop_daemon
finish
