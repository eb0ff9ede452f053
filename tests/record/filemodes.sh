#!/usr/bin/env bash
# File modes (agrec(7), SECURITY): every file, named pipe and folder that
# agrec-record and the children it runs (agrec-mix, agrec-capture,
# ffmpeg) create has mode 0666 or 0777 less the --umask, 077 by default,
# in every mode of the recorder: per-user files, composite, the raw files
# of --getAudioFrame/--getVideoFrame 1 and 2 with and without --rawFifo,
# snapshots with the mixed PCM.  Each case runs with the default and with
# --umask 022 (FM_UMASKS="default 022 027" for more), from a shell whose
# own umask is 000 so that nothing passes by inheriting it; every entry
# under the root is listed and its mode checked, and the main media are
# probed so that a run that made nothing fails.  agrec-mix and
# agrec-capture on their own are owner-only by default.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe jq
for p in agrec-mix agrec-capture; do
	[ -x "$AGREC_BUILD/$p" ] || { t_fail "$p is built" "no $AGREC_BUILD/$p"; exit 1; }
done
umask 000

CASES=(ind mix raw1 raw2 fifo snap)
case_args() {	# case_args CASE: the recorder options of a case
	case $1 in
	ind) echo --emit "$C/emit.bin" ;;
	mix) echo --isMixingEnabled 1 --mixResolution 160,120,15,200 ;;
	raw1) echo --getAudioFrame 1 --getVideoFrame 1 ;;
	raw2) echo --getAudioFrame 2 --getVideoFrame 2 ;;
	fifo) echo --getAudioFrame 2 --getVideoFrame 1 --rawFifo 1 ;;
	snap) echo --getAudioFrame 3 --getVideoFrame 4 --captureInterval 1 ;;
	esac
}

folder_known() { [ -s "$C/out" ]; }
fifos_there() { [ -p "$D/7001.pcm" ] && [ -p "$D/7001.h264" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# run_case: one recording in $C with its sender (and, for FIFOs, readers);
# writes the recorder's exit status to $C/rc and its folder to $C/out.
run_case() {
	local rec s r1='' r2='' rc
	mkdir -p "$C"
	# shellcheck disable=SC2046
	"$RECORD" --channel "modes_$CASE" --recordFileRootDir "$C/root" --listen "127.0.0.1:$PORT" \
		--idle 60 "${UMASK_ARG[@]}" $(case_args "$CASE") >"$C/out" 2>"$C/err" &
	rec=$!
	if ! wait_for 20 folder_known; then
		kill -9 "$rec" 2>/dev/null; wait "$rec"; echo "no folder: $(tail -n 2 "$C/err")" >"$C/rc"; return
	fi
	D=$(head -n 1 "$C/out")
	send_av "$PORT" 3 7001 0x7001 0x7002 160x120 & s=$!
	if [ "$CASE" = fifo ] && wait_for 20 fifos_there; then
		timeout 60 cat "$D/7001.pcm" >"$C/live.pcm" & r1=$!
		timeout 60 cat "$D/7001.h264" >"$C/live.h264" & r2=$!
	fi
	wait "$s"
	# the sender has sent its BYE: end the recording
	kill -TERM "$rec"
	wait_for 40 gone "$rec" || kill -9 "$rec" 2>/dev/null
	wait "$rec"; rc=$?
	[ -n "$r1" ] && wait "$r1" "$r2"
	echo "$rc" >"$C/rc"
}

# wrong_modes DIR FILE-MODE DIR-MODE: each entry of DIR (itself included)
# whose mode is not the one given for its type, or of another type, on
# one line.
wrong_modes() {
	local mode type path want
	while read -r mode type path; do
		case $type in
		d) want=$3 ;;
		f|p) want=$2 ;;
		*) printf '%s ' "$path is of type $type;"; continue ;;
		esac
		[ "$mode" = "$want" ] || printf '%s ' "$mode ${path#"$1/"} (want $want);"
	done < <(find "$1" -printf '%m %y %p\n' 2>/dev/null)
}
entries() { find "$1" 2>/dev/null | wc -l; }

# check_case: the recorder's status, each mode, and the media.
check_case() {
	local name="$CASE ($ULABEL)" f d bad n rc
	f=$(printf %o $((8#666 & ~UMASK))) d=$(printf %o $((8#777 & ~UMASK)))
	rc=$(cat "$C/rc" 2>/dev/null)
	[ "$rc" = 0 ] && t_pass "$name: recorder exits 0" || t_fail "$name: recorder exits 0" "$rc $(tail -n 3 "$C/err" | tr '\n' ' ')"
	D=$(head -n 1 "$C/out" 2>/dev/null)
	bad=$(wrong_modes "$C/root" "$f" "$d") n=$(entries "$C/root")
	if [ "$CASE" = ind ]; then
		bad="$bad$(wrong_modes "$C/emit.bin" "$f" "$d")"
		[ -f "$C/emit.bin" ] || bad="$bad no --emit file;"
	fi
	# the root, its date folder, the channel folder and at least 4 files
	if [ "$n" -lt 7 ]; then
		t_fail "$name: modes" "only $n entries under the root"
	elif [ -z "$bad" ]; then
		t_pass "$name: the modes of all $n files and folders follow umask $(printf %03o "$UMASK")"
	else
		t_fail "$name: modes" "$bad"
	fi
	check_media
}

codec_is() {	# codec_is CODEC FILE v:0|a:0 [INPUT-OPTIONS...]
	[ "$(ffprobe -v error -select_streams "$3" -show_entries stream=codec_name -of default=nw=1:nk=1 \
		"${@:4}" -- "$2" 2>/dev/null | head -n 1)" = "$1" ]
}
first() { ls -d "$@" 2>/dev/null | head -n 1; }
nonempty() { [ -s "$1" ]; }

check_media() {
	local miss=""
	[ -f "$D/recording2-done.txt" ] || miss="$miss recording2-done.txt;"
	case $CASE in
	ind)
		codec_is aac "file:$(first "$D"/7001_*.aac)" a:0 || miss="$miss 7001_TS.aac;"
		codec_is h264 "file:$(first "$D"/7001_*.mp4)" v:0 || miss="$miss 7001_TS.mp4;"
		[ -n "$(first "$D"/uid_7001_*.txt)" ] || miss="$miss uid_7001_TS.txt;"
		nonempty "$C/emit.bin" || miss="$miss --emit file;" ;;
	mix)
		codec_is aac "file:$(first "$D"/0_*.aac)" a:0 || miss="$miss 0_TS.aac;"
		codec_is h264 "file:$(first "$D"/0_*.mp4)" v:0 || miss="$miss 0_TS.mp4;"
		[ -n "$(first "$D"/uid_0_*.txt)" ] || miss="$miss uid_0_TS.txt;" ;;
	raw1)
		codec_is aac "file:$D/7001.aac" a:0 || miss="$miss 7001.aac;"
		codec_is h264 "file:$D/7001.h264" v:0 -f h264 || miss="$miss 7001.h264;"
		jq -e .format "$D/7001.aac.json" >/dev/null 2>&1 || miss="$miss 7001.aac.json;" ;;
	raw2)
		nonempty "$D/7001.pcm" && codec_is pcm_s16le "file:$D/7001.pcm" a:0 -f s16le -ar 48000 -ac 2 \
			|| miss="$miss 7001.pcm;"
		nonempty "$D/7001.yuv" && codec_is rawvideo "file:$D/7001.yuv" v:0 -f rawvideo \
			-pixel_format yuv420p -video_size 160x120 || miss="$miss 7001.yuv;"
		jq -e '.width == 160' "$D/7001.yuv.json" >/dev/null 2>&1 || miss="$miss 7001.yuv.json;" ;;
	fifo)
		[ -p "$D/7001.pcm" ] || miss="$miss the FIFO 7001.pcm;"
		nonempty "$C/live.pcm" || miss="$miss PCM read from the FIFO;"
		codec_is h264 "file:$C/live.h264" v:0 -f h264 || miss="$miss H.264 read from the FIFO;" ;;
	snap)
		codec_is mjpeg "file:$(first "$D"/7001_*.jpg)" v:0 || miss="$miss 7001_TS.jpg;"
		nonempty "$D/snapshots.jsonl" || miss="$miss snapshots.jsonl;"
		nonempty "$D/0.pcm" || miss="$miss 0.pcm;" ;;
	esac
	if [ -z "$miss" ]; then
		t_pass "$CASE ($ULABEL): the media are there"
	else
		t_fail "$CASE ($ULABEL): media" "missing or unreadable:$miss"
	fi
}

set_umask() {	# set_umask default|OCTAL: UMASK, UMASK_ARG, ULABEL
	if [ "$1" = default ]; then UMASK=$((8#077)); UMASK_ARG=(); ULABEL="default umask"
	else UMASK=$((8#$1)); UMASK_ARG=(--umask "$1"); ULABEL="--umask $1"; fi
}
used=" "
new_port() {	# new_port: PORT, free and not given to another case
	PORT=$(free_port)
	while [[ "$used" == *" $PORT "* ]]; do PORT=$(free_port); done
	used="$used$PORT "
}

# Every case with every umask, at most FM_JOBS (2) at a time.
read -ra UMASKS <<<"${FM_UMASKS:-default 022}"
running=()
for u in "${UMASKS[@]}"; do
	set_umask "$u"
	for CASE in "${CASES[@]}"; do
		C=$T/$CASE-$u
		new_port
		while [ "${#running[@]}" -ge "${FM_JOBS:-2}" ]; do
			wait -n
			live=(); for p in "${running[@]}"; do kill -0 "$p" 2>/dev/null && live+=("$p"); done
			running=("${live[@]}")
		done
		run_case & running+=("$!"); PIDS+=("$!")
	done
done
wait
for u in "${UMASKS[@]}"; do
	set_umask "$u"
	for CASE in "${CASES[@]}"; do
		C=$T/$CASE-$u
		check_case
	done
done

# agrec-mix and agrec-capture on their own are owner-only by default,
# whatever the shell's umask: offline, on the per-user recording above.
alone() {	# alone NAME OUTDIR DIR-MODE MIN-ENTRIES CODEC GLOB PROGRAM ARGS...: run, list, probe
	local name=$1 out=$2 dmode=$3 min=$4 codec=$5 glob=$6 rc bad n; shift 6
	"$@" >/dev/null 2>"$out.err"; rc=$?
	bad=$(wrong_modes "$out" 600 "$dmode") n=$(entries "$out")
	if [ "$rc" = 0 ] && [ -z "$bad" ] && [ "$n" -ge "$min" ] && codec_is "$codec" "file:$(first "$out"/$glob)" v:0; then
		t_pass "$name alone: owner-only by default ($n entries, the media are there)"
	else
		t_fail "$name alone: owner-only by default" "status $rc, $n entries: $bad $(tail -n 2 "$out.err" | tr '\n' ' ')"
	fi
}
C=$T/ind-default
src=$(head -n 1 "$C/out")
alone agrec-mix "$T/mix-alone" 700 5 h264 '*.mp4' \
	"$AGREC_BUILD/agrec-mix" -q -f "$src" -o "$T/mix-alone" --mixResolution 160,120,15,200
# agrec-capture writes into a folder that exists: this one is the test's (0777)
mkdir "$T/cap-alone"
alone agrec-capture "$T/cap-alone" 777 3 mjpeg '*.jpg' \
	"$AGREC_BUILD/agrec-capture" -q -f "$src" -o "$T/cap-alone" --captureInterval 1
