#!/usr/bin/env bash
# Composite recording with the Agora-style single command line
# (--isMixingEnabled 1): agrec-record runs agrec-mix on its channel
# stream, the folder gets the SDK's uid 0 files and no per-user files,
# recording2-done.txt comes after them, and agrec-convert converts the
# folder.  --getAudioFrame 3 gives the mixed PCM with both users' tones.
# A SIGKILLed recorder still leaves a playable composite.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe python3
[ -x "$AGREC_BUILD/agrec-mix" ] || { t_fail "agrec-mix is built" "no $AGREC_BUILD/agrec-mix"; exit 1; }

# tones FILE: the power of 440 Hz and 880 Hz (Goertzel) in s16le mono 48 kHz, as "a b".
tones() {
	python3 - "$1" <<'PY'
import sys, struct, math
d = open(sys.argv[1], 'rb').read()
n = len(d) // 2
s = struct.unpack('<%dh' % n, d[:2 * n])[n // 4: 3 * n // 4]
def power(f):
    w = 2 * math.cos(2 * math.pi * f / 48000); a = b = 0.0
    for x in s:
        a, b = x + w * a - b, a
    return (a * a + b * b - w * a * b) / max(1, len(s)) ** 2
ref = power(1234.5) + 1e-9
print('%.1f %.1f' % (10 * math.log10(power(440) / ref), 10 * math.log10(power(880) / ref)))
PY
}

port=$(free_port)
rec_start c --channel comp --recordFileRootDir "$T/c" --listen "127.0.0.1:$port" --idle 3 \
	--isMixingEnabled 1 --mixResolution 640,360,15,500 --layoutMode 1 --mixedVideoAudio 0 || exit 1
# 1101 joins first, so best-fit puts it on the left.
send_color "$port" 5 1101 0x1101 0x1102 0xff0000 440 & a=$!
wait_for 20 rec_logged "$REC_DIR" 'uid 1101 joined' || t_fail "composite: 1101 joins" "$(tail -n 5 "$REC_DIR/recording.log")"
send_color "$port" 5 1102 0x1103 0x1104 0x0000ff 880 & b=$!
PIDS+=("$a" "$b"); wait "$a" "$b"
rec_wait 40
[ "$REC_RC" = 0 ] && t_pass "composite: the recorder leaves after --idle and exits 0" || t_fail "composite: recorder exit" "$REC_RC $(tail -n 3 "$T/c.err")"
d=$REC_DIR
ls "$d"/1101_* "$d"/uid_1101_* >/dev/null 2>&1 && t_fail "composite: no per-user files" "$(ls "$d")" || t_pass "composite: no per-user files"
mp4=$(ls "$d"/0_*.mp4 2>/dev/null | head -n 1); aac=$(ls "$d"/0_*.aac 2>/dev/null | head -n 1)
txt=$(ls "$d"/uid_0_*.txt 2>/dev/null | head -n 1)
if [ -n "$mp4" ] && [ -n "$aac" ] && [ -n "$txt" ]; then
	t_pass "composite: 0_TS.mp4, 0_TS.aac and uid_0_TS.txt"
	[ "$(probe_stream_field "$mp4" v width)x$(probe_stream_field "$mp4" v height)" = 640x360 ] && t_pass "composite: 640x360 canvas" \
		|| t_fail "composite canvas" "$(probe_stream_field "$mp4" v width)x$(probe_stream_field "$mp4" v height)"
	vd=$(probe_dur "$mp4" v)
	fgt "$vd" 4.5 && flt "$vd" 10 && t_pass "composite video lasts the meeting ($vd s)" || t_fail "composite video duration" "$vd"
	ad=$(adts_dur "$aac")
	fgt "$ad" 4.5 && flt "$ad" 10 && t_pass "composite audio lasts the meeting ($ad s)" || t_fail "composite audio duration" "$ad"
	# best-fit with two users: left half red, right half blue, at 2.5 s
	read -r y u v < <(ffmpeg -v error -ss 2.5 -i "file:$mp4" -frames:v 1 -vf "crop=160:180:0:90,scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1)
	fnear "$v" 240 25 && t_pass "composite: the left region shows 1101's red ($y $u $v)" || t_fail "left region colour" "$y $u $v"
	read -r y u v < <(ffmpeg -v error -ss 2.5 -i "file:$mp4" -frames:v 1 -vf "crop=160:180:480:90,scale=1:1:flags=area,format=yuv444p" -f rawvideo - | od -An -tu1)
	fnear "$u" 240 25 && t_pass "composite: the right region shows 1102's blue ($y $u $v)" || t_fail "right region colour" "$y $u $v"
	expect_tone "composite audio has sound" "$aac" 1 3
	grep -q '0_.*\.aac create ' "$txt" && grep -q '0_.*\.mp4 info width=640 height=360 rotation=0' "$txt" \
		&& t_pass "uid_0 txt in the 2.3.0 grammar" || t_fail "uid_0 txt" "$(cat "$txt")"
	[ "$(find "$d" -newer "$mp4" -name recording2-done.txt | wc -l)" = 1 ] && t_pass "recording2-done.txt written after the composite" \
		|| t_fail "recording2-done.txt order" "$(ls -l --time-style=full-iso "$d")"
	conv -m 0 -f "$d"
	o=$(ls "$d"/0_*_av.mp4 2>/dev/null | head -n 1)
	[ "$RC" = 0 ] && [ -n "$o" ] && fgt "$(probe_dur "$o")" 4.5 && t_pass "agrec-convert converts the composite folder" || t_fail "convert composite" "$(conv_why)"
else
	t_fail "composite: 0_TS.mp4, 0_TS.aac and uid_0_TS.txt" "$(ls "$d"); $(tail -n 5 "$d/recording.log")"
fi

# Mixed PCM (--getAudioFrame 3) with per-user files.
port=$(free_port)
rec_start p --channel mixpcm --recordFileRootDir "$T/p" --listen "127.0.0.1:$port" --idle 3 --getAudioFrame 3 || exit 1
send_color "$port" 4 1201 0x1201 0x1202 0x00ff00 440 & a=$!
send_color "$port" 4 1202 0x1203 0x1204 0x00ff00 880 & b=$!
PIDS+=("$a" "$b"); wait "$a" "$b"
rec_wait 40
d=$REC_DIR
if [ -f "$d/0.pcm" ]; then
	sz=$(stat -c %s "$d/0.pcm"); dur=$(awk -v s="$sz" 'BEGIN { printf "%.2f", s / 96000 }')
	fgt "$dur" 3.5 && t_pass "0.pcm: the mixed PCM lasts the meeting ($dur s)" || t_fail "0.pcm length" "$dur"
	read -r p1 p2 < <(tones "$d/0.pcm")
	fgt "$p1" 20 && fgt "$p2" 20 && t_pass "0.pcm holds both users' tones (440 Hz +$p1 dB, 880 Hz +$p2 dB)" || t_fail "0.pcm tones" "$p1 $p2"
else
	t_fail "--getAudioFrame 3 writes 0.pcm" "$(ls "$d"); $(tail -n 5 "$d/recording.log")"
fi
ls "$d"/1201_*.mp4 >/dev/null 2>&1 && t_pass "--getAudioFrame 3 keeps the per-user video files" || t_fail "per-user video with getAudioFrame 3" "$(ls "$d")"
ls "$d"/1201_*.aac >/dev/null 2>&1 && t_fail "--getAudioFrame 3: no per-user .aac" "$(ls "$d")" || t_pass "--getAudioFrame 3: no per-user .aac"

# SIGKILL of the recorder mid-meeting: agrec-mix sees the end of its input and finishes.
port=$(free_port)
rec_start k --channel compkill --recordFileRootDir "$T/k" --listen "127.0.0.1:$port" --isMixingEnabled 1 \
	--mixedVideoAudio 1 || exit 1
SEND_PROGRESS=$T/sent.k send_color "$port" 6 1301 0x1301 0x1302 0xffffff 440 & a=$!
PIDS+=("$a")
# Mid-meeting: the sender has sent 4 s (ffmpeg -progress; the composite
# file is too small to show its progress before the end) and the
# composite file exists.  Then agrec-mix, orphaned, is waited for.
comp_made() { ls "$REC_DIR"/0_*.mp4 >/dev/null 2>&1; }
wait_for 30 sent_at_least 4 "$T/sent.k" && wait_for 20 comp_made \
	|| t_fail "SIGKILL: 4 s sent and a composite file before the kill" "$(ls -l "$REC_DIR"; tail -n 5 "$REC_DIR/recording.log")"
kids=$(rec_children "$REC_PID")
kill -9 "$REC_PID"; wait "$REC_PID" 2>/dev/null
wait_for 30 pids_gone $kids || t_fail "SIGKILL: agrec-mix and the writers finish" "still running: $kids"
mp4=$(ls "$REC_DIR"/0_*.mp4 2>/dev/null | head -n 1)
if [ -n "$mp4" ]; then
	vd=$(probe_dur "$mp4" v)
	[ "$(probe_count "$mp4" a)" = 1 ] && fgt "$vd" 1.5 && t_pass "SIGKILL: the A/V composite plays ($vd s)" || t_fail "SIGKILL composite" "$vd s, $(probe_count "$mp4" a) audio"
	ffmpeg -v error -i "file:$mp4" -f null - 2>"$T/dec.err" && [ ! -s "$T/dec.err" ] && t_pass "SIGKILL: the composite decodes without errors" || t_fail "SIGKILL decode" "$(head -n 3 "$T/dec.err")"
else
	t_fail "SIGKILL: a composite file" "$(ls "$REC_DIR")"
fi
wait "$a" 2>/dev/null
