#!/usr/bin/env bash
# agrec-convert mode 0 (one output per txt) on the basic scenarios: output
# names, streams, canvas, fps, durations, black/silent gaps, side files;
# -s is ignored in mode 0 (same bytes).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert

run() {	# run SCEN NAME ARGS...: convert a fresh copy of SCEN into $T/NAME
	D=$T/$2; fixture "$1" "$D"; conv -f "$D" "${@:3}"
	expect_rc "m0 $2: exit status" 0
}

# av: audio 0-5, video 0.352-4.352 -> one A/V file of 5.0 s
run av av -m 0
f=$D/1001_${B}_av.mp4
expect_outputs "m0 av: output names" "$D" av "1001_${B}_av.mp4"
expect_done "m0 av: convert-done.txt and convert.log" "$D"
expect_media "m0 av: streams, canvas, fps, duration" "$f" av 5.0 320 180 15
expect_black "m0 av: black before the video clip (0.15 s)" "$f" 0.15
expect_picture "m0 av: picture inside the clip (2.0 s)" "$f" 2.0
expect_black "m0 av: black after the video clip ends (4.75 s)" "$f" 4.75
expect_tone "m0 av: tone from 0.1 to 4.9 s" "$f" 0.1 4.8
d=$(av_start_diff "$f")
if flt "$d" 0.0501; then t_pass "m0 av: A/V start offset <= 0.05"; else t_fail "m0 av: A/V start offset <= 0.05" "$d"; fi
if [ -s "$D/convert.log" ]; then t_pass "m0 av: convert.log not empty"; else t_fail "m0 av: convert.log not empty" "empty"; fi

# -s is ignored in mode 0 (with a note): byte-identical to the run without it
run av av-s -m 0 -s
if cmp -s "$D/1001_${B}_av.mp4" "$f"; then t_pass "m0 -s: ignored (same bytes as without -s)"
else t_fail "m0 -s: ignored (same bytes as without -s)" "outputs differ; $(conv_why)"; fi
expect_media "m0 -s: output valid" "$D/1001_${B}_av.mp4" av 5.0 320 180 15
if [ -s "$ERR" ]; then t_pass "m0 -s: a note on stderr"; else t_fail "m0 -s: a note on stderr" "stderr empty"; fi

# rejoin: two txt files in one session -> two files, the second rebased to 0
run rejoin rejoin -m 0
f1=$D/1002_${B}_av.mp4 f2=$D/1002_20240301101520120_av.mp4
expect_outputs "m0 rejoin: output names" "$D" rejoin "${f1##*/}" "${f2##*/}"
expect_done "m0 rejoin: side files" "$D"
expect_media "m0 rejoin: first txt 4.0 s" "$f1" av 4.0 320 180 15
expect_media "m0 rejoin: second txt rebased, 3.0 s" "$f2" av 3.0 320 180 15
expect_black "m0 rejoin: second txt black before its clip (0.2 s)" "$f2" 0.2
expect_picture "m0 rejoin: second txt picture at 1.5 s" "$f2" 1.5
expect_tone "m0 rejoin: second txt audio from 0.1 s" "$f2" 0.1 2.8

# sessions: two manual sessions -> two files
run sessions sessions -m 0
f1=$D/1003_${B}_av.mp4 f2=$D/1003_20240301102000120_av.mp4
expect_outputs "m0 sessions: output names" "$D" sessions "${f1##*/}" "${f2##*/}"
expect_media "m0 sessions: first 4.0 s" "$f1" av 4.0 320 180 15
expect_media "m0 sessions: second 3.0 s" "$f2" av 3.0 320 180 15
expect_black "m0 sessions: second black before 0.2 s" "$f2" 0.1
expect_picture "m0 sessions: second picture at 2.0 s" "$f2" 2.0

# audio only -> .m4a without video
run audio audio -m 0
f=$D/1004_${B}.m4a
expect_outputs "m0 audio: output names" "$D" audio "${f##*/}"
expect_done "m0 audio: side files" "$D"
expect_media "m0 audio: aac only, 3.0 s" "$f" a 3.0
expect_tone "m0 audio: tone" "$f" 0.2 2.6

# multi: three users
run multi multi -m 0
f1=$D/2001_${B}_av.mp4 f2=$D/2002_20240301101501620_av.mp4 f3=$D/2003_20240301101502120.m4a
expect_outputs "m0 multi: output names" "$D" multi "${f1##*/}" "${f2##*/}" "${f3##*/}"
expect_done "m0 multi: side files" "$D"
expect_media "m0 multi: 2001 4.0 s" "$f1" av 4.0 320 180 15
expect_media "m0 multi: 2002 3.0 s" "$f2" av 3.0 320 180 15
expect_media "m0 multi: 2003 audio only 2.0 s" "$f3" a 2.0
expect_black "m0 multi: 2002 black before its clip (0.1 s)" "$f2" 0.1
expect_picture "m0 multi: 2002 picture at 1.0 s" "$f2" 1.0
