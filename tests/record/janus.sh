#!/usr/bin/env bash
# A real SFU (issue 11): headless Chromium, with its fake camera and
# microphone, publishes two participants into each of two Janus videoroom
# rooms (VP8, H.264); the room's rtp_forward sends them to agrec-record, in
# the current "streams" form (video with rtcp_port = recorder port+1, so
# that keyframe requests can reach the forwarder's RTCP socket) and in the
# older form (Janus asks the publisher for a keyframe itself), and the older
# form again with SRTP (issue 13: srtp_suite 80, srtp_crypto) into
# --decryptionMode AES_CM_128_HMAC_SHA1_80 --secret.  Each user's
# video must start within 1 s of its forward, in both forms and both codecs;
# every file is probed, and agrec-convert -m 1 runs on every folder.
#
# Janus offers no loopback ICE candidates, so Janus, Chromium, the
# recorders and tests/tools/janus_drive.py (the page server and Janus
# client) run inside a network and PID namespace made here (unshare), with
# lo and a veth pair of private addresses: no packet can leave the machine,
# and everything started there dies with it.  The recorders listen on
# 127.0.0.1 inside it.  This script runs itself there with --inside.
# The cases: codec-form; vp8-srtp is the older form with SRTP (Janus's
# srtp_suite/srtp_crypto) into --decryptionMode/--secret.
CASES="vp8-streams vp8-legacy vp8-srtp h264-streams h264-legacy"
if [ "${1:-}" = --inside ]; then
	# --- inside the namespaces: $2 is the scratch folder, $3 the recorder ---
	set -u
	T=$2 RECORD=$3 TOOLS=$(cd "$(dirname "$0")/../tools" && pwd)
	# The SDES key of the SRTP case (RFC 4568 inline: master key and salt).
	SRTP_KEY=$(head -c 30 /dev/urandom | base64)
	pids=()
	cpg=
	end() {
		local p
		[ -n "$cpg" ] && kill -KILL -- "-$cpg" 2>/dev/null
		for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	}
	trap end EXIT
	die() { echo "inside: $*" >&2; exit 1; }
	until_true() {	# until_true SECONDS CMD...: poll CMD every 0.1 s until it succeeds
		local end=$((SECONDS + $1)); shift
		until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 0.1; done
	}
	ip link set lo up &&
		ip link add v0 type veth peer name v1 &&
		ip addr add 10.211.0.1/24 dev v0 && ip addr add 10.211.0.2/24 dev v1 &&
		ip link set v0 up && ip link set v1 up || die "cannot set up the network"

	# Janus: the videoroom plugin and the HTTP transport on 127.0.0.1, ICE
	# on v0 only; every other plugin, transport, logger and event handler off.
	jd=$T/janus lib=/usr/lib/x86_64-linux-gnu/janus
	[ -d "$lib" ] || lib=$(dirname "$(dirname "$(ls /usr/lib/*/janus/plugins/libjanus_videoroom.so | head -n 1)")")
	mkdir -p "$jd"
	off() {	# off DIR [KEEP]: the modules of DIR but KEEP, comma-separated
		local f out=
		for f in "$lib/$1"/*.so; do
			f=${f##*/}
			[ "$f" = "${2:-}" ] || out=$out${out:+,}$f
		done
		echo "$out"
	}
	cat >"$jd/janus.jcfg" <<-EOF
	general: {
		configs_folder = "$jd"
		plugins_folder = "$lib/plugins"
		transports_folder = "$lib/transports"
		events_folder = "$lib/events"
		loggers_folder = "$lib/loggers"
		debug_level = 4
		debug_colors = false
		session_timeout = 0
	}
	media: { rtp_port_range = "40000-40999" }
	nat: { nice_debug = false ice_enforce_list = "v0" ignore_mdns = true }
	plugins: { disable = "$(off plugins libjanus_videoroom.so)" }
	transports: { disable = "$(off transports libjanus_http.so)" }
	loggers: { disable = "$(off loggers)" }
	events: { broadcast = false disable = "$(off events)" }
	EOF
	cat >"$jd/janus.transport.http.jcfg" <<-EOF
	general: { base_path = "/janus" http = true port = 8088 ip = "127.0.0.1" https = false }
	admin: { admin_http = false admin_https = false }
	EOF
	echo 'general: { }' >"$jd/janus.plugin.videoroom.jcfg"
	janus -F "$jd" -C "$jd/janus.jcfg" >"$T/janus.log" 2>&1 &
	pids+=($!)	# the driver waits for its HTTP API

	# One recorder per case; uids 1001/1002 from the SDP (Janus sends no
	# RTCP, so no CNAME); audio SSRC uid*10+1, video uid*10+2.
	for codec in vp8 h264; do
		if [ $codec = vp8 ]; then rtpmap='97 VP8/90000'; else rtpmap='96 H264/90000'; fi
		{
			printf 'v=0\no=- 0 0 IN IP4 127.0.0.1\ns=janus %s\nt=0 0\n' $codec
			printf 'm=video 5004 RTP/AVP %s\na=rtpmap:%s\n' "${rtpmap%% *}" "$rtpmap"
			printf 'a=ssrc:%s cname:%s\n' 10012 1001 10022 1002
			printf 'm=audio 5004 RTP/AVP 111\na=rtpmap:111 opus/48000/2\n'
			printf 'a=ssrc:%s cname:%s\n' 10011 1001 10021 1002
		} >"$T/$codec.sdp"
	done
	port=5004
	for c in $CASES; do
		mkdir -p "$T/rec/$c"
		srtp=()
		[ "$c" = vp8-srtp ] && srtp=(--decryptionMode AES_CM_128_HMAC_SHA1_80 --secret "$SRTP_KEY")
		"$RECORD" --channel "$c" --recordFileRootDir "$T/rec/$c" --listen "127.0.0.1:$port" \
			--sdp "$T/${c%-*}.sdp" --idle 300 "${srtp[@]}" >"$T/$c.out" 2>"$T/$c.err" &
		pids+=($!)
		eval "pid_${c/-/_}=\$! port_${c/-/_}=$port"
		port=$((port + 4))
	done
	for c in $CASES; do
		until_true 10 test -s "$T/$c.out" || die "recorder $c did not start: $(cat "$T/$c.err")"
	done
	cs() {	# cs CASE: the case's JSON for the driver
		local v=${1/-/_} p form=${1#*-} srtp=; p=pid_$v; v=port_$v
		# The SRTP case: the older form (Janus asks for the key frame), SRTP 80.
		[ "$form" = srtp ] && form=legacy srtp=', "srtp": {"suite": 80, "crypto": "'$SRTP_KEY'"}'
		printf '{"name": "%s", "form": "%s", "port": %d, "dir": "%s", "pid": %d%s}' \
			"$1" "$form" "${!v}" "$(head -n 1 "$T/$1.out")" "${!p}" "$srtp"
	}
	pubs='[{"id": 1001, "assrc": 10011, "vssrc": 10012}, {"id": 1002, "assrc": 10021, "vssrc": 10022}]'
	cat >"$T/drive.json" <<-EOF
	{"janus": "http://127.0.0.1:8088/janus", "port": 8000, "page": "$TOOLS/janus_publish.html",
	 "out": "$T/results.json", "ready": "$T/drive.ready", "duration": 4,
	 "rooms": [
	  {"room": 1, "codec": "vp8", "pt": 97, "publishers": $pubs,
	   "cases": [$(cs vp8-streams), $(cs vp8-legacy), $(cs vp8-srtp)]},
	  {"room": 2, "codec": "h264", "pt": 96, "publishers": $pubs,
	   "cases": [$(cs h264-streams), $(cs h264-legacy)]}]}
	EOF
	python3 "$TOOLS/janus_drive.py" "$T/drive.json" 2>"$T/drive.log" &
	dpid=$!
	pids+=("$dpid")
	until_true 20 test -e "$T/drive.ready" || die "driver not ready: $(tail -n 5 "$T/drive.log")"

	# Chromium in its own process group, killed as a group.
	setsid chromium --headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions --mute-audio \
		--user-data-dir="$T/chromium" --use-fake-device-for-media-stream \
		--use-fake-ui-for-media-stream --disable-features=WebRtcHideLocalIpsWithMdns \
		http://127.0.0.1:8000/ >"$T/chromium.log" 2>&1 &
	cpg=$!
	pids+=("$cpg")
	until_true 140 eval '! kill -0 $dpid 2>/dev/null' || die "driver still running after 140 s"
	wait "$dpid"; drc=$?
	# The driver has stopped every recorder it ran a case for; stop the rest.
	for c in $CASES; do
		v=pid_${c/-/_}
		kill -TERM "${!v}" 2>/dev/null
	done
	for c in $CASES; do
		v=pid_${c/-/_}
		until_true 20 eval '! kill -0 ${!v} 2>/dev/null' || echo "recorder $c did not exit" >&2
		wait "${!v}"; echo "$c $?" >>"$T/rec.status"
	done
	exit "$drc"
fi

. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe jq python3 ip unshare setsid janus chromium
RECORD=$AGREC_BUILD/agrec-record
[ -x "$RECORD" ] || { t_fail "agrec-record" "$RECORD is not built (run make)"; exit 1; }
need_convert
if [ "$(id -u)" != 0 ] || ! unshare -n -p -f --mount-proc true 2>/dev/null; then
	t_skip "janus" "cannot make network and PID namespaces here (unshare -n -p needs root)"
	exit 0
fi
t0=$SECONDS
timeout -k 5 170 unshare -n -p -f --mount-proc --kill-child bash "$0" --inside "$T" "$RECORD" \
	>"$T/inside.log" 2>&1
rc=$?
t1=$SECONDS
if [ $rc -ne 0 ] || [ ! -s "$T/results.json" ]; then
	t_fail "janus: the namespace run" "status $rc: $(tail -n 8 "$T/inside.log" "$T/drive.log" 2>/dev/null | tr '\n' ' ')"
fi
[ -s "$T/results.json" ] || exit 1
[ "$(grep -c ' 0$' "$T/rec.status")" = 5 ] && t_pass "janus: the five recorders exit 0" ||
	t_fail "janus: the recorders' exit status" "$(tr '\n' ' ' <"$T/rec.status")"

ts_ms() {	# ts_ms FILE: the 17-digit UTC time stamp of a media file name, in ms since the epoch
	local ts; ts=$(basename "$1" | sed -n 's/^[0-9]*_\([0-9]\{17\}\)\.[a-z0-9]*$/\1/p')
	[ -n "$ts" ] || return 1
	echo $(( $(date -u -d "${ts:0:4}-${ts:4:2}-${ts:6:2} ${ts:8:2}:${ts:10:2}:${ts:12:2}" +%s) * 1000 + 10#${ts:14:3} ))
}
uavg_at() {	# uavg_at FILE T: mean U (chroma) of the frame at T
	ffmpeg -nostdin -v error -ss "$2" -i "$1" -frames:v 1 -an \
		-vf signalstats,metadata=mode=print:key=lavfi.signalstats.UAVG:file=- -f null - 2>/dev/null |
		sed -n 's/^lavfi\.signalstats\.UAVG=//p' | head -n 1
}
in_window() {	# in_window S LO_MS HI_MS: S seconds is within [LO - 0.3 s, HI + 0.3 s]
	awk -v s="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(s != "" && s * 1000 >= lo - 300 && s * 1000 <= hi + 300) }'
}
secs() { awk -v a="$1" 'BEGIN { printf "%.3f", a / 1000 }'; }
R=$T/results.json

check_case() {	# check_case CASE: its PASS/FAIL lines, then "# summary" lines
	local c=$1 codec=${1%-*} form=${1#*-} ext dir n pk lost uid u fwd lo hi kf v a j as ad delay
	local vc w h vd nf fps f p u0
	[ "$codec" = vp8 ] && ext=webm || ext=mp4
	dir=$(head -n 1 "$T/$c.out")
	if ! jq -e --arg c "$c" 'has($c)' "$R" >/dev/null; then
		t_fail "janus $c: the case ran" "$(tail -n 3 "$T/drive.log" | tr '\n' ' ')"; return
	fi
	if [ "$form" = streams ]; then	# Janus opened an RTCP socket for each video forward
		n=$(jq --arg c "$c" '[.[$c].users[].reply.forwarders[] | select(.local_rtcp_port)] | length' "$R")
		[ "$n" = 2 ] && t_pass "janus $c: each video forwarder has an RTCP socket (rtcp_port)" ||
			t_fail "janus $c: the forwarders' RTCP sockets" "$n of 2: $(jq -c --arg c "$c" '.[$c].users[].reply' "$R")"
	fi
	for uid in 1001 1002; do
		u=$(jq -c --arg c "$c" --arg u "$uid" '.[$c].users[$u]' "$R")
		read -r fwd lo hi kf <<<"$(jq -r '[.forward_ms, .stop_ms - .reply_ms, .stopped_ms - .forward_ms,
			.keyframes_during] | map(tostring) | join(" ")' <<<"$u")"
		# Forwarding lasted between lo and hi ms (the requests took time).
		v=$(ls "$dir/$uid"_*."$ext" 2>/dev/null | head -n 1)
		a=$(ls "$dir/$uid"_*.aac 2>/dev/null | head -n 1)
		# Audio, from the forward on, for as long as it lasted (ADTS: packets x 1024 / rate).
		as=
		if [ -n "$a" ]; then
			as=$(( $(ts_ms "$a") - fwd ))
			j=$(ffprobe -v error -count_packets -select_streams a:0 \
				-show_entries stream=codec_name,sample_rate,nb_read_packets -of json -- "$a" 2>/dev/null)
			ad=$(jq -r '.streams[0] | if .sample_rate then (.nb_read_packets | tonumber) * 1024 / (.sample_rate | tonumber) else "" end' <<<"$j")
			[ "$(jq -r '.streams[0].codec_name' <<<"$j")" = aac ] && in_window "$ad" $((lo - as)) $((hi - as)) &&
				t_pass "janus $c uid $uid: audio (AAC) from $(secs "$as") s after the forward, $ad s" ||
				t_fail "janus $c uid $uid: audio" "$(jq -c .streams <<<"$j"): $ad s, want $(secs $((lo - as)))-$(secs $((hi - as))) s"
		else
			t_fail "janus $c uid $uid: audio" "no .aac in: $(ls "$dir" | tr '\n' ' ')"
		fi
		if [ -z "$v" ]; then
			t_fail "janus $c uid $uid: video within 1 s of the forward" \
				"no video at all in $(secs "$lo") s of forwarding ($kf keyframes encoded meanwhile)"
			echo "# $c/$uid: no video in $(secs "$lo") s (audio +$(secs "${as:-0}") s, $kf keyframes)"
			continue
		fi
		delay=$(( $(ts_ms "$v") - fwd ))
		[ "$delay" -ge 0 ] && [ "$delay" -le 1000 ] &&
			t_pass "janus $c uid $uid: video $(secs "$delay") s after the forward ($kf keyframes encoded meanwhile)" ||
			t_fail "janus $c uid $uid: video within 1 s of the forward" "it starts $(secs "$delay") s after it ($kf keyframes)"
		# The video file: codec, size, frames for its duration.
		j=$(ffprobe -v error -count_packets -select_streams v:0 \
			-show_entries stream=codec_name,width,height,nb_read_packets:format=duration -of json -- "$v" 2>/dev/null)
		read -r vc w h nf vd <<<"$(jq -r '[.streams[0].codec_name, .streams[0].width, .streams[0].height, .streams[0].nb_read_packets, .format.duration] | map(tostring) | join(" ")' <<<"$j")"
		# The camera gives 20 fps; a loaded machine makes Chromium drop some.
		fps=$(awk -v n="$nf" -v d="$vd" 'BEGIN { if (d > 0) printf "%.1f", n / d; else print 0 }')
		[ "$vc" = "$codec" ] && [ "${w}x$h" = 640x480 ] && in_window "$vd" $((lo - delay)) $((hi - delay)) &&
			fgt "$fps" 6 && flt "$fps" 31 &&
			t_pass "janus $c uid $uid: $vc ${w}x$h, $nf frames in $vd s ($fps fps)" ||
			t_fail "janus $c uid $uid: video file" "$vc ${w}x$h, $nf frames in $vd s ($fps fps), want $codec 640x480, $(secs $((lo - delay)))-$(secs $((hi - delay))) s, 6-30 fps"
		echo "# $c/$uid: video +$(secs "$delay") s, audio +$(secs "${as:-0}") s, $kf keyframes, $fps fps"
	done
	# Every forwarded stream arrived, without loss (Janus's forwarders on loopback).
	read -r n pk lost <<<"$(sed -n 's/.* \([0-9]*\) packets, \([0-9]*\) lost.*/\1 \2/p' "$dir/recording.log" |
		awk '{ n++; p += $1; l += $2 } END { print n + 0, p + 0, l + 0 }')"
	[ "$n" = 4 ] && [ "${lost:-1}" = 0 ] && t_pass "janus $c: 4 streams, $pk packets, none lost" ||
		t_fail "janus $c: the streams" "$(grep ' packets, [0-9]* lost' "$dir/recording.log" | tr '\n' ' ')"
	# The folder converts; each user has sound and the camera's picture.
	"$CONVERT" -m 1 -f "$dir" >"$T/$c.conv" 2>&1 ||
		{ t_fail "janus $c: agrec-convert -m 1" "$(tail -n 3 "$T/$c.conv" | tr '\n' ' ')"; return; }
	for uid in 1001 1002; do
		f=$dir/${uid}_0_merge_av.mp4
		[ -s "$f" ] || { t_fail "janus $c uid $uid: converted" "no ${f##*/}: $(tail -n 3 "$T/$c.conv" | tr '\n' ' ')"; continue; }
		j=$(ffprobe -v error -show_entries stream=codec_type,codec_name,duration -of json -- "$f" 2>/dev/null)
		read -r p vd ad <<<"$(jq -r '[([.streams[].codec_type] | sort | join(",")),
			(.streams[] | select(.codec_type == "video") | .duration),
			(.streams[] | select(.codec_type == "audio") | .duration)] | map(tostring) | join(" ")' <<<"$j")"
		# Chromium's fake camera leaves its chroma planes at 0 (a green
		# picture); the converter's black has them at 128.
		u0=$(uavg_at "$f" "$(awk -v d="$vd" 'BEGIN { print d - 1 }')")
		[ "$p" = audio,video ] && fnear "$vd" "$ad" 0.2 && flt "$u0" 64 &&
			t_pass "janus $c uid $uid: converted: video $vd s, audio $ad s, the camera's picture" ||
			t_fail "janus $c uid $uid: converted ${f##*/}" "streams $p, video $vd s, audio $ad s, U $u0 1 s before the end (want ~0)"
	done
}

for c in $CASES; do
	check_case "$c" >"$T/check.$c" 2>&1 &
done
wait
for c in $CASES; do grep -v '^#' "$T/check.$c"; done
grep -h '^#' "$T"/check.*-streams "$T"/check.*-legacy "$T"/check.*-srtp
echo "# janus.sh: $((SECONDS - t0)) s ($((t1 - t0)) s in the namespaces, $((SECONDS - t1)) s probing and converting)"
