#!/usr/bin/env bash
# Folder input: a recording folder (made here from colour sources and the
# txt grammar, in a folder whose name holds spaces, quotes, $() and a
# leading '-'; and mkrec's reschange and audio scenarios): exact snapshot
# counts and times from the txt sessions, colours, sizes, the index; a
# folder without video; a folder that is not a recording.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe jq
D="$T/-r 'q' \$(touch x) d"
mkdir -p "$D"
mp4() { ffmpeg -nostdin -v error -y -f lavfi -i "color=c=$2:s=$3:r=15:d=$4" -c:v libx264 -profile:v baseline \
	-g 30 -pix_fmt yuv420p -threads 1 "file:$D/$1"; }
# uid 1001, red: txt 1 (base 10:15:00.120) clip 0.4-10.4 s; txt 2 of the same
# session (no 0.000 line) clip 20.0-23.0 s.
mp4 1001_20240301101500520.mp4 red 320x180 10
mp4 1001_20240301101520120.mp4 red 320x180 3
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=blue:s=320x240:r=15:d=6" -c:v libvpx -deadline realtime \
	-cpu-used 8 -g 30 -b:v 300k -pix_fmt yuv420p "file:$D/1002_20240301101501620.webm"
printf '0.000 1001_20240301101500520.mp4 create \n0.400 1001_20240301101500520.mp4 info width=320 height=180 rotation=0\n10.400 1001_20240301101500520.mp4 close \n' \
	>"$D/uid_1001_20240301101500120.txt"
printf '20.000 1001_20240301101520120.mp4 create \n20.000 1001_20240301101520120.mp4 info width=320 height=180 rotation=0\n23.000 1001_20240301101520120.mp4 close \n' \
	>"$D/uid_1001_20240301101520120.txt"
# uid 1002, blue VP8: its own session from 10:15:01.620 (channel 1.5 s), 6 s.
printf '0.000 1002_20240301101501620.webm create \n0.000 1002_20240301101501620.webm info width=320 height=240 rotation=0\n6.000 1002_20240301101501620.webm close \n' \
	>"$D/uid_1002_20240301101501620.txt"
: >"$D/recording2-done.txt"

"$CAPTURE" -f "$D" --captureInterval 2 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && t_pass "folder: exit 0" || t_fail "folder: exit 0" "exit $rc: $(cat "$T/err")"
ix=$D/snapshots.jsonl
times() { jq -r "select(.uid == $1) | .t" "$ix" | awk '{printf "%s%g", (NR > 1 ? " " : ""), $1}'; }
[ "$(times 1001)" = "2 4 6 8 10 20 22" ] && t_pass "folder: 1001 at 2..10 and 20 22 (two txt, one session)" || t_fail "folder: 1001 times" "$(times 1001)"
[ "$(times 1002)" = "2 4 6" ] && t_pass "folder: 1002 (1.5-7.43 s) at 2 4 6" || t_fail "folder: 1002 times" "$(times 1002)"
[ "$(ls "$D"/*.jpg | wc -l)" = 10 ] && t_pass "folder: 10 JPEGs in the folder" || t_fail "folder: JPEGs" "$(ls "$D")"
check_snaps "folder: 1001 red 320x180" "$D" 1001 red 320x180
check_snaps "folder: 1002 blue 320x240 (VP8)" "$D" 1002 blue 320x240
[ -f "$D/1001_20240301101520120.jpg" ] && [ -f "$D/1002_20240301101502120.jpg" ] && t_pass "folder: names from the session base (UTC ms)" \
	|| t_fail "folder: names" "$(ls "$D")"
bad=$(jq -r .path "$ix" | while read -r f; do [ -f "$f" ] || echo "$f"; done)
[ -z "$bad" ] && t_pass "folder: index paths are the files" || t_fail "folder: index paths" "$bad"
[ ! -e "$T/x" ] && [ ! -e x ] && t_pass "folder: hostile folder name taken literally" || t_fail "folder: hostile name" "x created"
grep -q $'\r' "$T/err" && t_fail "folder: no progress when stderr is not a terminal" "" || t_pass "folder: no progress when stderr is not a terminal"
# -o elsewhere, --uid, --size.
mkdir -p "$T/o"
"$CAPTURE" -f "$D" -o "$T/o" --uid 1002 --size 64x48 --captureInterval 1 -q; rc=$?
n=$(ls "$T/o"/*.jpg | wc -l)
[ "$rc" = 0 ] && [ "$n" = 6 ] && t_pass "folder: --uid 1002 at 1 s: 6 snapshots in -o" || t_fail "folder: --uid/-o" "exit $rc, $n"
check_snaps "folder: --size 64x48" "$T/o" 1002 blue 64x48

# mkrec reschange: 320x180 0.4-3.0 s, 640x360 from 3.001 s (its info line):
# at t = 3 the last 320x180 frame (2.933 s) is still the one displayed.
fixture reschange "$T/rc"
"$CAPTURE" -f "$T/rc" --captureInterval 1 -q; rc=$?
sz=$(jq -r '"\(.t | floor):\(.width)x\(.height)"' "$T/rc/snapshots.jsonl" | tr '\n' ' ')
[ "$rc" = 0 ] && [ "$sz" = "1:320x180 2:320x180 3:320x180 4:640x360 5:640x360 " ] \
	&& t_pass "reschange: the size follows the clips" || t_fail "reschange" "exit $rc: $sz"
ok=1; for f in "$T/rc"/*.jpg; do [ "$(probe_stream_field "$f" v codec_name)" = mjpeg ] || ok=0; done
[ $ok = 1 ] && t_pass "reschange: every JPEG decodes" || t_fail "reschange: JPEGs" ""

# No video: status 0, a message, no JPEG.
fixture audio "$T/au"
"$CAPTURE" -f "$T/au" 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && grep -q 'no video' "$T/err" && [ -z "$(ls "$T/au"/*.jpg 2>/dev/null)" ] \
	&& t_pass "audio-only folder: 0, 'no video', no JPEG" || t_fail "audio-only folder" "exit $rc: $(cat "$T/err")"
mkdir -p "$T/empty"
"$CAPTURE" -f "$T/empty" 2>"$T/err"; rc=$?
[ "$rc" = 65 ] && grep -q 'no uid_.*txt' "$T/err" && t_pass "not a recording folder: 65" || t_fail "not a recording" "exit $rc: $(cat "$T/err")"
"$CAPTURE" -f "$T/nonexistent" 2>"$T/err"; rc=$?
[ "$rc" = 74 ] && t_pass "missing folder: 74" || t_fail "missing folder" "exit $rc: $(cat "$T/err")"
# A clip file that is missing: the others are done, status 1.
rm "$D/1002_20240301101501620.webm" "$D"/*.jpg "$ix"
"$CAPTURE" -f "$D" --captureInterval 2 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q 'missing' "$T/err" && [ "$(ls "$D"/*.jpg | wc -l)" = 7 ] \
	&& t_pass "missing clip: warned, the rest done, status 1" || t_fail "missing clip" "exit $rc: $(cat "$T/err")"
