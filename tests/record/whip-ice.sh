#!/usr/bin/env bash
# agrec-record's WHIP sessions at the ICE level (issue 13), with a STUN
# client that shares no code with ours (tests/tools/whip_ice.py: Python's
# hmac and zlib) and a real Chromium offer: the 201 answer, a check
# answered with a verified MESSAGE-INTEGRITY, FINGERPRINT and
# XOR-MAPPED-ADDRESS, bad-integrity and unknown-user checks ignored and
# counted, 409 for a uid in use, DELETE, a DTLS handshake that never
# finishes (dropped after 10 s), and 1,000 POSTs in a burst (201
# up to --maxPublishers, then 503) while a plain-RTP participant
# (ffmpeg) records: memory stays bounded and its recording is whole.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe python3 jq ss
offer=$(cd "$(dirname "$0")/../fixtures/sdp" 2>/dev/null && pwd)/chromium-vp8.sdp
[ -s "$offer" ] || { t_fail "a real offer" "missing tests/fixtures/sdp/chromium-vp8.sdp"; exit 1; }

tcp_port() {	# a TCP port nobody listens on
	local p i
	for i in $(seq 1 50); do
		p=$(( (RANDOM % 15000) + 35000 ))
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	echo 38081
}
port=$(free_port) hport=$(tcp_port) key=k-$RANDOM$RANDOM
mkdir -p "$T/root"
rec_start rec --channel ice --recordFileRootDir "$T/root" --listen "127.0.0.1:$port" \
	--whip "127.0.0.1:$hport" --channelKey "$key" --maxPublishers 5 --idle 60 \
	|| { t_fail "recorder starts with --whip" "$(cat "$T/rec.err")"; exit 1; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$REC_PID/status"; }

# The plain-RTP participant, 8 s, beside everything below.
SEND_PROGRESS=$T/av.progress send_av "$port" 8 1001 0x11111111 0x22222222 &
spid=$!
PIDS+=("$spid")
wait_for 20 rec_logged "$REC_DIR" 'uid 1001 joined' || t_fail "the plain sender joins" "$(tail -n 3 "$REC_DIR/recording.log")"
rss0=$(rss)
timeout 150 python3 "$(dirname "$0")/../tools/whip_ice.py" "http://127.0.0.1:$hport/whip/ice" "$key" \
	"$offer" "$port" "$T/ice.json" 2>"$T/ice.err"
[ -s "$T/ice.json" ] || t_fail "whip_ice.py ran" "$(tail -n 5 "$T/ice.err")"
jq -r 'to_entries[] | select(.key | startswith("_") | not) |
	if .value[0] then "PASS: " + .key else "FAIL: " + .key + ": " + .value[1] end' "$T/ice.json" 2>/dev/null
rss1=$(rss)
# ASan keeps freed memory in quarantine: a looser bound under build-san.
bound=30000
[[ $AGREC_BUILD == *-san* ]] && bound=150000
[ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt $bound ] &&
	t_pass "the burst leaves the recorder's memory bounded (${rss0} -> ${rss1} kB)" ||
	t_fail "memory after the burst" "${rss0:-?} -> ${rss1:-?} kB"
echo "# burst statuses: $(jq -r '._burst[1] // "none"' "$T/ice.json" 2>/dev/null)"
rec_logged "$REC_DIR" 'bad MESSAGE-INTEGRITY' && t_pass "the bad check is logged" ||
	t_fail "the bad check is logged" "$(grep WHIP "$REC_DIR/recording.log" | tail -n 5)"
rec_logged "$REC_DIR" 'unknown ICE username' && t_pass "the unknown username is logged" ||
	t_fail "the unknown username is logged" "$(grep WHIP "$REC_DIR/recording.log" | tail -n 5)"
wait_for 20 rec_logged "$REC_DIR" 'uid 4343: .*ends \(the DTLS handshake did not finish in 10 s\)' &&
	t_pass "a DTLS handshake that does not finish in 10 s ends its session" ||
	t_fail "the unfinished DTLS handshake" "$(grep 'uid 4343' "$REC_DIR/recording.log" | tail -n 3)"
grep -q -- "$key" "$REC_DIR/recording.log" "$T/rec.out" "$T/rec.err" &&
	t_fail "the token is never logged" "found in the log" || t_pass "the token is never logged"

wait "$spid"
wait_for 20 rec_gone "$REC_DIR" 1001 || t_fail "the plain sender leaves" "$(tail -n 3 "$REC_DIR/recording.log")"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "SIGTERM: exit 0" || t_fail "SIGTERM: exit 0" "status $REC_RC: $(tail -n 3 "$T/rec.err")"
sent=$(sent_secs "$T/av.progress")
aac=$(ls "$REC_DIR"/1001_*.aac 2>/dev/null | head -n 1) mp4=$(ls "$REC_DIR"/1001_*.mp4 2>/dev/null | head -n 1)
d=$(adts_dur "$aac")
fnear "$d" "$sent" 0.3 && t_pass "the plain participant's audio is whole ($d s of $sent s)" ||
	t_fail "the plain participant's audio" "${aac:-no .aac}: $d s, sent $sent s"
d=$(probe_dur "$mp4" v)
fnear "$d" "$sent" 0.3 && t_pass "the plain participant's video is whole ($d s of $sent s)" ||
	t_fail "the plain participant's video" "${mp4:-no .mp4}: $d s, sent $sent s"
# No user came from the sessions that never connected.
n=$(ls "$REC_DIR"/uid_*.txt 2>/dev/null | wc -l)
[ "$n" = 1 ] && t_pass "one user in the folder" || t_fail "one user in the folder" "$(ls "$REC_DIR")"
