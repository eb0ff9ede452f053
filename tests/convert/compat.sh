#!/usr/bin/env bash
# agrec-convert on the real SDK 2.3.0 folders (read-only originals are
# copied first): mode 0 gives the reference converter's file name, streams,
# canvas, frame rate and duration, with black before the clip start.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert
S=$SHARED/data/agora-2.3.0
if [ ! -d "$S/20190208" ] || [ ! -f "$S/reference/0_20190208084418570_av.mp4" ]; then
	t_skip "compat" "the real SDK sample folders are not at $S (AGREC_SHARED or ../shared missing)"
	exit 0
fi
REF=$S/reference/0_20190208084418570_av.mp4

# abc_test_084414_521668222 against the reference output
D=$T/abc_test_084414_521668222
cp -r -- "$S/20190208/abc_test_084414_521668222" "$D"; chmod -R u+w "$D"
before_ls=$(ls -A "$D") before=$(sums "$D")
conv -f "$D" -m 0
expect_rc "abc_test: exit status" 0
f=$D/0_20190208084418570_av.mp4
x=$(comm -13 <(echo "$before_ls") <(ls -A "$D") | grep -vxF -e convert.log -e convert-done.txt -e .agrec-convert.lock)
[ "$x" = "${f##*/}" ] && t_pass "abc_test: output name as the reference" || t_fail "abc_test: output name as the reference" "new files: $(echo $x)"
refdur=$(probe_dur "$REF")
expect_media "abc_test: aac mono 48 kHz + h264 360x640 15 fps, duration of the reference ($refdur)" "$f" av "$refdur" 360 640 15 1
for k in v a; do
	d1=$(probe_dur "$f" $k) d2=$(probe_dur "$REF" $k)
	fnear "$d1" "$d2" 0.1 && t_pass "abc_test: $k stream duration $d1 ~ reference $d2" || t_fail "abc_test: $k stream duration ~ reference" "$d1 vs $d2"
done
for k in "v codec_name" "v width" "v height" "v r_frame_rate" "v pix_fmt" "a codec_name" "a sample_rate" "a channels" "a profile"; do
	set -- $k
	g=$(probe_stream_field "$f" $1 $2) r=$(probe_stream_field "$REF" $1 $2)
	[ -n "$g" ] && [ "$g" = "$r" ] && t_pass "abc_test: $1 $2 = $r as the reference" || t_fail "abc_test: $1 $2 as the reference" "$g vs $r"
done
expect_black "abc_test: black at 0.1 s (clip starts at 0.405)" "$f" 0.1
expect_black "abc_test: black at 0.3 s" "$f" 0.3
expect_picture "abc_test: picture at 10 s" "$f" 10
expect_done "abc_test: side files" "$D"
after=$(sums "$D" | grep -v -e ' ./convert-done.txt$' -e " ./${f##*/}\$")
[ "$before" = "$after" ] && t_pass "abc_test: inputs intact" || t_fail "abc_test: inputs intact" "checksums changed"

# abc_042727_331620252: the original produced nothing here
D=$T/abc_042727_331620252
cp -r -- "$S/20190208/abc_042727_331620252" "$D"; chmod -R u+w "$D"
conv -f "$D" -m 0
expect_rc "abc_042727: exit status" 0
f=$D/0_20190208042729529_av.mp4
expect_media "abc_042727: 0_20190208042729529_av.mp4, 23.36 s, 360x640" "$f" av 23.36 360 640 15 1
expect_black "abc_042727: black at 0.1 s (clip starts at 0.301)" "$f" 0.1
expect_done "abc_042727: side files" "$D"
