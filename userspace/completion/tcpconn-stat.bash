# SPDX-License-Identifier: GPL-2.0
# bash completion for tcpconn-stat(8); installed as
# /usr/share/bash-completion/completions/tcpconn-stat. Self-contained: it
# does not need the bash-completion package's helpers.
#
# The option lists mirror the option table and views[] of
# userspace/main.c: "make -C userspace host-extra-check" fails when an
# option is missing here, or offered with a view that refuses it.

_tcpconn_stat()
{
	local cur prev w i view='' eq=0 pre=''
	local views="--listeners --summary --sockets --timewait --orphans --remotes --ports --limits --prometheus --prometheus="
	local family="-4 --ipv4 -6 --ipv6"
	local sock="--src --dst --sport --dport --uid"
	local always="-n --numeric -h --help -V --version"
	local states="established estab syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait close closed unconn close-wait last-ack listen listening closing tw-fin-wait2 fin-wait2 all connected synchronized bucket big"
	local opts

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# "--opt=VALUE". With '=' in COMP_WORDBREAKS (the default) "=" is a
	# word of its own and readline replaces only what follows it; without,
	# the whole word is replaced, so the replies keep "--opt=" in front.
	if [[ $cur == = ]]; then
		cur=
		eq=1
	elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
		eq=1
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		pre=$prev=
		cur=${cur#*=}
		eq=1
	fi

	# Option arguments.
	case $prev in
	--prometheus)
		# only "--prometheus=FILE" has a file; "--prometheus FILE" is an error
		if ((eq)); then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -P "$pre" -- "$cur")
			return 0
		fi
		;;
	--state)
		# a comma-separated list: complete its last element
		[[ $cur == *,* ]] && pre=$pre${cur%,*},
		mapfile -t COMPREPLY < <(compgen -W "$states" -P "$pre" -- "${cur##*,}")
		return 0
		;;
	--src)
		# the local addresses, when ip(8) is there to list them
		mapfile -t COMPREPLY < <(compgen -W "$(ip -o addr show 2>/dev/null |
			awk '{ sub(/\/.*/, "", $4); print $4 }')" -P "$pre" -- "$cur")
		return 0
		;;
	--uid)
		mapfile -t COMPREPLY < <(compgen -W "$(getent passwd 2>/dev/null |
			cut -d: -f3)" -P "$pre" -- "$cur")
		return 0
		;;
	--port | --sport | --dport | --dst | --top | -i | --interval | -c | --count)
		return 0	# a number or an address: nothing to offer
		;;
	esac
	((eq)) && return 0	# "=" after an option without an argument

	# The view given so far decides which options apply (main.c's views[]).
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--listeners | --summary | --sockets | --timewait | --orphans | \
		--remotes | --ports | --limits | --prometheus | --prometheus=*)
			view=${w%%=*}
			;;
		esac
	done
	case $view in
	"")		opts="$views $family --port --state $sock -p --processes --top -j --json -i --interval -c --count" ;;
	--listeners)	opts="$family --port -j --json" ;;
	--summary)	opts="-j --json -i --interval -c --count" ;;
	--sockets)	opts="$family $sock --state -p --processes -j --json" ;;
	--timewait)	opts="$family $sock -j --json" ;;
	--orphans)	opts="$family $sock --state -j --json" ;;
	--remotes | --ports) opts="$family $sock --state --top -j --json" ;;
	--limits)	opts="--top -j --json" ;;
	--prometheus)	opts= ;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$opts $always" -- "$cur")
	# "--prometheus=" wants its file right after the '='
	if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}
complete -F _tcpconn_stat tcpconn-stat
