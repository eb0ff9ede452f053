#!/usr/bin/env bash
# make install / uninstall with DESTDIR and PREFIX: the installed tree
# runs (--version of every program), its man pages are lint-clean and
# render, the bash completion completes options, and uninstall removes
# what install put there.
. "$(dirname "$0")/../lib/common.sh"
need make mandoc
d=$T/dest
make -s -C "$AGREC_TOP" install B="${AGREC_BUILD#$AGREC_TOP/}" DESTDIR="$d" PREFIX=/opt/agrec >"$T/install.out" 2>&1; rc=$?
[ $rc = 0 ] && t_pass "make install DESTDIR=... PREFIX=/opt/agrec" || { t_fail "make install" "exit $rc: $(tail -n 5 "$T/install.out")"; exit 0; }
progs=$(cd "$AGREC_TOP/cmd" && ls agrec-*.c | sed 's/\.c$//')
for p in $progs; do
	v=$("$d/opt/agrec/bin/$p" --version 2>&1); rc=$?
	[ $rc = 0 ] && [[ $v =~ ^$p\ [0-9]+\.[0-9]+\.[0-9]+$ ]] && t_pass "installed $p --version: $v" || t_fail "installed $p --version" "exit $rc: $v"
	page=$d/opt/agrec/share/man/man1/$p.1
	[ -f "$page" ] && t_pass "$p.1 installed" || t_fail "$p.1 installed" "$(ls "$d/opt/agrec/share/man/man1")"
	[ -f "$d/opt/agrec/share/bash-completion/completions/$p" ] && t_pass "$p completion installed" || t_fail "$p completion" ""
	[ "$(stat -c %a "$d/opt/agrec/bin/$p")" = 755 ] && t_pass "$p mode 755" || t_fail "$p mode" "$(stat -c %a "$d/opt/agrec/bin/$p")"
done
out=$(mandoc -Tlint -Wwarning "$d"/opt/agrec/share/man/man*/* 2>&1)
[ -z "$out" ] && t_pass "installed man pages: mandoc -Tlint clean" || t_fail "installed man pages lint" "$out"
mandoc -Tascii "$d/opt/agrec/share/man/man7/agrec.7" | grep -q 'agrec-record' && t_pass "agrec(7) renders" || t_fail "agrec(7) renders" ""
for f in agrec-record@.service agrec-convert.service agrec-convert.timer agrec-convert.cron agrec-convert.yaml agrec-convert-all; do
	[ -f "$d/opt/agrec/share/doc/agrec/examples/$f" ] && t_pass "example $f installed" || t_fail "example $f" "$(ls "$d/opt/agrec/share/doc/agrec/examples")"
done
# The completion, as bash would run it, offers the program's own options.
comp=$(PATH=$d/opt/agrec/bin:$PATH bash -c '
	. "$1"
	COMP_WORDS=(agrec-record --getV); COMP_CWORD=1
	_agrec agrec-record --getV agrec-record
	printf "%s\n" "${COMPREPLY[@]}"' _ "$d/opt/agrec/share/bash-completion/completions/agrec-record")
[ "$comp" = --getVideoFrame ] && t_pass "bash completion: agrec-record --getV<TAB> -> --getVideoFrame" || t_fail "bash completion" "'$comp'"
comp=$(PATH=$d/opt/agrec/bin:$PATH bash -c '
	. "$1"
	COMP_WORDS=(agrec-convert -m ""); COMP_CWORD=2
	_agrec agrec-convert "" -m
	printf "%s " "${COMPREPLY[@]}"' _ "$d/opt/agrec/share/bash-completion/completions/agrec-convert")
[ "$comp" = "0 1 2 3 " ] && t_pass "bash completion: agrec-convert -m <TAB> -> 0 1 2 3" || t_fail "bash completion of -m" "'$comp'"
make -s -C "$AGREC_TOP" uninstall DESTDIR="$d" PREFIX=/opt/agrec >"$T/un.out" 2>&1; rc=$?
left=$(find "$d" -type f | sed "s#^$d##")
[ $rc = 0 ] && [ -z "$left" ] && t_pass "make uninstall removes every installed file" || t_fail "make uninstall" "exit $rc; left: $left"
