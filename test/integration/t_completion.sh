#!/bin/sh
# SPDX-License-Identifier: MIT
# t_completion.sh - bash completion of tapqctl (completion/tapqctl.bash),
# sourced in bash in the daemon's namespaces: commands, options and their
# values, device names from the running daemon (on the socket -s names),
# created devices for destroy, template names of created devices for
# create --template; nothing and no noise when no daemon answers.
. "$(dirname "$0")/lib.sh"
tq_init
COMPLETION=$TQ_DIR/../../completion/tapqctl.bash
CONF=$TQ_TMP/completion.conf
printf '[tapqd]\n\n[device tqc0]\nmax_queues = 2\n\n[device tqc1]\nmax_queues = 2\n\n' >"$CONF"
printf '[template vm]\nnames = tqvm*\nmax_queues = 2\n' >>"$CONF"
start_daemon "$CONF" || finish
assert_ok "root creates tqvm1 from template vm" tq create tqvm1 --template vm

# comp WORD...: COMPREPLY for the command line tapqctl WORD..., the last word
# being completed, sorted, on one line; what the completion wrote on stderr
# goes to $TQ_TMP/comp.err
comp() {
	timeout 20 nsenter -t "$DPID" -m -n bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_tapqctl
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' bash "$COMPLETION" "$TAPQCTL" $(sock_opt) "$@" 2>"$TQ_TMP/comp.err"
}

assert_eq "commands, and -s first" "-s acquire create destroy exec help qmp-add qmp-del release reload resize status" \
	"$(comp '')"
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
assert_eq "create --template: the daemon's templates in use" "vm" \
	"$(comp create tqvm2 --template '')"
assert_eq "create: a new name is not completed" "" "$(comp create '')"
assert_eq "qmp-add --vhost" "off on" "$(comp qmp-add tqc0 --qmp /q --id n0 --vhost '')"
assert_eq "no daemon on the socket: no devices" "" "$(comp -s "$TQ_TMP/none.sock" status '')"
assert_eq "  and nothing on the terminal" "" "$(cat "$TQ_TMP/comp.err")"
assert_eq "tqc0 is still a device after all that" "2" "$(status_field tqc0 .max_queues)"

stop_daemon
finish
