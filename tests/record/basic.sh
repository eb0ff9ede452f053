#!/usr/bin/env bash
# agrec-record with a real ffmpeg sender (rtp-recipes.md F1): folder
# layout, metadata.txt bytes, txt grammar, probed media durations, and
# agrec-convert on the result.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
port=$(free_port)
mkdir -p "$T/root"
rec_start rec --channel 'room_1' --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" --idle 60 \
	|| { t_fail "recorder starts" "$(cat "$T/rec.err")"; exit 1; }
t_pass "recorder starts and prints its folder"
send_av "$port" 4 1001 0x11111111 0x22222222
wait_for 20 rec_gone "$REC_DIR" 1001 || t_fail "the recorder sees the BYE" "$(tail -n 5 "$REC_DIR/recording.log")"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "SIGTERM: clean exit 0" || t_fail "SIGTERM: clean exit 0" "status $REC_RC: $(cat "$T/rec.err")"

# Folder: ROOT/YYYYMMDD/room_1_HHMMSS_NNNNNNNNN, owner-only.
rel=${REC_DIR#"$T/root/"}
[[ $rel =~ ^[0-9]{8}/room_1_[0-9]{6}_[0-9]{9}$ ]] && t_pass "folder name $rel" || t_fail "folder name" "$REC_DIR"
[ "$(stat -c %a "$REC_DIR")" = 700 ] && t_pass "folder is 0700" || t_fail "folder is 0700" "$(stat -c %a "$REC_DIR")"
printf '<version>2.0</version>\n<tag></tag>\n<channel name>room_1</channel name>\n' >"$T/meta"
cmp -s "$T/meta" "$REC_DIR/metadata.txt" && t_pass "metadata.txt bytes" || t_fail "metadata.txt bytes" "$(cat -A "$REC_DIR/metadata.txt")"
[ -f "$REC_DIR/recording2-done.txt" ] && [ ! -s "$REC_DIR/recording2-done.txt" ] \
	&& t_pass "recording2-done.txt" || t_fail "recording2-done.txt" "missing"

txts=($(txt_of "$REC_DIR" 1001))
[ ${#txts[@]} = 1 ] && t_pass "one txt for uid 1001" || t_fail "one txt for uid 1001" "${txts[*]}"
txt=${txts[0]}
# Exact grammar: create/close end in a space, info does not.
if [ ! -s "$txt" ]; then
	t_fail "txt grammar" "no txt, or an empty one: '$txt'"
elif grep -qvE '^[0-9]+\.[0-9]{3} 1001_[0-9]{17}\.(aac|mp4) (create |close |info width=320 height=180 rotation=0)$' "$txt"; then
	t_fail "txt grammar" "$(cat -A "$txt")"
else
	t_pass "txt grammar (trailing spaces exact)"
fi
head -n 1 "$txt" | grep -q '^0\.000 ' && t_pass "txt starts at 0.000" || t_fail "txt starts at 0.000" "$(head -n 1 "$txt")"
aac=$(ls "$REC_DIR"/1001_*.aac) mp4=$(ls "$REC_DIR"/1001_*.mp4)
[ "$(grep -c ' create $' "$txt")" = 2 ] && [ "$(grep -c ' close $' "$txt")" = 2 ] \
	&& t_pass "two files created and closed" || t_fail "two files created and closed" "$(cat "$txt")"
[ "$(stat -c %a "$aac")" = 600 ] && t_pass "media files are 0600" || t_fail "media files are 0600" "$(stat -c %a "$aac")"

# Probed durations: the sender sent 4 s.
d=$(adts_dur "$aac")
fnear "$d" 4.0 0.25 && t_pass "aac lasts 4 s ($d)" || t_fail "aac lasts 4 s" "$d"
[ "$(probe_stream_field "$aac" a codec_name)" = aac ] && [ "$(probe_stream_field "$aac" a sample_rate)" = 48000 ] \
	&& t_pass "aac is AAC 48 kHz" || t_fail "aac is AAC 48 kHz" "$(probe_stream_field "$aac" a codec_name)"
d=$(probe_dur "$mp4" v)
fnear "$d" 4.0 0.25 && t_pass "mp4 lasts 4 s ($d)" || t_fail "mp4 lasts 4 s" "$d"
[ "$(probe_stream_field "$mp4" v codec_name)" = h264 ] && [ "$(probe_stream_field "$mp4" v width)" = 320 ] \
	&& t_pass "mp4 is H.264 320x180 (copied, not re-encoded)" || t_fail "mp4 is H.264 320x180" "$(probe_stream_field "$mp4" v codec_name)"
errs=$(ffmpeg -v error -i "$mp4" -f null - 2>&1 | head -n 3)
[ -z "$errs" ] && t_pass "mp4 decodes cleanly" || t_fail "mp4 decodes cleanly" "$errs"

# The txt times match the media: close - create within 0.3 s of the probed length.
ct=$(awk -v f="$(basename "$aac")" '$2 == f && $3 == "create" {c=$1} $2 == f && $3 == "close" {print $1 - c}' "$txt")
fnear "$ct" "$(adts_dur "$aac")" 0.3 && t_pass "aac txt span matches its media ($ct)" || t_fail "aac txt span" "$ct"

# agrec-convert converts the folder.
if "$CONVERT" -q -m 1 -f "$REC_DIR"; then
	out=$REC_DIR/1001_0_merge_av.mp4
	d=$(probe_dur "$out")
	fnear "$d" 4.0 0.3 && t_pass "converted: 1001_0_merge_av.mp4 lasts ~4 s ($d)" || t_fail "converted duration" "$d"
	[ -n "$(probe_stream_field "$out" a codec_name)" ] && [ -n "$(probe_stream_field "$out" v codec_name)" ] \
		&& t_pass "converted: audio and video" || t_fail "converted: audio and video" ""
else
	t_fail "agrec-convert converts the recording" "status $?"
fi
grep -q 'uid 1001 left (BYE)' "$REC_DIR/recording.log" && t_pass "BYE seen as a leave" \
	|| t_fail "BYE seen as a leave" "$(tail -n 5 "$REC_DIR/recording.log")"
