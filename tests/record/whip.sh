#!/usr/bin/env bash
# WHIP from a real browser (issue 13): headless Chromium, with its fake
# camera (640x480, 20 fps) and microphone, opens contrib/whip/publish.html
# (served by tests/tools/whip_drive.py on 127.0.0.1, a secure context) and
# publishes into agrec-record --whip with a --channelKey:
#   - uid 1001 (VP8) for about 32 s; uid 1002 (H.264) for 8 s, leaves with a
#     DELETE (the page's Stop), comes back 17 s later (more than 15 s: a new
#     segment, a second txt that continues the session's time base) for 6 s;
#   - a third page (uid 1003) whose offer reaches the recorder with its
#     a=fingerprint altered (through the driver): the DTLS handshake must
#     fail, logged, and the page never connects nor is recorded;
#   - with 1001 connected, the driver posts a real offer of that page again:
#     uid in use (409), every codec renamed (406), a wrong and no token (401),
#     another channel (404).
# The folder is checked (files, txt), converted with -m 1 on a copy, and
# every output probed: durations within 0.5 s of the time each page was
# connected (the driver's own time stamps of its events), 640x480, frame
# rate, the fake camera's picture (its chroma planes are 0, a green
# picture, where black has them at 128; its luma is too dark to tell it
# from black), sound (not silent), and
# black and silence while 1002 was away.
# With --audioIndicationInterval: the levels come from Chromium's RFC 6464
# audio level extension, kept in the answer (issue 15).
# Then REMB: two recorders at once, --maxBitrate 300 and the default, one
# page each for 10 s: the capped page's send rate (bytesSent deltas) stays
# under 1.3 x 300 kb/s and its estimate (availableOutgoingBitrate) under the
# cap, while the other's estimate goes higher (what it sends depends on the
# fake camera's picture: both figures are printed).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe jq python3 chromium setsid ss
[ -x "$RECORD" ] || { t_fail "agrec-record" "$RECORD is not built (run make)"; exit 1; }
need_convert
TOOLS=$AGREC_TOP/tests/tools
PAGE=$AGREC_TOP/contrib/whip/publish.html
KEY=k$RANDOM$RANDOM$RANDOM
t0=$SECONDS

free_tcp() {	# free_tcp: a TCP port nobody listens on
	local p i
	for i in $(seq 1 50); do
		p=$(( RANDOM % 15000 + 35000 ))
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
	echo 39999
}

# browse NAME CFG LIMIT: whip_drive.py with CFG, one Chromium on its page,
# both ended within LIMIT s; the driver's status in DRIVE_RC.
browse() {
	local name=$1 cfg=$2 limit=$3 dpid cpg
	python3 "$TOOLS/whip_drive.py" "$cfg" 2>"$T/$name.drive.log" &
	dpid=$!
	PIDS+=("$dpid")
	if ! wait_for 20 test -s "$T/$name.url"; then
		t_fail "whip $name: the driver starts" "$(tail -n 3 "$T/$name.drive.log" | tr '\n' ' ')"
		DRIVE_RC=1
		return
	fi
	setsid chromium --headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions --mute-audio \
		--disable-background-timer-throttling --disable-renderer-backgrounding \
		--disable-backgrounding-occluded-windows --user-data-dir="$T/$name.chromium" \
		--use-fake-device-for-media-stream --use-fake-ui-for-media-stream \
		--allow-loopback-in-peer-connection --disable-features=WebRtcHideLocalIpsWithMdns \
		"$(cat "$T/$name.url")" >"$T/$name.chromium.log" 2>&1 &
	cpg=$!
	PIDS+=("$cpg")
	wait_for "$limit" pids_gone "$dpid" || kill -TERM "$dpid" 2>/dev/null
	wait "$dpid"
	DRIVE_RC=$?
	kill -TERM -- "-$cpg" 2>/dev/null
	wait_for 10 pids_gone "$cpg" || kill -KILL -- "-$cpg" 2>/dev/null
	wait "$cpg" 2>/dev/null
}

# tab NAME UID CODEC PLAN [EXTRA]: one tab of a driver configuration
tab() {
	printf '{"name": "%s", "whip": "%s", "channel": "%s", "uid": %d, "codec": "%s", "token": "%s",
	 "degradation": "maintain-resolution", "plan": %s%s}' \
		"$1" "$WHIP" "$CHANNEL" "$2" "$3" "$KEY" "$4" "${5:+, $5}"
}

# ---------------------------------------------------------------- the meeting
p=$(free_port) hp=$(free_tcp)
CHANNEL=whipmeet WHIP=http://127.0.0.1:$hp/whip/
mkdir -p "$T/rec"
rec_start main --channel "$CHANNEL" --recordFileRootDir "$T/rec" --listen "127.0.0.1:$p" \
	--whip "127.0.0.1:$hp" --channelKey "$KEY" --idle 120 --logLevel 6 \
	--audioIndicationInterval 200 --emit "$T/main.stream" ||
	{ t_fail "whip: the recorder starts with --whip" "$(tail -n 3 "$T/main.err")"; exit 1; }
D=$REC_DIR MAIN=$REC_PID
cat >"$T/main.json" <<EOF
{"page": "$PAGE", "url": "$T/main.url", "out": "$T/main.res", "limit": 100,
 "tabs": [$(tab u1001 1001 vp8 '[["publish", 32]]'),
  $(tab u1002 1002 h264 '[["publish", 8], ["away", 17], ["publish", 6]]'),
  $(tab badfp 1003 vp8 '[["fail", 15]]' '"proxy": "fingerprint"')],
 "cases": {"offer_from": "badfp", "while_connected": "u1001", "whip": "$WHIP",
  "channel": "$CHANNEL", "token": "$KEY", "busy_uid": 1001, "uid": 1009}}
EOF
browse main "$T/main.json" 110
R=$T/main.res
[ "$DRIVE_RC" = 0 ] && [ -s "$R" ] && t_pass "whip: the driver ran every page's plan" ||
	t_fail "whip: the pages' plans" "driver status $DRIVE_RC: $(grep -v ' proxy ' "$T/main.drive.log" | tail -n 6 | tr '\n' ' ')"
[ -s "$R" ] || exit 1
grep -q "$KEY" "$D/recording.log" "$T/main.err" "$T/main.out" &&
	t_fail "whip: the channel key is never logged" "found in the recorder's log" ||
	t_pass "whip: the channel key is never logged"
# The page keeps it out of its status (what the driver received).
grep -q "$KEY" "$R" && t_fail "whip: the page never reports the token" "it is in $R" ||
	t_pass "whip: the page never reports the token"
for u in 1001 1002; do
	wait_for 20 rec_gone "$D" "$u" || t_fail "whip: uid $u leaves after its DELETE" "$(grep "uid $u" "$D/recording.log" | tail -n 3 | tr '\n' ' ')"
done
cpu() {	# cpu PID...: their user + system CPU time so far, in seconds
	local p t=0 hz; hz=$(getconf CLK_TCK)
	for p; do t=$(( t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0) )); done
	awk -v t="$t" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }'
}
echo "# CPU of the recorder: $(cpu "$MAIN") s, its running ffmpeg children $(cpu $(rec_children "$MAIN")) s, for $(awk '{ printf "%.0f", $1 }' <(tail -n 1 "$D/recording.log")) s of the meeting"
rec_stop
[ "$REC_RC" = 0 ] && t_pass "whip: the recorder exits 0" || t_fail "whip: the recorder's exit status" "$REC_RC"
# Volume indication (issue 15): the answer kept the offer's a=extmap
# ssrc-audio-level, so Chromium sent RFC 6464 levels, which the recorder
# used (source rfc6464 in the stream's levels records) for both users.
"$RECORD" --dump "$T/main.stream" >"$T/main.dump" 2>&1
for u in 1001 1002; do
	n=$(grep ' levels ' "$T/main.dump" | grep -c " $u:[-0-9.]*:rfc6464") || true
	d=$(grep ' levels ' "$T/main.dump" | grep -c " $u:[-0-9.]*:decoded") || true
	l=$(jq -r --arg u "$u" 'select(.levels[$u] != null)' "$D/speakers.jsonl" 2>/dev/null | grep -c t_ms) || true
	[ "$n" -ge 20 ] && [ "$d" = 0 ] && [ "$l" = "$n" ] \
		&& t_pass "whip: uid $u's levels from Chromium's RFC 6464 extension ($n intervals)" \
		|| t_fail "whip: uid $u's levels from RFC 6464" "$n rfc6464, $d decoded records, $l lines"
done

pubs() { jq -r --arg t "$1" '.tabs[$t].publications[] | [.connected_ms // 0, .stopping_ms // 0] | map(tostring) | join(" ")' "$R"; }
secs() { awk -v a="$1" 'BEGIN { printf "%.3f", a / 1000 }'; }
# The bad-input answers.
for c in "uid-in-use 409" "no-common-codec 406" "wrong-token 401" "no-token 401" "wrong-channel 404"; do
	set -- $c
	got=$(jq -r --arg c "$1" '.cases[$c].status // "none"' "$R")
	[ "$got" = "$2" ] && t_pass "whip: $1 -> $2 ($(jq -r --arg c "$1" '.cases[$c].body' "$R" | head -n 1 | cut -c1-80))" ||
		t_fail "whip: $1" "status $got, want $2: $(jq -c --arg c "$1" '.cases[$c]' "$R")"
done
jq -e '.cases["wrong-token"].www_authenticate // "" | test("Bearer")' "$R" >/dev/null &&
	t_pass "whip: 401 names the Bearer scheme (WWW-Authenticate)" ||
	t_fail "whip: WWW-Authenticate on 401" "$(jq -c '.cases["wrong-token"]' "$R")"
jq -e '.cases.busy_still_connected' "$R" >/dev/null && t_pass "whip: the 409 leaves uid 1001 connected" ||
	t_fail "whip: uid 1001 after the 409" "$(jq -c '.tabs.u1001.publications[0].last.connectionState' "$R")"
# The altered fingerprint: logged, never connected, nothing recorded.
if grep -Ei 'uid 1003.*(fingerprint|DTLS failed)' "$D/recording.log" | grep -qi fingerprint; then
	t_pass "whip: a certificate that does not match the fingerprint is dropped and logged"
else
	t_fail "whip: fingerprint mismatch logged" "$(grep -E 'uid 1003|DTLS' "$D/recording.log" | tail -n 4 | tr '\n' ' ')"
fi
ev=$(jq -r '[.tabs.badfp.events[].what] | join(",")' "$R")
[[ ",$ev," == *,answered,* ]] && [ -z "$(ls "$D" | grep '^1003_\|^uid_1003_')" ] &&
	grep -q 'uid 1003: session .* ends' "$D/recording.log" &&
	t_pass "whip: the page with the altered fingerprint is answered, its session ends, nothing recorded" ||
	t_fail "whip: the altered fingerprint" "page events $ev; files $(ls "$D" | grep 1003 | tr '\n' ' ')"
# The handshake itself must fail (the certificate checked while it runs, a
# fatal alert): a peer that finishes it believes it is connected.
[[ ",$ev," != *,connection-connected,* ]] &&
	t_pass "whip: the page with the altered fingerprint never connects" ||
	t_fail "whip: the page with the altered fingerprint never connects" "it did: $ev"

# The folder: 1001 one segment (VP8: webm), 1002 two segments (H.264: mp4).
n1=$(txt_of "$D" 1001 | wc -l) n2=$(txt_of "$D" 1002 | wc -l)
na1=$(ls "$D"/1001_*.aac 2>/dev/null | wc -l) nv1=$(ls "$D"/1001_*.webm 2>/dev/null | wc -l)
na2=$(ls "$D"/1002_*.aac 2>/dev/null | wc -l) nv2=$(ls "$D"/1002_*.mp4 2>/dev/null | wc -l)
[ "$n1 $na1 $nv1 $n2 $na2 $nv2" = "1 1 1 2 2 2" ] &&
	t_pass "whip: the folder has 1001 (1 txt, aac, webm) and 1002 (2 txt, 2 aac, 2 mp4)" ||
	t_fail "whip: the folder's files" "1001: $n1 txt $na1 aac $nv1 webm; 1002: $n2 txt $na2 aac $nv2 mp4: $(ls "$D" | tr '\n' ' ')"
txts=($(txt_of "$D" 1002))
if [ ${#txts[@]} = 2 ]; then
	first=$(head -n 1 "${txts[1]}" | cut -d' ' -f1)
	head -n 1 "${txts[0]}" | grep -q '^0\.000 ' && fgt "$first" 24 && flt "$first" 32 &&
		grep -q ' close' "${txts[0]}" && ! grep -q '^0\.000 ' "${txts[1]}" &&
		t_pass "whip: 1002's second txt continues the time base ($first s)" ||
		t_fail "whip: 1002's txt files" "$(head -n 2 "${txts[0]}" | tr '\n' ' ') / $(head -n 2 "${txts[1]}" | tr '\n' ' ')"
fi

# Every raw file against the page's connected spans (VP8 for 1001, H.264 for 1002).
check_raw() {	# check_raw UID EXT CODEC
	local uid=$1 ext=$2 codec=$3 i=0 con stop want a v d j vc w h nf fps
	local -a aacs vids
	aacs=($(ls "$D/$uid"_*.aac 2>/dev/null | sort)) vids=($(ls "$D/$uid"_*."$ext" 2>/dev/null | sort))
	while read -r con stop; do
		want=$(secs $((stop - con)))
		a=${aacs[$i]:-} v=${vids[$i]:-}
		i=$((i + 1))
		[ "$con" != 0 ] && [ "$stop" != 0 ] ||
			{ t_fail "whip uid $uid #$i: connected and stopped" "$(jq -c --arg t "u$uid" '.tabs[$t].publications' "$R" | cut -c1-300)"; continue; }
		d=$(adts_dur "$a")
		fnear "$d" "$want" 0.5 && t_pass "whip uid $uid #$i: AAC ${d} s (connected $want s)" ||
			t_fail "whip uid $uid #$i: AAC duration" "${a##*/}: ${d:-none} s, connected $want s"
		j=$(ffprobe -v error -count_packets -select_streams v:0 \
			-show_entries stream=codec_name,width,height,nb_read_packets:format=duration -of json -- "$v" 2>/dev/null) || j='{}'
		read -r vc w h nf d <<<"$(jq -r '[.streams[0].codec_name, .streams[0].width, .streams[0].height,
			.streams[0].nb_read_packets, .format.duration] | map(tostring) | join(" ")' <<<"$j")"
		fps=$(awk -v n="$nf" -v d="$d" 'BEGIN { if (d > 0) printf "%.1f", n / d; else print 0 }')
		[ "$vc" = "$codec" ] && [ "${w}x$h" = 640x480 ] && fnear "$d" "$want" 0.5 && fgt "$fps" 6 && flt "$fps" 31 &&
			t_pass "whip uid $uid #$i: $vc ${w}x$h, $d s, $fps fps" ||
			t_fail "whip uid $uid #$i: video" "${v##*/}: $vc ${w}x$h, $d s, $nf frames ($fps fps); want $codec 640x480, $want s, 6-30 fps (a loaded machine makes Chromium drop frames)"
		expect_tone "whip uid $uid #$i: sound" "$a" 1 "$(awk -v w="$want" 'BEGIN { print w - 2 }')"
		# The recorder's SRTCP receiver reports reach the page (its round-trip time).
		j=$(jq -c --arg t "u$uid" --argjson i "$((i - 1))" '.tabs[$t].publications[$i].last |
			{roundTripTime, packetsLost}' "$R")
		jq -e '.roundTripTime != null' <<<"$j" >/dev/null &&
			t_pass "whip uid $uid #$i: receiver reports reach the page ($j)" ||
			t_fail "whip uid $uid #$i: receiver reports" "the page has no remote-inbound-rtp round-trip time: $j"
	done < <(pubs "u$uid")
	echo "# uid $uid: page said $(jq -r --arg t "u$uid" '[.tabs[$t].publications[].last | "\(.codec) \(.frameWidth)x\(.frameHeight) \(.framesPerSecond) fps, limited by \(.qualityLimitationReason)"] | join("; ")' "$R")"
}
check_raw 1001 webm vp8
check_raw 1002 mp4 h264

# Figures for the record: from each page's POST to its first video file
# (the time in the file's name), the recorder's own DTLS and first-media
# times, and what every stream lost.
ts_ms() {	# ts_ms FILE: the 17-digit UTC time stamp of a media file name, in ms since the epoch
	local ts; ts=$(basename "$1" | sed -n 's/^[0-9]*_\([0-9]\{17\}\)\.[a-z0-9]*$/\1/p')
	[ -n "$ts" ] || return 1
	echo $(( $(date -u -d "${ts:0:4}-${ts:4:2}-${ts:6:2} ${ts:8:2}:${ts:10:2}:${ts:12:2}" +%s) * 1000 + 10#${ts:14:3} ))
}
for uid in 1001 1002; do
	i=0
	for v in $(ls "$D/$uid"_*.webm "$D/$uid"_*.mp4 2>/dev/null | sort); do
		post=$(jq -r --arg t "u$uid" --argjson i "$i" '.tabs[$t].publications[$i].offering_ms // empty' "$R")
		i=$((i + 1))
		[ -n "$post" ] && echo "# uid $uid #$i: first video frame recorded $(( $(ts_ms "$v") - post )) ms after the page's POST"
	done
done
grep -E 'WHIP: uid [0-9]+: (DTLS-SRTP ready|first media)' "$D/recording.log" | sed 's/^[0-9.]* WHIP: /# /'
n=$(grep -c '^[0-9.]* SSRC .* packets, [0-9]* lost' "$D/recording.log")
lost=$(sed -n 's/.* packets, \([0-9]*\) lost.*/\1/p' "$D/recording.log" | awk '{ l += $1 } END { print l + 0 }')
[ "$n" = 6 ] && t_pass "whip: 6 streams (1001: 2; 1002: 2 + 2 after the rejoin), $lost packets lost" ||
	t_fail "whip: the streams" "$n: $(grep ' packets, [0-9]* lost' "$D/recording.log" | tr '\n' ' ')"

# Converted (-m 1) on a copy: one session file per user.
cp -a "$D" "$T/conv"
if "$CONVERT" -m 1 -f "$T/conv" >"$T/conv.out" 2>&1; then
	t_pass "whip: agrec-convert -m 1"
else
	t_fail "whip: agrec-convert -m 1" "$(tail -n 3 "$T/conv.out" | tr '\n' ' ')"
fi
uavg_at() {	# uavg_at FILE T: mean U of the frame at T (the fake camera's is ~0, black is 128)
	ffmpeg -nostdin -v error -ss "$2" -i "$1" -frames:v 1 -an \
		-vf signalstats,metadata=mode=print:key=lavfi.signalstats.UAVG:file=- -f null - 2>/dev/null |
		sed -n 's/^lavfi\.signalstats\.UAVG=//p' | head -n 1
}
check_conv() {	# check_conv UID: UID_0_merge_av.mp4 spans the page's first connect to its last stop
	local uid=$1 f=$T/conv/${1}_0_merge_av.mp4 j p vd ad w h fr c0 c1 s0 s1 want m u
	[ -s "$f" ] || { t_fail "whip uid $uid: converted" "no ${f##*/}: $(ls "$T/conv" | tr '\n' ' ')"; return; }
	read -r c0 s0 <<<"$(pubs "u$uid" | head -n 1)"
	read -r c1 s1 <<<"$(pubs "u$uid" | tail -n 1)"
	want=$(secs $((s1 - c0)))
	j=$(ffprobe -v error -show_entries stream=codec_type,width,height,r_frame_rate,duration -of json -- "$f" 2>/dev/null) || j='{}'
	read -r p vd ad w h fr <<<"$(jq -r '[([.streams[].codec_type] | sort | join(",")),
		(.streams[] | select(.codec_type == "video") | .duration, .width, .height, .r_frame_rate),
		(.streams[] | select(.codec_type == "audio") | .duration)] | map(tostring) | join(" ")' <<<"$j" |
		awk '{ print $1, $2, $6, $3, $4, $5 }')"
	[ "$p" = audio,video ] && fnear "$vd" "$want" 0.5 && fnear "$ad" "$want" 0.5 && [ "${w}x$h" = 640x480 ] &&
		t_pass "whip uid $uid: converted: ${w}x$h at $fr, video $vd s, audio $ad s (published span $want s)" ||
		t_fail "whip uid $uid: converted ${f##*/}" "streams $p ${w}x$h at $fr, video $vd s, audio $ad s; want 640x480, $want s"
	while read -r c s; do	# the camera's picture and sound in the middle of each span
		m=$(awk -v a="$((c - c0))" -v b="$((s - c0))" 'BEGIN { printf "%.2f", (a + b) / 2000 }')
		u=$(uavg_at "$f" "$m")
		flt "$u" 64 && t_pass "whip uid $uid: converted, the camera's frame at $m s (U $u)" ||
			t_fail "whip uid $uid: converted, the camera's frame at $m s" "U ${u:-none}, want the fake camera's (~0, black is 128)"
		expect_tone "whip uid $uid: converted, sound at $m s" "$f" "$(awk -v m="$m" 'BEGIN { print m - 1 }')" 2
	done < <(pubs "u$uid")
	if [ "$uid" = 1002 ]; then	# black and silent while away
		m=$(awk -v a="$((s0 - c0))" -v b="$((c1 - c0))" 'BEGIN { printf "%.2f", (a + b) / 2000 }')
		expect_black "whip uid 1002: converted, black while away ($m s)" "$f" "$m"
		expect_silence "whip uid 1002: converted, silent while away" "$f" "$(awk -v m="$m" 'BEGIN { print m - 2 }')" 4
	fi
}
check_conv 1001
check_conv 1002

# ---------------------------------------------------------------- REMB
p=$(free_port) hp=$(free_tcp) p2=$(( p + 2 )) hp2=$(( hp + 1 ))
mkdir -p "$T/cap" "$T/def"
rec_start cap --channel whipcap --recordFileRootDir "$T/cap" --listen "127.0.0.1:$p" \
	--whip "127.0.0.1:$hp" --channelKey "$KEY" --maxBitrate 300 --idle 60 --logLevel 6 ||
	{ t_fail "whip: the --maxBitrate 300 recorder starts" "$(tail -n 3 "$T/cap.err")"; exit 1; }
CAP=$REC_PID
rec_start def --channel whipdef --recordFileRootDir "$T/def" --listen "127.0.0.1:$p2" \
	--whip "127.0.0.1:$hp2" --channelKey "$KEY" --idle 60 --logLevel 6 ||
	{ t_fail "whip: the default recorder starts" "$(tail -n 3 "$T/def.err")"; exit 1; }
DEF=$REC_PID
WHIP=http://127.0.0.1:$hp/whip/ CHANNEL=whipcap
t1=$(tab cap 2001 vp8 '[["publish", 10]]')
WHIP=http://127.0.0.1:$hp2/whip/ CHANNEL=whipdef
t2=$(tab def 2002 vp8 '[["publish", 10]]')
cat >"$T/remb.json" <<EOF
{"page": "$PAGE", "url": "$T/remb.url", "out": "$T/remb.res", "limit": 60, "tabs": [$t1, $t2]}
EOF
browse remb "$T/remb.json" 70
for pid in "$CAP" "$DEF"; do REC_PID=$pid; rec_stop; done
R=$T/remb.res
rate() {	# rate TAB FIELD: mean of FIELD over the samples of the last 5 s connected, in kb/s
	jq -r --arg t "$1" --arg f "$2" '.tabs[$t].samples | map(select(.[1].connectionState == "connected"))
		| (if length > 0 then .[-1][0] else 0 end) as $last
		| map(select(.[0] >= $last - 5000 and .[1][$f] != null) | .[1][$f])
		| if length > 0 then (add / length / 1000 | floor) else "" end' "$R" 2>/dev/null
}
cr=$(rate cap bitrate) ca=$(rate cap availableOutgoingBitrate) dr=$(rate def bitrate) da=$(rate def availableOutgoingBitrate)
cv=$(rate cap videoBitrate) dv=$(rate def videoBitrate)
[ -n "$cr" ] && flt "$cr" 390 && t_pass "whip REMB: --maxBitrate 300 holds the page to $cr kb/s (video $cv)" ||
	t_fail "whip REMB: --maxBitrate 300" "the page sent ${cr:-nothing} kb/s over its last 5 s (want < 390)"
[ -n "$ca" ] && flt "$ca" 330 && t_pass "whip REMB: the page's estimate follows the cap ($ca kb/s)" ||
	t_fail "whip REMB: the page's estimate (availableOutgoingBitrate)" "${ca:-none} kb/s, want <= 300 (+10%)"
[ -n "$da" ] && fgt "$da" 600 && t_pass "whip REMB: without the cap the estimate is higher ($da kb/s)" ||
	t_fail "whip REMB: the default --maxBitrate" "the uncapped page's estimate is ${da:-none} kb/s (want > 600)"
echo "# REMB: capped 300: sent $cr kb/s (video $cv), estimate $ca kb/s; default: sent $dr kb/s (video $dv), estimate $da kb/s"
echo "# whip.sh: $((SECONDS - t0)) s"
