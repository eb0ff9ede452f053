#!/usr/bin/env bash
# The one folder reader (libcommon/folder.c; agrec-folder(5) "HOW AGREC
# READS A FOLDER") seen from each program that reads a folder: one
# generated folder holds a case of each rule, and agrec-convert, agrec-mix
# and agrec-capture are run on copies of it, their outputs probed.
#   101 red:    its only txt has no 0.000 line (clip 0.5-4.5 s)
#   102 green:  a .ts video clip (0-4 s)
#   103 blue:   its txt lists 104_B.mp4, a file named for another uid (0-4 s)
#   105 yellow: a clip without a close line, 3 s of media
#   0:          an audio-only uid 0 (an SDK composite's user id), 0-4 s
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need ffmpeg ffprobe jq
MIX=$AGREC_BUILD/agrec-mix CAPTURE=$AGREC_BUILD/agrec-capture
for p in "$CONVERT" "$MIX" "$CAPTURE"; do [ -x "$p" ] || { t_fail "built: $p" "missing"; exit 1; }; done
B=20240301101500120
S=$T/src
mkdir -p "$S"
ff=(ffmpeg -nostdin -v error -y)
v() {	# v FILE COLOUR SECONDS [FORMAT]
	"${ff[@]}" -f lavfi -i "color=c=$2:s=320x180:r=15:d=$3" -c:v libx264 -profile:v baseline \
		-preset ultrafast -g 15 -pix_fmt yuv420p -threads 1 ${4:+-f "$4"} "file:$S/$1"
}
v 101_$B.mp4 red 4 & v 102_$B.ts green 4 mpegts &
wait
v 104_$B.mp4 blue 4 & v 105_$B.mp4 yellow 3 &
"${ff[@]}" -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=4" -c:a aac -b:a 48k -ac 1 -f adts \
	"file:$S/0_$B.aac" &
wait
txt() { printf "$2" "$3" "$3" "$3" >"$S/uid_$1_$B.txt"; }
I='info width=320 height=180 rotation=0'
txt 101 "0.500 %s create \n0.500 %s $I\n4.500 %s close \n" 101_$B.mp4
txt 102 "0.000 %s create \n0.000 %s $I\n4.000 %s close \n" 102_$B.ts
txt 103 "0.000 %s create \n0.000 %s $I\n4.000 %s close \n" 104_$B.mp4
txt 105 "0.000 %s create \n0.000 %s $I\n%.0s" 105_$B.mp4
printf '0.000 0_%s.aac create \n4.000 0_%s.aac close \n' $B $B >"$S/uid_0_$B.txt"
printf '<version>2.0</version>\n<tag></tag>\n<channel name>readers</channel name>\n' >"$S/metadata.txt"
: >"$S/recording2-done.txt"

W0="uid_101_$B.txt: the first txt of uid 101 has no 0.000 line; it opens session 0 all the same"
WUID="uid_103_$B.txt: 104_$B.mp4 is named for uid 104; kept as uid 103's"
WCLOSE="uid_105_$B.txt: 105_$B.mp4 has no close line; it lasts as long as its media"
warned() {	# warned PROGRAM ERRFILE: the reader's warnings, each exactly once
	local w n
	for w in "$W0" "$WUID" "$WCLOSE"; do
		n=$(grep -cF -- "$w" "$2")
		[ "$n" = 1 ] && t_pass "$1: warns once: ${w#*: }" || t_fail "$1: warns once: ${w#*: }" "$n times: $(cat "$2")"
	done
}

# --- agrec-convert -m 0 -----------------------------------------------------
C=$T/conv; cp -r "$S" "$C"
"$CONVERT" -f "$C" -m 0 >"$T/cv.out" 2>"$T/cv.err"; rc=$?
[ "$rc" = 0 ] && t_pass "convert: exit 0" || t_fail "convert: exit 0" "exit $rc: $(tail -n 5 "$T/cv.err")"
warned convert "$T/cv.err"
f=$(ls "$C"/101_*_av.mp4 "$C"/101_*.mp4 2>/dev/null | grep -v "^$C/101_$B.mp4$" | head -n 1)
[ -n "$f" ] && fnear "$(probe_dur "$f" v)" 4.0 0.2 && t_pass "convert: 101 (no 0.000) converted, 4.0 s (its span)" \
	|| t_fail "convert: 101" "$f $(probe_dur "$f" v)"
f=$(ls "$C"/102_*.mp4 2>/dev/null | head -n 1)
[ -n "$f" ] && [ "$(probe_count "$f" v)" = 1 ] && t_pass "convert: 102's .ts is video" || t_fail "convert: 102 .ts" "$(ls "$C")"
f=$(ls "$C"/103_*.mp4 2>/dev/null | head -n 1)
[ -n "$f" ] && [ "$(probe_count "$f" v)" = 1 ] && ! ls "$C"/104_*_* >/dev/null 2>&1 \
	&& t_pass "convert: 104_B.mp4 is uid 103's video" || t_fail "convert: 103" "$(ls "$C")"
f=$(ls "$C"/105_*.mp4 2>/dev/null | grep -v "^$C/105_$B.mp4$" | head -n 1)
[ -n "$f" ] && fnear "$(probe_dur "$f" v)" 3.0 0.2 && t_pass "convert: 105 (no close) lasts its 3.0 s of media" \
	|| t_fail "convert: 105" "$f $(probe_dur "$f" v)"
f=$(ls "$C"/0_*.m4a "$C"/0_*_av.mp4 2>/dev/null | head -n 1)
[ -n "$f" ] && fnear "$(probe_dur "$f" a)" 4.0 0.2 && t_pass "convert: uid 0 converted like any uid" \
	|| t_fail "convert: uid 0" "$(ls "$C")"

# --- agrec-mix ----------------------------------------------------------------
M=$T/mix; cp -r "$S" "$M"
"$MIX" -f "$M" --layoutMode 1 --mixResolution 640,360,15,500 >"$T/mx.out" 2>"$T/mx.err"; rc=$?
[ "$rc" = 0 ] && t_pass "mix: exit 0" || t_fail "mix: exit 0" "exit $rc: $(tail -n 5 "$T/mx.err")"
warned mix "$T/mx.err"
grep -qF "uid_0_$B.txt: uid 0 is the SDK's composite and other users exist: left out" "$T/mx.err" \
	&& t_pass "mix: uid 0 left out with a message" || t_fail "mix: uid 0 message" "$(cat "$T/mx.err")"
grep -q ': 4 users, 4 clips, 4.500 s' "$T/mx.err" \
	&& t_pass "mix: 4 users and 4 video clips (.ts, another uid's file, no close kept)" \
	|| t_fail "mix: users and clips" "$(cat "$T/mx.err")"
f=$M/mix/0_$B.mp4
fnear "$(probe_dur "$f" v)" 4.5 0.2 && t_pass "mix: composite 4.5 s" || t_fail "mix: composite" "$(probe_dur "$f" v)"

# --- agrec-capture ------------------------------------------------------------
P=$T/cap; cp -r "$S" "$P"
"$CAPTURE" -f "$P" --captureInterval 1 2>"$T/cp.err"; rc=$?
[ "$rc" = 0 ] && t_pass "capture: exit 0" || t_fail "capture: exit 0" "exit $rc: $(tail -n 5 "$T/cp.err")"
warned capture "$T/cp.err"
ix=$P/snapshots.jsonl
uids=$(jq -r .uid "$ix" | sort -un | tr '\n' ' ')
[ "$uids" = "101 102 103 105 " ] && t_pass "capture: .ts (102), another uid's file (as 103) and no close (105) captured" \
	|| t_fail "capture: uids" "$uids"
n=$(jq -r 'select(.uid == 105) | .t' "$ix" | wc -l)
[ "$n" -ge 2 ] && [ "$n" -le 3 ] && t_pass "capture: 105 until its media ends ($n snapshots)" || t_fail "capture: 105" "$n"
f=$(ls "$P"/103_*.jpg 2>/dev/null | head -n 1)
[ -n "$f" ] && [ "$(probe_stream_field "$f" v width)" = 320 ] && t_pass "capture: 103's JPEGs" || t_fail "capture: 103" "$(ls "$P")"
exit 0
