#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host checks of what the cmocka tests cannot see (make -C userspace
# host-extra-check; run from userspace/, after tcpconn-stat and
# tests/extra/canned-tool are built):
#   - promtool check metrics on --prometheus output of canned samples;
#   - the man page renders without warnings, documents every option of
#     main.c's option table and every metric --prometheus writes;
#   - the bash completion offers every option, per view exactly those the
#     client accepts (asked of the binary itself: exit 2 or not), and
#     completes option arguments;
#   - Documentation/json.rst against the -j output (json_doc.py).
# One "ok - ..."/"not ok - ..." line per check, "#" lines for details, and
# last "N passed, N failed"; exit status 1 on any failure.
set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1	# userspace/
STAT=./tcpconn-stat
TOOL=tests/extra/canned-tool
MAN=../Documentation/man/tcpconn-stat.8
COMPLETION=completion/tcpconn-stat.bash
JSONDOC=../Documentation/json.rst
tmp=$(mktemp -d /tmp/tcpconn-extra.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# result OK|"" NAME [DETAILS]: one line; details (if any) as "#" lines
result() {
	if [ -n "$1" ]; then
		echo "ok - $2"
		pass=$((pass + 1))
	else
		echo "not ok - $2"
		fail=$((fail + 1))
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed '/^$/d' | head -n 20 | sed 's/^/#   /'
	fi
	return 0
}

# same SET_A SET_B: empty if the two word lists are equal as sets, else the difference
same() {
	diff <(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -u) \
	     <(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort -u) | grep '^[<>]'
}

# ---- the option table of main.c ----------------------------------------

long_opts=$(awk '/^static const struct option long_opts\[\] = \{/,/^\};/' main.c |
	sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)",.*/\1/p' | tr '\n' ' ')
shortstr=$(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' main.c)
short_opts=$(tr -d ':' <<<"$shortstr" | sed 's/./& /g')
# --name -> -x for the options that have a short form
declare -A short_of
while read -r name ch; do
	short_of[$name]=$ch
done < <(awk '/^static const struct option long_opts\[\] = \{/,/^\};/' main.c |
	sed -n "s/^[[:space:]]*{ \"\([a-z0-9-]*\)\",.*NULL, '\(.\)' },.*/\1 \2/p")
views="listeners summary sockets timewait orphans remotes ports limits prometheus"
nlong=$(wc -w <<<"$long_opts")
result "$([ "$nlong" -ge 20 ] && [ -n "$short_opts" ] && echo y)" \
	"option table read from main.c ($nlong long options, short: $shortstr)"

# ---- --prometheus and promtool -----------------------------------------

if ! command -v promtool >/dev/null; then
	result "" "promtool installed (Debian package prometheus; scripts/deps.sh)"
else
	for v in busy sparse; do
		if $TOOL prometheus $v >"$tmp/$v.prom" 2>"$tmp/$v.err" &&
		   out=$(promtool check metrics <"$tmp/$v.prom" 2>&1); then
			result y "promtool check metrics: --prometheus of a $v canned sample ($(grep -vc '^#' "$tmp/$v.prom") samples)"
		else
			result "" "promtool check metrics: --prometheus of a $v canned sample" \
				"$(cat "$tmp/$v.err")${out:-}"
		fi
	done
fi
# the binary's own wiring: usage errors, and a module or its absence
"$STAT" --prometheus -j >/dev/null 2>&1
rc1=$?
"$STAT" --prometheus x.prom >/dev/null 2>"$tmp/err"
rc2=$?
result "$([ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && grep -q 'prometheus=FILE' "$tmp/err" && echo y)" \
	"tcpconn-stat --prometheus -j / --prometheus FILE: exit 2 with a hint (got $rc1, $rc2)"
"$STAT" --prometheus="$tmp/out.prom" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 3 ]; then
	result "$([ ! -e "$tmp/out.prom" ] && echo y)" \
		"tcpconn-stat --prometheus=FILE without the module: exit 3, no file"
elif [ $rc -eq 0 ] && command -v promtool >/dev/null; then
	result "$(promtool check metrics <"$tmp/out.prom" >/dev/null 2>&1 && echo y)" \
		"tcpconn-stat --prometheus=FILE with the module loaded: promtool accepts it"
else
	result "" "tcpconn-stat --prometheus=FILE: exit 0 or 3 (got $rc)" "$(cat "$tmp/err")"
fi

# ---- the man page ------------------------------------------------------

warn=$(MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)
result "$([ -z "$warn" ] && echo y)" "man page renders: MANWIDTH=80 man --warnings -l, no warnings" "$warn"
warn=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
result "$([ -z "$warn" ] && echo y)" "man page renders: groff -man -Tutf8 -ww, no warnings" "$warn"

missing=
for o in $long_opts; do
	grep -q -- "\\\\-\\\\-$o\\b" "$MAN" || missing="$missing --$o"
done
for o in $short_opts; do
	grep -q -- "\\\\-$o\\b" "$MAN" || missing="$missing -$o"
done
result "$([ -z "$missing" ] && echo y)" "man page documents every option of main.c" "missing:$missing"
# and defines no option the client does not have (the .TP item lines)
defined=$(awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' "$MAN" |
	grep -o '\\-\\-[a-z0-9-]*' | sed 's/\\//g; s/^--//' | sort -u | tr '\n' ' ')
extra=
for o in $defined; do
	[[ " $long_opts " == *" $o "* ]] || extra="$extra --$o"
done
result "$([ -z "$extra" ] && echo y)" "man page items name only options main.c has" "unknown:$extra"
man_metrics=$(grep -o 'tcpconn_[a-z0-9_]*' "$MAN" | sort -u | tr '\n' ' ')
prom_metrics=$(sed -n 's/^# TYPE \([^ ]*\) .*/\1/p' "$tmp/busy.prom" 2>/dev/null | tr '\n' ' ')
d=$(same "$man_metrics" "$prom_metrics")
result "$([ -n "$prom_metrics" ] && [ -z "$d" ] && echo y)" \
	"man page METRICS = the metric families --prometheus writes ($(wc -w <<<"$prom_metrics"))" \
	"< man page only, > output only:
$d"

# ---- bash completion ---------------------------------------------------

# complete WORD...: COMPREPLY for the command line "tcpconn-stat WORD...",
# the last word being completed. COMP_WORDS is split as readline does with
# the default COMP_WORDBREAKS ("--opt=x" -> "--opt" "=" "x") unless
# SPLIT=0 is in the environment.
complete_words() {
	bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=(tcpconn-stat "$@")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		_tcpconn_stat 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort' _ "$COMPLETION" "$@" | tr '\n' ' ' | sed 's/ $//'
}

if ! bash -n "$COMPLETION" 2>"$tmp/err"; then
	result "" "completion: bash -n $COMPLETION" "$(cat "$tmp/err")"
else
	all=$(complete_words -)
	want=""
	for o in $long_opts; do want="$want --$o"; done
	for o in $short_opts; do want="$want -$o"; done
	d=$(same "${all//--prometheus=/}" "$want")
	result "$([ -z "$d" ] && echo y)" "completion offers every option of main.c, and no other ('-' without a view)" \
		"< offered only, > main.c only:
$d"

	# per view: the options it offers are exactly those the binary accepts
	declare -A arg=([port]=80 [state]=established [src]=127.0.0.1
		[dst]=127.0.0.1 [sport]=1 [dport]=1 [uid]=0 [top]=1
		[interval]="0.1 -c 1" [count]="1 -i 0.1")
	bad=
	for v in $views; do
		offered=" $(complete_words "--$v" -) "
		for o in $long_opts; do
			case " $views help version " in *" $o "*) continue ;; esac
			# shellcheck disable=SC2086
			timeout 20 "$STAT" "--$v" "--$o" ${arg[$o]:-} >/dev/null 2>&1
			rc=$?
			accepted=$([ $rc -ne 2 ] && echo y)
			has=$([[ $offered == *" --$o "* ]] && echo y)
			[ "$accepted" = "$has" ] ||
				bad="$bad
--$v --$o: binary $([ -n "$accepted" ] && echo accepts || echo refuses) (exit $rc), completion $([ -n "$has" ] && echo offers || echo "does not offer")"
			s=${short_of[$o]:-}
			if [ -n "$s" ]; then
				hs=$([[ $offered == *" -$s "* ]] && echo y)
				[ "$hs" = "$has" ] || bad="$bad
--$v: -$s and --$o not offered alike"
			fi
		done
		for o in $offered; do
			case $o in --*=|--help|--version|-h|-V|-n|--numeric) continue ;; esac
			[[ " $long_opts " == *" ${o#--} "* ]] || [[ " $short_opts " == *" ${o#-} "* ]] ||
				bad="$bad
--$v: offers unknown $o"
		done
		[[ $offered == *" --$v "* ]] && bad="$bad
--$v: offers a view again"
	done
	result "$([ -z "$bad" ] && echo y)" \
		"completion offers per view exactly the options tcpconn-stat accepts with it (asked of the binary)" "$bad"

	check_completion() {	# EXPECTED WORD...
		local want=$1 got
		shift
		got=$(complete_words "$@")
		result "$([ "$got" = "$want" ] && echo y)" "completion: tcpconn-stat $* -> ${want:-nothing}" "got: $got"
	}
	check_completion "--limits --listeners" --li
	check_completion "--sockets --sport --src --state --summary" --s
	check_completion "--sport --src --state" --orphans --s
	check_completion "estab established" --sockets --state est
	check_completion "established,time-wait" --sockets --state established,ti
	check_completion "" --listeners --port ""
	check_completion "--prometheus --prometheus=" --prom
	mkdir -p "$tmp/tf/sub" && touch "$tmp/tf/tcpconn.prom"
	check_completion "$tmp/tf/sub $tmp/tf/tcpconn.prom" --prometheus = "$tmp/tf/"
	check_completion "--prometheus=$tmp/tf/tcpconn.prom" "--prometheus=$tmp/tf/t"
	# "--prometheus FILE" is a usage error: no file after a space
	check_completion "--help --numeric --version -V -h -n" --prometheus -
fi

# ---- Documentation/json.rst --------------------------------------------

python3 tests/extra/json_doc.py "$JSONDOC" "$TOOL" >"$tmp/json.txt" 2>&1
cat "$tmp/json.txt"
pass=$((pass + $(grep -c '^ok - ' "$tmp/json.txt")))
fail=$((fail + $(grep -c '^not ok - ' "$tmp/json.txt")))
grep -q '^ok - .*--limits' "$tmp/json.txt" ||
	result "" "json_doc.py ran to the end"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
