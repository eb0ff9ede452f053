#!/usr/bin/env bash
# agrec-convert command line: -h/-V, --dry-run, --json, several -f, the
# recording2-done.txt check and --force, the folder lock, file modes,
# private temporaries (stale ones removed, user files kept).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert
need flock python3
AV=1001_${B}_av.mp4

# -h / -V
conv -h
if [ "$RC" = 0 ] && grep -q -- '-f' "$OUT" && grep -q -- '--scan' "$OUT"; then t_pass "-h: usage on stdout, exit 0"
else t_fail "-h: usage on stdout, exit 0" "$(conv_why)"; fi
conv -V
if [ "$RC" = 0 ] && [ "$(cat "$OUT")" = "agrec-convert 0.1.0" ]; then t_pass "-V: version"
else t_fail "-V: version" "stdout [$(head -c 100 "$OUT")] $(conv_why)"; fi

# --dry-run: writes nothing, prints shell-quoted ffmpeg argv lines
D="$T/dry run 'q' \"dq\""
fixture av "$D"
before=$(ls -A -- "$D"; sums "$D")
conv -f "$D" --dry-run
expect_rc "--dry-run: exit status" 0
after=$(ls -A -- "$D"; sums "$D")
if [ "$before" = "$after" ]; then t_pass "--dry-run: writes nothing in the folder"
else t_fail "--dry-run: writes nothing in the folder" "$(diff <(echo "$before") <(echo "$after") | tr '\n' ' ')"; fi
if python3 - "$OUT" "$D" "1001_${B}.aac" <<'PY'
import shlex, sys, os
out, d, inp = sys.argv[1:4]
want = os.path.realpath(d) + "/"
# shell comment lines ("# ...") are tolerated; every other line is one argv
lines = [l for l in open(out).read().split("\n") if l.strip() and not l.startswith("#")]
assert lines, "no lines on stdout"
found_in = found_out = False
for l in lines:
    argv = shlex.split(l)
    assert os.path.basename(argv[0]) == "ffmpeg", "not an ffmpeg argv: " + l[:80]
    for a in argv[1:]:
        if a.startswith("file:"): a = a[5:]
        # an input or a private temporary inside the (oddly named) folder
        if os.path.realpath(os.path.join(d, a)).startswith(want): found_in = True
        if a.endswith("_av.mp4") or ".agrec-convert." in a: found_out = True
assert found_in, "no argument names a file inside the folder " + d
assert found_out, "no argument names an output"
PY
then t_pass "--dry-run: every stdout line (but # comments) is a shell-quoted ffmpeg argv, one names a file in the folder"
else t_fail "--dry-run: every stdout line (but # comments) is a shell-quoted ffmpeg argv, one names a file in the folder" "$(head -c 300 "$OUT")"; fi

# --dry-run --json: status planned with the planned outputs
conv -f "$D" --dry-run --json
expect_rc "--dry-run --json: exit status" 0
if jqe "$OUT" '.folders | length == 1 and .[0].folder == $d and .[0].status == "planned"
	and (.[0].outputs | length == 1) and .[0].outputs[0].name == $n and ((.[0].outputs[0].duration - 5.0) | fabs) <= 0.1' --arg d "$D" --arg n "$AV"
then t_pass "--dry-run --json: planned output"; else t_fail "--dry-run --json: planned output" "$(head -c 400 "$OUT")"; fi
after=$(ls -A -- "$D"; sums "$D")
[ "$before" = "$after" ] && t_pass "--dry-run --json: writes nothing" || t_fail "--dry-run --json: writes nothing" "folder changed"

# --json, mode 0
D=$T/json0; fixture av "$D"
conv -f "$D" -m 0 --json
expect_rc "--json m0: exit status" 0
if jqe "$OUT" .; then t_pass "--json m0: valid JSON"; else t_fail "--json m0: valid JSON" "$(head -c 300 "$OUT")"; fi
if jqe "$OUT" '
	(.folders | length == 1) and (.folders[0] | .folder == $d and .status == "converted" and .exit == 0
	and (.message | type == "string") and (.warnings | type == "number")
	and (.outputs | length == 1) and (.outputs[0] | .name == $n and .path == ($d + "/" + $n) and .uid == 1001
		and .txt == $t and (has("session") | not) and ((.duration - 5.0) | fabs) <= 0.1
		and (.video_copied | type == "boolean")
		and ([.streams[] | select(.type == "video")] == [{"type":"video","codec":"h264","width":320,"height":180,"fps":15}])
		and ([.streams[] | select(.type == "audio")] == [{"type":"audio","codec":"aac","sample_rate":48000,"channels":1}])
		and (.streams | length == 2)))' --arg d "$D" --arg n "$AV" --arg t "uid_1001_${B}.txt"
then t_pass "--json m0: fields per the spec"; else t_fail "--json m0: fields per the spec" "$(head -c 600 "$OUT")"; fi
expect_media "--json m0: output valid" "$D/$AV" av 5.0 320 180 15

# --json, mode 1, two sessions
D=$T/json1; fixture sessions "$D"
conv -f "$D" -m 1 --json
expect_rc "--json m1: exit status" 0
if jqe "$OUT" '.folders[0].outputs | length == 2 and .[0].session == 0 and .[1].session == 1
	and .[0].name == "1003_0_merge_av.mp4" and .[1].name == "1003_1_merge_av.mp4" and (.[0] | has("txt") | not)
	and ((.[0].duration - 4.0) | fabs) <= 0.1 and ((.[1].duration - 3.0) | fabs) <= 0.1'
then t_pass "--json m1: sessions in order with durations"; else t_fail "--json m1: sessions in order with durations" "$(head -c 600 "$OUT")"; fi
expect_media "--json m1: session 0 valid" "$D/1003_0_merge_av.mp4" av 4.0 320 180 15
expect_media "--json m1: session 1 valid" "$D/1003_1_merge_av.mp4" av 3.0 320 180 15

# several -f folders, converted in order; status of the first failure
A=$T/multi-a Bd=$T/multi-b U=$T/multi-u
fixture av "$A"; fixture audio "$Bd"; fixture sessions "$U"; rm -f -- "$U/recording2-done.txt"
conv -f "$A" -f "$Bd" --json
expect_rc "two -f folders: exit status" 0
expect_media "two -f folders: first converted" "$A/$AV" av 5.0 320 180 15
expect_media "two -f folders: second converted" "$Bd/1004_${B}.m4a" a 3.0
if jqe "$OUT" '[.folders[].folder] == [$a, $b]' --arg a "$A" --arg b "$Bd"
then t_pass "two -f folders: json lists both in order"; else t_fail "two -f folders: json lists both in order" "$(head -c 300 "$OUT")"; fi
rm -rf -- "$A" "$Bd"; fixture av "$A"; fixture audio "$Bd"
conv -f "$U" -f "$A" -f "$Bd"
expect_rc "unfinished + two good folders: exit status of the first failure (75)" 75
expect_media "unfinished + good: later folder still converted" "$A/$AV" av 5.0 320 180 15
expect_media "unfinished + good: last folder still converted" "$Bd/1004_${B}.m4a" a 3.0
expect_outputs "unfinished + good: nothing written in the unfinished folder" "$U" sessions
[ ! -e "$U/convert-done.txt" ] && t_pass "unfinished: no convert-done.txt" || t_fail "unfinished: no convert-done.txt" "present"

# no recording2-done.txt: 75 "not finished"; --force converts
D=$T/unfinished; fixture av "$D"; rm -f -- "$D/recording2-done.txt"
conv -f "$D"
expect_rc "unfinished: exit status" 75
if grep -q "not finished" "$ERR"; then t_pass "unfinished: message says not finished"; else t_fail "unfinished: message says not finished" "$(conv_why)"; fi
expect_outputs "unfinished: no outputs" "$D" av
conv -f "$D" --force
expect_rc "unfinished --force: exit status" 0
expect_media "unfinished --force: converted" "$D/$AV" av 5.0 320 180 15
expect_done "unfinished --force: side files" "$D"

# the folder lock: held by someone else -> 75, nothing written; then it converts
D=$T/lockroot/20240301/chan_101500_000000001; fixture av "$D"
flock -F "$D/.agrec-convert.lock" sleep 30 &
lockpid=$!
held() { flock -n -E 99 "$D/.agrec-convert.lock" true; [ $? = 99 ]; }
wait_for 20 held || t_fail "locked folder: the lock is held" "flock did not take it"
conv -f "$D"
expect_rc "locked folder: exit status" 75
expect_outputs "locked folder: no outputs" "$D" av
[ ! -e "$D/convert-done.txt" ] && t_pass "locked folder: no convert-done.txt" || t_fail "locked folder: no convert-done.txt" "present"
conv --scan "$T/lockroot"
expect_rc "locked folder under --scan: skipped, not an error" 0
expect_outputs "locked folder under --scan: no outputs" "$D" av
kill "$lockpid" 2>/dev/null; wait "$lockpid" 2>/dev/null
conv -f "$D"
expect_rc "lock released: exit status" 0
expect_media "lock released: converted" "$D/$AV" av 5.0 320 180 15

# two real concurrent runs: each exits 0 or 75, at least one 0, output valid
D=$T/concurrent; fixture multi "$D"
"$CONVERT" -q -f "$D" >/dev/null 2>"$T/c1.err" & p1=$!
"$CONVERT" -q -f "$D" >/dev/null 2>"$T/c2.err" & p2=$!
wait "$p1"; r1=$?; wait "$p2"; r2=$?
if { [ $r1 = 0 ] || [ $r1 = 75 ]; } && { [ $r2 = 0 ] || [ $r2 = 75 ]; } && { [ $r1 = 0 ] || [ $r2 = 0 ]; }
then t_pass "two concurrent runs: exits $r1 and $r2"; else t_fail "two concurrent runs: exits in {0,75}, one 0" "$r1 $r2: $(cat "$T/c1.err" "$T/c2.err" | tail -n 4 | tr '\n' ' ')"; fi
expect_media "two concurrent runs: output valid" "$D/2001_${B}_av.mp4" av 4.0 320 180 15
expect_outputs "two concurrent runs: output names" "$D" multi "2001_${B}_av.mp4" 2002_20240301101501620_av.mp4 2003_20240301101502120.m4a

# file modes, stale private temporaries, user files that look like the
# original converter's temporaries are kept
D=$T/modes; fixture av "$D"
mkdir "$D/.agrec-convert.Stale1"; echo x >"$D/.agrec-convert.Stale1/junk.m4a"
echo keep >"$D/1001_${B}_tmp.m4a"; echo keep >"$D/1001_0_filelist.txt"; echo keep >"$D/uid_1001_0_merge.txt"
conv -f "$D"
expect_rc "modes: exit status" 0
expect_media "modes: output valid" "$D/$AV" av 5.0 320 180 15
m=$(stat -c '%a %n' -- "$D/$AV" "$D/convert.log" "$D/convert-done.txt" 2>&1 | grep -v '^600 ')
[ -z "$m" ] && t_pass "new files are 0600" || t_fail "new files are 0600" "$(echo $m)"
[ ! -e "$D/.agrec-convert.Stale1" ] && t_pass "stale private temporary directory removed" || t_fail "stale private temporary directory removed" "still there"
left=$(cd -- "$D" && ls -d .agrec-convert.* 2>/dev/null | grep -vxF .agrec-convert.lock)
[ -z "$left" ] && t_pass "no temporary directory left behind" || t_fail "no temporary directory left behind" "$left"
k=$(cat -- "$D/1001_${B}_tmp.m4a" "$D/1001_0_filelist.txt" "$D/uid_1001_0_merge.txt" 2>&1 | tr '\n' ' ')
[ "$k" = "keep keep keep " ] && t_pass "user files named like old temporaries are kept" || t_fail "user files named like old temporaries are kept" "$k"

# --json on failures: unfinished (75) and invalid (65)
U=$T/json-unf; fixture av "$U"; rm -f -- "$U/recording2-done.txt"
N=$T/json-inv; fixture av "$N"; rm -f -- "$N"/uid_*.txt
conv --json -f "$U" -f "$N"
expect_rc "--json failures: exit status of the first failure" 75
if jqe "$OUT" '.folders | length == 2
	and .[0].folder == $u and .[0].status == "unfinished" and .[0].exit == 75 and (.[0].outputs // [] | length == 0)
	and .[1].folder == $n and .[1].status == "invalid" and .[1].exit == 65' --arg u "$U" --arg n "$N"
then t_pass "--json failures: unfinished 75, invalid 65"; else t_fail "--json failures: unfinished 75, invalid 65" "$(head -c 500 "$OUT")"; fi
