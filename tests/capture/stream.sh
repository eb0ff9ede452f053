#!/usr/bin/env bash
# A channel stream file (made by mkstream.py: H.264 and VP8 users, one
# with a loss): exact snapshot counts and times, the frame shown is the
# latest with pts <= t, nothing between a loss and the next keyframe,
# colours, --size, --names sample, --uid, the recorder's single-dash
# spellings, and bad streams (65).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe jq python3
MK=$AGREC_TOP/tests/capture/mkstream.py
# 1001 red H.264 0-10 s; 1002 blue VP8 1.5-7.5 s; 1003 testsrc2 H.264 from
# 0.5 s for 10 s, frames 3.5-5.0 s lost (keyframes every 2 s from 0.5 s).
"$MK" "$T/s.bin" 1001:red:320x180:h264:30:10:0 1002:blue:320x240:vp8:30:6:1.5 \
	1003:testsrc2:320x180:h264:30:10:0.5:15:drop=3-4.5 || { t_fail "mkstream" "failed"; exit 1; }
mkdir -p "$T/a"
"$CAPTURE" -i "$T/s.bin" -o "$T/a" --captureInterval 2 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && t_pass "stream file: exit 0" || t_fail "stream file: exit 0" "exit $rc: $(cat "$T/err")"
ix=$T/a/snapshots.jsonl
times() { jq -r "select(.uid == $1) | .t" "$ix" | awk '{printf "%s%g", (NR > 1 ? " " : ""), $1}'; }
[ "$(times 1001)" = "0 2 4 6 8" ] && t_pass "1001 (0-9.93 s): snapshots at 0 2 4 6 8" || t_fail "1001 times" "$(times 1001)"
[ "$(times 1002)" = "2 4 6" ] && t_pass "1002 (1.5-7.43 s): snapshots at 2 4 6" || t_fail "1002 times" "$(times 1002)"
[ "$(times 1003)" = "2 8 10" ] && t_pass "1003: none in the loss nor before the next keyframe (2 8 10)" \
	|| t_fail "1003 times after a loss" "$(times 1003)"
n=$(ls "$T/a"/*.jpg | wc -l)
[ "$n" = 11 ] && [ "$(grep -c . "$ix")" = 11 ] && t_pass "11 JPEGs, 11 index lines" || t_fail "JPEG count" "$n files, $(grep -c . "$ix") lines"
check_snaps "1001: red 320x180 JPEGs" "$T/a" 1001 red 320x180
check_snaps "1002: blue 320x240 JPEGs (VP8)" "$T/a" 1002 blue 320x240
[ -f "$T/a/1001_20240301101504120.jpg" ] && t_pass "sdk names: UID_YYYYMMDDHHMMSSmmm.jpg, UTC" || t_fail "sdk names" "$(ls "$T/a")"
jq -se '.[] | select(.uid == 1001 and .t == 4) | .wall == "2024-03-01T10:15:04.120Z" and .width == 320 and .height == 180' "$ix" >/dev/null \
	&& t_pass "index: wall time and size" || t_fail "index fields" "$(head -n 1 "$ix")"

# The frame shown at t = 2 by 1003 (started at 0.5 s, 15 fps) is frame 22
# (1.467 s <= 1.5 s < 1.533 s): closer to it than to frames 21 and 23.
psnr() { ffmpeg -nostdin -v error -i "$1" -f lavfi -i "testsrc2=size=320x180:rate=15,trim=start_frame=$2:end_frame=$(($2 + 1)),setpts=PTS-STARTPTS" \
	-lavfi "[0:v]format=yuv420p[a];[1:v]format=yuv420p[b];[a][b]psnr=stats_file=-" -f null - 2>/dev/null | sed -n 's/.*psnr_avg:\([0-9.inf]*\).*/\1/p' | head -n 1; }
j=$T/a/1003_20240301101502120.jpg
p21=$(psnr "$j" 21) p22=$(psnr "$j" 22) p23=$(psnr "$j" 23)
awk -v a="$p21" -v b="$p22" -v c="$p23" 'BEGIN { exit !(b > 28 && b > a + 3 && b > c + 3) }' \
	&& t_pass "the snapshot at t is the latest frame with pts <= t (PSNR $p22 vs $p21, $p23)" \
	|| t_fail "frame at t" "PSNR frames 21 22 23: $p21 $p22 $p23"

# --size, --names sample, --uid, single-dash spellings, --index elsewhere.
mkdir -p "$T/b"
TZ=UTC "$CAPTURE" -input "$T/s.bin" -output "$T/b" -captureInterval 3 -size 160x90 -names sample \
	-uid 1001 -uid 1002 -index "$T/b.jsonl" -quality 10 -q 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && [ ! -s "$T/err" ] && t_pass "single-dash options, -q quiet" || t_fail "single-dash options" "exit $rc: $(cat "$T/err")"
ls "$T/b" | sort | tr '\n' ' ' >"$T/ls"
[ "$(cat "$T/ls")" = "1001_20240301101500.jpg 1001_20240301101503.jpg 1001_20240301101506.jpg 1001_20240301101509.jpg 1002_20240301101503.jpg 1002_20240301101506.jpg " ] \
	&& t_pass "--names sample (local time, seconds), --uid filter, interval 3" || t_fail "--names sample / --uid" "$(cat "$T/ls")"
check_snaps "--size 160x90" "$T/b" 1001 red 160x90
[ "$(grep -c . "$T/b.jsonl")" = 6 ] && [ ! -e "$T/b/snapshots.jsonl" ] && t_pass "--index FILE" || t_fail "--index FILE" "$(cat "$T/b.jsonl")"

# A resolution change in the stream (a new codec record, then a keyframe):
# 1004 red 320x180 0-4 s, then green 640x360 4-8 s; the decoder restarts.
"$MK" "$T/rc.bin" 1004:red:320x180:h264:30:4:0:15:noleave 1004:green:640x360:h264:30:4:4 || t_fail "mkstream rc" ""
mkdir -p "$T/rc"
"$CAPTURE" -i "$T/rc.bin" -o "$T/rc" --captureInterval 1 -q; rc=$?
sz=$(jq -r '"\(.t | floor):\(.width)x\(.height)"' "$T/rc/snapshots.jsonl" | tr '\n' ' ')
[ "$rc" = 0 ] && [ "$sz" = "0:320x180 1:320x180 2:320x180 3:320x180 4:640x360 5:640x360 6:640x360 7:640x360 " ] \
	&& t_pass "resolution change: sizes follow the codec records" || t_fail "resolution change" "exit $rc: $sz"
bad=
for f in "$T/rc"/*.jpg; do
	set -- $(jpeg_stats "$f"); c=$(colour_of "$3" "$4" "$5")
	case $2 in 320x180) [ "$c" = red ] || bad="$bad ${f##*/}:$c" ;; *) [ "$c" = green ] || bad="$bad ${f##*/}:$c" ;; esac
done
[ -z "$bad" ] && t_pass "resolution change: red then green, none grey" || t_fail "resolution change colours" "$bad"

# A stream that starts mid-GOP (1006 joins 1.0 s into a 2 s GOP): nothing
# until its keyframe at 2.0 s, then red snapshots, never grey.
"$MK" "$T/mid.bin" 1006:red:320x180:h264:30:6:0:15:from=1.0 || t_fail "mkstream mid" ""
mkdir -p "$T/mid"
"$CAPTURE" -i "$T/mid.bin" -o "$T/mid" --captureInterval 1 -q; rc=$?
ts=$(jq -r .t "$T/mid/snapshots.jsonl" | awk '{printf "%s%g", (NR > 1 ? " " : ""), $1}')
[ "$rc" = 0 ] && [ "$ts" = "2 3 4 5" ] && t_pass "mid-GOP start: first snapshot at the first keyframe (2 3 4 5)" \
	|| t_fail "mid-GOP start" "exit $rc: $ts"
check_snaps "mid-GOP start: red, not grey" "$T/mid" 1006 red 320x180

# Bad streams: 65 with the offset; the snapshots decided before still written.
mkdir -p "$T/c"
head -c 20000 "$T/s.bin" | "$CAPTURE" -o "$T/c" 2>"$T/err"; rc=$?
[ "$rc" = 65 ] && grep -q 'standard input: offset [0-9]*: truncated' "$T/err" && t_pass "truncated stream: 65, offset" \
	|| t_fail "truncated stream" "exit $rc: $(cat "$T/err")"
printf 'NOT A STREAM AT ALL' | "$CAPTURE" -o "$T/c" 2>"$T/err"; rc=$?
[ "$rc" = 65 ] && grep -q 'magic' "$T/err" && t_pass "bad magic: 65" || t_fail "bad magic" "exit $rc: $(cat "$T/err")"
python3 - "$T/s.bin" "$T/bad.bin" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[16 + 4] = 0x77   # the channel record's type: the first record is not a channel record
open(sys.argv[2], 'wb').write(d)
PY
"$CAPTURE" -i "$T/bad.bin" -o "$T/c" 2>"$T/err"; rc=$?
[ "$rc" = 65 ] && grep -q 'not a channel record' "$T/err" && t_pass "corrupt stream: 65, clear message" || t_fail "corrupt stream" "exit $rc: $(cat "$T/err")"
: | "$CAPTURE" -o "$T/c" 2>"$T/err"; rc=$?
[ "$rc" = 65 ] && t_pass "empty input: 65" || t_fail "empty input" "exit $rc: $(cat "$T/err")"

# A decoder that fails (a fake ffmpeg for the decoding child only): the
# failure is reported per user, nothing hangs or crashes, status 1.
printf '#!/bin/sh\nfor a; do [ "$a" = matroska ] && { echo "fake decoder fails" >&2; exit 3; }; done\nexec ffmpeg "$@"\n' >"$T/ff"
chmod +x "$T/ff"
mkdir -p "$T/d"
AGREC_FFMPEG=$T/ff timeout 30 "$CAPTURE" -i "$T/s.bin" -o "$T/d" --captureInterval 2 2>"$T/err"; rc=$?
[ "$rc" = 1 ] && grep -q 'uid 1001: decoder' "$T/err" && grep -q "0 snapshots; uid 1001: 0 (5 missed), uid 1003: 0 (3 missed), uid 1002: 0 (3 missed)" "$T/err" \
	&& t_pass "failing decoder: reported per user, status 1" || t_fail "failing decoder" "exit $rc: $(cat "$T/err")"

# SIGTERM while the stream is still open: the snapshots decided so far
# are written, the decoders end, status 128 + 15.
mkfifo "$T/fifo"
mkdir -p "$T/g"
"$CAPTURE" -i "$T/fifo" -o "$T/g" --captureInterval 1 2>"$T/err" &
cp=$!
exec 3>"$T/fifo"
head -c 150000 "$T/s.bin" >&3
# A snapshot is decided (and its decoder started) before the signal.
decoding() { pgrep -P "$cp" >/dev/null; }
wait_for 20 decoding || t_fail "SIGTERM: a decoder runs before the signal" "$(cat "$T/err")"
kill -TERM "$cp"
wait_for 20 pids_gone "$cp" || t_fail "SIGTERM: capture ends within 20 s" "still running"
kill -9 "$cp" 2>/dev/null
wait "$cp"; rc=$?
exec 3>&-
n=$(ls "$T/g"/*.jpg 2>/dev/null | wc -l)
[ "$rc" = 143 ] && [ "$n" -ge 1 ] && [ "$(grep -c . "$T/g/snapshots.jsonl")" = "$n" ] && grep -q 'stopped by signal 15' "$T/err" \
	&& t_pass "SIGTERM: $n snapshots written, status 143" || t_fail "SIGTERM" "exit $rc, $n JPEGs: $(cat "$T/err")"
