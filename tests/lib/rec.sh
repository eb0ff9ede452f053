# tests/lib/rec.sh - start and stop agrec-record and real RTP senders
# (ffmpeg, the recipes of rtp-recipes.md) on loopback, for the recorder's
# black-box tests.  Every process is started here and ended by its pid.
RECORD=$AGREC_BUILD/agrec-record
PIDS=()

_rec_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	_t_cleanup
}
trap _rec_cleanup EXIT

# free_port: an even UDP port whose port+1 is free too.
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$(( (RANDOM % 15000) * 2 + 20000 ))
		if ! ss -Hlun "sport = :$p or sport = :$((p + 1))" 2>/dev/null | grep -q .; then
			echo "$p"; return 0
		fi
	done
	echo 24000
}

# rec_start NAME ARGS...: start the recorder; sets REC_PID, REC_DIR (its folder).
# The folder is printed once the sockets are bound: a sender may start then.
rec_start() {
	local name=$1; shift
	"$RECORD" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	REC_PID=$!
	PIDS+=("$REC_PID")
	REC_DIR=
	_rec_printed() { REC_DIR=$(head -n 1 "$T/$name.out" 2>/dev/null); [ -n "$REC_DIR" ] || ! kill -0 "$REC_PID" 2>/dev/null; }
	wait_for 20 _rec_printed
	[ -n "$REC_DIR" ] && return 0
	echo "recorder did not start (no folder on its stdout within 20 s): $(cat "$T/$name.err")"
	return 1
}

# rec_stop: SIGTERM the recorder and wait for it (bounded); sets REC_RC.
rec_stop() {
	kill -TERM "$REC_PID" 2>/dev/null
	rec_wait 20
}

# rec_wait SECONDS: wait for the recorder to exit by itself; sets REC_RC.
rec_wait() {
	if ! wait_for "$1" pids_gone "$REC_PID"; then
		kill -9 "$REC_PID"; wait "$REC_PID" 2>/dev/null; REC_RC=137; return 1
	fi
	wait "$REC_PID"; REC_RC=$?
}

# rec_children PID: the pids of PID's children (the recorder's ffmpeg
# writers, agrec-mix...), to wait for with pids_gone once PID is killed.
rec_children() { pgrep -P "$1" | tr '\n' ' '; }

# rec_drained PORT: the recorder's RTP and RTCP sockets on PORT have no
# datagram waiting (it has read everything sent so far).
rec_drained() {
	ss -Hlun "sport = :$1 or sport = :$(($1 + 1))" 2>/dev/null | awk '$2 != 0 { busy = 1 } END { exit busy }'
}

# rec_logged DIR ERE [N]: the recorder's recording.log in DIR has N (1)
# or more lines matching ERE (for wait_for: the recorder has done it).
rec_logged() { [ "$(grep -Ec -- "$2" "$1/recording.log" 2>/dev/null)" -ge "${3:-1}" ]; }

# rec_gone DIR UID: the last join or leave of UID in DIR's recording.log
# is a leave (the recorder has seen the user's BYE or timeout).
rec_gone() { grep -E "uid $2 (joined|left)" "$1/recording.log" 2>/dev/null | tail -n 1 | grep -q left; }

# send_av PORT SECONDS CNAME VSSRC ASSRC [SIZE] [VCODEC] [EXTRA...]: a participant (F1/F4):
# H.264 (or VP8 with VCODEC=vp8) + Opus, BYE at the end.  Runs in the foreground.
# With SEND_PROGRESS=FILE, ffmpeg reports to FILE what it has sent (sent_secs).
send_av() {
	local port=$1 secs=$2 cname=$3 vs=$4 as=$5 size=${6:-320x180} vc=${7:-h264}
	local venc prog=()
	[ -n "${SEND_PROGRESS:-}" ] && prog=(-progress "$SEND_PROGRESS" -stats_period 0.1)
	if [ "$vc" = vp8 ]; then
		venc=(-c:v libvpx -deadline realtime -cpu-used 8 -b:v 300k -g 30 -keyint_min 30
			-lag-in-frames 0 -error-resilient 1 -pix_fmt yuv420p -payload_type 97)
	else
		venc=(-c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency -g 30
			-keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p -threads 1 -payload_type 96)
	fi
	timeout $((secs + 20)) ffmpeg -hide_banner -nostdin -loglevel error "${prog[@]}" \
		-re -f lavfi -i "testsrc2=size=$size:rate=15:duration=$secs" \
		-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$secs" \
		-map 0:v "${venc[@]}" -f rtp -ssrc "$vs" -cname "$cname" -rtpflags send_bye \
		"rtp://127.0.0.1:$port" \
		-map 1:a -c:a libopus -ar 48000 -ac 2 -b:a 64k \
		-f rtp -payload_type 111 -ssrc "$as" -cname "$cname" -rtpflags send_bye \
		"rtp://127.0.0.1:$port" >/dev/null
}

# sent_secs FILE: the seconds of media a sender started with
# SEND_PROGRESS=FILE has sent so far (0 before its first report).
sent_secs() { awk -F= '$1 == "out_time_us" && $2 ~ /^[0-9]+$/ { t = $2 } END { printf "%.3f\n", t / 1e6 }' "$1" 2>/dev/null; }

# sent_at_least SECS FILE...: every sender reporting to a FILE has sent SECS s or more.
sent_at_least() {
	local s=$1 f; shift
	for f; do awk -v a="$(sent_secs "$f")" -v b="$s" 'BEGIN { exit !(a + 0 >= b + 0) }' || return 1; done
}

# send_pcmu PORT SECONDS CNAME VSSRC ASSRC: H.264 + G.711 mu-law (F5).
send_pcmu() {
	timeout $(($2 + 20)) ffmpeg -hide_banner -nostdin -loglevel error \
		-re -f lavfi -i "testsrc2=size=320x180:rate=15:duration=$2" \
		-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$2" \
		-map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency \
		-g 30 -keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p -threads 1 \
		-f rtp -payload_type 96 -ssrc "$4" -cname "$3" -rtpflags send_bye "rtp://127.0.0.1:$1" \
		-map 1:a -af aresample=8000,asetnsamples=n=160:p=0 -c:a pcm_mulaw -ar 8000 -ac 1 \
		-f rtp -payload_type 0 -ssrc "$5" -cname "$3" -rtpflags send_bye "rtp://127.0.0.1:$1" >/dev/null
}

# txt_of DIR UID: the uid's txt files, in order.
txt_of() { ls "$1"/uid_"$2"_*.txt 2>/dev/null | sort; }

# adts_dur FILE: the exact length of an ADTS file (ffprobe only estimates
# it from the bitrate): packets x 1024 / sample rate.
adts_dur() {
	local n r
	n=$(ffprobe -v error -count_packets -select_streams a:0 -show_entries stream=nb_read_packets \
		-of default=nw=1:nk=1 -- "$1" 2>/dev/null | head -n 1)
	r=$(ffprobe -v error -select_streams a:0 -show_entries stream=sample_rate -of default=nw=1:nk=1 -- "$1" 2>/dev/null | head -n 1)
	awk -v n="$n" -v r="$r" 'BEGIN { if (n > 0 && r > 0) printf "%.3f\n", n * 1024 / r }'
}

# send_audio PORT SECONDS CNAME SSRC: Opus only, BYE at the end.
send_audio() {
	timeout $(($2 + 20)) ffmpeg -hide_banner -nostdin -loglevel error \
		-re -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$2" \
		-map 0:a -c:a libopus -ar 48000 -ac 2 -b:a 64k \
		-f rtp -payload_type 111 -ssrc "$4" -cname "$3" -rtpflags send_bye "rtp://127.0.0.1:$1" >/dev/null
}

# send_video PORT SECONDS CNAME SSRC SIZE [BYE]: H.264 only; BYE=0 sends none.
send_video() {
	local flags=(-rtpflags send_bye)
	[ "${6:-1}" = 0 ] && flags=()
	timeout $(($2 + 20)) ffmpeg -hide_banner -nostdin -loglevel error \
		-re -f lavfi -i "testsrc2=size=$5:rate=15:duration=$2" \
		-map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency \
		-g 30 -keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p -threads 1 \
		-f rtp -payload_type 96 -ssrc "$4" -cname "$3" "${flags[@]}" "rtp://127.0.0.1:$1" >/dev/null
}

# send_color PORT SECONDS CNAME VSSRC ASSRC COLOR FREQ [SIZE]: H.264 of one
# colour (0xRRGGBB) + a mono Opus tone of FREQ Hz; ASSRC "-" sends no audio.
# With SEND_CRASH_AFTER=S the sender is SIGKILLed after S seconds (no BYE);
# with SEND_PROGRESS=FILE, ffmpeg reports to FILE what it has sent.
send_color() {
	local aud=() prog=()
	[ -n "${SEND_PROGRESS:-}" ] && prog=(-progress "$SEND_PROGRESS" -stats_period 0.1)
	[ "$5" != - ] && aud=(-re -f lavfi -i "sine=frequency=$7:sample_rate=48000:duration=$2")
	local amap=()
	[ "$5" != - ] && amap=(-map 1:a -c:a libopus -ar 48000 -ac 1 -b:a 64k
		-f rtp -payload_type 111 -ssrc "$5" -cname "$3" -rtpflags send_bye "rtp://127.0.0.1:$1")
	local to=(timeout $(($2 + 20)))
	[ -n "${SEND_CRASH_AFTER:-}" ] && to=(timeout -s KILL "$SEND_CRASH_AFTER")
	"${to[@]}" ffmpeg -hide_banner -nostdin -loglevel error "${prog[@]}" \
		-re -f lavfi -i "color=c=$6:size=${8:-320x240}:rate=15:duration=$2" "${aud[@]}" \
		-map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency -g 30 \
		-keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p -threads 1 -payload_type 96 \
		-f rtp -ssrc "$4" -cname "$3" -rtpflags send_bye "rtp://127.0.0.1:$1" "${amap[@]}" >/dev/null
}
