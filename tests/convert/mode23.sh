#!/usr/bin/env bash
# agrec-convert modes 2 (audio only per session) and 3 (video only per
# session), with and without -s.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert

run() {	# run SCEN NAME WANT_RC ARGS...: convert a fresh copy of SCEN into $T/NAME
	D=$T/$2; fixture "$1" "$D"; conv -f "$D" "${@:4}"
	expect_rc "$2: exit status" "$3"
}

# --- mode 2 ---
run rejoin m2-rejoin 0 -m 2
f=$D/1002_0_merge.m4a
expect_outputs "m2 rejoin: output names" "$D" rejoin "${f##*/}"
expect_done "m2 rejoin: side files" "$D"
expect_media "m2 rejoin: audio only, 23.0 s" "$f" a 23.0
expect_tone "m2 rejoin: first txt's tone (0.2-3.8 s)" "$f" 0.2 3.6
expect_silence "m2 rejoin: silence in the absence (5-19 s)" "$f" 5 14
expect_tone "m2 rejoin: second txt's tone (20.2-22.8 s)" "$f" 20.2 2.6

run rejoin m2s-rejoin 0 -m 2 -s
f=$D/1002_0_merge.m4a
expect_outputs "m2 -s rejoin: output names" "$D" rejoin "${f##*/}"
expect_media "m2 -s rejoin: 4.0 + 3.0 = 7.0 s" "$f" a 7.0
expect_tone "m2 -s rejoin: no silence across the join (3.0-5.0 s)" "$f" 3.0 2.0

run sessions m2-sessions 0 -m 2
expect_outputs "m2 sessions: output names" "$D" sessions 1003_0_merge.m4a 1003_1_merge.m4a
expect_media "m2 sessions: session 0 4.0 s" "$D/1003_0_merge.m4a" a 4.0
expect_media "m2 sessions: session 1 3.0 s" "$D/1003_1_merge.m4a" a 3.0

run multi m2-multi 0 -m 2
expect_outputs "m2 multi: output names" "$D" multi 2001_0_merge.m4a 2002_0_merge.m4a 2003_0_merge.m4a
expect_media "m2 multi: 2001 4.0 s" "$D/2001_0_merge.m4a" a 4.0
expect_media "m2 multi: 2002 3.0 s" "$D/2002_0_merge.m4a" a 3.0
expect_media "m2 multi: 2003 2.0 s" "$D/2003_0_merge.m4a" a 2.0

run stereo m2-stereo 0 -m 2
expect_outputs "m2 stereo: output names" "$D" stereo 1013_0_merge.m4a
expect_media "m2 stereo: 2 channels, 3.0 s" "$D/1013_0_merge.m4a" a 3.0 "" "" 15 2

# zerobyte: 1009's only audio file is empty -> no output for 1009
run zerobyte m2-zerobyte 0 -m 2
expect_outputs "m2 zerobyte: no output for a session without audio" "$D" zerobyte 1008_0_merge.m4a
expect_media "m2 zerobyte: 1008 4.0 s" "$D/1008_0_merge.m4a" a 4.0

# --- mode 3 ---
run rejoin m3-rejoin 0 -m 3
f=$D/1002_0_merge.mp4
expect_outputs "m3 rejoin: output names" "$D" rejoin "${f##*/}"
expect_done "m3 rejoin: side files" "$D"
expect_media "m3 rejoin: video only, 23.0 s" "$f" v 23.0 320 180 15
expect_black "m3 rejoin: black before the first clip (0.15 s)" "$f" 0.15
expect_picture "m3 rejoin: first clip at 2.0 s" "$f" 2.0
expect_black "m3 rejoin: black in the absence (12.0 s)" "$f" 12.0
expect_picture "m3 rejoin: second clip at 21.5 s" "$f" 21.5

# -s in mode 3: each txt contributes [first video start, last video end]:
# [0.4,4.0] + [20.4,23.0] = 3.6 + 2.6 = 6.2 s, picture throughout
run rejoin m3s-rejoin 0 -m 3 -s
f=$D/1002_0_merge.mp4
expect_outputs "m3 -s rejoin: output names" "$D" rejoin "${f##*/}"
expect_media "m3 -s rejoin: 6.2 s" "$f" v 6.2 320 180 15
expect_picture "m3 -s rejoin: picture at 0.2 s" "$f" 0.2
expect_picture "m3 -s rejoin: picture just after the join (3.8 s)" "$f" 3.8

run sessions m3-sessions 0 -m 3
expect_outputs "m3 sessions: output names" "$D" sessions 1003_0_merge.mp4 1003_1_merge.mp4
expect_media "m3 sessions: session 0 4.0 s" "$D/1003_0_merge.mp4" v 4.0 320 180 15
expect_media "m3 sessions: session 1 3.0 s" "$D/1003_1_merge.mp4" v 3.0 320 180 15

run multi m3-multi 0 -m 3
expect_outputs "m3 multi: output names (none for audio-only 2003)" "$D" multi 2001_0_merge.mp4 2002_0_merge.mp4
expect_media "m3 multi: 2001 4.0 s" "$D/2001_0_merge.mp4" v 4.0 320 180 15
expect_media "m3 multi: 2002 3.0 s" "$D/2002_0_merge.mp4" v 3.0 320 180 15

run rot90 m3-rot90 0 -m 3
expect_media "m3 rot90: 180x320" "$D/1006_0_merge.mp4" v 4.0 180 320 15

# audio-only folder in mode 3: nothing convertible -> 65, no output
run audio m3-audio 65 -m 3
expect_outputs "m3 audio: no output" "$D" audio
