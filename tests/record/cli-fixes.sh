#!/usr/bin/env bash
# agrec-record's command line, issue 11 items 2, 3, 6 and 7: --idle in
# manual mode counts from the first SIGUSR1; --allow on a dual-stack
# listener takes IPv4 senders; --listen [IPV6]:PORT; one set of bounds
# for --mixResolution in agrec-record and agrec-mix; --lowUdpPort 65535
# refused.  Every wait is for something observable (a log line, the
# process gone), bounded.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/rec.sh"
. "$(dirname "$0")/../lib/probe.sh"
need ffmpeg ffprobe ss
R=$RECORD
MIX=$AGREC_BUILD/agrec-mix

# wait_grep FILE ERE SECONDS: until FILE holds a matching line; 1 on timeout.
wait_grep() {
	local i
	for i in $(seq 1 $(( $3 * 10 ))); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# alive_for PID SECONDS: the process is still there all that time (the
# content of the test is the passage of time); 1 as soon as it is gone.
alive_for() {
	local i
	for i in $(seq 1 $(( $2 * 10 ))); do
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
}

# usage64 NAME ERE ARGS...: agrec-record exits 64 at once, with nothing on
# stdout and a message matching ERE (naming the option) on stderr.  ARGS
# give --idle 3 and a scratch folder, for a recorder that does start.
usage64() {
	local name=$1 re=$2 out rc; shift 2
	out=$(timeout -s KILL 20 "$R" "$@" 2>"$T/err"); rc=$?
	if [ "$rc" = 64 ] && [ -z "$out" ] && grep -qE -- "$re" "$T/err"; then t_pass "usage: $name"
	else t_fail "usage: $name" "exit $rc, stdout '$out', stderr $(head -n 1 "$T/err")"; fi
}

# ---- 7. --lowUdpPort: RTCP takes P+1, so 65535 is not a port to listen on.
usage64 "--lowUdpPort 65535 (RTCP would be 65536): 64" '^agrec-record: --lowUdpPort: .65535.' \
	--channel c --lowUdpPort 65535 --idle 3 --recordFileRootDir "$T/p65535"
[ ! -e "$T/p65535" ] && t_pass "--lowUdpPort 65535: no folder" || t_fail "--lowUdpPort 65535: no folder" "$(ls -R "$T/p65535")"
if ss -Hlun 'sport = :65534 or sport = :65535' | grep -q .; then
	t_skip "--lowUdpPort 65534" "port 65534 or 65535 is in use on this machine"
elif rec_start low --channel low --lowUdpPort 65534 --recordFileRootDir "$T/low"; then
	if wait_grep "$REC_DIR/recording.log" 'listening on 127\.0\.0\.1:65534 \(RTCP also on 65535\)' 10 &&
	    ss -Hlun 'sport = :65534' | grep -q . && ss -Hlun 'sport = :65535' | grep -q .; then
		t_pass "--lowUdpPort 65534: RTP on 65534, RTCP on 65535"
	else
		t_fail "--lowUdpPort 65534" "$(grep listening "$REC_DIR/recording.log"); $(ss -Hlun 'sport >= :65534')"
	fi
	rec_stop
	[ "$REC_RC" = 0 ] && t_pass "--lowUdpPort 65534: exit 0" || t_fail "--lowUdpPort 65534: exit 0" "exit $REC_RC"
else
	t_fail "--lowUdpPort 65534 starts" "$(cat "$T/low.err")"
fi

# ---- 6. --mixResolution: agrec-record takes exactly what agrec-mix takes.
# A stray argument after it makes both programs stop at the command line:
# the message names --mixResolution when the value is refused, else the
# stray argument.
verdict() {	# verdict PROGRAM ARGS...: "refused", "accepted" or "exit N"
	local rc
	timeout -s KILL 20 "$@" stray >/dev/null 2>"$T/verdict.err"; rc=$?
	if [ "$rc" != 64 ]; then echo "exit $rc"
	elif grep -q 'mixResolution' "$T/verdict.err"; then echo refused
	elif grep -q "unexpected argument 'stray'" "$T/verdict.err"; then echo accepted
	else echo "64: $(head -n 1 "$T/verdict.err")"; fi
}
for spec in 640,480,30,5:refused 640,480,30,9:refused 640,480,30,10:accepted \
	640,480,61,500:accepted 640,480,120,500:accepted 640,480,121,500:refused \
	16,16,1,10:accepted 15,480,30,500:refused 7680,4320,120,100000:accepted \
	7680,4320,120,100001:refused 360,640,15:refused; do
	v=${spec%:*} want=${spec#*:}
	rv=$(verdict "$R" --channel c --mixResolution "$v")
	mv=$(verdict "$MIX" -f "$T" --mixResolution "$v")
	if [ "$rv" = "$want" ] && [ "$mv" = "$want" ]; then
		t_pass "--mixResolution $v: $want by agrec-record and agrec-mix"
	else
		t_fail "--mixResolution $v: $want by both" "agrec-record: $rv; agrec-mix: $mv"
	fi
done
# The message gives the bounds, the same in both programs.
timeout -s KILL 20 "$R" --channel c --mixResolution 640,480,30,5 stray 2>"$T/r.err" >/dev/null
timeout -s KILL 20 "$MIX" -f "$T" --mixResolution 640,480,30,5 stray 2>"$T/m.err" >/dev/null
b='W 16\.\.7680, H 16\.\.4320, FPS 1\.\.120, KBPS 10\.\.100000'
grep -qE "$b" "$T/r.err" && grep -qE "$b" "$T/m.err" && t_pass "--mixResolution: both messages give the bounds" \
	|| t_fail "--mixResolution: both messages give the bounds" "$(head -n 1 "$T/r.err") / $(head -n 1 "$T/m.err")"
# The issue's case: a composite recorder that started and whose agrec-mix
# child then refused the value.
usage64 "--isMixingEnabled 1 --mixResolution 640,480,30,5: 64" '--mixResolution: .640,480,30,5.' \
	--channel c --isMixingEnabled 1 --mixResolution 640,480,30,5 --idle 3 --recordFileRootDir "$T/mix5" \
	--listen "127.0.0.1:$(free_port)"
[ ! -e "$T/mix5" ] && t_pass "--mixResolution 640,480,30,5: no folder" || t_fail "--mixResolution 640,480,30,5: no folder" "$(ls -R "$T/mix5")"

# ---- 2. --triggerMode 1: no idle count before the first SIGUSR1.
# Recorder A waits for its start well past --idle 3, then starts and,
# with nobody in the channel, leaves 3 s later.  Recorder B starts and
# stops at once: the count goes on after SIGUSR2, and it leaves too.
port=$(free_port)
rec_start trigA --channel trigA --triggerMode 1 --idle 3 --listen "127.0.0.1:$port" \
	--recordFileRootDir "$T/trigA" || { t_fail "manual mode recorder A starts" "$(cat "$T/trigA.err")"; exit 1; }
A_PID=$REC_PID A_DIR=$REC_DIR
rec_start trigB --channel trigB --triggerMode 1 --idle 3 --listen "127.0.0.1:$((port + 2))" \
	--recordFileRootDir "$T/trigB" || { t_fail "manual mode recorder B starts" "$(cat "$T/trigB.err")"; exit 1; }
B_PID=$REC_PID B_DIR=$REC_DIR
wait_grep "$A_DIR/recording.log" 'manual mode, idle 3 s' 10 || t_fail "recorder A's start line" "$(cat "$A_DIR/recording.log")"
wait_grep "$B_DIR/recording.log" 'manual mode, idle 3 s' 10 || t_fail "recorder B's start line" "$(cat "$B_DIR/recording.log")"
kill -USR1 "$B_PID"
wait_grep "$B_DIR/recording.log" 'SIGUSR1: recording starts' 10 || t_fail "B: SIGUSR1 logged" "$(cat "$B_DIR/recording.log")"
kill -USR2 "$B_PID"
wait_grep "$B_DIR/recording.log" 'SIGUSR2: recording stops' 10 || t_fail "B: SIGUSR2 logged" "$(cat "$B_DIR/recording.log")"
if alive_for "$A_PID" 6; then
	t_pass "--triggerMode 1 --idle 3: no SIGUSR1, still there after 6 s"
else
	t_fail "--triggerMode 1 --idle 3: no SIGUSR1, still there after 6 s" "it left: $(grep -E 'idle|leav' "$A_DIR/recording.log" | tail -n 2 | tr '\n' ' ')"
fi
grep -q 'idle for' "$A_DIR/recording.log" && t_fail "A: no idle line before the start" "$(grep 'idle for' "$A_DIR/recording.log")"
REC_PID=$B_PID
if rec_wait 15 && [ "$REC_RC" = 0 ] && grep -q 'idle for 3 s: leaving' "$B_DIR/recording.log"; then
	t_pass "--triggerMode 1: after SIGUSR1 and SIGUSR2, idle still counts: leaves, exit 0"
else
	t_fail "--triggerMode 1: after SIGUSR2 idle counts" "exit $REC_RC; $(tail -n 3 "$B_DIR/recording.log" | tr '\n' ' ')"
fi
kill -USR1 "$A_PID"
wait_grep "$A_DIR/recording.log" 'SIGUSR1: recording starts' 10 || t_fail "A: SIGUSR1 logged" "$(cat "$A_DIR/recording.log")"
t0=$(date +%s%N)
REC_PID=$A_PID
if rec_wait 15 && [ "$REC_RC" = 0 ] && grep -q 'idle for 3 s: leaving' "$A_DIR/recording.log"; then
	t_pass "--triggerMode 1: after SIGUSR1, nobody: 'idle for 3 s: leaving', exit 0"
else
	t_fail "--triggerMode 1: after SIGUSR1, nobody: leaves" "exit $REC_RC; $(tail -n 3 "$A_DIR/recording.log" | tr '\n' ' ')"
fi
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 2500 ] && t_pass "--triggerMode 1: idle counted from SIGUSR1 (left ${ms} ms after it)" \
	|| t_fail "--triggerMode 1: idle counted from SIGUSR1" "left ${ms} ms after it"
[ -f "$A_DIR/recording2-done.txt" ] && t_pass "manual mode idle exit: recording2-done.txt" || t_fail "manual mode idle exit: recording2-done.txt" ""

# ---- 3. --allow on a dual-stack listener; --listen [IPV6]:PORT.
# expect_user NAME DIR UID: the uid joined and its audio file holds ~3 s.
expect_user() {
	local name=$1 dir=$2 uid=$3 f d
	f=$(ls "$dir"/"$uid"_*.aac 2>/dev/null | head -n 1)
	d=$(adts_dur "$f" 2>/dev/null)
	if [ -n "$f" ] && [ -n "$(txt_of "$dir" "$uid")" ] && fnear "$d" 3 0.6; then t_pass "$name"
	else t_fail "$name" "aac '$f' ${d:-no} s; files: $(ls "$dir" | tr '\n' ' '); log: $(tail -n 12 "$dir/recording.log" | tr '\n' ' ')"; fi
}
port=$(free_port)
if rec_start dual --channel dual --listen ":::$port" --allow 127.0.0.1 --recordFileRootDir "$T/dual"; then
	grep -q "listening on \[::\]:$port" "$REC_DIR/recording.log" && t_pass "--listen :::PORT logged as [::]:PORT" \
		|| t_fail "--listen :::PORT logged as [::]:PORT" "$(grep listening "$REC_DIR/recording.log")"
	send_audio "$port" 3 1001 0x1001a001
	wait_grep "$REC_DIR/recording.log" 'uid 1001 joined' 10
	rec_stop
	[ "$REC_RC" = 0 ] || t_fail "dual-stack recorder: exit 0" "exit $REC_RC"
	expect_user "--listen :::PORT --allow 127.0.0.1: an IPv4 sender (::ffff:127.0.0.1) is recorded" "$REC_DIR" 1001
	grep -q ' 0 from sources not allowed' "$REC_DIR/recording.log" && t_pass "--allow 127.0.0.1: nothing from it refused" \
		|| t_fail "--allow 127.0.0.1: nothing from it refused" "$(grep 'not allowed' "$REC_DIR/recording.log")"
else
	t_fail "--listen :::PORT starts" "$(cat "$T/dual.err")"
fi
# ... and a v4-mapped sender outside the IPv4 networks is still refused.
port=$(free_port)
if rec_start dual2 --channel dual2 --listen "[::]:$port" --allow 127.0.0.2 --recordFileRootDir "$T/dual2"; then
	send_audio "$port" 2 1002 0x1002a001
	rec_stop
	if [ -z "$(ls "$REC_DIR"/1002_* 2>/dev/null)" ] &&
	    grep -qE ' [1-9][0-9]* from sources not allowed' "$REC_DIR/recording.log"; then
		t_pass "--listen [::]:PORT --allow 127.0.0.2: the sender at 127.0.0.1 is refused"
	else
		t_fail "--allow 127.0.0.2 on [::]" "$(ls "$REC_DIR"); $(grep 'not allowed' "$REC_DIR/recording.log")"
	fi
else
	t_fail "--listen [::]:PORT starts" "$(cat "$T/dual2.err")"
fi
# An IPv6 sender to --listen [::1]:PORT.
if ! ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
	t_skip "--listen [::1]:PORT" "no IPv6 loopback address (::1) on lo"
else
	port=$(free_port)
	if rec_start v6 --channel v6 --listen "[::1]:$port" --allow ::1 --recordFileRootDir "$T/v6"; then
		timeout 23 ffmpeg -hide_banner -nostdin -loglevel error \
			-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=3" \
			-map 0:a -c:a libopus -ar 48000 -ac 2 -b:a 64k -f rtp -payload_type 111 \
			-ssrc 0x1003a001 -cname 1003 -rtpflags send_bye "rtp://[::1]:$port" >/dev/null
		wait_grep "$REC_DIR/recording.log" 'uid 1003 joined' 10
		rec_stop
		[ "$REC_RC" = 0 ] || t_fail "[::1] recorder: exit 0" "exit $REC_RC"
		expect_user "--listen [::1]:PORT --allow ::1: an IPv6 sender is recorded" "$REC_DIR" 1003
	else
		t_fail "--listen [::1]:PORT starts" "$(cat "$T/v6.err")"
	fi
fi
usage64 "--listen [::1] without a port" '--listen: .\[::1\].' --channel c --listen '[::1]' --idle 3 --recordFileRootDir "$T/x"
usage64 "--listen [::1]:65535" '--listen: .\[::1\]:65535.' --channel c --listen '[::1]:65535' --idle 3 \
	--recordFileRootDir "$T/x"
