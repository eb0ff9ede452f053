#!/usr/bin/env bash
# --stdout: the JPEG framing parsed back by a small reader (every JPEG
# valid and matching its header), no files written, --index beside it;
# a reader that goes away (head -c 100): a clear error and status 74.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
need ffmpeg ffprobe jq python3
"$AGREC_TOP/tests/capture/mkstream.py" "$T/s.bin" 1001:red:320x180:h264:30:6:0 1002:blue:320x240:vp8:30:4:1 \
	|| { t_fail "mkstream" "failed"; exit 1; }
mkdir -p "$T/w" "$T/j"
cd "$T/w" || exit 1
"$CAPTURE" -i "$T/s.bin" --stdout --captureInterval 1 --index "$T/ix.jsonl" >"$T/out.bin" 2>"$T/err"; rc=$?
cd "$T" || exit 1
[ "$rc" = 0 ] && t_pass "--stdout: exit 0" || t_fail "--stdout: exit 0" "exit $rc: $(cat "$T/err")"
[ -z "$(ls -A "$T/w")" ] && t_pass "--stdout: no files written" || t_fail "--stdout: no files" "$(ls -A "$T/w")"
# The reader: 48-byte header "AGJPEG\r\n", u16 version, u16 header size,
# u32 uid, i64 channel time us, i64 wall us, u16 width, u16 height,
# u32 length, u32 reserved; then the JPEG.  Little-endian.
python3 - "$T/out.bin" "$T/j" >"$T/frames.txt" <<'PY' 2>"$T/py.err"
import struct, sys
d = open(sys.argv[1], 'rb').read()
pos = n = 0
while pos < len(d):
    magic, ver, hl, uid, t, wall, w, h, ln, _ = struct.unpack_from('<8sHHIqqHHII', d, pos)
    assert magic == b'AGJPEG\r\n' and ver == 1 and hl >= 48, (pos, magic, ver, hl)
    jpg = d[pos + hl:pos + hl + ln]
    assert len(jpg) == ln and jpg[:2] == b'\xff\xd8' and jpg[-2:] == b'\xff\xd9', pos
    name = '%s/%d_%d.jpg' % (sys.argv[2], uid, t)
    open(name, 'wb').write(jpg)
    print(uid, t, wall, w, h, name)
    pos += hl + ln
    n += 1
PY
[ $? = 0 ] && t_pass "--stdout: the framing parses to the end" || t_fail "--stdout framing" "$(cat "$T/py.err")"
n=$(grep -c . "$T/frames.txt")
[ "$n" = 10 ] && t_pass "--stdout: 10 frames (0-5 s and 1-4 s)" || t_fail "--stdout frame count" "$n"
bad=
while read -r uid t wall w h f; do
	set -- $(jpeg_stats "$f")
	want=red; [ "$uid" = 1002 ] && want=blue
	[ "$1" = mjpeg ] && [ "$2" = "${w}x$h" ] && [ "$(colour_of "$3" "$4" "$5")" = "$want" ] || bad="$bad $uid@$t:$*"
	[ $((wall - t)) = 1709288100120000 ] && [ $((t % 1000000)) = 0 ] || bad="$bad $uid@$t:wall=$wall"
done <"$T/frames.txt"
[ -z "$bad" ] && t_pass "--stdout: every JPEG decodes, matches its header's size, uid colour and times" || t_fail "--stdout JPEGs" "$bad"
[ "$(grep -c . "$T/ix.jsonl")" = 10 ] && [ "$(jq -r .path "$T/ix.jsonl" | sort -u)" = null ] \
	&& t_pass "--stdout --index: 10 lines, path null" || t_fail "--stdout --index" "$(head -n 2 "$T/ix.jsonl")"
# A closed reader.
"$CAPTURE" -i "$T/s.bin" --stdout --captureInterval 1 2>"$T/err" | head -c 100 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" = 74 ] && grep -q 'standard output: Broken pipe' "$T/err" && t_pass "reader gone: status 74, clear error" \
	|| t_fail "reader gone" "exit $rc: $(cat "$T/err")"
"$CAPTURE" -i "$T/s.bin" --index - --stdout >/dev/null 2>"$T/err"; rc=$?
[ "$rc" = 64 ] && t_pass "--index - refused (64)" || t_fail "--index -" "exit $rc"
