#!/usr/bin/env bash
# agrec-convert mode 0 on the edge-case scenarios: resolution change, rotation
# 90 (transposed canvas), VP8 input, zero-byte files, a clip without close,
# clips shorter than 1 s, stereo audio.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert

run() {	# run SCEN NAME ARGS...: convert a fresh copy of SCEN into $T/NAME
	D=$T/$2; fixture "$1" "$D"; conv -f "$D" "${@:3}"
	expect_rc "m0 $2: exit status" 0
}

# reschange: 320x180 (0.4-3.0) then 640x360 (3.0-6.0) -> canvas 640x360, 6.0 s
run reschange reschange -m 0
f=$D/1005_${B}_av.mp4
expect_outputs "m0 reschange: output names" "$D" reschange "${f##*/}"
expect_done "m0 reschange: side files" "$D"
expect_media "m0 reschange: canvas = max size 640x360, 6.0 s" "$f" av 6.0 640 360 15
expect_black "m0 reschange: black before the first clip" "$f" 0.15
expect_picture "m0 reschange: first clip fills the canvas (top band, 1.5 s)" "$f" 1.5 640:40:0:10
expect_picture "m0 reschange: second clip at 4.5 s" "$f" 4.5 640:40:0:10

# rot90: 320x180 clip, info rotation=90 -> 180x320 canvas, transposed (the
# clip's white left half must be the top half of the picture, not cropped)
run rot90 rot90 -m 0
f=$D/1006_${B}_av.mp4
expect_outputs "m0 rot90: output names" "$D" rot90 "${f##*/}"
expect_media "m0 rot90: canvas 180x320 (display size), 4.0 s" "$f" av 4.0 180 320 15
expect_picture "m0 rot90: top of the picture is the clip's white left half" "$f" 2.0 180:80:0:20 200
expect_black "m0 rot90: bottom of the picture is the clip's black right half" "$f" 2.0 180:80:0:220
expect_black "m0 rot90: black before the clip" "$f" 0.15

# vp8: .webm input -> H.264 output
run vp8 vp8 -m 0
f=$D/1007_${B}_av.mp4
expect_outputs "m0 vp8: output names" "$D" vp8 "${f##*/}"
expect_media "m0 vp8: h264 + aac, 4.0 s" "$f" av 4.0 320 180 15
expect_picture "m0 vp8: picture at 2.0 s" "$f" 2.0
expect_black "m0 vp8: black before the clip" "$f" 0.15

# zerobyte: 1008 has a zero-byte mp4 -> audio-only .m4a; 1009 has a zero-byte
# aac -> A/V file without an audio stream, rebased to the video start (3.6 s)
run zerobyte zerobyte -m 0
f1=$D/1008_${B}.m4a f2=$D/1009_${B}_av.mp4
expect_outputs "m0 zerobyte: output names" "$D" zerobyte "${f1##*/}" "${f2##*/}"
expect_done "m0 zerobyte: side files" "$D"
expect_media "m0 zerobyte: zero-byte video skipped -> .m4a 4.0 s" "$f1" a 4.0
expect_media "m0 zerobyte: zero-byte audio skipped -> no audio stream, 3.6 s" "$f2" v 3.6 320 180 15
expect_picture "m0 zerobyte: 1009 starts with the picture (rebased)" "$f2" 0.1
for n in 1008_20240301101500520.mp4 1009_${B}.aac; do
	if grep -qF -- "$n" "$ERR"; then t_pass "m0 zerobyte: warning names $n"
	else t_fail "m0 zerobyte: warning names $n" "$(conv_why)"; fi
done

# noclose: video created at 0.4 with 4.0 s of media and no close -> ends at 4.4
run noclose noclose -m 0
f=$D/1010_${B}_av.mp4
expect_outputs "m0 noclose: output names" "$D" noclose "${f##*/}"
expect_media "m0 noclose: clip ends at create + probed duration (4.4 s)" "$f" av 4.4 320 180 15
expect_picture "m0 noclose: picture at 4.2 s" "$f" 4.2
expect_silence "m0 noclose: silence after the audio close (3.2-4.2 s)" "$f" 3.2 1.0
if grep -qF -- 1010_20240301101500520.mp4 "$ERR"; then t_pass "m0 noclose: warning names the clip"
else t_fail "m0 noclose: warning names the clip" "$(conv_why)"; fi

# short: 1011's 0.6 s clip is dropped (black there); 1012 has only a 0.8 s clip -> no output
run short short -m 0
f=$D/1011_${B}_av.mp4
expect_outputs "m0 short: output names (none for 1012)" "$D" short "${f##*/}"
expect_done "m0 short: side files" "$D"
expect_media "m0 short: 4.0 s" "$f" av 4.0 320 180 15
expect_black "m0 short: dropped 0.6 s clip is black (0.7 s)" "$f" 0.7
expect_black "m0 short: black between the clips (1.5 s)" "$f" 1.5
expect_picture "m0 short: second clip at 3.0 s" "$f" 3.0

# stereo: channel count taken from the AAC stream (no info channels= line)
run stereo stereo -m 0
f=$D/1013_${B}_av.mp4
expect_outputs "m0 stereo: output names" "$D" stereo "${f##*/}"
expect_media "m0 stereo: stereo kept, 3.0 s" "$f" av 3.0 320 180 15 2
