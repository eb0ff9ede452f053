#!/usr/bin/env bash
# agrec-convert on hostile input: shell metacharacters in txt lines and
# folder names, garbage lines, missing files, no txt, usage errors, the -p
# clamp, a read-only folder, a missing or failing ffmpeg.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert
AV=1001_${B}_av.mp4
W=$T/cwd; mkdir -p "$W"	# the converter runs here, so a relative "touch PWNED" would land here

pwned() {	# pwned NAME...: PASS if no file called NAME* exists in the usual places
	local hits
	hits=$(find "$T" "$W" "$AGREC_TOP" /tmp -maxdepth 6 -name 'PWNED*' 2>/dev/null; find / "${HOME:-/root}" -maxdepth 1 -name 'PWNED*' 2>/dev/null)
	[ -z "$hits" ] && t_pass "$1" || t_fail "$1" "$hits"
}

# --- shell metacharacters and garbage in a txt -----------------------------------
D=$T/hostile; fixture hostile "$D"
RC=$(cd "$W" && { "$CONVERT" -f "$D" >"$OUT" 2>"$ERR"; echo $?; })
expect_rc "hostile txt: exit status (bad lines are warnings)" 0
pwned "hostile txt: no command from a file field was run (no PWNED*)"
expect_outputs "hostile txt: output names" "$D" hostile "1020_${B}_av.mp4"
f=$D/1020_${B}_av.mp4
expect_media "hostile txt: the good lines convert (4.0 s)" "$f" av 4.0 320 180 15
expect_black "hostile txt: black before the clip" "$f" 0.15
expect_picture "hostile txt: picture at 2.0 s" "$f" 2.0
txt=uid_1020_${B}.txt
for pat in 'a;touch PWNED;.mp4' '$(touch${IFS}PWNED3).aac' '`touch${IFS}PWNED4`.mp4' garbage '1.5 x' 'x.yz ' '../1020_'; do
	n=$(grep -n -F -- "$pat" "$D/$txt" | head -n 1 | cut -d: -f1)
	if grep -qF -- "$txt: line $n:" "$ERR"; then t_pass "hostile txt: warning names line $n ($pat)"
	else t_fail "hostile txt: warning names line $n ($pat)" "no \"$txt: line $n:\" on stderr; $(conv_why)"; fi
done
if grep -qF -- 1020_20240301101502120.mp4 "$ERR"; then t_pass "hostile txt: warning names the missing file"
else t_fail "hostile txt: warning names the missing file" "$(conv_why)"; fi
w=$(grep -c "^agrec-convert: .*$txt" "$ERR")
[ "$w" -ge 8 ] && t_pass "hostile txt: at least 8 warnings ($w)" || t_fail "hostile txt: at least 8 warnings" "$w; $(conv_why)"

# --- hostile folder names -----------------------------------------------------------
# a leading "-" as -f ./-x and as -f -x (separate runs), the others in one run
D=$W/-x; fixture av "$D"
RC=$(cd "$W" && { "$CONVERT" -f ./-x >"$OUT" 2>"$ERR"; echo $?; })
expect_rc "folder name -x as -f ./-x: exit status" 0
expect_outputs "folder name -x as -f ./-x: output names" "$D" av "$AV"
expect_media "folder name -x as -f ./-x: output" "$D/$AV" av 5.0 320 180 15
rm -f -- "$D/$AV"
RC=$(cd "$W" && { "$CONVERT" -f -x >"$OUT" 2>"$ERR"; echo $?; })
expect_rc "folder name -x as -f -x: exit status" 0
expect_media "folder name -x as -f -x: output" "$D/$AV" av 5.0 320 180 15
names=("sp ace" "q'uote" 'dq"uote' '$(touch PWNED2)' '`touch PWNED5`' 'semi;touch PWNED6' $'new\nline' ' lead space')
args=()
for name in "${names[@]}"; do fixture av "$W/$name"; args+=(-f "$W/$name"); done
RC=$(cd "$W" && { "$CONVERT" "${args[@]}" >"$OUT" 2>"$ERR"; echo $?; })
expect_rc "hostile folder names (${#names[@]} folders in one run): exit status" 0
i=0
for name in "${names[@]}"; do
	i=$((i + 1)); D=$W/$name; shown=${name//$'\n'/\\n}
	expect_outputs "folder name $i [$shown]: output names" "$D" av "$AV"
	expect_media "folder name $i [$shown]: output" "$D/$AV" av 5.0 320 180 15
done
pwned "hostile folder names: nothing was run (no PWNED*)"

# --- missing referenced file: warning, the rest converts -----------------------------
D=$T/missing; fixture av "$D"; rm -f -- "$D/1001_20240301101500472.mp4"
conv -f "$D"
expect_rc "missing video file: exit status" 0
grep -qF 1001_20240301101500472.mp4 "$ERR" && t_pass "missing video file: warning names it" || t_fail "missing video file: warning names it" "$(conv_why)"
mkdir -p "$T/.fixtures/av-missing"; cp -a "$(fixture_src av)/." "$T/.fixtures/av-missing/"; rm -f "$T/.fixtures/av-missing/1001_20240301101500472.mp4"
expect_outputs "missing video file: audio-only .m4a" "$D" av-missing "1001_${B}.m4a"
expect_media "missing video file: .m4a 5.0 s" "$D/1001_${B}.m4a" a 5.0

# --- no uid_*.txt -> 65 ---------------------------------------------------------------
D=$T/notxt; fixture av "$D"; rm -f -- "$D"/uid_*.txt
conv -f "$D"
expect_rc "no uid_*.txt: exit 65" 65
x=$(ls -A "$D" | grep -v -e '^1001_.*\.\(aac\|mp4\)$' -e '^metadata.txt$' -e '^recording2-done.txt$' -e '^convert.log$' -e '^.agrec-convert.lock$')
[ -z "$x" ] && t_pass "no uid_*.txt: no output, no convert-done.txt" || t_fail "no uid_*.txt: no output, no convert-done.txt" "$x"
D=$T/empty; mkdir "$D"; : >"$D/recording2-done.txt"
conv -f "$D"
expect_rc "empty folder: exit 65" 65

# --- usage errors -> 64, message on stderr, nothing on stdout, nothing written -------
D=$T/usage; fixture av "$D"
for args in "-m 4" "-m -1" "-m x" "-p 0" "-p -5" "-p abc" "-r -1 5" "-r 0 360" "-r 640 0" "-r 7682 360" "-r 640" "-r 640x" "-j 0" "-j 65" "--bogus" "-z"; do
	conv -f "$D" $args
	if [ "$RC" = 64 ] && [ -s "$ERR" ] && [ ! -s "$OUT" ]; then t_pass "usage error $args: 64, stderr only"
	else t_fail "usage error $args: 64, stderr only" "stdout [$(head -c 80 "$OUT")] $(conv_why)"; fi
done
conv
if [ "$RC" = 64 ] && [ -s "$ERR" ] && [ ! -s "$OUT" ]; then t_pass "usage error (no -f): 64, stderr only"
else t_fail "usage error (no -f): 64, stderr only" "stdout [$(head -c 80 "$OUT")] $(conv_why)"; fi
conv -m 1
[ "$RC" = 64 ] && t_pass "usage error (-m 1, no -f): 64" || t_fail "usage error (-m 1, no -f): 64" "$(conv_why)"
expect_outputs "usage errors: nothing written" "$D" av

# --- -p clamps -------------------------------------------------------------------------
D=$T/p3; fixture av "$D"
conv -f "$D" -p 3
expect_rc "-p 3: exit status" 0
[ -s "$ERR" ] && grep -q 5 "$ERR" && t_pass "-p 3: message about 5 on stderr" || t_fail "-p 3: message about 5 on stderr" "$(conv_why)"
expect_media "-p 3: clamped to 5 fps" "$D/$AV" av 5.0 320 180 5
D=$T/p200; fixture av "$D"
conv -f "$D" -p 200
expect_rc "-p 200: exit status" 0
grep -q 120 "$ERR" && t_pass "-p 200: message about 120 on stderr" || t_fail "-p 200: message about 120 on stderr" "$(conv_why)"
expect_media "-p 200: clamped to 120 fps" "$D/$AV" av 5.0 320 180 120

# --- read-only folder -> 74, nothing written, nothing deleted ------------------------------
D=$T/ro; fixture av "$D"; chmod -R a+rX "$T/ro"; chmod 0555 "$D"
before=$(ls -A "$D"; sums "$D")
runas=()
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$CONVERT" 2>/dev/null; then
		runas=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	else
		t_skip "read-only folder" "running as root and cannot run $CONVERT as nobody (no setpriv, or the binary is not reachable for nobody)"
		runas=(skip)
	fi
fi
if [ "${runas[0]:-}" != skip ]; then
	"${runas[@]}" "$CONVERT" -f "$D" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
	expect_rc "read-only folder: exit 74" 74
	after=$(ls -A "$D"; sums "$D")
	[ "$before" = "$after" ] && t_pass "read-only folder: no partial output, inputs intact" || t_fail "read-only folder: no partial output, inputs intact" "$(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"
fi
chmod 0755 "$D"

# --- ffmpeg missing -> 69 -------------------------------------------------------------------
D=$T/noff; fixture av "$D"
AGREC_FFMPEG=/nonexistent conv -f "$D"
expect_rc "AGREC_FFMPEG=/nonexistent: exit 69" 69
expect_outputs "AGREC_FFMPEG=/nonexistent: no outputs" "$D" av
[ -e "$D/convert-done.txt" ] && t_fail "AGREC_FFMPEG=/nonexistent: no convert-done.txt" present || t_pass "AGREC_FFMPEG=/nonexistent: no convert-done.txt"
AGREC_FFPROBE=/nonexistent conv -f "$D"
expect_rc "AGREC_FFPROBE=/nonexistent: exit 69" 69
expect_outputs "AGREC_FFPROBE=/nonexistent: no outputs" "$D" av

# --- ffmpeg fails -> 1, nothing under a final name, no convert-done.txt, inputs intact ------
real=$(command -v ffmpeg)
printf '#!/bin/sh\n# fails every real job (anything with -i); version queries pass\nfor a; do [ "$a" = -i ] && exit 1; done\nexec %s "$@"\n' "$real" >"$T/ff-fail"
printf '#!/bin/sh\n# does the work, then reports failure\n%s "$@"\nexit 1\n' "$real" >"$T/ff-lie"
chmod 755 "$T/ff-fail" "$T/ff-lie"
for fake in ff-fail ff-lie; do
	for scen in av multi; do
		D=$T/$fake-$scen; fixture $scen "$D"
		before=$(sums "$D")
		AGREC_FFMPEG=$T/$fake conv -f "$D" -m 1
		expect_rc "$fake $scen: exit 1" 1
		expect_outputs "$fake $scen: nothing under a final name, no temporaries" "$D" $scen
		[ -e "$D/convert-done.txt" ] && t_fail "$fake $scen: no convert-done.txt" present || t_pass "$fake $scen: no convert-done.txt"
		[ "$before" = "$(sums "$D")" ] && t_pass "$fake $scen: inputs intact" || t_fail "$fake $scen: inputs intact" "checksums changed"
		[ -s "$D/convert.log" ] && t_pass "$fake $scen: convert.log written" || t_fail "$fake $scen: convert.log written" "missing or empty"
	done
done

# --- CRLF line ends are accepted (a trailing CR is stripped) ----------------------------
D=$T/crlf; fixture av "$D"
t=$D/uid_1001_${B}.txt; sed 's/$/\r/' "$t" >"$t.new"; mv -- "$t.new" "$t"
conv -f "$D"
expect_rc "CRLF txt: exit status" 0
expect_media "CRLF txt: same timeline (5.0 s, video 0.352-4.352)" "$D/$AV" av 5.0 320 180 15
expect_picture "CRLF txt: picture at 2.0 s" "$D/$AV" 2.0
if grep -q 'line [0-9]' "$ERR"; then t_fail "CRLF txt: no line warnings" "$(conv_why)"; else t_pass "CRLF txt: no line warnings"; fi
