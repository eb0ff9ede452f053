#!/usr/bin/env bash
# A slow ffmpeg child is not a stuck one.  On a busy machine the audio
# encoder may start late or fall behind: it must be left to catch up
# (one whole audio file, nothing lost), also when the recording stops
# before it has read anything, while a child that takes nothing at all
# for 10 s is still killed and the recording goes on.  The children are
# the real ffmpeg behind a wrapper (AGREC_FFMPEG) that, for the audio
# writer only, starts it SLOW_DELAY s late or never reads.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
real=$(command -v ffmpeg)
cat >"$T/ffmpeg" <<WRAP
#!/bin/sh
# The audio writer is the child that writes ADTS.
case " \$* " in
*" adts "*)
	case \$SLOW_MODE in
	late) sleep "\$SLOW_DELAY" ;;	# a child that starts late, as on a busy machine
	never) exec sleep 60 ;;	# a child that never reads
	esac ;;
esac
exec "$real" "\$@"
WRAP
chmod 755 "$T/ffmpeg"
p1=$(free_port); p2=$(( p1 + 2 )); p3=$(( p1 + 4 ))
mkdir -p "$T/late" "$T/never" "$T/stop"

SLOW_MODE=late SLOW_DELAY=4 AGREC_FFMPEG=$T/ffmpeg rec_start late --channel late --recordFileRootDir "$T/late" \
	--listen "127.0.0.1:$p1" --idle 60 || exit 1
lpid=$REC_PID ldir=$REC_DIR
SLOW_MODE=never AGREC_FFMPEG=$T/ffmpeg rec_start never --channel never --recordFileRootDir "$T/never" \
	--listen "127.0.0.1:$p2" --idle 60 || exit 1
npid=$REC_PID ndir=$REC_DIR
# The audio child of this one reads nothing before the recording stops.
SLOW_MODE=late SLOW_DELAY=5 AGREC_FFMPEG=$T/ffmpeg rec_start stop --channel stop --recordFileRootDir "$T/stop" \
	--listen "127.0.0.1:$p3" --idle 60 || exit 1
spid=$REC_PID sdir=$REC_DIR
send_av "$p1" 8 1001 0x11111111 0x22222222 & s1=$!
send_av "$p2" 14 1002 0x11111112 0x22222223 & s2=$!
send_av "$p3" 3 1003 0x11111113 0x22222224 & s3=$!
PIDS+=("$s1" "$s2" "$s3")
wait "$s3"
wait_for 30 rec_gone "$sdir" 1003 || t_fail "stop: the user's leave is logged" "$(tail -n 3 "$sdir/recording.log")"
REC_PID=$spid; rec_stop
[ "$REC_RC" = 0 ] && t_pass "stop: the recorder exits 0" || t_fail "stop: the recorder exits 0" "$REC_RC"
wait "$s1" "$s2"
wait_for 30 rec_gone "$ldir" 1001 || t_fail "late: the user's leave is logged" "$(tail -n 3 "$ldir/recording.log")"
wait_for 30 rec_gone "$ndir" 1002 || t_fail "never: the user's leave is logged" "$(tail -n 3 "$ndir/recording.log")"
REC_PID=$lpid; rec_stop
[ "$REC_RC" = 0 ] && t_pass "late: the recorder exits 0" || t_fail "late: the recorder exits 0" "$REC_RC"
REC_PID=$npid; rec_stop
[ "$REC_RC" = 0 ] && t_pass "never: the recorder exits 0" || t_fail "never: the recorder exits 0" "$REC_RC"

# A child that starts 4 s late keeps its file: one .aac, all of it.
if grep -q 'stalled' "$ldir/recording.log"; then
	t_fail "late: the slow child is not killed" "$(grep stalled "$ldir/recording.log" | head -n 2)"
else
	t_pass "late: the slow child is not killed"
fi
mapfile -t a < <(ls "$ldir"/1001_*.aac 2>/dev/null)
if [ "${#a[@]}" = 1 ]; then
	t_pass "late: one audio file"
	d=$(adts_dur "${a[0]}")
	fnear "$d" 8 0.6 && t_pass "late: the audio is whole ($d s of 8 s)" || t_fail "late: the audio is whole" "$d s"
	expect_tone "late: the audio is the sender's tone" "${a[0]}" 6 1
else
	t_fail "late: one audio file" "${#a[@]}: $(ls "$ldir")"
fi
txt=$(txt_of "$ldir" 1001)
[ -n "$txt" ] && [ "$(grep -c ' create $' $txt)" = 2 ] && [ "$(grep -c ' close $' $txt)" = 2 ] \
	&& t_pass "late: one audio and one video file in the txt" || t_fail "late: txt" "$(cat $txt 2>/dev/null)"

# A child that had read nothing when the recording stopped gets all of it.
a=$(ls "$sdir"/1003_*.aac 2>/dev/null | head -n 1)
if [ -n "$a" ]; then
	d=$(adts_dur "$a")
	fnear "$d" 3 0.5 && t_pass "stop: the late child got all the audio ($d s of 3 s)" \
		|| t_fail "stop: the late child got all the audio" "$d s; $(grep -E 'not written|stalled' "$sdir/recording.log" | head -n 2)"
else
	t_fail "stop: the late child got all the audio" "no .aac: $(ls "$sdir")"
fi

# A child that never reads is killed after 10 s, and only it.
if grep -Eq 'the ffmpeg writing 1002_[0-9]+\.aac has stalled for 10 s \(taking nothing' "$ndir/recording.log"; then
	t_pass "never: the child that takes nothing is killed and logged"
else
	t_fail "never: the child that takes nothing is killed" "$(grep -i 'ffmpeg' "$ndir/recording.log" | head -n 3)"
fi
v=$(ls "$ndir"/1002_*.mp4 2>/dev/null | head -n 1)
if [ -n "$v" ]; then
	d=$(probe_dur "$v" v)
	fnear "$d" 14 0.6 && t_pass "never: the video was not disturbed ($d s)" || t_fail "never: the video" "$d"
else
	t_fail "never: the video was not disturbed" "no mp4: $(ls "$ndir")"
fi
