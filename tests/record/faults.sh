#!/usr/bin/env bash
# Faults: SIGKILL of the recorder mid-recording (every file plays, the
# folder converts with --force), a killed ffmpeg child (the recording
# goes on with a split), garbage and oversized datagrams (ignored).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
p1=$(free_port); p2=$(( p1 + 2 )); p3=$(( p1 + 4 ))
mkdir -p "$T/k" "$T/c" "$T/s"

# 1. SIGKILL at ~3 s of a 6 s participant.
rec_start k --channel killed --recordFileRootDir "$T/k" --listen "127.0.0.1:$p1" --idle 60 || exit 1
kpid=$REC_PID kdir=$REC_DIR
SEND_PROGRESS=$T/sent1 send_av "$p1" 6 1001 0x11111111 0x22222222 & s1=$!
# 2. Meanwhile, another recorder whose audio child gets killed at ~3 s,
# and garbage thrown at it.
rec_start c --channel child --recordFileRootDir "$T/c" --listen "127.0.0.1:$p2" --idle 60 || exit 1
cpid=$REC_PID cdir=$REC_DIR
SEND_PROGRESS=$T/sent2 send_av "$p2" 8 1002 0x11111112 0x22222223 & s2=$!
# 3. A third recorder whose audio child is stopped (SIGSTOP) at ~3 s.
rec_start s --channel stall --recordFileRootDir "$T/s" --listen "127.0.0.1:$p3" --idle 60 || exit 1
spid=$REC_PID sdir=$REC_DIR
SEND_PROGRESS=$T/sent3 send_av "$p3" 10 1003 0x11111113 0x22222224 & s3=$!
PIDS+=("$s1" "$s2" "$s3")
# "~3 s" is what the senders have sent (ffmpeg -progress), and each
# recorder has started both files of its participant.
wait_for 30 sent_at_least 3 "$T/sent1" "$T/sent2" "$T/sent3" \
	|| t_fail "the senders reach 3 s" "$(sent_secs "$T/sent1") $(sent_secs "$T/sent2") $(sent_secs "$T/sent3") s"
for x in "$kdir 1001" "$cdir 1002" "$sdir 1003"; do
	set -- $x
	wait_for 20 rec_logged "$1" "uid $2: started .*\.aac" && wait_for 20 rec_logged "$1" "uid $2: started .*\.mp4" \
		|| t_fail "uid $2's files are started" "$(tail -n 5 "$1/recording.log")"
done
kkids=$(rec_children "$kpid")
schild=$(pgrep -P "$spid" -f 'adts' | head -n 1)
if [ -n "$schild" ]; then kill -STOP "$schild"; PIDS+=("$schild"); else t_fail "found the child to stop" "none"; fi
kill -9 "$kpid"
child=$(pgrep -P "$cpid" -f 'adts' | head -n 1)
if [ -n "$child" ]; then kill -9 "$child"; else t_fail "found the audio ffmpeg child" "none"; fi
for i in $(seq 1 200); do head -c $((RANDOM % 1400 + 1)) /dev/urandom >"/dev/udp/127.0.0.1/$p2"; done
dd if=/dev/zero bs=20000 count=1 2>/dev/null >"/dev/udp/127.0.0.1/$p2"
printf '\x80\x60\x00' >"/dev/udp/127.0.0.1/$p2"
wait "$s1" "$s2" "$s3"
wait_for 20 rec_gone "$cdir" 1002 || t_fail "child: the recorder sees the BYE" "$(tail -n 5 "$cdir/recording.log")"
wait_for 20 rec_gone "$sdir" 1003 || t_fail "stall: the recorder sees the BYE" "$(tail -n 5 "$sdir/recording.log")"
REC_PID=$spid; rec_stop
[ "$REC_RC" = 0 ] && t_pass "recorder with a stalled child exits 0" || t_fail "recorder with a stalled child exits 0" "$REC_RC"
# Five copies of one stray datagram that parses as H.264 RTP (PT 96,
# SSRC 005a5a5a, a NAL unit of type 0), each from its own port: a
# stream with a video packet, but not a user whose video was lost, so
# no exit status 65 for it.  Sent just before the stop, while the
# recorder still waits for the stream's CNAME.
for i in 1 2 3 4 5; do
	printf '\x80\x60\x00\x00\x31\x00\x00\x00\x00\x5a\x5a\x5a\x00\x31\x7c\x85stray' >"/dev/udp/127.0.0.1/$p2"
done
REC_PID=$cpid; rec_stop
[ "$REC_RC" = 0 ] && t_pass "recorder with a killed child exits 0" || t_fail "recorder with a killed child exits 0" "$REC_RC"

# --- after SIGKILL ---
[ ! -e "$kdir/recording2-done.txt" ] && t_pass "killed: no recording2-done.txt" || t_fail "killed: no done marker" ""
# The orphaned writers finish their files once their pipe closes.
wait_for 20 pids_gone $kkids || t_fail "killed: the writers finish" "still running: $kkids"
v=$(ls "$kdir"/1001_*.mp4 2>/dev/null) a=$(ls "$kdir"/1001_*.aac 2>/dev/null)
if [ -n "$v" ] && [ -n "$a" ]; then
	t_pass "killed: the media files exist"
	d=$(probe_dur "$v")
	flt 2 "$d" && t_pass "killed: the mp4 plays ($d s)" || t_fail "killed: the mp4 plays" "$d"
	[ -z "$(ffmpeg -v error -i "$v" -f null - 2>&1 | head -n 2)" ] && t_pass "killed: the mp4 decodes cleanly" \
		|| t_fail "killed: the mp4 decodes" "$(ffmpeg -v error -i "$v" -f null - 2>&1 | head -n 2)"
	d=$(adts_dur "$a")
	flt 2 "$d" && t_pass "killed: the aac plays ($d s)" || t_fail "killed: the aac plays" "$d"
else
	t_fail "killed: the media files exist" "$(ls "$kdir")"
fi
txt=$(txt_of "$kdir" 1001)
[ "$(grep -c ' create $' "$txt")" = 2 ] && ! grep -q ' close $' "$txt" && t_pass "killed: create lines, no close lines" \
	|| t_fail "killed: txt" "$(cat "$txt")"
"$CONVERT" -q -f "$kdir" >/dev/null 2>&1; rc=$?
[ "$rc" = 75 ] && t_pass "killed: agrec-convert refuses the unfinished folder (75)" || t_fail "killed: convert refuses" "$rc"
if "$CONVERT" -q --force -f "$kdir" 2>"$T/conv.err"; then
	out=$(ls "$kdir"/*_av.mp4)
	d=$(probe_dur "$out")
	flt 2 "$d" && t_pass "killed: converts with --force ($d s)" || t_fail "killed: converted duration" "$d"
	grep -q 'no close line' "$T/conv.err" && t_pass "killed: the missing close lines are reported" || t_fail "killed: missing close reported" "$(cat "$T/conv.err")"
else
	t_fail "killed: converts with --force" "$(cat "$T/conv.err")"
fi

# --- killed child ---
grep -q 'the ffmpeg writing .* killed by signal 9' "$cdir/recording.log" && t_pass "child: its death is logged" \
	|| t_fail "child: its death is logged" "$(grep -i ffmpeg "$cdir/recording.log" | head -n 3)"
n=$(ls "$cdir"/1002_*.aac | wc -l)
[ "$n" = 2 ] && t_pass "child: the audio goes on in a new file" || t_fail "child: a new audio file" "$n: $(ls "$cdir")"
txt=$(txt_of "$cdir" 1002)
[ "$(grep -c '\.aac close $' "$txt")" = 2 ] && t_pass "child: both audio files closed in the txt" || t_fail "child: txt" "$(cat "$txt")"
for a in "$cdir"/1002_*.aac; do
	d=$(adts_dur "$a")
	flt 1 "$d" && t_pass "child: $(basename "$a") plays ($d s)" || t_fail "child: $(basename "$a") plays" "$d"
done
v=$(ls "$cdir"/1002_*.mp4)
d=$(probe_dur "$v")
fnear "$d" 8 0.5 && t_pass "child: the video was not disturbed ($d s)" || t_fail "child: video" "$d"
grep -qE 'stopped: [1-9][0-9]* garbage and [1-9][0-9]* oversized' "$cdir/recording.log" \
	&& t_pass "garbage and oversized datagrams counted and ignored" || t_fail "garbage counted" "$(tail -n 2 "$cdir/recording.log")"

# --- stalled child ---
grep -q 'the ffmpeg writing .* has stalled for 1 s' "$sdir/recording.log" && t_pass "stall: detected and logged" \
	|| t_fail "stall: detected and logged" "$(grep -i ffmpeg "$sdir/recording.log" | head -n 3)"
n=$(ls "$sdir"/1003_*.aac | wc -l)
[ "$n" = 2 ] && t_pass "stall: the audio goes on in a new file" || t_fail "stall: a new audio file" "$n: $(ls "$sdir")"
total=0
for a in "$sdir"/1003_*.aac; do
	d=$(adts_dur "$a")
	flt 0.5 "$d" && t_pass "stall: $(basename "$a") plays ($d s)" || t_fail "stall: $(basename "$a") plays" "$d"
	total=$(awk -v a="$total" -v b="$d" 'BEGIN { print a + b }')
done
# At most the stalled seconds (1 s to notice, plus what the pipe held) are lost.
fgt "$total" 7.5 && t_pass "stall: little audio lost ($total s of 10 s kept)" || t_fail "stall: audio kept" "$total"
d=$(probe_dur "$(ls "$sdir"/1003_*.mp4)" v)
fnear "$d" 10 0.5 && t_pass "stall: the video was not disturbed ($d s)" || t_fail "stall: video" "$d"
