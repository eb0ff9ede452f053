#!/usr/bin/env bash
# --emit: the live channel stream (agrec-stream(5)) to a file and to a
# pipe, read back with --dump; a reader that goes away does not disturb
# the recording; a corrupt stream is rejected (65).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
p1=$(free_port); p2=$((p1 + 2))
mkdir -p "$T/a" "$T/b"
rec_start a --channel emitted --recordFileRootDir "$T/a" --listen "127.0.0.1:$p1" --emit "$T/s.bin" || exit 1
pa=$REC_PID da=$REC_DIR
# A pipe whose reader quits after 2000 bytes.  With --emit - the recorder
# names its folder on stderr ("recording into DIR") once it listens.
{ "$RECORD" --channel piped --recordFileRootDir "$T/b" --listen "127.0.0.1:$p2" --emit - 2>"$T/b.err" &
  echo $! >"$T/b.pid"; wait; } | head -c 2000 >"$T/head.bin" &
pb=$!
PIDS+=("$pb")
piped_up() { [ -s "$T/b.pid" ] && grep -q 'recording into ' "$T/b.err"; }
wait_for 20 piped_up || t_fail "the piped recorder starts" "$(cat "$T/b.err")"
bpid=$(cat "$T/b.pid"); PIDS+=("$bpid")
db=$(sed -n 's/.*recording into //p' "$T/b.err" | head -n 1)
send_av "$p1" 3 1001 0x11111111 0x22222222 & s1=$!
send_av "$p2" 3 1001 0x11111111 0x22222222 & s2=$!
PIDS+=("$s1" "$s2")
wait "$s1" "$s2"
wait_for 20 rec_gone "$da" 1001 || t_fail "the recorder with --emit FILE sees the BYE" "$(tail -n 5 "$da/recording.log")"
wait_for 20 rec_gone "$db" 1001 || t_fail "the piped recorder sees the BYE" "$(tail -n 5 "$db/recording.log")"
REC_PID=$pa; rec_stop
[ "$REC_RC" = 0 ] && t_pass "recorder with --emit FILE exits 0" || t_fail "recorder with --emit FILE exits 0" "$REC_RC"
kill -TERM "$bpid"
wait "$pb"

"$RECORD" --dump "$T/s.bin" >"$T/dump.txt"; rc=$?
[ "$rc" = 0 ] && t_pass "--dump reads the stream (exit 0)" || t_fail "--dump" "exit $rc"
types=$(awk '{print $2}' "$T/dump.txt" | uniq | tr '\n' ' ')
[[ $types == "channel join codec media "* ]] && t_pass "channel, join, codec before media" || t_fail "record order" "$types"
[ "$(tail -n 1 "$T/dump.txt" | awk '{print $2}')" = end ] && t_pass "end record last" || t_fail "end record last" "$(tail -n 1 "$T/dump.txt")"
grep -q 'leave .* uid=1001 reason=0' "$T/dump.txt" && t_pass "leave (BYE) record" || t_fail "leave record" ""
nv=$(grep -c 'media .*kind=video codec=h264' "$T/dump.txt"); na=$(grep -c 'media .*kind=audio codec=opus' "$T/dump.txt")
[ "$nv" -ge 44 ] && [ "$nv" -le 46 ] && t_pass "45 video frames in the stream ($nv)" || t_fail "video frames in the stream" "$nv"
[ "$na" -ge 145 ] && [ "$na" -le 152 ] && t_pass "150 Opus packets in the stream ($na)" || t_fail "audio packets in the stream" "$na"
grep -q 'kind=video codec=h264 .*size=320x180 extradata=[1-9]' "$T/dump.txt" && t_pass "video codec record with size and avcC" \
	|| t_fail "video codec record" "$(grep codec "$T/dump.txt" | head -n 2)"
# pts increase per kind
awk '$2 == "media" { split($3, a, "="); k = $5; if (k in last && a[2] + 0 <= last[k]) bad++; last[k] = a[2] + 0 } END { exit bad > 0 }' "$T/dump.txt" \
	&& t_pass "media times increase" || t_fail "media times increase" ""
# The stream's first video frame is the file's first frame: same count in both.
v=$(ls "$da"/1001_*.mp4)
nf=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$v")
[ "$nf" = "$nv" ] && t_pass "the recording has the stream's frames ($nf)" || t_fail "frames in file vs stream" "$nf vs $nv"

# The piped recorder survived its reader.
[ -n "$db" ] && [ -f "$db/recording2-done.txt" ] && t_pass "reader gone: the recording finished" || t_fail "reader gone: recording finished" "$(ls -R "$T/b" | head)"
grep -q -- '--emit: .*the channel stream stops, the recording goes on' "$db/recording.log" \
	&& t_pass "reader gone: logged" || t_fail "reader gone: logged" "$(tail -n 3 "$db/recording.log")"
d=$(probe_dur "$(ls "$db"/1001_*.mp4)" v)
fnear "$d" 3 0.3 && t_pass "reader gone: the video file is whole ($d)" || t_fail "reader gone: video" "$d"
head -c 8 "$T/head.bin" | grep -q AGRECSTR && t_pass "the pipe got the stream header" || t_fail "stream header" ""

# Corrupt streams.
head -c 300 "$T/s.bin" >"$T/trunc.bin"
"$RECORD" --dump "$T/trunc.bin" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 65 ] && grep -q 'offset' "$T/err" && t_pass "truncated stream: 65 with the offset" || t_fail "truncated stream" "exit $rc $(cat "$T/err")"
printf 'NOTASTREAMATALL!' >"$T/bad.bin"
"$RECORD" --dump "$T/bad.bin" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 65 ] && t_pass "bad magic: 65" || t_fail "bad magic" "exit $rc"
"$RECORD" --dump - <"$T/s.bin" | cmp -s - "$T/dump.txt" && t_pass "--dump - reads standard input" || t_fail "--dump -" ""
