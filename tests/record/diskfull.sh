#!/usr/bin/env bash
# Disk full: the recorder writes into a 1 MiB tmpfs until it fills up.
# It must stop by itself with a clear message and status 74, and leave a
# folder whose files play and which converts (--force: the txt may lack
# its close lines).  Needs root (mount); SKIPPED otherwise.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
. "$(dirname "$0")/../lib/rec.sh"
need ffmpeg ffprobe
mkdir -p "$T/full"
if [ "$(id -u)" != 0 ] || ! mount -t tmpfs -o size=1m,mode=0755 tmpfs "$T/full" 2>"$T/mount.err"; then
	t_skip "disk full" "cannot mount a small tmpfs here ($(id -un): $(cat "$T/mount.err" 2>/dev/null))"
	exit 0
fi
trap 'for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; umount "$T/full" 2>/dev/null; _t_cleanup' EXIT
port=$(free_port)
rec_start rec --channel full --recordFileRootDir "$T/full" --listen "127.0.0.1:$port" || exit 1
send_av "$port" 20 1001 0x11111111 0x22222222 640x360 & s=$!
PIDS+=("$s")
rec_wait 30
kill "$s" 2>/dev/null
[ "$REC_RC" = 74 ] && t_pass "disk full: the recorder stops with status 74" || t_fail "disk full: status 74" "status $REC_RC"
grep -q 'the disk is full' "$T/rec.err" && t_pass "disk full: a clear message" || t_fail "disk full: message" "$(cat "$T/rec.err")"
# Copy what is there out of the full file system to look at it.
cp -r "$REC_DIR" "$T/copy"
d=$T/copy
v=$(ls "$d"/1001_*.mp4 2>/dev/null | head -n 1) a=$(ls "$d"/1001_*.aac 2>/dev/null | head -n 1)
if [ -n "$v" ] && [ -n "$a" ]; then
	dv=$(probe_dur "$v" v) da=$(adts_dur "$a")
	fgt "$dv" 1 && t_pass "disk full: the video plays ($dv s)" || t_fail "disk full: video plays" "$dv"
	fgt "$da" 1 && t_pass "disk full: the audio plays ($da s)" || t_fail "disk full: audio plays" "$da"
	e=$(ffmpeg -v error -i "$v" -f null - 2>&1 | grep -v 'File ended prematurely' | head -n 2)
	[ -z "$e" ] && t_pass "disk full: the video decodes" || t_fail "disk full: video decodes" "$e"
else
	t_fail "disk full: media files" "$(ls "$d")"
fi
if "$CONVERT" -q --force -f "$d" 2>"$T/conv.err"; then
	t_pass "disk full: the folder converts with --force"
else
	t_fail "disk full: converts" "$(tail -n 2 "$T/conv.err")"
fi
