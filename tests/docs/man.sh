#!/usr/bin/env bash
# The man pages: mandoc -Tlint is clean, and every option of each
# program's --help is documented in its page (and the other way round).
. "$(dirname "$0")/../lib/common.sh"
need mandoc
for page in "$AGREC_TOP"/man/*.[1-8]; do
	name=$(basename "$page")
	out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
	if [ -z "$out" ]; then t_pass "lint $name"; else t_fail "lint $name" "$out"; fi
done
for src in "$AGREC_TOP"/cmd/agrec-*.c; do
	name=$(basename "$src" .c)
	prog=$AGREC_BUILD/$name
	[ -x "$prog" ] || { t_fail "$name is built" "no $prog"; continue; }
	page=$AGREC_TOP/man/$name.1
	if [ ! -f "$page" ]; then t_fail "$name has a man page" "no $page"; continue; fi
	help=$("$prog" --help); rc=$?
	[ $rc -eq 0 ] && t_pass "$name --help exits 0" || t_fail "$name --help exits 0" "status $rc"
	# The full long option names (--isAudioOnly, not --is) of --help vs
	# those the page documents: its list entries, ".It Fl -name ...".
	h=$(grep -oE -- '--[a-zA-Z][a-zA-Z0-9-]*' <<<"$help" | sort -u)
	m=$(grep -E '^\.It ' "$page" | grep -oE 'Fl -[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^Fl -/--/' | sort -u)
	[ "$(wc -l <<<"$h")" -ge 3 ] && [ "$(wc -l <<<"$m")" -ge 3 ] \
		|| t_fail "$name: long options found" "--help: $(echo $h); page: $(echo $m)"
	missing=$(comm -23 <(echo "$h") <(echo "$m") | tr '\n' ' ')
	extra=$(comm -13 <(echo "$h") <(echo "$m") | tr '\n' ' ')
	[ -z "$missing" ] && t_pass "$name: every --help option is in the man page" \
		|| t_fail "$name: every --help option is in the man page" "missing: $missing"
	[ -z "$extra" ] && t_pass "$name: every man page option is in --help" \
		|| t_fail "$name: every man page option is in --help" "only in the page: $extra"
	# The usage lines of --help are the page's SYNOPSIS.
	syn=$(mandoc -Tascii "$page" | sed 's/.\x08//g' | awk '/^SYNOPSIS/{f=1;next} /^[A-Z]/{f=0} f' | tr -s ' \n' ' ')
	for opt in $(sed -n '1,/^$/p' <<<"$help" | grep -oE -- '(^| |\[)-[a-zA-Z]( |\])' | tr -d ' []' | sort -u); do
		grep -q -- "$opt" <<<"$syn" || { t_fail "$name: synopsis has $opt" "not in SYNOPSIS"; continue 2; }
	done
	t_pass "$name: SYNOPSIS matches --help usage"
	v=$("$prog" --version) && grep -qE "^$name [0-9]+\.[0-9]+" <<<"$v" && t_pass "$name --version" \
		|| t_fail "$name --version" "printed '$v'"
done
