#!/usr/bin/env bash
# agrec-mix -f: a composite of a generated 3-user folder (tests/mix/lib.sh)
# in every output form, checked by probing: streams, durations, the colour
# of each region at known times, each user's tone in and out of the mix,
# the uid-0 txt bytes, and agrec-convert on the composite folder.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }
F=$T/rec
mkfolder "$F"
TS=20240301101500120
RES=(--mixResolution 640,360,15,500)

# --- best-fit, mixedVideoAudio 0 (separate .aac and .mp4) into DIR/mix ---
"$MIX" -f "$F" --layoutMode 1 "${RES[@]}" >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 0 ] && t_pass "best-fit composite exits 0" || t_fail "best-fit composite" "exit $rc: $(cat "$T/err")"
O=$F/mix M=$F/mix/0_$TS.mp4 A=$F/mix/0_$TS.aac
printf '%s\n' "$A" "$M" "$O/uid_0_$TS.txt" | cmp -s - "$T/out" && t_pass "stdout lists the files written" \
	|| t_fail "stdout lists the files" "$(cat "$T/out")"
p=$(media_problems "$M" v 6.0 640 360 15); [ -z "$p" ] && t_pass "video-only MP4: h264 640x360 15 fps 6.0 s" || t_fail "video MP4" "$p"
p=$(aac_problems "$A" 6.0); [ -z "$p" ] && t_pass "mixed AAC: 6.0 s" || t_fail "mixed AAC" "$p"
[ "$(probe_stream_field "$A" a channels)" = 1 ] && [ "$(probe_stream_field "$A" a sample_rate)" = 48000 ] \
	&& t_pass "AAC is 48 kHz mono" || t_fail "AAC format" "$(probe_stream_field "$A" a channels)"
head -c 2 "$A" | od -An -tx1 | grep -q 'ff f1' && t_pass "AAC is ADTS" || t_fail "AAC is ADTS" ""
want=$(printf '0.000 0_%s.aac create \n0.000 0_%s.mp4 create \n0.000 0_%s.mp4 info width=640 height=360 rotation=0\n6.000 0_%s.mp4 close \n6.000 0_%s.aac close \n' $TS $TS $TS $TS $TS)
[ "$(cat "$O/uid_0_$TS.txt")" = "$want" ] && cmp -s <(printf '%s\n' "$want") "$O/uid_0_$TS.txt" \
	&& t_pass "uid_0 txt in the exact Agora bytes" || t_fail "uid_0 txt" "$(cat -A "$O/uid_0_$TS.txt")"
[ "$(stat -c %a "$M")" = 600 ] && [ "$(stat -c %a "$O")" = 700 ] && t_pass "owner-only files and folder" \
	|| t_fail "owner-only" "$(stat -c '%a %n' "$M" "$O")"
# Regions (2x2 grid of 320x180, join order 101, 103, 102; 103 away 2-4 s,
# then audio only).
expect_colour "0.5 s: 101 red in the left half" "$M" 0.5 160 90 red
expect_colour "0.5 s: 103 blue in the right half" "$M" 0.5 480 270 blue
expect_colour "1.5 s: 101 top left" "$M" 1.5 160 90 red
expect_colour "1.5 s: 103 top right" "$M" 1.5 480 90 blue
expect_colour "1.5 s: 102 (joined at 1 s) bottom left" "$M" 1.5 160 270 "0 128 0"
expect_colour "1.5 s: the empty fourth region is the background" "$M" 1.5 480 270 bg
expect_colour "3 s: 103 away, 102 takes the right half" "$M" 3 480 270 "0 128 0"
expect_colour "3 s: 101 left half" "$M" 3 160 270 red
expect_colour "5 s: 103 back without video: its region shows the background" "$M" 5 160 270 bg
expect_colour "5 s: 102 top right" "$M" 5 480 90 "0 128 0"
expect_tone_at "101's 440 Hz all along" "$A" 0.2 5.6 440 yes
expect_tone_at "103's 880 Hz before it leaves" "$A" 0.2 1.6 880 yes
expect_tone_at "no 880 Hz while 103 is away" "$A" 2.3 1.4 880 no
expect_tone_at "103's 880 Hz when it is back" "$A" 4.3 1.4 880 yes
expect_tone_at "no 660 Hz before 102 joins" "$A" 0.1 0.8 660 no
expect_tone_at "102's 660 Hz after it joined" "$A" 1.3 4.4 660 yes
[ -f "$O/metadata.txt" ] && grep -q '<channel name>mixtest</channel name>' "$O/metadata.txt" && [ -f "$O/recording2-done.txt" ] \
	&& t_pass "DIR/mix has metadata.txt and recording2-done.txt" || t_fail "metadata/done" "$(ls "$O")"
# The SDK composite's original files are never touched: the output is DIR/mix.
[ "$(ls "$F" | grep -c '^0_')" = 0 ] && t_pass "nothing written into the recording folder itself" || t_fail "input folder untouched" "$(ls "$F")"
# agrec-convert takes the composite folder like the SDK's.
if [ -x "$CONVERT" ]; then
	"$CONVERT" -q -f "$O" >"$T/cout" 2>"$T/cerr"; rc=$?
	av=$O/0_${TS}_av.mp4
	p=$(media_problems "$av" av 6.0 640 360)
	[ "$rc" = 0 ] && [ -z "$p" ] && t_pass "agrec-convert -f DIR/mix: 0_TS_av.mp4 with A/V, 6.0 s" \
		|| t_fail "agrec-convert the composite" "exit $rc $p $(cat "$T/cerr")"
else
	t_fail "agrec-convert is built" "no $CONVERT"
fi

# --- mixedVideoAudio 1: one A/V MP4 ---
"$MIX" -q -f "$F" -o "$T/va1" --layoutMode 1 "${RES[@]}" --mixedVideoAudio 1 >"$T/out" 2>"$T/err"; rc=$?
M=$T/va1/0_$TS.mp4
p=$(media_problems "$M" av 6.0 640 360 15)
[ "$rc" = 0 ] && [ -z "$p" ] && [ ! -e "$T/va1/0_$TS.aac" ] && t_pass "--mixedVideoAudio 1: one A/V MP4, 6.0 s, no AAC" \
	|| t_fail "--mixedVideoAudio 1" "exit $rc $p $(ls "$T/va1")"
d=$(av_start_diff "$M"); flt "$d" 0.041 && t_pass "A/V start offset <= 40 ms ($d)" || t_fail "A/V start offset" "$d"
grep -q aac "$T/va1/uid_0_$TS.txt" && t_fail "mode 1 txt lists only the MP4" "$(cat "$T/va1/uid_0_$TS.txt")" || t_pass "mode 1 txt lists only the MP4"
expect_colour "mode 1: same picture (3 s, right half green)" "$M" 3 480 270 "0 128 0"

# --- isAudioOnly ---
"$MIX" -q -f "$F" -o "$T/ao" --isAudioOnly 1 >"$T/out" 2>"$T/err"; rc=$?
p=$(aac_problems "$T/ao/0_$TS.aac" 6.0)
[ "$rc" = 0 ] && [ -z "$p" ] && [ -z "$(ls "$T/ao" | grep mp4)" ] && t_pass "--isAudioOnly 1: the mixed AAC only" \
	|| t_fail "--isAudioOnly 1" "exit $rc $p $(ls "$T/ao")"
expect_tone_at "audio only: no 880 Hz while 103 is away" "$T/ao/0_$TS.aac" 2.3 1.4 880 no

# --- --pcm FILE, with video ---
"$MIX" -q -f "$F" -o "$T/pcm" --pcm "$T/mix.pcm" "${RES[@]}" >"$T/out" 2>"$T/err"; rc=$?
sz=$(stat -c %s "$T/mix.pcm" 2>/dev/null)
[ "$rc" = 0 ] && awk -v s="$sz" 'BEGIN { exit !(s >= 576000 * 0.99 && s <= 576000 * 1.01) }' \
	&& t_pass "--pcm FILE: 48000 x 2 x 6 s bytes ($sz)" || t_fail "--pcm FILE" "exit $rc size $sz $(cat "$T/err")"
jq -e '.format == "s16le" and .sample_rate == 48000 and .channels == 1' "$T/mix.pcm.json" >/dev/null \
	&& t_pass "--pcm sidecar JSON" || t_fail "--pcm sidecar" "$(cat "$T/mix.pcm.json" 2>&1)"
[ -f "$T/pcm/0_$TS.mp4" ] && [ ! -e "$T/pcm/0_$TS.aac" ] && t_pass "--pcm replaces the AAC, the MP4 is still written" \
	|| t_fail "--pcm outputs" "$(ls "$T/pcm")"
db=$(ffmpeg -nostdin -v info -f s16le -ar 48000 -ac 1 -ss 2.3 -t 1.4 -i "$T/mix.pcm" \
	-af "bandpass=f=880:width_type=h:w=40,bandpass=f=880:width_type=h:w=40,volumedetect" -f null - 2>&1 |
	sed -n 's/.*mean_volume: \(-\{0,1\}[0-9.inf]*\) dB.*/\1/p')
flt "$db" -55 && t_pass "PCM: no 880 Hz while 103 is away" || t_fail "PCM content" "$db dB"

# --- --pcm - (stdout), audio only, stereo profile ---
"$MIX" -q -f "$F" -o "$T/pcm2" --isAudioOnly 1 --audioProfile 2 --pcm - >"$T/stdout.pcm" 2>"$T/err"; rc=$?
sz=$(stat -c %s "$T/stdout.pcm")
[ "$rc" = 0 ] && awk -v s="$sz" 'BEGIN { exit !(s >= 1152000 * 0.99 && s <= 1152000 * 1.01) }' \
	&& t_pass "--pcm - with --audioProfile 2: stereo PCM on stdout ($sz bytes)" || t_fail "--pcm -" "exit $rc size $sz"
# a reader that goes away: exit 74, a clear message
"$MIX" -q -f "$F" -o "$T/pcm3" --isAudioOnly 1 --pcm - 2>"$T/err" | head -c 1000 >/dev/null; rc=${PIPESTATUS[0]}
[ "$rc" = 74 ] && grep -q -- '--pcm' "$T/err" && t_pass "--pcm - reader gone: exit 74 with a message" \
	|| t_fail "--pcm EPIPE" "exit $rc $(cat "$T/err")"

# --- stereo AAC ---
"$MIX" -q -f "$F" -o "$T/st" --isAudioOnly 1 --audioProfile 2 >/dev/null 2>"$T/err"
[ "$(probe_stream_field "$T/st/0_$TS.aac" a channels)" = 2 ] && grep -q 'info channels=2$' "$T/st/uid_0_$TS.txt" \
	&& t_pass "--audioProfile 2: stereo AAC, 'info channels=2' in the txt" || t_fail "--audioProfile 2" "$(cat "$T/st/uid_0_$TS.txt")"

# --- --exclude, floating layout (the default) ---
"$MIX" -q -f "$F" -o "$T/ex" --exclude 103 "${RES[@]}" >/dev/null 2>"$T/err"; rc=$?
M=$T/ex/0_$TS.mp4
expect_colour "--exclude 103: 101 alone fills the canvas at 0.5 s" "$M" 0.5 480 90 red
expect_tone_at "--exclude 103: no 880 Hz" "$T/ex/0_$TS.aac" 0.2 1.6 880 no
"$MIX" -q -f "$F" -o "$T/fl" "${RES[@]}" >/dev/null 2>"$T/err"
M=$T/fl/0_$TS.mp4
expect_colour "floating: 101 fills the canvas" "$M" 0.5 480 90 red
expect_colour "floating: 103 in the first tile, bottom left" "$M" 0.5 83 277 blue

# --- a real SDK composite folder (uid 0 only) rendered again ---
real=$SHARED/data/agora-2.3.0/20190208/abc_042727_331620252
if [ -d "$real" ]; then
	cp -r "$real" "$T/sdk"; chmod -R u+w "$T/sdk"
	"$MIX" -q -f "$T/sdk" --layoutMode 1 >"$T/out" 2>"$T/err"; rc=$?
	M=$T/sdk/mix/0_20190208042729529.mp4
	p=$(media_problems "$M" v 23.4 360 640 15)
	[ "$rc" = 0 ] && [ -z "$p" ] && t_pass "the SDK's composite folder rendered again into mix/ (23.4 s, 360x640)" \
		|| t_fail "SDK composite folder" "exit $rc $p $(tail -n 3 "$T/err")"
	cmp -s "$real/0_20190208042729830.mp4" "$T/sdk/0_20190208042729830.mp4" && t_pass "the SDK's own uid 0 files untouched" \
		|| t_fail "SDK files untouched" ""
else
	t_skip "SDK composite folder" "$real is absent"
fi

# --- background images, vertical layout ---
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=yellow:s=160x90" -frames:v 1 "file:$T/bg.png"
ffmpeg -nostdin -v error -y -f lavfi -i "color=c=white:s=64x64" -frames:v 1 "file:$T/user.jpg"
"$MIX" -q -f "$F" -o "$T/img" --layoutMode 1 "${RES[@]}" --defaultVideoBg "$T/bg.png" --defaultUserBg "$T/user.jpg" \
	>/dev/null 2>"$T/err"; rc=$?
M=$T/img/0_$TS.mp4
[ "$rc" = 0 ] && t_pass "--defaultVideoBg and --defaultUserBg: exit 0" || t_fail "background images" "exit $rc $(cat "$T/err")"
expect_colour "--defaultVideoBg: the empty region shows the image" "$M" 1.5 480 270 yellow
expect_colour "--defaultUserBg: a user without video shows the picture" "$M" 5 160 270 white
"$MIX" -q -f "$F" -o "$T/vert" --layoutMode 2 --maxResolutionUid 102 "${RES[@]}" >/dev/null 2>"$T/err"
M=$T/vert/0_$TS.mp4
expect_colour "vertical layout: --maxResolutionUid 102 in the large region" "$M" 3 256 180 "0 128 0"
expect_colour "vertical layout: 101 in the first small region" "$M" 3 576 45 red
