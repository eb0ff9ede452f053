#!/usr/bin/env bash
# agrec-convert on folders with Ogg Opus segments (<UID>_<TS>.opus, as
# agrec-record --audioFormat opus writes them), alone and beside .aac
# segments: every mode, -s -p -r, the default AAC outputs and
# --audioCodec opus, --raw; streams, codecs, durations, A/V offsets, the
# silence of gaps and where each segment's tone starts.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert
need jq python3
sizeof() { stat -c %s "$1" 2>/dev/null || echo 0; }

# The folder goes under a hostile path: spaces, quotes, a leading '-'.
P="$T/sp ace/-q'uo\"te"; mkdir -p "$P"
run() {	# run SCEN NAME WANT_RC ARGS...: convert a fresh copy of SCEN into $P/NAME
	D=$P/$2; fixture "$1" "$D"; conv -f "$D" "${@:4}"
	expect_rc "$2: exit status" "$3"
}
edges() {	# edges FILE: "START END" of the first silence (-40 dB, >= 0.3 s) in FILE's audio
	ffmpeg -nostdin -v info -i "file:$1" -vn -af silencedetect=n=-40dB:d=0.3 -f null - 2>&1 |
		sed -n 's/.*silence_\(start\|end\): \([-0-9.]*\).*/\2/p' | head -n 2 | tr '\n' ' '
}
expect_gap() {	# expect_gap NAME FILE START END: the audio is silent from START to END (+-0.03 s)
	local e; e=$(edges "$2"); set -- "$1" "$2" "$3" "$4" $e
	if fnear "${5:-}" "$3" 0.03 && fnear "${6:-}" "$4" 0.03; then t_pass "$1"
	else t_fail "$1" "${2##*/}: silence from ${5:-none} to ${6:-none}, want $3 to $4"; fi
}
expect_avdiff() {	# expect_avdiff NAME FILE: A/V start times within 0.05 s
	local d; d=$(av_start_diff "$2")
	if flt "$d" 0.0501; then t_pass "$1"; else t_fail "$1" "${2##*/}: ${d:-no A/V} s"; fi
}
copied() {	# copied NAME WANT: the last run's --json says audio_copied WANT for output NAME
	jq -e -s --arg n "$1" --argjson w "$2" \
		'[.[0].folders[0].outputs[] | select(.name == $n) | .audio_copied] == [$w]' "$OUT" >/dev/null 2>&1
}
expect_copied() {	# expect_copied TEST NAME WANT
	if copied "$2" "$3"; then t_pass "$1"; else t_fail "$1" "$2: audio_copied is not $3; $(conv_why)"; fi
}

# ---- the default: Opus transcoded to AAC ----
run opusav m0-av 0 -m 0
f=$D/1030_${B}_av.mp4
expect_outputs "m0 opusav: output names" "$D" opusav "${f##*/}"
expect_done "m0 opusav: side files" "$D"
expect_media "m0 opusav: h264 + aac, 5.0 s" "$f" av 5.0 320 180 15
expect_black "m0 opusav: black before the video (0.15 s)" "$f" 0.15
expect_picture "m0 opusav: picture at 2.0 s" "$f" 2.0
expect_tone "m0 opusav: tone from 0.1 to 4.9 s" "$f" 0.1 4.8
expect_avdiff "m0 opusav: A/V start offset <= 0.05" "$f"

run opusgap m0-gap 0 -m 0
f=$D/1031_${B}.m4a g=$D/1032_${B}.m4a
expect_outputs "m0 opusgap: output names" "$D" opusgap "${f##*/}" "${g##*/}"
expect_media "m0 opusgap: mono then stereo segments give stereo AAC, 8.0 s" "$f" a 8.0 "" "" 15 2
expect_gap "m0 opusgap: silence exactly between the segments (3-5 s)" "$f" 3.0 5.0
expect_tone "m0 opusgap: first segment's tone" "$f" 0.1 2.8
expect_tone "m0 opusgap: second segment's tone" "$f" 5.1 2.8
expect_media "m0 opusgap: stereo segment alone, 3.0 s" "$g" a 3.0 "" "" 15 2

run opusmix m0-mix 0 -m 0
f=$D/1033_${B}_av.mp4 g=$D/1033_20240301101520120_av.mp4
expect_outputs "m0 opusmix: output names" "$D" opusmix "${f##*/}" "${g##*/}"
expect_media "m0 opusmix: .aac and .opus in one txt, 7.0 s" "$f" av 7.0 320 180 15
expect_gap "m0 opusmix: silence from the .aac's end to the .opus's start (3-4 s)" "$f" 3.0 4.0
expect_tone "m0 opusmix: .opus segment's tone (4.1-6.9 s)" "$f" 4.1 2.8
expect_avdiff "m0 opusmix: A/V start offset <= 0.05" "$f"
expect_media "m0 opusmix: second txt, 3.0 s" "$g" av 3.0 320 180 15

run opusmix m1-mix 0 -m 1
f=$D/1033_0_merge_av.mp4
expect_outputs "m1 opusmix: output names" "$D" opusmix "${f##*/}"
expect_media "m1 opusmix: one session, 23.0 s" "$f" av 23.0 320 180 15
expect_silence "m1 opusmix: silence in the absence (8-19 s)" "$f" 8 11
expect_tone "m1 opusmix: second txt's tone (20.1-22.9 s)" "$f" 20.1 2.8
expect_black "m1 opusmix: black in the absence (12 s)" "$f" 12
expect_picture "m1 opusmix: picture at 21.5 s" "$f" 21.5
expect_avdiff "m1 opusmix: A/V start offset <= 0.05" "$f"

run opusav m1-pr 0 -m 1 -p 25 -r 640 360
expect_media "m1 -p 25 -r 640 360 opusav: 640x360 25 fps, 5.0 s" "$D/1030_0_merge_av.mp4" av 5.0 640 360 25
expect_avdiff "m1 -p -r opusav: A/V start offset <= 0.05" "$D/1030_0_merge_av.mp4"

run opusgap m2-gap 0 -m 2
expect_outputs "m2 opusgap: output names" "$D" opusgap 1031_0_merge.m4a 1032_0_merge.m4a
expect_media "m2 opusgap: 1031 stereo 8.0 s" "$D/1031_0_merge.m4a" a 8.0 "" "" 15 2
expect_gap "m2 opusgap: the gap (3-5 s)" "$D/1031_0_merge.m4a" 3.0 5.0

run opusmix m2s-mix 0 -m 2 -s
f=$D/1033_0_merge.m4a
expect_media "m2 -s opusmix: 7.0 + 3.0 = 10.0 s" "$f" a 10.0
expect_tone "m2 -s opusmix: the second txt's tone right after the join (7.1 s)" "$f" 7.1 2.8

run opusav m3-av 0 -m 3
expect_outputs "m3 opusav: output names" "$D" opusav 1030_0_merge.mp4
expect_media "m3 opusav: video only, 4.35 s" "$D/1030_0_merge.mp4" v 4.35 320 180 15

run opusgap m3-gap 65 -m 3
expect_outputs "m3 opusgap: no video, no output" "$D" opusgap

# ---- --audioCodec opus: Opus kept in the MP4 outputs ----
export ACODEC=opus
run opusav k0-av 0 -m 0 --audioCodec opus --json
f=$D/1030_${B}_av.mp4
expect_media "keep m0 opusav: h264 + opus, 5.0 s" "$f" av 5.0 320 180 15
expect_avdiff "keep m0 opusav: A/V start offset <= 0.05" "$f"
expect_tone "keep m0 opusav: tone" "$f" 0.1 4.8
expect_copied "keep m0 opusav: audio copied" "${f##*/}" true
# The video starts at 0.352 s, on frame 5 (0.3333 s): the audio moves 896
# samples earlier with it, so its first packet (312 samples of pre-skip)
# is at -(896 + 312) / 48000 s, and those 1208 samples are skipped.
x=$(ffprobe -v error -select_streams a -show_packets -show_entries packet=pts_time:packet_side_data=skip_samples \
	-of compact=p=0:nk=1 "file:$f" | head -n 1)
[ "${x%%|*}" = -0.025167 ] && [ "${x##*|}" = 1208 ] && t_pass "keep m0 opusav: copied audio moved with the first frame (896 samples)" \
	|| t_fail "keep m0 opusav: copied audio moved with the first frame" "first packet: $x"

run opusgap k0-gap 0 -m 0 --audioCodec opus --json
expect_media "keep m0 opusgap: 1031 stereo opus 8.0 s" "$D/1031_${B}.m4a" a 8.0 "" "" 15 2
expect_gap "keep m0 opusgap: the gap (3-5 s)" "$D/1031_${B}.m4a" 3.0 5.0
expect_media "keep m0 opusgap: 1032 stereo opus 3.0 s" "$D/1032_${B}.m4a" a 3.0 "" "" 15 2
expect_copied "keep m0 opusgap: 1032's one segment is copied" "1032_${B}.m4a" true
expect_copied "keep m0 opusgap: 1031's two segments are encoded" "1031_${B}.m4a" false
c=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "file:$D/1032_${B}.m4a")
[ "$c" = opus ] && t_pass "keep m0 opusgap: .m4a holds Opus" || t_fail "keep m0 opusgap: .m4a holds Opus" "$c"

run opusmix k0-mix 0 -m 0 --audioCodec opus --json
g=$D/1033_20240301101520120_av.mp4
expect_media "keep m0 opusmix: .aac + .opus encoded to opus, 7.0 s" "$D/1033_${B}_av.mp4" av 7.0 320 180 15
expect_gap "keep m0 opusmix: silence 3-4 s" "$D/1033_${B}_av.mp4" 3.0 4.0
expect_media "keep m0 opusmix: second txt 3.0 s" "$g" av 3.0 320 180 15
expect_copied "keep m0 opusmix: second txt's audio copied" "${g##*/}" true
expect_avdiff "keep m0 opusmix: copied audio, A/V start offset <= 0.05" "$g"
expect_tone "keep m0 opusmix: copied audio's tone" "$g" 0.1 2.8

run opusmix k1-mix 0 -m 1 --audioCodec opus
f=$D/1033_0_merge_av.mp4
expect_media "keep m1 opusmix: 23.0 s" "$f" av 23.0 320 180 15
expect_silence "keep m1 opusmix: silence in the absence" "$f" 8 11
expect_tone "keep m1 opusmix: second txt's tone" "$f" 20.1 2.8
expect_avdiff "keep m1 opusmix: A/V start offset <= 0.05" "$f"

run opusav k2-av 0 -m 2 --audioCodec opus --json
expect_media "keep m2 opusav: opus 5.0 s" "$D/1030_0_merge.m4a" a 5.0
expect_copied "keep m2 opusav: copied" 1030_0_merge.m4a true
expect_tone "keep m2 opusav: tone" "$D/1030_0_merge.m4a" 0.1 4.8

run opusmix k2s-mix 0 -m 2 -s --audioCodec opus
expect_media "keep m2 -s opusmix: 10.0 s" "$D/1033_0_merge.m4a" a 10.0

run opusav k3-av 0 -m 3 --audioCodec opus
expect_media "keep m3 opusav: video only (the option changes nothing)" "$D/1030_0_merge.mp4" v 4.35 320 180 15

# an AAC-only folder with --audioCodec opus: its AAC is encoded to Opus
run av k0-aac 0 -m 0 --audioCodec opus
expect_media "keep m0 av (.aac only): opus 5.0 s" "$D/1001_${B}_av.mp4" av 5.0 320 180 15
unset ACODEC

conv --audioCodec flac -f "$D"
expect_rc "--audioCodec flac: usage error" 64
grep -q -- "--audioCodec: 'flac' is not aac or opus" "$ERR" && t_pass "--audioCodec flac: message" \
	|| t_fail "--audioCodec flac: message" "$(conv_why)"

# --dry-run: the .opus clip reaches ffmpeg as a file: URL, whole
run opusav dry 0 -m 2 --dry-run
python3 - "$OUT" "file:$D/1030_${B}.opus" <<'PY' && t_pass "--dry-run: the .opus path as one file: argument" \
	|| t_fail "--dry-run: the .opus path" "$(head -c 600 "$OUT")"
import shlex, sys
sys.exit(not any(sys.argv[2] in shlex.split(l) for l in open(sys.argv[1]) if 'ffmpeg' in l))
PY

# --dry-run --json: the planned codec
run opusav dry-json 0 -m 1 --dry-run --json --audioCodec opus
jqe "$OUT" '[.folders[0].outputs[0].streams[] | select(.type == "audio") | .codec] == ["opus"] and
	.folders[0].outputs[0].audio_copied == true' && t_pass "--dry-run --json --audioCodec opus: opus planned, copied" \
	|| t_fail "--dry-run --json --audioCodec opus" "$(head -c 400 "$OUT")"

# ---- --raw ----
D=$P/raw; fixture opusgap "$D"
conv --raw pcm -q -f "$D"
expect_rc "--raw pcm opusgap: exit 0" 0
d1=$(awk -v s="$(sizeof "$D/1031.pcm")" 'BEGIN { printf "%.3f", s / 96000 }')
d2=$(awk -v s="$(sizeof "$D/1031_2.pcm")" 'BEGIN { printf "%.3f", s / 192000 }')
fnear "$d1" 3 0.03 && fnear "$d2" 3 0.03 && t_pass "--raw pcm: mono 3 s, then stereo 3 s in 1031_2.pcm ($d1, $d2)" \
	|| t_fail "--raw pcm lengths" "$d1 $d2"
jqe "$D/1031_2.pcm.json" '.channels == 2' && t_pass "--raw pcm: 1031_2.pcm is stereo" || t_fail "--raw pcm sidecar" "$(cat "$D/1031_2.pcm.json")"
D=$P/raw2; fixture opusmix "$D"
conv --raw aac -q -f "$D"
expect_rc "--raw aac opusmix: exit 0" 0
c=$(ffprobe -v error -show_entries stream=codec_name,profile,channels -of csv=p=0 "file:$D/1033.aac")
[ "$c" = aac,LC,1 ] && t_pass "--raw aac: ADTS AAC-LC mono ($c)" || t_fail "--raw aac codec" "$c"
n=$(ffmpeg -nostdin -v error -i "file:$D/1033.aac" -f s16le - | wc -c)
d=$(awk -v s="$n" 'BEGIN { printf "%.3f", s / 96000 }')
fnear "$d" 9 0.1 && t_pass "--raw aac: the .aac and both .opus clips, 9 s ($d)" || t_fail "--raw aac length" "$d"

# ---- the same command gives the same bytes ----
for k in aac opus; do
	D=$P/rep-$k-1; fixture opusgap "$D"; conv -q -m 0 --audioCodec $k -f "$D"
	E=$P/rep-$k-2; fixture opusgap "$E"; conv -q -m 0 --audioCodec $k -f "$E"
	cmp -s "$D/1031_${B}.m4a" "$E/1031_${B}.m4a" && cmp -s "$D/1032_${B}.m4a" "$E/1032_${B}.m4a" \
		&& t_pass "--audioCodec $k: byte-identical outputs on a second run" || t_fail "--audioCodec $k: reproducible" "outputs differ"
done

# ---- a torn .opus (the recorder killed mid-page) without a close line ----
D=$P/torn; fixture opusgap "$D"
o=$D/1032_${B}.opus
truncate -s $(($(sizeof "$o") * 2 / 3)) "$o"
sed -i '/close/d' "$D/uid_1032_${B}.txt"
conv -m 0 -f "$D"
expect_rc "torn .opus: exit 0" 0
d=$(probe_dur "$D/1032_${B}.m4a")
grep -q 'ends at .* by its probed duration' "$ERR" && fgt "$d" 1.5 && flt "$d" 2.1 \
	&& t_pass "torn .opus without close: ends with its last whole page ($d s)" || t_fail "torn .opus" "duration ${d:-none}; $(conv_why)"
ACODEC=aac expect_media "torn .opus: a valid AAC .m4a" "$D/1032_${B}.m4a" a "$d" "" "" 15 2
