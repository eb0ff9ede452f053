#!/usr/bin/env bash
# agrec-convert --raw: the raw-data files of a finished folder, as
# agrec-record writes them live: <UID>.pcm/.aac/.h264/.yuv with sidecars,
# the next file on a format change, no convert-done.txt, inputs untouched.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert
need jq python3
sizeof() { stat -c %s "$1" 2>/dev/null || echo 0; }

D="$T/with space/-f \$(x)"; mkdir -p "$(dirname "$D")"
fixture reschange "$D"
before=$(sums "$D")
for fm in pcm aac h264 yuv; do
	conv --raw $fm -q -f "$D"
	expect_rc "--raw $fm: exit 0" 0
done
[ "$(sums "$D" | grep -vE ' \./1005(_2)?\.(pcm|aac|h264|yuv)(\.json)?$')" = "$before" ] && t_pass "inputs untouched, only raw files added" \
	|| t_fail "inputs untouched" "$(diff <(echo "$before") <(sums "$D") | head)"
[ ! -e "$D/convert-done.txt" ] && t_pass "no convert-done.txt for raw files" || t_fail "no convert-done.txt" ""
# PCM: 6 s of mono 440 Hz
jqe "$D/1005.pcm.json" '.format == "s16le" and .sample_rate == 48000 and .channels == 1' && t_pass "pcm sidecar" || t_fail "pcm sidecar" "$(cat "$D/1005.pcm.json")"
d=$(awk -v s="$(sizeof "$D/1005.pcm")" 'BEGIN { printf "%.3f", s / 96000 }')
fnear "$d" 6 0.1 && t_pass "pcm: 6 s ($d)" || t_fail "pcm length" "$d"
f=$(python3 - "$D/1005.pcm" <<'PY'
import sys, struct
b = open(sys.argv[1], 'rb').read(); n = len(b) // 2
s = struct.unpack('<%dh' % n, b[:2 * n])[n // 4: 3 * n // 4]
print('%.1f' % (sum(1 for a, c in zip(s, s[1:]) if a < 0 <= c) * 48000.0 / len(s)))
PY
)
fnear "$f" 440 4.4 && t_pass "pcm: the 440 Hz tone ±1 % ($f)" || t_fail "pcm tone" "$f"
# AAC: the ADTS of the folder, copied
cmp -s "$D/1005.aac" "$D"/1005_*.aac && t_pass "aac: the recorded ADTS bytes" || t_fail "aac copy" "$(sizeof "$D/1005.aac")"
# H.264: both clips, Annex-B, every frame
nf=$(ffprobe -v error -f h264 -count_frames -show_entries stream=nb_read_frames -of default=nw=1:nk=1 "file:$D/1005.h264")
[ "$nf" = 84 ] && t_pass "h264: 39 + 45 frames of both clips ($nf)" || t_fail "h264 frames" "$nf"
head -c 4 "$D/1005.h264" | od -An -tx1 | grep -q '00 00 00 01' && t_pass "h264: Annex-B start code" || t_fail "h264 start code" ""
# YUV: the resolution change starts 1005_2.yuv
jqe "$D/1005.yuv.json" '.width == 320 and .height == 180 and .frame_size == 86400' && jqe "$D/1005_2.yuv.json" '.width == 640 and .height == 360' \
	&& t_pass "yuv: a sidecar per size" || t_fail "yuv sidecars" "$(cat "$D"/1005*.yuv.json)"
[ "$(sizeof "$D/1005.yuv")" = $((39 * 86400)) ] && [ "$(sizeof "$D/1005_2.yuv")" = $((45 * 345600)) ] \
	&& t_pass "yuv: 39 frames of 320x180, 45 of 640x360" || t_fail "yuv sizes" "$(sizeof "$D/1005.yuv") $(sizeof "$D/1005_2.yuv")"
[ "$(stat -c %a "$D/1005.yuv")" = 600 ] && t_pass "raw files are owner-only" || t_fail "raw file mode" "$(stat -c %a "$D/1005.yuv")"

# Stereo stays stereo; JSON lists the outputs.
D2=$T/stereo; fixture stereo "$D2"
conv --raw pcm --json -f "$D2"
expect_rc "--raw pcm --json: exit 0" 0
jqe "$OUT" '.folders[0].outputs[0].name | test("^[0-9]+\\.pcm$")' && t_pass "--json names the raw file" || t_fail "--json" "$(cat "$OUT")"
uid=$(ls "$D2"/*.pcm | head -n 1); uid=${uid##*/}; uid=${uid%.pcm}
jqe "$D2/$uid.pcm.json" '.channels == 2' && t_pass "pcm: stereo kept" || t_fail "pcm stereo" "$(cat "$D2"/*.pcm.json)"

# No video: --raw yuv is 65; a bad format is 64.
D3=$T/audio; fixture audio "$D3"
conv --raw yuv -f "$D3"
expect_rc "--raw yuv on an audio-only folder: 65" 65
grep -q 'no video clips' "$ERR" && t_pass "says there is no video" || t_fail "no video message" "$(cat "$ERR")"
conv --raw wav -f "$D3"
expect_rc "--raw wav: 64" 64
