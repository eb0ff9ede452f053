#!/usr/bin/env bash
# Raw data (agora-format.md 4.7, 4.8): --getAudioFrame 1 and 2,
# --getVideoFrame 1 and 2, their sidecars, the per-user counters, and
# --rawFifo with a live reader and with a reader that goes away.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe jq python3

# freq FILE CHANNELS: the dominant frequency of s16le 48 kHz PCM (zero crossings of channel 0).
freq() {
	python3 - "$1" "$2" <<'PY'
import sys, struct
data = open(sys.argv[1], 'rb').read(); ch = int(sys.argv[2])
n = len(data) // (2 * ch)
s = struct.unpack('<%dh' % (n * ch), data[:n * 2 * ch])[::ch]
# the middle of the file, away from the start and end
s = s[n // 4: 3 * n // 4]
z = sum(1 for a, b in zip(s, s[1:]) if a < 0 <= b)
print('%.1f' % (z * 48000.0 / max(1, len(s))))
PY
}

p1=$(free_port)
# 1. PCM + YUV (modes 2 and 2).
rec_start a --channel rawpcm --recordFileRootDir "$T/a" --listen "127.0.0.1:$p1" \
	--getAudioFrame 2 --getVideoFrame 2 --idle 3 || exit 1
send_color "$p1" 4 501 0x5010 0x5011 0xff0000 1000 320x240
wait_for 20 rec_gone "$REC_DIR" 501 || t_fail "pcm/yuv: the recorder sees the BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "pcm/yuv: recorder exits 0" || t_fail "pcm/yuv: recorder exits 0" "$REC_RC $(tail -n 3 "$T/a.err")"
d=$REC_DIR
ls "$d"/501_*.aac "$d"/501_*.mp4 >/dev/null 2>&1 && t_fail "pcm/yuv: no .aac/.mp4 files" "$(ls "$d")" || t_pass "pcm/yuv: no .aac/.mp4 files"
ls "$d"/uid_501_*.txt >/dev/null 2>&1 && t_fail "pcm/yuv: no txt for raw media" "$(ls "$d")" || t_pass "pcm/yuv: no txt for raw media"
pcm=$d/501.pcm
if [ -f "$pcm" ]; then
	jqe "$pcm.json" '.format == "s16le" and .sample_rate == 48000 and .channels == 1 and .uid == 501' \
		&& t_pass "pcm sidecar" || t_fail "pcm sidecar" "$(cat "$pcm.json")"
	sz=$(stat -c %s "$pcm"); dur=$(awk -v s="$sz" 'BEGIN { printf "%.3f", s / 96000 }')
	fnear "$dur" 4 0.12 && t_pass "pcm length 4 s ($dur s)" || t_fail "pcm length" "$dur s"
	f=$(freq "$pcm" 1)
	fnear "$f" 1000 10 && t_pass "pcm tone 1000 Hz ±1 % ($f)" || t_fail "pcm tone" "$f Hz"
	[ "$(stat -c %a "$pcm")" = 600 ] && t_pass "pcm file is owner-only" || t_fail "pcm mode" "$(stat -c %a "$pcm")"
else
	t_fail "501.pcm written" "$(ls "$d")"
fi
yuv=$d/501.yuv
if [ -f "$yuv" ]; then
	jqe "$yuv.json" '.format == "i420" and .width == 320 and .height == 240 and .frame_size == 115200' \
		&& t_pass "yuv sidecar" || t_fail "yuv sidecar" "$(cat "$yuv.json")"
	sz=$(stat -c %s "$yuv"); n=$((sz / 115200))
	[ $((sz % 115200)) = 0 ] && t_pass "yuv: whole frames ($n)" || t_fail "yuv: whole frames" "$sz bytes"
	[ "$n" -ge 57 ] && [ "$n" -le 61 ] && t_pass "yuv: 4 s at 15 fps ($n frames)" || t_fail "yuv frame count" "$n"
	# the middle frame is red: Y ~ 81, U ~ 90, V ~ 240 (BT.601 limited)
	read -r y u v < <(python3 - "$yuv" "$n" <<'PY'
import sys
f = open(sys.argv[1], 'rb'); n = int(sys.argv[2]); fs = 115200
f.seek((n // 2) * fs); b = f.read(fs)
Y = b[:76800]; U = b[76800:96000]; V = b[96000:]
print(sum(Y) // len(Y), sum(U) // len(U), sum(V) // len(V))
PY
)
	fnear "$y" 81 8 && fnear "$u" 90 8 && fnear "$v" 240 8 && t_pass "yuv: the frames are the sender's red ($y $u $v)" \
		|| t_fail "yuv colour" "$y $u $v"
else
	t_fail "501.yuv written" "$(ls "$d")"
fi

# 2. AAC + H.264 (modes 1 and 1), two users.
p2=$(free_port)
rec_start b --channel rawenc --recordFileRootDir "$T/b" --listen "127.0.0.1:$p2" \
	--getAudioFrame 1 --getVideoFrame 1 --idle 3 || exit 1
send_color "$p2" 3 601 0x6010 0x6011 0x00ff00 440 320x180 & s1=$!
send_color "$p2" 3 602 0x6020 0x6021 0x0000ff 660 160x120 & s2=$!
PIDS+=("$s1" "$s2"); wait "$s1" "$s2"
for u in 601 602; do
	wait_for 20 rec_gone "$REC_DIR" "$u" || t_fail "aac/h264: the recorder sees uid $u's BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
done
rec_stop
[ "$REC_RC" = 0 ] && t_pass "aac/h264: recorder exits 0" || t_fail "aac/h264: recorder exits 0" "$REC_RC"
d=$REC_DIR
for uid in 601 602; do
	a=$d/$uid.aac h=$d/$uid.h264
	if [ -f "$a" ]; then
		[ "$(probe_stream_field "$a" a codec_name)" = aac ] && t_pass "$uid.aac is AAC" || t_fail "$uid.aac codec" "$(probe_stream_field "$a" a codec_name)"
		ad=$(adts_dur "$a"); fnear "$ad" 3 0.15 && t_pass "$uid.aac lasts 3 s ($ad)" || t_fail "$uid.aac duration" "$ad"
		jqe "$a.json" '.format == "aac" and .framing == "adts" and .sample_rate == 48000' && t_pass "$uid.aac sidecar" || t_fail "$uid.aac sidecar" "$(cat "$a.json")"
	else
		t_fail "$uid.aac written" "$(ls "$d")"
	fi
	if [ -f "$h" ]; then
		nf=$(ffprobe -v error -f h264 -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of default=nw=1:nk=1 "file:$h")
		[ "${nf:-0}" -ge 43 ] && [ "${nf:-0}" -le 46 ] && t_pass "$uid.h264 decodes, 45 frames ($nf)" || t_fail "$uid.h264 frames" "$nf"
		head -c 5 "$h" | od -An -tx1 | grep -q '00 00 00 01 67' && t_pass "$uid.h264 starts with start code + SPS" || t_fail "$uid.h264 start" "$(head -c 5 "$h" | od -An -tx1)"
	else
		t_fail "$uid.h264 written" "$(ls "$d")"
	fi
done
w=$(probe_stream_field "file:$d/602.h264" v width 2>/dev/null)
[ "$(jq -r .width "$d/602.h264.json" 2>/dev/null)" = 160 ] && t_pass "h264 sidecar has the size" || t_fail "h264 sidecar" "$(cat "$d/602.h264.json" 2>/dev/null)"

# 3. A rejoin appends to the same file; a channel-count change starts <UID>_2.pcm.
p3=$(free_port)
rec_start c --channel rawrejoin --recordFileRootDir "$T/c" --listen "127.0.0.1:$p3" \
	--getAudioFrame 2 --isAudioOnly 1 --idle 10 || exit 1
send_color "$p3" 2 701 0x7010 0x7011 0x808080 500 160x120
# The rejoin comes once the recorder has seen the leave (BYE).
wait_for 20 rec_gone "$REC_DIR" 701 || t_fail "rejoin: the recorder sees the first BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
send_audio "$p3" 2 701 0x7012
wait_for 20 rec_logged "$REC_DIR" 'uid 701 left' 2 || t_fail "rejoin: the recorder sees the second BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
rec_stop
d=$REC_DIR
sz=$(stat -c %s "$d/701.pcm" 2>/dev/null || echo 0)
dur=$(awk -v s="$sz" 'BEGIN { printf "%.3f", s / 96000 }')
fnear "$dur" 2 0.12 && t_pass "mono part in 701.pcm ($dur s)" || t_fail "701.pcm" "$dur s; $(ls "$d")"
if [ -f "$d/701_2.pcm" ]; then
	jqe "$d/701_2.pcm.json" '.channels == 2' && t_pass "stereo rejoin: 701_2.pcm with channels 2" || t_fail "701_2.pcm sidecar" "$(cat "$d/701_2.pcm.json")"
	sz=$(stat -c %s "$d/701_2.pcm"); dur=$(awk -v s="$sz" 'BEGIN { printf "%.3f", s / 192000 }')
	fnear "$dur" 2 0.12 && t_pass "701_2.pcm lasts 2 s ($dur)" || t_fail "701_2.pcm length" "$dur"
else
	t_fail "a channel-count change starts 701_2.pcm" "$(ls "$d")"
fi

# 4. --rawFifo: a live reader gets the PCM; a reader that goes away does not stop the recording.
p4=$(free_port)
mkdir -p "$T/d"
rec_start d --channel rawfifo --recordFileRootDir "$T/d" --listen "127.0.0.1:$p4" \
	--getAudioFrame 2 --getVideoFrame 1 --rawFifo 1 --idle 10 || exit 1
d=$REC_DIR
# One sender: a leave (BYE) closes the pipes, and a reader gets its EOF.
send_color "$p4" 4 801 0x8010 0x8011 0xffffff 1000 160x120 &
s1=$!; PIDS+=("$s1")
fifos() { [ -p "$d/801.pcm" ] && [ -p "$d/801.h264" ]; }
wait_for 20 fifos
[ -p "$d/801.pcm" ] && t_pass "--rawFifo makes 801.pcm a named pipe" || t_fail "--rawFifo pipe" "$(ls -l "$d")"
timeout 20 cat "$d/801.pcm" >"$T/live.pcm" & rd=$!; PIDS+=("$rd")
timeout 20 head -c 100 "$d/801.h264" >/dev/null & rd2=$!; PIDS+=("$rd2")
wait "$s1"
# The reader is stopped once the recorder has seen the BYE and the reader
# holds more than 2.5 s of audio (the check below).
wait_for 20 rec_gone "$d" 801 || t_fail "fifo: the recorder sees the BYE" "$(tail -n 5 "$d/recording.log")"
live_enough() { [ "$(stat -c %s "$T/live.pcm" 2>/dev/null || echo 0)" -gt 240000 ]; }
wait_for 20 live_enough
kill "$rd" 2>/dev/null; wait "$rd" 2>/dev/null
rec_stop
[ "$REC_RC" = 0 ] && t_pass "fifo: recorder exits 0 although a reader went away" || t_fail "fifo: recorder exit" "$REC_RC $(tail -n 3 "$T/d.err")"
sz=$(stat -c %s "$T/live.pcm"); dur=$(awk -v s="$sz" 'BEGIN { printf "%.3f", s / 96000 }')
fgt "$dur" 2.5 && t_pass "fifo: the live reader got the audio ($dur s)" || t_fail "fifo reader" "$dur s"
[ -f "$d/recording2-done.txt" ] && t_pass "fifo: the folder is finished" || t_fail "fifo: folder finished" "$(ls "$d")"

# 5. Bad combinations.
"$RECORD" --channel x --isMixingEnabled 1 --getAudioFrame 2 >/dev/null 2>"$T/e1"; rc=$?
[ "$rc" = 64 ] && grep -q 'cannot be combined' "$T/e1" && t_pass "mixing + getAudioFrame 2: 64" || t_fail "mixing + getAudioFrame 2" "$rc $(cat "$T/e1")"
"$RECORD" --channel x --getVideoFrame 6 >/dev/null 2>"$T/e2"; rc=$?
[ "$rc" = 64 ] && t_pass "getVideoFrame 6: 64" || t_fail "getVideoFrame 6" "$rc"
"$RECORD" --channel x --captureInterval 0 >/dev/null 2>"$T/e3"; rc=$?
[ "$rc" = 64 ] && grep -q captureInterval "$T/e3" && t_pass "captureInterval 0: 64" || t_fail "captureInterval 0" "$rc $(cat "$T/e3")"
