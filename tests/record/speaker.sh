#!/usr/bin/env bash
# agrec-record --isMixingEnabled 1 --layoutMode 3 --speakerHold 500
# --keepLastFrame 1: the recorder passes the active-speaker options to its
# agrec-mix child.  1101 (red, video only) joins first and has the large
# region; 1102 (blue, 880 Hz tone) joins about 1 s later and, the only
# one speaking, takes it (levels measured on the mixed audio).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
. "$(dirname "$0")/../mix/lib.sh"
need ffmpeg ffprobe
[ -x "$MIX" ] || { t_fail "agrec-mix is built" "no $MIX"; exit 1; }

port=$(free_port)
rec_start s --channel spk --recordFileRootDir "$T/r" --listen "127.0.0.1:$port" --idle 3 \
	--isMixingEnabled 1 --mixResolution 640,360,15,500 --layoutMode 3 --speakerHold 500 \
	--keepLastFrame 1 || exit 1
send_color "$port" 5 1101 0x1101 - red & a=$!
wait_for 20 rec_logged "$REC_DIR" 'uid 1101 joined' || t_fail "speaker: 1101 joins" "$(tail -n 5 "$REC_DIR/recording.log")"
sleep 1	# 1102 joins about 1 s after 1101 (the test's content)
send_color "$port" 4 1102 0x1103 0x1104 blue 880 & b=$!
PIDS+=("$a" "$b"); wait "$a" "$b"
rec_wait 40
[ "$REC_RC" = 0 ] && t_pass "speaker: the recorder exits 0" || t_fail "speaker: recorder exit" "$REC_RC $(tail -n 3 "$T/s.err")"
lg=$REC_DIR/recording.log
at() { awk -v re="$1" '$0 ~ re { t = $1 } END { print t }' "$lg"; }
J=$(awk -v a="$(at 'uid 1101 joined')" -v b="$(at 'uid 1102 joined')" 'BEGIN { printf "%.2f", b - a }')
mp4=$(ls "$REC_DIR"/0_*.mp4 2>/dev/null | head -n 1)
d=$(probe_dur "$mp4" v); p=$(media_problems "$mp4" v "$d" 640 360 15 2>/dev/null)
[ -n "$mp4" ] && [ -z "$p" ] && fgt "$d" 4 && t_pass "speaker: a 640x360 15 fps composite, $d s" || t_fail "speaker: composite" "'$mp4' $d s $p"
before=$(awk -v j="$J" 'BEGIN { printf "%.2f", j - 0.4 }')
after=$(awk -v j="$J" 'BEGIN { printf "%.2f", j + 2.0 }')
if fgt "$before" 0.2; then
	# red, or the background while a loaded machine starts 1101's decoder
	c=$(rgb_at "$mp4" "$before" 256 180)
	is_colour "$c" blue || [ -z "$c" ] && t_fail "speaker: 1102 not large before it joins" "($before s: '$c')" \
		|| t_pass "speaker: 1102 not large before it joins ($before s: $c)"
else
	t_fail "speaker: 1101 alone first" "1102 joined $J s after 1101"
fi
expect_colour "speaker: 1102, the one speaking, large at $after s" "$mp4" "$after" 256 180 blue
expect_colour "speaker: 1101 in the strip at $after s" "$mp4" "$after" 576 45 red
