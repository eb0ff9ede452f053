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
	--autoSubscribe 0 --subscribeVideoUids 201 --subscribeAudioUids 201,202 || exit 1
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
rec_start a --channel suball --recordFileRootDir "$T/a" --listen "127.0.0.1:$port" \
	--subscribeVideoUids 201 --subscribeAudioUids 201,202 || exit 1
grep -q 'warning: --subscribeVideoUids and --subscribeAudioUids are ignored with --autoSubscribe 1' "$T/a.err" \
	&& t_pass "autoSubscribe 1: the lists are ignored, with a warning" || t_fail "autoSubscribe 1 warning" "$(cat "$T/a.err")"
three 2 "$port"
settled "$REC_DIR" "$port"
rec_stop
d=$REC_DIR
bad=
for u in 201 202 203; do
	v=$(ls "$d"/${u}_*.mp4 2>/dev/null) a=$(ls "$d"/${u}_*.aac 2>/dev/null)
	[ -n "$v" ] && [ -n "$a" ] || { bad="$bad $u: no files;"; continue; }
	vd=$(probe_dur "$v" v) ad=$(adts_dur "$a")
	fnear "$vd" 2 0.3 && fnear "$ad" 2 0.3 || bad="$bad $u: $vd/$ad s;"
done
[ "$REC_RC" = 0 ] && [ -z "$bad" ] && t_pass "autoSubscribe 1: everyone's video and audio, 2 s each" || t_fail "autoSubscribe 1" "$REC_RC$bad"
grep -q 'not subscribed' "$d/recording.log" && t_fail "autoSubscribe 1: nothing left out" "$(grep 'not subscribed' "$d/recording.log")" \
	|| t_pass "autoSubscribe 1: nothing left out"

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
