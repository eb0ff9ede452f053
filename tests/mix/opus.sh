#!/usr/bin/env bash
# agrec-mix -f on a folder whose audio segments are Ogg Opus (<UID>_<TS>.opus,
# agrec-record --audioFormat opus), beside .aac ones: the 3-user folder of
# tests/mix/lib.sh with 102's audio in Opus mono and 103's in Opus stereo
# (its second txt too), in a folder whose name holds spaces, quotes and a
# leading '-': the composite's streams and length, each user's tone in and
# out of the mix, and where a segment's tone starts and ends.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
F="$T/-o 'q\"' rec"
mkfolder "$F"
TS=20240301101500120
RES=(--mixResolution 640,360,15,500)
opus() {	# opus NAME FREQ DUR CHANNELS: a tone as Ogg Opus, replacing NAME.aac in F and its txt
	ffmpeg -nostdin -v error -y -f lavfi -i "sine=frequency=$2:sample_rate=48000:duration=$3" \
		-ac "$4" -c:a libopus -b:a 48k -f ogg "file:$F/$1.opus" || t_fail "make $1.opus" "ffmpeg failed"
	rm -f -- "$F/$1.aac"
	sed -i "s/$1\.aac/$1.opus/" "$F"/uid_*.txt
}
opus 102_20240301101501120 660 5 1
opus 103_20240301101500120 880 2 2
opus 103_20240301101504120 880 2 2
grep -q '\.aac' "$F/uid_102_20240301101501120.txt" "$F/uid_103_20240301101504120.txt" \
	&& t_fail "the txt files name the .opus segments" "$(cat "$F"/uid_10[23]_*.txt)" \
	|| t_pass "the txt files name the .opus segments"

"$MIX" -f "$F" --layoutMode 1 "${RES[@]}" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && t_pass "best-fit composite of .aac and .opus exits 0" || t_fail "composite" "exit $rc: $(cat "$T/err")"
A=$F/mix/0_$TS.aac M=$F/mix/0_$TS.mp4
p=$(aac_problems "$A" 6.0); [ -z "$p" ] && t_pass "mixed AAC: 6.0 s" || t_fail "mixed AAC" "$p"
p=$(media_problems "$M" v 6.0 640 360 15); [ -z "$p" ] && t_pass "video-only MP4: 6.0 s" || t_fail "video MP4" "$p"
grep -qi 'opus' "$T/err" && t_fail "no message about the .opus segments" "$(cat "$T/err")" \
	|| t_pass "no message about the .opus segments"
expect_tone_at "101's 440 Hz (.aac) all along" "$A" 0.2 5.6 440 yes
expect_tone_at "103's 880 Hz (.opus stereo) before it leaves" "$A" 0.2 1.6 880 yes
expect_tone_at "no 880 Hz while 103 is away" "$A" 2.3 1.4 880 no
expect_tone_at "103's 880 Hz (second .opus) when it is back" "$A" 4.3 1.4 880 yes
expect_tone_at "no 660 Hz before 102 joins" "$A" 0.1 0.8 660 no
expect_tone_at "102's 660 Hz (.opus mono) after it joined" "$A" 1.3 4.4 660 yes
expect_colour "3 s: 102 takes the right half" "$M" 3 480 270 "0 128 0"

# 103 alone: its Opus tone from 0 to 2 s and from 4 to 6 s, to the 20 ms.
"$MIX" -q -f "$F" -o "$T/only103" --isAudioOnly 1 --exclude 101 --exclude 102 >/dev/null 2>"$T/err"; rc=$?
e=$(ffmpeg -nostdin -v info -i "file:$T/only103/0_$TS.aac" -af silencedetect=n=-40dB:d=0.3 -f null - 2>&1 |
	sed -n 's/.*silence_\(start\|end\): \([-0-9.]*\).*/\2/p' | head -n 2 | tr '\n' ' ')
set -- $e
[ "$rc" = 0 ] && fnear "${1:-}" 2.0 0.03 && fnear "${2:-}" 4.0 0.03 \
	&& t_pass "103 alone: silent from 2.0 to 4.0 s (+-30 ms) ($e)" || t_fail "103 alone: the gap" "exit $rc; silence $e; $(cat "$T/err")"
c=$(probe_stream_field "$T/only103/0_$TS.aac" a channels)
[ "$c" = 1 ] && t_pass "103 alone: mono output by default (stereo .opus downmixed)" || t_fail "103 alone: channels" "$c"

# One A/V MP4 and agrec-convert on the composite.
"$MIX" -q -f "$F" -o "$T/va1" "${RES[@]}" --mixedVideoAudio 1 >/dev/null 2>"$T/err"; rc=$?
p=$(media_problems "$T/va1/0_$TS.mp4" av 6.0 640 360 15)
[ "$rc" = 0 ] && [ -z "$p" ] && t_pass "--mixedVideoAudio 1: one A/V MP4, 6.0 s" || t_fail "--mixedVideoAudio 1" "exit $rc $p"
d=$(av_start_diff "$T/va1/0_$TS.mp4"); flt "$d" 0.041 && t_pass "A/V start offset <= 40 ms ($d)" || t_fail "A/V start offset" "$d"
