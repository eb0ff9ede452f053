#!/usr/bin/env bash
# The README's main job in a reduced form (a 14 s channel): scripts/demo-run
# records three live participants with snapshots and a composite,
# converts, and draws; every output is probed, the pictures are valid
# images, and nothing is left running.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need ffmpeg ffprobe jq python3
out=$T/demo
DEMO_SECONDS=14 DEMO_AWAY=5 AGREC_BUILD=$AGREC_BUILD timeout 170 "$AGREC_TOP/scripts/demo-run" "$out" >"$T/demo.out" 2>"$T/demo.err"
rc=$?
[ $rc = 0 ] && t_pass "scripts/demo-run exits 0" || { t_fail "scripts/demo-run" "exit $rc: $(tail -n 5 "$T/demo.err" | tr '\n' ' ')"; exit 0; }
folder=$(ls -d "$out"/recordings/*/demo_* 2>/dev/null | head -n 1)
[ -n "$folder" ] && [ -f "$folder/recording2-done.txt" ] && t_pass "a finished recording folder" || t_fail "recording folder" "$(ls -R "$out" | head)"
# Converted outputs: 1001 (two sessions? no: away 5 s, one session), 1002 audio only, 1003 A/V.
for uid in 1001 1003; do
	f=$(ls "$folder"/${uid}_0_merge_av.mp4 2>/dev/null)
	if [ -n "$f" ]; then
		d=$(probe_dur "$f")
		fgt "$d" 10 && [ "$(probe_count "$f" v)" = 1 ] && [ "$(probe_count "$f" a)" = 1 ] \
			&& t_pass "uid $uid: merged A/V file ($d s)" || t_fail "uid $uid merged file" "$d s"
	else
		t_fail "uid $uid: merged A/V file" "$(ls "$folder" | tr '\n' ' ')"
	fi
done
f=$(ls "$folder"/1002_0_merge.m4a 2>/dev/null)
[ -n "$f" ] && [ "$(probe_count "$f" v)" = 0 ] && fgt "$(probe_dur "$f")" 10 && t_pass "uid 1002: audio-only merge ($(probe_dur "$f") s)" \
	|| t_fail "uid 1002 audio only" "$(ls "$folder" | tr '\n' ' ')"
# 1003 changed resolution: two video files in its txt.
n=$(grep -c '\.mp4 info width=' "$folder"/uid_1003_*.txt 2>/dev/null | awk -F: '{ s += $NF } END { print s + 0 }')
[ "$n" -ge 2 ] && grep -q 'width=640 height=360' "$folder"/uid_1003_*.txt && t_pass "uid 1003: the resolution change split the video ($n files)" \
	|| t_fail "uid 1003 resolution change" "$(cat "$folder"/uid_1003_*.txt)"
# Snapshots every 2 s for the two video users.
ns=$(wc -l <"$folder/snapshots.jsonl" 2>/dev/null || echo 0)
[ "$ns" -ge 8 ] && t_pass "snapshots indexed ($ns)" || t_fail "snapshots" "$ns"
# The composite.
mp4=$(ls "$out"/composite/0_*.mp4 2>/dev/null | head -n 1)
if [ -n "$mp4" ]; then
	d=$(probe_dur "$mp4" v)
	fgt "$d" 10 && [ "$(probe_stream_field "$mp4" v width)" = 640 ] && t_pass "composite: 640x360 video ($d s)" || t_fail "composite" "$d s"
	# 1001 left and came back (at about 9 s): by 12 s it is shown again in
	# its grid cell, bottom left (the background is #23b9dc).
	read -r y u v < <(ffmpeg -v error -ss 12 -i "file:$mp4" -frames:v 1 -vf "crop=320:180:0:180,scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1)
	read -r by bu bv < <(ffmpeg -v error -f lavfi -i "color=c=0x23b9dc:s=16x16:d=0.1" -frames:v 1 -vf "format=yuv444p,scale=1:1" -f rawvideo - | od -An -tu1)
	dist=$(( (y - by) * (y - by) + (u - bu) * (u - bu) + (v - bv) * (v - bv) ))
	[ "$dist" -gt 200 ] && t_pass "composite: 1001 is back in its cell after rejoining ($y $u $v vs background $by $bu $bv)" \
		|| t_fail "composite after the rejoin" "cell $y $u $v = background $by $bu $bv"
else
	t_fail "composite file" "$(ls "$out/composite" | tr '\n' ' ')"
fi
# The active-speaker composite from the folder (layout 3, speakers.jsonl):
# the senders take 3 s turns (1001, 1002, 1003, ...), so the large region
# shows 1003 late in its turn (8.5 s) and the background in 1002's (5.5 s:
# 1002 has no video); the switches are logged.
spk=$(ls "$out"/speaker/0_*.mp4 2>/dev/null | head -n 1)
if [ -n "$spk" ]; then
	d=$(probe_dur "$spk" v)
	fgt "$d" 10 && [ "$(probe_stream_field "$spk" v width)" = 640 ] && t_pass "active-speaker composite: 640x360 video ($d s)" || t_fail "active-speaker composite" "$d s"
	for u in 1001 1002 1003; do
		grep -q "uid $u takes the main region" "$out/speaker/mix.log" || { t_fail "active speaker: uid $u never took the main region" "$(cat "$out/speaker/mix.log")"; break; }
	done && t_pass "active speaker: each user took the main region in their turn"
	read -r by bu bv < <(ffmpeg -v error -f lavfi -i "color=c=0x23b9dc:s=16x16:d=0.1" -frames:v 1 -vf "format=yuv444p,scale=1:1" -f rawvideo - | od -An -tu1)
	main_dist() {	# main_dist T: distance of the large region's mean colour from the background
		local y u v
		read -r y u v < <(ffmpeg -v error -ss "$1" -i "file:$spk" -frames:v 1 -vf "crop=160:90:120:135,scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1)
		echo $(( (y - by) * (y - by) + (u - bu) * (u - bu) + (v - bv) * (v - bv) ))
	}
	d13=$(main_dist 8.5) d12=$(main_dist 5.5)
	[ "${d13:-0}" -gt 200 ] && [ "${d12:-999}" -lt 50 ] && t_pass "active speaker: the large region shows 1003 in its turn, the background in 1002's ($d13, $d12)" \
		|| t_fail "active speaker: large region" "distance from the background at 8.5 s $d13 (want > 200), at 5.5 s $d12 (want < 50); $(cat "$out/speaker/mix.log")"
else
	t_fail "active-speaker composite file" "$(ls "$out/speaker" 2>&1 | tr '\n' ' ')"
fi
for p in contact-sheet.png timeline.png speaker-sheet.png; do
	w=$(probe_stream_field "$out/$p" v width)
	[ "$(probe_stream_field "$out/$p" v codec_name)" = png ] && [ "${w:-0}" -gt 100 ] && t_pass "$p is a valid image (${w} px wide)" || t_fail "$p" "$(ls -l "$out/$p" 2>&1)"
done
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$out/timeline.svg" && grep -q 'uid 1002' "$out/timeline.svg" \
	&& t_pass "timeline.svg is well-formed and shows every user" || t_fail "timeline.svg" ""
grep -q '^USER ' "$T/demo.out" && grep -q 'Contact sheet:' "$T/demo.out" && [ "$(grep -cE '^(1001|1002|1003|mix) ' "$T/demo.out")" -ge 4 ] \
	&& t_pass "the summary table lists every output" || t_fail "summary table" "$(cat "$T/demo.out")"
left=$(pgrep -f -- "$out" | wc -l)
[ "$left" = 0 ] && t_pass "nothing left running" || t_fail "nothing left running" "$(pgrep -af -- "$out")"
