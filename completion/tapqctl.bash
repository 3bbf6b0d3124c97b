# SPDX-License-Identifier: MIT
# tapqctl.bash - bash completion of tapqctl: its commands and options, and the
# device and template names of the running daemon (tapqctl status --json and
# templates --json, on the socket -s names; nothing, quietly, when no daemon
# answers)

# _tapqctl_devices TAPQCTL [-s SOCKET]: "NAME TEMPLATE" per device, TEMPLATE
# "-" for a declared one. One object per device starts with {"name":", and no
# other object of status --json has a name.
_tapqctl_devices()
{
	"$@" status --json 2>/dev/null | sed 's/{"name":"/\n/g' | sed -n '2,$p' |
		sed -e 's/^\([^"]*\)".*"template":"\([^"]*\)".*/\1 \2/' -e 's/^\([^" ]*\)".*/\1 -/'
}

# _tapqctl_templates TAPQCTL [-s SOCKET]: the templates the daemon lets this
# user create from, one a line. Only the objects of templates --json have a name.
_tapqctl_templates()
{
	"$@" templates --json 2>/dev/null | sed 's/{"name":"/\n/g' | sed -n '2,$s/".*//p'
}

# _tapqctl_offer CUR: adds to COMPREPLY each name on stdin that starts with
# CUR, quoted for the command line. Not compgen -W, which expands its words:
# a created device's name is its creator's choice, and a "$(...)" in it would
# run in the operator's shell, at the Tab or at the Enter after it.
_tapqctl_offer()
{
	local w

	while IFS= read -r w; do
		[[ -n $w && $w == "$1"* ]] && COMPREPLY+=("$(printf '%q' "$w")")
	done
}

_tapqctl()
{
	local cur prev cmd i ctl sock=() args=() n=0
	local cmds="status templates metrics monitor acquire exec resize release reload create destroy qmp-add qmp-del help"

	COMPREPLY=()
	# the tapqctl being completed asks: ./build/tapqctl as much as the installed one
	ctl=${COMP_WORDS[0]}
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	i=1
	if [ "${COMP_WORDS[1]:-}" = -s ] && [ "$COMP_CWORD" -gt 2 ]; then
		sock=(-s "${COMP_WORDS[2]}")
		i=3
	fi
	if [ "$prev" = -s ] && [ "$COMP_CWORD" -eq 2 ]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	if [ "$COMP_CWORD" -eq "$i" ]; then
		if [ "$i" -eq 1 ]; then
			COMPREPLY=($(compgen -W "$cmds -s" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		fi
		return
	fi
	cmd=${COMP_WORDS[i]}
	# exec: after --, the command it runs completes as itself
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		if [ "$cmd" = exec ] && [ "${COMP_WORDS[i]}" = -- ]; then
			declare -F _command_offset >/dev/null && _command_offset $((i + 1))
			return
		fi
		case ${COMP_WORDS[i]} in
		--mode | --template | --queues | --token | --qmp | --id | --mac | --bus | --vhost)
			i=$((i + 1)) ;;
		-*) ;;
		*) n=$((n + 1)) ;;
		esac
	done
	case $prev in
	--mode)
		[ "$cmd" = exec ] && COMPREPLY=(client) || COMPREPLY=($(compgen -W "client daemon" -- "$cur"))
		return ;;
	--vhost)
		COMPREPLY=($(compgen -W "on off" -- "$cur"))
		return ;;
	--qmp)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--template)
		_tapqctl_offer "$cur" < <(_tapqctl_templates "$ctl" "${sock[@]}")
		return ;;
	--queues | --token | --id | --mac | --bus)
		return ;;
	esac
	case $cur in
	-*)
		case $cmd in
		status | templates | monitor) args=(--json) ;;
		acquire) args=(--mode --json) ;;
		exec) args=(--mode --) ;;
		release) args=(--token) ;;
		create) args=(--template --queues) ;;
		qmp-add) args=(--qmp --id --mac --bus --vhost) ;;
		qmp-del) args=(--qmp --id --token) ;;
		esac
		COMPREPLY=($(compgen -W "${args[*]}" -- "$cur"))
		return ;;
	esac
	# the first word after the command names the device; create's is a new name
	[ "$n" -eq 0 ] || return
	case $cmd in
	status | metrics | monitor | acquire | exec | resize | release | qmp-add | qmp-del)
		_tapqctl_offer "$cur" < <(_tapqctl_devices "$ctl" "${sock[@]}" | awk '{ print $1 }') ;;
	destroy)
		_tapqctl_offer "$cur" < <(_tapqctl_devices "$ctl" "${sock[@]}" | awk '$2 != "-" { print $1 }') ;;
	esac
}
complete -F _tapqctl tapqctl
