#!/usr/bin/env bash
# Subscribe lists (the SDK 3.x): three RTP participants, 201 (red, 440 Hz),
# 202 (green, 660 Hz) and 203 (blue, 880 Hz).  With --autoSubscribe 0
# --subscribeVideoUids 201 --subscribeAudioUids 201,202 the folder has
# 201's video and audio, 202's audio only and nothing of 203; the --emit
# stream the same; each left-out uid and kind is logged once and counted
# at the end.  With --autoSubscribe 1 the lists are ignored (a warning)
# and everyone is recorded.  Bad lists exit 64 with the reason.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe

# three SECONDS PORT: the three participants, in the foreground.
three() {
	send_color "$2" "$1" 201 0x2011 0x2012 0xff0000 440 & local a=$!
	send_color "$2" "$1" 202 0x2021 0x2022 0x00ff00 660 & local b=$!
	send_color "$2" "$1" 203 0x2031 0x2032 0x0000ff 880 & local c=$!
	PIDS+=("$a" "$b" "$c")
	wait "$a" "$b" "$c"
}

# settled DIR PORT: 201 and 202 left (their BYEs seen) and nothing waits on the sockets.
settled() {
	local u
	for u in 201 202; do
		wait_for 20 rec_gone "$1" "$u" || t_fail "uid $u's BYE is seen" "$(tail -n 5 "$1/recording.log")"
	done
	wait_for 10 rec_drained "$2"
}

# --- --autoSubscribe 0 with lists ---
port=$(free_port)
rec_start s --channel sub --recordFileRootDir "$T/s" --listen "127.0.0.1:$port" --emit "$T/s.bin" \
	--autoSubscribe 0 --subscribeVideoUids 201 --subscribeAudioUids 201,202 || { t_fail "the recorder starts with --autoSubscribe 0 and the lists" ""; exit 1; }
three 3 "$port"
settled "$REC_DIR" "$port"
rec_stop
d=$REC_DIR
[ "$REC_RC" = 0 ] && t_pass "autoSubscribe 0: the recorder exits 0" || t_fail "autoSubscribe 0: exit" "$REC_RC $(tail -n 3 "$T/s.err")"
v1=$(ls "$d"/201_*.mp4 2>/dev/null) a1=$(ls "$d"/201_*.aac 2>/dev/null) a2=$(ls "$d"/202_*.aac 2>/dev/null)
if [ -n "$v1" ] && [ -n "$a1" ] && [ -n "$a2" ]; then
	t_pass "autoSubscribe 0: 201's video and audio, 202's audio are recorded"
	vd=$(probe_dur "$v1" v) sz=$(probe_stream_field "$v1" v width)x$(probe_stream_field "$v1" v height)
	nf=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of default=nw=1:nk=1 -- "$v1")
	fnear "$vd" 3 0.3 && [ "$sz" = 320x240 ] && [ "$nf" -ge 43 ] && [ "$nf" -le 46 ] \
		&& t_pass "201's video: 320x240, 3 s, 45 frames ($vd s, $nf)" || t_fail "201's video" "$sz $vd s $nf frames"
	expect_picture "201's video shows its picture" "$v1" 1.5
	[ "$(probe_count "$v1" a)" = 0 ] && t_pass "201's .mp4 has no audio stream" || t_fail "201's .mp4 streams" "$(probe_count "$v1" a) audio"
	for f in "$a1" "$a2"; do
		ad=$(adts_dur "$f")
		fnear "$ad" 3 0.3 && t_pass "${f##*/}: 3 s of audio ($ad)" || t_fail "${f##*/} duration" "$ad"
		[ "$(probe_count "$f" v)" = 0 ] || t_fail "${f##*/} has no video" ""
		expect_tone "${f##*/} has its tone" "$f" 0.5 2
	done
else
	t_fail "autoSubscribe 0: 201's video and audio, 202's audio are recorded" "$(ls "$d")"
fi
ls "$d"/202_*.mp4 "$d"/202_*.h264 >/dev/null 2>&1 && t_fail "no video file of 202" "$(ls "$d")" || t_pass "no video file of 202"
ls "$d"/203_* "$d"/uid_203_* >/dev/null 2>&1 && t_fail "nothing of 203 in the folder" "$(ls "$d")" || t_pass "nothing of 203 in the folder"
t2=$(ls "$d"/uid_202_*.txt 2>/dev/null | head -n 1)
[ -n "$t2" ] && grep -q '202_.*\.aac create' "$t2" && ! grep -q '\.mp4' "$t2" && t_pass "uid_202 txt lists its audio only" \
	|| t_fail "uid_202 txt" "$(cat "$t2" 2>/dev/null)"
grep -q 'uid 202 joined' "$d/recording.log" && ! grep -q 'uid 203 joined' "$d/recording.log" \
	&& t_pass "202 joins for its audio, 203 never joins" || t_fail "joins" "$(grep joined "$d/recording.log")"
# The log: once per uid and kind, and the sums at the end.
once() { [ "$(grep -c -- "$1" "$d/recording.log")" = 1 ]; }
for l in "uid 203: video not subscribed (--subscribeVideoUids), ignored" \
	"uid 203: audio not subscribed (--subscribeAudioUids), ignored" \
	"uid 202: video not subscribed (--subscribeVideoUids), ignored"; do
	once "$l" && t_pass "logged once: $l" || t_fail "logged once: $l" "$(grep -c -- "$l" "$d/recording.log") times"
done
grep -q 'uid 20[12]: audio not subscribed\|uid 201: video not subscribed' "$d/recording.log" \
	&& t_fail "subscribed kinds are not logged as left out" "$(grep 'not subscribed' "$d/recording.log")" \
	|| t_pass "subscribed kinds are not logged as left out"
grep -Eq 'not subscribed: the video of 2 users, [1-9][0-9]+ packets ignored' "$d/recording.log" \
	&& grep -Eq 'not subscribed: the audio of 1 users, [1-9][0-9]+ packets ignored' "$d/recording.log" \
	&& grep -Eq 'uid 203: [1-9][0-9]+ video packets not subscribed' "$d/recording.log" \
	&& t_pass "the summary counts the packets left out" || t_fail "summary" "$(grep 'subscribed' "$d/recording.log" | tail -n 5)"
# The channel stream.
"$RECORD" --dump "$T/s.bin" >"$T/dump.txt" || t_fail "--dump the stream" "exit $?"
grep -q 'uid=203' "$T/dump.txt" && t_fail "no record of 203 in the stream" "$(grep -m 3 'uid=203' "$T/dump.txt")" \
	|| t_pass "no record of 203 in the stream"
grep -q 'uid=202 kind=video' "$T/dump.txt" && t_fail "no video of 202 in the stream" "$(grep -m 3 'uid=202 kind=video' "$T/dump.txt")" \
	|| t_pass "no video of 202 in the stream"
nv=$(grep -c 'media .*uid=201 kind=video' "$T/dump.txt"); na=$(grep -c 'media .*uid=202 kind=audio' "$T/dump.txt")
[ "$nv" -ge 40 ] && [ "$na" -ge 140 ] && t_pass "201's video ($nv frames) and 202's audio ($na packets) in the stream" \
	|| t_fail "the stream's subscribed media" "$nv video frames of 201, $na audio packets of 202"

# --- --autoSubscribe 1 (the default) with lists: ignored, everyone recorded ---
port=$(free_port)
rec_start a --channel suball --recordFileRootDir "$T/a" --listen "127.0.0.1:$port" --emit "$T/all.bin" \
	--subscribeVideoUids 201 --subscribeAudioUids 201,202 || { t_fail "the recorder starts with the lists" ""; exit 1; }
grep -q 'warning: --subscribeVideoUids and --subscribeAudioUids are ignored with --autoSubscribe 1' "$T/a.err" \
	&& t_pass "autoSubscribe 1: the lists are ignored, with a warning" || t_fail "autoSubscribe 1 warning" "$(cat "$T/a.err")"
three 3 "$port"
settled "$REC_DIR" "$port"
rec_stop
d=$REC_DIR
bad=
for u in 201 202 203; do
	v=$(ls "$d"/${u}_*.mp4 2>/dev/null) a=$(ls "$d"/${u}_*.aac 2>/dev/null)
	[ -n "$v" ] && [ -n "$a" ] || { bad="$bad $u: no files;"; continue; }
	vd=$(probe_dur "$v" v) ad=$(adts_dur "$a")
	fnear "$vd" 3 0.3 && fnear "$ad" 3 0.3 || bad="$bad $u: $vd/$ad s;"
done
[ "$REC_RC" = 0 ] && [ -z "$bad" ] && t_pass "autoSubscribe 1: everyone's video and audio, 3 s each" || t_fail "autoSubscribe 1" "$REC_RC$bad"
grep -q 'not subscribed' "$d/recording.log" && t_fail "autoSubscribe 1: nothing left out" "$(grep 'not subscribed' "$d/recording.log")" \
	|| t_pass "autoSubscribe 1: nothing left out"

# --- agrec-mix and agrec-capture on everyone's recording: the folder
# (offline) and the channel stream (live), with the same lists ---
all=$d
SUB=(--autoSubscribe 0 --subscribeVideoUids 201 --subscribeAudioUids 201,202)
# colours FILE T: the colours of a 4x2 grid of cells of the frame at T, as
# red/green/blue/other words (a cell counts when one channel dominates).
colours() {
	ffmpeg -nostdin -v error -ss "$2" -i "file:$1" -frames:v 1 -vf scale=4:2:flags=area \
		-f rawvideo -pix_fmt rgb24 - 2>/dev/null | od -An -v -tu1 | tr -s ' \n' '\n\n' | grep . |
		paste - - - | awk '{ c = "other"; if ($1 > 150 && $2 < 90 && $3 < 90) c = "red";
		else if ($2 > 150 && $1 < 90 && $3 < 90) c = "green"; else if ($3 > 150 && $1 < 90 && $2 < 90) c = "blue";
		printf "%s ", c }'
}
# tone FILE FREQ: the mean level (dB) of a narrow band around FREQ, 0.5-2.5 s.
tone() {
	ffmpeg -nostdin -v info -ss 0.5 -t 2 -i "file:$1" -vn \
		-af "bandpass=f=$2:width_type=h:w=40,bandpass=f=$2:width_type=h:w=40,volumedetect" -f null - 2>&1 |
		sed -n 's/.*mean_volume: \(-\{0,1\}[0-9.inf]*\) dB.*/\1/p' | head -n 1
}
# mixed NAME DIR: the composite in DIR shows 201's red, not 202's green nor
# 203's blue; its audio has 201's 440 Hz and 202's 660 Hz, not 203's 880 Hz.
mixed() {
	local m a c db
	m=$(ls "$2"/0_*.mp4 2>/dev/null | head -n 1) a=$(ls "$2"/0_*.aac 2>/dev/null | head -n 1)
	[ -n "$m" ] && [ -n "$a" ] || { t_fail "$1: a composite" "$(ls "$2") $(tail -n 3 "$T/mix.err")"; return; }
	vd=$(probe_dur "$m" v) ad=$(adts_dur "$a")
	fgt "$vd" 2.5 && fgt "$ad" 2.5 && t_pass "$1: video and audio of the meeting ($vd s, $ad s)" || t_fail "$1: durations" "$vd $ad"
	c="$(colours "$m" 1.0)| $(colours "$m" 1.8)| $(colours "$m" 2.6)"
	[[ $c == *red* && $c != *green* && $c != *blue* ]] && t_pass "$1: 201's red, no 202 green nor 203 blue ($c)" \
		|| t_fail "$1: the picture" "cells at 1.0, 1.8, 2.6 s: $c"
	# 203's 880 Hz, when mixed, is as loud as the others (about -23 dB);
	# what the band shows without it is leakage, 20 dB or more below.
	d4=$(tone "$a" 440) d6=$(tone "$a" 660) d8=$(tone "$a" 880)
	fgt "$d4" -40 && t_pass "$1: 201's 440 Hz ($d4 dB)" || t_fail "$1: 201's 440 Hz" "$d4 dB"
	fgt "$d6" -40 && t_pass "$1: 202's 660 Hz ($d6 dB)" || t_fail "$1: 202's 660 Hz" "$d6 dB"
	flt "$d8" "$(awk -v a="$d4" -v b="$d6" 'BEGIN { print (a < b ? a : b) - 15 }')" \
		&& t_pass "$1: no 880 Hz of 203 ($d8 dB)" || t_fail "$1: no 880 Hz of 203" "$d8 dB (440 Hz $d4, 660 Hz $d6)"
	[ "$(grep -c 'uid 203: video not subscribed (--subscribeVideoUids), ignored' "$T/mix.err")" = 1 ] \
		&& t_pass "$1: 203's video said once" || t_fail "$1: 203's video said once" "$(cat "$T/mix.err")"
}
MIXP=$AGREC_BUILD/agrec-mix CAP=$AGREC_BUILD/agrec-capture
"$MIXP" -f "$all" -o "$T/mixf" --layoutMode 1 --mixResolution 640,360,15,500 "${SUB[@]}" >/dev/null 2>"$T/mix.err"; rc=$?
[ "$rc" = 0 ] && t_pass "agrec-mix -f with the lists exits 0" || t_fail "agrec-mix -f" "exit $rc $(tail -n 3 "$T/mix.err")"
mixed "agrec-mix -f" "$T/mixf"
mkdir -p "$T/mixl"
# (a stream file is replayed in real time: --latency covers slow decoder starts)
"$MIXP" -i "$T/all.bin" -o "$T/mixl" --latency 1500 --layoutMode 1 --mixResolution 640,360,15,500 "${SUB[@]}" >/dev/null 2>"$T/mix.err"; rc=$?
[ "$rc" = 0 ] && t_pass "agrec-mix -i with the lists exits 0" || t_fail "agrec-mix -i" "exit $rc $(tail -n 3 "$T/mix.err")"
mixed "agrec-mix -i" "$T/mixl"
# snaps NAME DIR: JPEGs of 201 only, red.
snaps() {
	local f n c bad=
	n=$(ls "$2"/201_*.jpg 2>/dev/null | wc -l)
	ls "$2"/202_*.jpg "$2"/203_*.jpg >/dev/null 2>&1 && bad="$bad JPEGs of 202 or 203: $(ls "$2" | tr '\n' ' ');"
	[ "$n" -ge 2 ] || bad="$bad $n JPEGs of 201;"
	for f in "$2"/201_*.jpg; do
		[ -e "$f" ] || break
		c=$(colours "$f" 0)
		[ "$c" = "red red red red red red red red " ] || bad="$bad ${f##*/}: $c;"
	done
	[ -z "$bad" ] && t_pass "$1: snapshots of 201 only ($n, red)" || t_fail "$1: snapshots" "$bad"
	grep -c 'uid 203: video not subscribed' "$T/cap.err" | grep -qx 1 && t_pass "$1: 203 said once" \
		|| t_fail "$1: 203 said once" "$(cat "$T/cap.err")"
}
mkdir -p "$T/capf" "$T/capl"
"$CAP" -f "$all" -o "$T/capf" --captureInterval 1 "${SUB[@]}" 2>"$T/cap.err"; rc=$?
[ "$rc" = 0 ] && t_pass "agrec-capture -f with the lists exits 0" || t_fail "agrec-capture -f" "exit $rc $(tail -n 3 "$T/cap.err")"
snaps "agrec-capture -f" "$T/capf"
"$CAP" -i "$T/all.bin" -o "$T/capl" --captureInterval 1 "${SUB[@]}" 2>"$T/cap.err"; rc=$?
[ "$rc" = 0 ] && t_pass "agrec-capture -i with the lists exits 0" || t_fail "agrec-capture -i" "exit $rc $(tail -n 3 "$T/cap.err")"
snaps "agrec-capture -i" "$T/capl"
# Without the lists the same inputs give everyone (the checks above can fail).
mkdir -p "$T/capa"; "$CAP" -i "$T/all.bin" -o "$T/capa" --captureInterval 1 2>/dev/null
ls "$T"/capa/202_*.jpg "$T"/capa/203_*.jpg >/dev/null 2>&1 && t_pass "without the lists: snapshots of 202 and 203 too" \
	|| t_fail "without the lists: everyone" "$(ls "$T/capa")"
for p in "$MIXP" "$CAP"; do
	"$p" -i "$T/all.bin" -o "$T" --subscribeVideoUids 1,x 2>"$T/err" >/dev/null; rc=$?
	[ "$rc" = 64 ] && grep -q -- "--subscribeVideoUids: 'x': not a uid" "$T/err" && t_pass "${p##*/}: a bad list exits 64" \
		|| t_fail "${p##*/}: a bad list" "exit $rc $(head -n 1 "$T/err")"
done

# --- bad values: 64 and the reason ---
bad() {	# bad NAME MESSAGE-ERE ARGS...
	local name=$1 want=$2 rc; shift 2
	"$RECORD" --channel x --recordFileRootDir "$T/bad" "$@" >/dev/null 2>"$T/bad.err"; rc=$?
	[ "$rc" = 64 ] && grep -Eq -- "$want" "$T/bad.err" && grep -q '^usage:' "$T/bad.err" && [ ! -e "$T/bad" ] \
		&& t_pass "$name: 64" || t_fail "$name" "exit $rc: $(head -n 2 "$T/bad.err")"
}
bad "autoSubscribe 2" "--autoSubscribe: '2': not a whole number in 0..1" --autoSubscribe 2
bad "an empty item" "--subscribeVideoUids: '1,,2': an empty item" --autoSubscribe 0 --subscribeVideoUids 1,,2
bad "a trailing comma" "--subscribeAudioUids: '1,': an empty item" --subscribeAudioUids 1,
bad "not a number" "--subscribeAudioUids: 'bob': not a uid" --subscribeAudioUids 1,bob
bad "too large a uid" "--subscribeVideoUids: '4294967296': not a uid" --subscribeVideoUids 4294967296
bad "a negative uid" "--subscribeVideoUids: '-5': not a uid" --subscribeVideoUids=-5
bad "a uid twice" "--subscribeAudioUids: uid 7 is listed twice" --subscribeAudioUids 7,8,7
bad "18 uids" "--subscribeVideoUids: more than 17 uids" --subscribeVideoUids "$(seq -s, 1 18)"
