#!/usr/bin/env bash
# Folder input with Ogg Opus audio segments (<UID>_<TS>.opus, agrec-record
# --audioFormat opus): capture snapshots the video and leaves the audio
# alone, .opus like .aac; a folder whose only media are .opus segments has
# no video.  The folders sit under a name with spaces, quotes and a '-'.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe jq
P="$T/-c 'q\" d"; mkdir -p "$P"

# mkrec opusmix: uid 1033, .aac 0-3 s and .opus 4-7 s beside video 0.4-6.6 s;
# back at 20 s with .opus 20-23 s and video 20.4-23 s.
fixture opusmix "$P/mix"
"$CAPTURE" -f "$P/mix" --captureInterval 1 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && t_pass "opusmix: exit 0" || t_fail "opusmix: exit 0" "exit $rc: $(cat "$T/err")"
grep -qi 'opus\|audio' "$T/err" && t_fail "opusmix: nothing said about the audio" "$(cat "$T/err")" \
	|| t_pass "opusmix: nothing said about the audio"
ts=$(jq -r '.t' "$P/mix/snapshots.jsonl" | awk '{printf "%s%g", (NR > 1 ? " " : ""), $1}')
[ "$ts" = "1 2 3 4 5 6 21 22" ] && t_pass "opusmix: snapshots of the video clips only (1..6, 21 22)" \
	|| t_fail "opusmix: snapshot times" "$ts"
ok=1; for f in "$P/mix"/*.jpg; do [ "$(probe_stream_field "$f" v codec_name)" = mjpeg ] || ok=0; done
[ $ok = 1 ] && [ -n "$(ls "$P/mix"/*.jpg 2>/dev/null)" ] && t_pass "opusmix: every JPEG decodes" || t_fail "opusmix: JPEGs" "$(ls "$P/mix")"
[ -z "$(jq -r 'select(.path | test("\\.(opus|aac)")) | .path' "$P/mix/snapshots.jsonl")" ] \
	&& t_pass "opusmix: no audio file in the index" || t_fail "opusmix: index" "$(cat "$P/mix/snapshots.jsonl")"

# Only .opus segments: no video, status 0, no JPEG.
fixture opusgap "$P/gap"
"$CAPTURE" -f "$P/gap" 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && grep -q 'no video' "$T/err" && [ -z "$(ls "$P/gap"/*.jpg 2>/dev/null)" ] \
	&& t_pass "opusgap (audio only, .opus): 0, 'no video', no JPEG" || t_fail "opusgap" "exit $rc: $(cat "$T/err")"
