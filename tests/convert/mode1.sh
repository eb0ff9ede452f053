#!/usr/bin/env bash
# agrec-convert mode 1 (one A/V file per user session), with and without -s.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert

run() {	# run SCEN NAME ARGS...: convert a fresh copy of SCEN into $T/NAME
	D=$T/$2; fixture "$1" "$D"; conv -f "$D" "${@:3}"
	expect_rc "$2: exit status" 0
}

# rejoin: txt 1 at 0-4 s, txt 2 at 20-23 s of one session -> 23.0 s with a
# black, silent gap from 4 to 20 s
run rejoin m1-rejoin -m 1
f=$D/1002_0_merge_av.mp4
expect_outputs "m1 rejoin: output names" "$D" rejoin "${f##*/}"
expect_done "m1 rejoin: side files" "$D"
expect_media "m1 rejoin: one file, session time 0 to 23.0 s" "$f" av 23.0 320 180 15
expect_black "m1 rejoin: black before the first clip (0.15 s)" "$f" 0.15
expect_picture "m1 rejoin: first clip at 2.0 s" "$f" 2.0
expect_black "m1 rejoin: black in the absence (12.0 s)" "$f" 12.0
expect_silence "m1 rejoin: silence in the absence (5-19 s)" "$f" 5 14
expect_picture "m1 rejoin: second clip at 21.5 s" "$f" 21.5
expect_tone "m1 rejoin: audio of the second txt (20.2-22.8 s)" "$f" 20.2 2.6
# edges (clips placed at their txt times, within a frame / an AAC frame)
expect_picture "m1 rejoin: edge: first clip still there at 3.9 s" "$f" 3.9
expect_black "m1 rejoin: edge: black right after it (4.1 s)" "$f" 4.1
expect_black "m1 rejoin: edge: still black at 20.25 s (video starts 20.4)" "$f" 20.25
expect_picture "m1 rejoin: edge: picture at 20.55 s" "$f" 20.55
expect_tone "m1 rejoin: edge: tone up to 4.0 s (3.7-3.95)" "$f" 3.7 0.25
expect_silence "m1 rejoin: edge: silence from 4.0 s (4.05-4.35)" "$f" 4.05 0.3
expect_silence "m1 rejoin: edge: silence up to 20.0 s (19.6-19.95)" "$f" 19.6 0.35
expect_tone "m1 rejoin: edge: tone from 20.0 s (20.05-20.35)" "$f" 20.05 0.3

# -s: the absence is left out: [0,4] + [20,23] = 7.0 s
run rejoin m1s-rejoin -m 1 -s
f=$D/1002_0_merge_av.mp4
expect_outputs "m1 -s rejoin: output names" "$D" rejoin "${f##*/}"
expect_media "m1 -s rejoin: 7.0 s" "$f" av 7.0 320 180 15
expect_picture "m1 -s rejoin: first clip at 2.0 s" "$f" 2.0
expect_black "m1 -s rejoin: second txt's black lead-in (4.2 s)" "$f" 4.2
expect_picture "m1 -s rejoin: second clip at 5.5 s" "$f" 5.5
expect_tone "m1 -s rejoin: no silence across the join (3.0-5.0 s)" "$f" 3.0 2.0
expect_tone "m1 -s rejoin: edge: tone right after the join (4.02-4.3 s)" "$f" 4.02 0.28
expect_picture "m1 -s rejoin: edge: picture at 4.55 s (video at 20.4 -> 4.4)" "$f" 4.55

# sessions: two sessions -> _0_ and _1_
run sessions m1-sessions -m 1
f1=$D/1003_0_merge_av.mp4 f2=$D/1003_1_merge_av.mp4
expect_outputs "m1 sessions: output names" "$D" sessions "${f1##*/}" "${f2##*/}"
expect_media "m1 sessions: session 0, 4.0 s" "$f1" av 4.0 320 180 15
expect_media "m1 sessions: session 1, 3.0 s" "$f2" av 3.0 320 180 15
run sessions m1s-sessions -m 1 -s
expect_outputs "m1 -s sessions: output names" "$D" sessions "${f1##*/}" "${f2##*/}"
expect_media "m1 -s sessions: session 0, 4.0 s" "$D/${f1##*/}" av 4.0 320 180 15
expect_media "m1 -s sessions: session 1, 3.0 s" "$D/${f2##*/}" av 3.0 320 180 15

# a session with no video at all -> _merge.m4a
run audio m1-audio -m 1
f=$D/1004_0_merge.m4a
expect_outputs "m1 audio: output names" "$D" audio "${f##*/}"
expect_media "m1 audio: audio-only session -> .m4a 3.0 s" "$f" a 3.0

# av: trailing black after the clip while the audio continues
run av m1-av -m 1
f=$D/1001_0_merge_av.mp4
expect_outputs "m1 av: output names" "$D" av "${f##*/}"
expect_media "m1 av: 5.0 s" "$f" av 5.0 320 180 15
expect_black "m1 av: black after the clip (4.75 s)" "$f" 4.75

# multi: three users
run multi m1-multi -m 1
expect_outputs "m1 multi: output names" "$D" multi 2001_0_merge_av.mp4 2002_0_merge_av.mp4 2003_0_merge.m4a
expect_media "m1 multi: 2001 4.0 s" "$D/2001_0_merge_av.mp4" av 4.0 320 180 15
expect_media "m1 multi: 2002 3.0 s" "$D/2002_0_merge_av.mp4" av 3.0 320 180 15
expect_media "m1 multi: 2003 audio only 2.0 s" "$D/2003_0_merge.m4a" a 2.0

# stereo session
run stereo m1-stereo -m 1
expect_media "m1 stereo: 2 channels, 3.0 s" "$D/1013_0_merge_av.mp4" av 3.0 320 180 15 2

# a marker line opens a new session: txt 2 of rejoin becomes session 1
# (-s: [20,23] -> 3.0 s; without -s the session timeline starts at time 0 -> 23.0 s)
for sflag in -s ""; do
	D=$T/marker$sflag; fixture rejoin "$D"
	t2=$D/uid_1002_20240301101520120.txt
	{ echo "new session started"; cat -- "$t2"; } >"$t2.new"; mv -- "$t2.new" "$t2"
	conv -f "$D" -m 1 $sflag
	expect_rc "marker$sflag: exit status" 0
	expect_outputs "marker$sflag: two sessions" "$D" rejoin 1002_0_merge_av.mp4 1002_1_merge_av.mp4
	expect_media "marker$sflag: session 0 4.0 s" "$D/1002_0_merge_av.mp4" av 4.0 320 180 15
	want=23.0; [ -n "$sflag" ] && want=3.0
	expect_media "marker$sflag: session 1 $want s" "$D/1002_1_merge_av.mp4" av $want 320 180 15
done

# the first txt of a uid without 0.000 and without a marker: a session is
# opened anyway, with a warning (the original crashed)
D=$T/nosession; fixture rejoin "$D"; rm -f -- "$D/uid_1002_${B}.txt"
conv -f "$D" -m 1 -s
expect_rc "no 0.000 in the first txt: exit status" 0
[ -s "$ERR" ] && t_pass "no 0.000 in the first txt: a warning" || t_fail "no 0.000 in the first txt: a warning" "stderr empty"
x=$(new_files "$D" rejoin | grep -vxF -e convert.log -e convert-done.txt -e .agrec-convert.lock)
[ "$x" = 1002_0_merge_av.mp4 ] && t_pass "no 0.000 in the first txt: output names" || t_fail "no 0.000 in the first txt: output names" "$x"
expect_media "no 0.000 in the first txt: -s gives 3.0 s" "$D/1002_0_merge_av.mp4" av 3.0 320 180 15

# mono txt 1 + stereo txt 2 in one session: channel count = max over the clips
D=$T/mixch; fixture rejoin "$D"
ffmpeg -nostdin -v error -y -f lavfi -i "aevalsrc=0.25*sin(440*2*PI*t)|0.25*sin(660*2*PI*t):s=48000:c=stereo:d=3" \
	-c:a aac -fflags +bitexact -f adts "$D/1002_20240301101520120.aac"
conv -f "$D" -m 1
expect_rc "mono + stereo session: exit status" 0
f=$D/1002_0_merge_av.mp4
expect_media "mono + stereo session: 2 channels, 23.0 s" "$f" av 23.0 320 180 15 2
expect_tone "mono + stereo session: mono part audible" "$f" 0.5 3
expect_silence "mono + stereo session: gap silent" "$f" 6 12
expect_tone "mono + stereo session: stereo part audible" "$f" 20.2 2.6
