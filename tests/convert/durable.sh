#!/usr/bin/env bash
# Durability of agrec-convert's outputs, read from strace: every output
# (and convert.log) is fsynced under its temporary name before it is
# renamed into the folder, the folder is fsynced after the rename, and
# only then is convert-done.txt created; --raw files likewise.  After a
# power loss the marker can then never outlive an empty output.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need ffmpeg ffprobe strace
need_convert

# The converter runs one job at a time here (-j 1), so that no two
# processes' calls interleave in the trace; and
# joined: the trace with each call that another process interrupted
# ("PID call(args <unfinished ...>" ... "PID <... call resumed>rest")
# put back together as one line, where it finished.
joined() {
	awk '/ <unfinished \.\.\.>$/ { pid = $1; sub(/ <unfinished \.\.\.>$/, ""); held[pid] = $0; next }
		/^[0-9]+ <\.\.\. [a-z0-9_]+ resumed>/ { pid = $1; rest = $0; sub(/^[^>]*resumed>/, "", rest)
			if (pid in held) { print held[pid] rest; delete held[pid]; next } }
		{ print }' "$1"
}

# line N: the number of the first strace line at or after N holding all
# the fixed strings given (empty if none).
line() {
	local from=$1; shift
	awk -v from="$from" 'BEGIN { for (i = 2; i < ARGC; i++) p[i - 1] = ARGV[i]; n = ARGC - 2; ARGC = 2 }
		NR >= from { for (i = 1; i <= n; i++) if (index($0, p[i]) == 0) next; print NR; exit }' "$ST" "$@"
}

# check_out NAME DIR FILE MARKER: FILE in DIR was fsynced, renamed, then DIR
# fsynced, all before line MARKER (0: no marker to compare with).
check_out() {
	local name=$1 dir=$2 f=$3 marker=$4 r src s d
	r=$(line 1 'rename("' "\", \"$dir/$f\")")
	if [ -z "$r" ]; then t_fail "$name: $f renamed into place" "no rename to it in the trace"; return; fi
	src=$(sed -n "${r}p" "$ST" | sed 's/^[0-9]* *rename("\([^"]*\)".*/\1/')
	# the data were fsynced under src, or under a name renamed to src
	s=$(awk -v r="$r" -v src="$src" 'NR >= r { exit }
		/ fsync\(/ { p = $0; sub(/^[^<]*</, "", p); sub(/>\).*/, "", p); at[p] = NR }
		/ rename\("/ { split($0, q, "\""); if (q[4] == src && (q[2] in at)) n = NR }
		END { if (src in at) n = at[src]; print n }' "$ST")
	d=$(line "$r" 'fsync(' "<$dir>)")
	if [ -n "$s" ] && [ -n "$d" ] && { [ "$marker" = 0 ] || [ "$d" -lt "$marker" ]; }; then
		t_pass "$name: $f fsynced, renamed, folder fsynced$([ "$marker" = 0 ] || echo ", before convert-done.txt")"
	else
		t_fail "$name: $f fsynced, renamed, folder fsynced before the marker" \
			"fsync of ${src##*/} at line ${s:-none}, rename at $r, folder fsync after it at ${d:-none}, marker at $marker"
	fi
}

fixture multi "$T/f"
ST=$T/trace
strace -f -y -qq -e trace=fsync,fdatasync,rename,renameat,renameat2,openat -o "$ST" \
	"$CONVERT" -q -j 1 -f "$T/f" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
joined "$ST" >"$ST.j" && mv "$ST.j" "$ST"
expect_rc "mode 0 under strace: exit status" 0
outs=("2001_${B}_av.mp4" 2002_20240301101501620_av.mp4 2003_20240301101502120.m4a)
expect_outputs "mode 0 under strace: the outputs" "$T/f" multi "${outs[@]}"
expect_media "mode 0 under strace: an output" "$T/f/2003_20240301101502120.m4a" a 2.0
m=$(line 1 'openat(' "\"$T/f/convert-done.txt.tmp")
if [ -n "$m" ]; then
	t_pass "mode 0 under strace: convert-done.txt written"
	for o in "${outs[@]}" convert.log; do check_out "mode 0" "$T/f" "$o" "$m"; done
	r=$(line "$m" 'rename("' "\", \"$T/f/convert-done.txt\")")
	d=$(line "${r:-999999999}" 'fsync(' "<$T/f>)")
	[ -n "$r" ] && [ -n "$d" ] && t_pass "mode 0 under strace: convert-done.txt renamed, folder fsynced" \
		|| t_fail "mode 0 under strace: convert-done.txt renamed, folder fsynced" "rename at ${r:-none}, fsync at ${d:-none}"
else
	t_fail "mode 0 under strace: convert-done.txt written" "$(conv_why)"
fi

fixture av "$T/r"
strace -f -y -qq -e trace=fsync,fdatasync,rename,renameat,renameat2,openat -o "$ST" \
	"$CONVERT" -q -j 1 --raw pcm -f "$T/r" >"$OUT" 2>"$ERR" && RC=0 || RC=$?
joined "$ST" >"$ST.j" && mv "$ST.j" "$ST"
expect_rc "--raw pcm under strace: exit status" 0
ch=$(jq -r .channels "$T/r/1001.pcm.json" 2>/dev/null)
c=$(ffprobe -v error -f s16le -ar 48000 -ac "${ch:-1}" -show_entries stream=codec_name -of csv=p=0 "file:$T/r/1001.pcm" 2>/dev/null)
d=$(awk -v s="$(stat -c %s "$T/r/1001.pcm" 2>/dev/null || echo 0)" -v c="${ch:-1}" 'BEGIN { printf "%.3f", s / (96000 * c) }')
[ "$c" = pcm_s16le ] && fnear "$d" 5 0.2 && t_pass "--raw pcm under strace: 1001.pcm is 5 s of PCM ($d s)" \
	|| t_fail "--raw pcm under strace: 1001.pcm is 5 s of PCM" "codec '$c', $d s, channels '$ch'; $(conv_why)"
for o in 1001.pcm 1001.pcm.json convert.log; do check_out "--raw pcm" "$T/r" "$o" 0; done

# convert.log cannot be written in full (a 1 KiB file size limit on
# agrec-convert, SIGXFSZ ignored; its ffmpeg children lift the limit): the
# run fails with the write's own error and writes no convert-done.txt.
fixture av "$T/l"
cat >"$T/ff-nolimit" <<EOS
#!/bin/sh
ulimit -S -f unlimited
exec $(command -v ffmpeg) "\$@"
EOS
chmod +x "$T/ff-nolimit"
( trap '' XFSZ; ulimit -S -f 1; AGREC_FFMPEG=$T/ff-nolimit exec "$CONVERT" -q -f "$T/l" ) >"$OUT" 2>"$ERR" && RC=0 || RC=$?
expect_rc "convert.log write fails: exit 74" 74
grep -qF "convert.log: File too large" "$ERR" && t_pass "convert.log write fails: the message names the file and EFBIG" \
	|| t_fail "convert.log write fails: the message names the file and EFBIG" "$(conv_why)"
[ ! -e "$T/l/convert-done.txt" ] && t_pass "convert.log write fails: no convert-done.txt" \
	|| t_fail "convert.log write fails: no convert-done.txt" "written although the log is cut at $(stat -c %s "$T/l/convert.log") bytes"
expect_media "convert.log write fails: the finished output is kept and plays" "$T/l/1001_${B}_av.mp4" av 5.0 320 180 15
