#!/usr/bin/env bash
# agrec-convert options: -p, -r (both forms), letterbox vs --stretch, -q.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert

run() {	# run SCEN NAME ARGS...: convert a fresh copy of SCEN into $T/NAME
	D=$T/$2; fixture "$1" "$D"; conv -f "$D" "${@:3}"
	expect_rc "$2: exit status" 0
}
AV=1001_${B}_av.mp4

# -p 30
run av p30 -p 30
expect_outputs "-p 30: output names" "$D" av "$AV"
expect_media "-p 30: 30 fps, 5.0 s" "$D/$AV" av 5.0 320 180 30
expect_picture "-p 30: picture at 2.0 s" "$D/$AV" 2.0

# -r 640 360 and -r 640x360: the same canvas and the same bytes
run av r1 -r 640 360
r1=$D/$AV
expect_media "-r 640 360: canvas 640x360" "$r1" av 5.0 640 360 15
expect_picture "-r 640 360: clip scaled to fill the canvas (top band)" "$r1" 2.0 640:40:0:10
run av r2 -r 640x360
expect_media "-r 640x360: canvas 640x360" "$D/$AV" av 5.0 640 360 15
if cmp -s "$r1" "$D/$AV"; then t_pass "-r 640 360 and -r 640x360 give the same bytes"
else t_fail "-r 640 360 and -r 640x360 give the same bytes" "outputs differ"; fi

# letterbox (default) vs --stretch on a square canvas
run av lbox -r 640 640
expect_media "-r 640 640: canvas" "$D/$AV" av 5.0 640 640 15
expect_black "-r 640 640: letterboxed (black band at the top)" "$D/$AV" 2.0 640:100:0:20
expect_picture "-r 640 640: picture in the middle" "$D/$AV" 2.0 640:100:0:270
run av stretch -r 640 640 --stretch
expect_media "--stretch: canvas" "$D/$AV" av 5.0 640 640 15
expect_picture "--stretch: no black band at the top" "$D/$AV" 2.0 640:100:0:20

# rotation + letterbox: the 180x320 display picture pillarboxed into 320x180
run rot90 rot-lbox -r 320 180
f=$D/1006_${B}_av.mp4
expect_media "rot90 -r 320 180: canvas" "$f" av 4.0 320 180 15
expect_black "rot90 -r 320 180: black band on the left" "$f" 2.0 80:180:10:0
expect_black "rot90 -r 320 180: black band on the right" "$f" 2.0 80:180:230:0
expect_picture "rot90 -r 320 180: upper middle is the white (left) half, rotated" "$f" 2.0 30:60:145:15 200
expect_black "rot90 -r 320 180: lower middle is the black (right) half" "$f" 2.0 30:60:145:110

# -r in mode 1 with a gap
run rejoin r-m1 -m 1 -r 640 360
expect_media "-r 640 360 -m 1: canvas and duration" "$D/1002_0_merge_av.mp4" av 23.0 640 360 15
expect_black "-r 640 360 -m 1: black gap" "$D/1002_0_merge_av.mp4" 12.0

# -q: nothing on stderr for a clean folder
run av quiet -q
expect_media "-q: output valid" "$D/$AV" av 5.0 320 180 15
if [ ! -s "$ERR" ]; then t_pass "-q: nothing on stderr"; else t_fail "-q: nothing on stderr" "$(head -n 3 "$ERR" | tr '\n' ' ')"; fi
if [ ! -s "$OUT" ]; then t_pass "-q: nothing on stdout"; else t_fail "-q: nothing on stdout" "$(head -n 3 "$OUT" | tr '\n' ' ')"; fi
