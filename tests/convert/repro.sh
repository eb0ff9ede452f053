#!/usr/bin/env bash
# agrec-convert reproducibility: stream copy (default) vs --reencode give the
# same durations, reruns are byte-identical, -j 1 and -j 2 give the same bytes.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert

run() {	# run SCEN NAME ARGS...: convert a fresh copy of SCEN into $T/NAME
	D=$T/$2; fixture "$1" "$D"; conv -f "$D" "${@:3}"
	expect_rc "$2: exit status" 0
}
AV=1001_${B}_av.mp4

# stream copy (default) vs --reencode: both valid, same durations
for s in av rejoin; do
	m=0; [ $s = rejoin ] && m=1
	run $s copy-$s -m $m --json; cp "$OUT" "$T/copy-$s.json"
	run $s reenc-$s -m $m --reencode --json; cp "$OUT" "$T/reenc-$s.json"
done
expect_media "default (stream copy) av: valid" "$T/copy-av/$AV" av 5.0 320 180 15
expect_media "--reencode av: valid" "$T/reenc-av/$AV" av 5.0 320 180 15
expect_media "default (stream copy) rejoin m1: valid" "$T/copy-rejoin/1002_0_merge_av.mp4" av 23.0 320 180 15
expect_media "--reencode rejoin m1: valid" "$T/reenc-rejoin/1002_0_merge_av.mp4" av 23.0 320 180 15
for p in "copy-av/$AV reenc-av/$AV" "copy-rejoin/1002_0_merge_av.mp4 reenc-rejoin/1002_0_merge_av.mp4"; do
	set -- $p
	for k in "" v a; do
		d1=$(probe_dur "$T/$1" $k) d2=$(probe_dur "$T/$2" $k)
		if fnear "$d1" "$d2" 0.1; then t_pass "copy vs --reencode ${1%%/*}: same ${k:-container} duration"
		else t_fail "copy vs --reencode ${1%%/*}: same ${k:-container} duration" "$d1 vs $d2"; fi
	done
done
expect_picture "default (stream copy) av: picture at 2.0 s" "$T/copy-av/$AV" 2.0
expect_black "default (stream copy) av: black lead-in" "$T/copy-av/$AV" 0.15
expect_picture "default (stream copy) rejoin: picture at 21.5 s" "$T/copy-rejoin/1002_0_merge_av.mp4" 21.5
c=$(jq -r '.folders[0].outputs[0].video_copied' "$T/copy-av.json" 2>/dev/null)
r=$(jq -r '.folders[0].outputs[0].video_copied' "$T/reenc-av.json" 2>/dev/null)
if [ "$c" = true ]; then t_pass "stream copy used for an H.264 15 fps clip of canvas size (json video_copied)"
else t_fail "stream copy used for an H.264 15 fps clip of canvas size (json video_copied)" "video_copied=$c"; fi
if [ "$r" = false ]; then t_pass "--reencode: json video_copied false"
else t_fail "--reencode: json video_copied false" "video_copied=$r"; fi

# rerun on the same folder: byte-identical outputs
for spec in "av 0 $AV" "rejoin 1 1002_0_merge_av.mp4" "multi 2 2001_0_merge.m4a" "reschange 0 1005_${B}_av.mp4"; do
	set -- $spec
	run "$1" rerun-$1 -m "$2"
	mkdir -p "$T/first-$1"; cp -- "$D/$3" "$T/first-$1/"
	conv -f "$D" -m "$2"
	expect_rc "rerun-$1: second run exit status" 0
	if cmp -s "$D/$3" "$T/first-$1/$3"; then t_pass "rerun $1 -m $2: byte-identical $3"
	else t_fail "rerun $1 -m $2: byte-identical $3" "outputs differ"; fi
	k=av; [ "${3##*.}" = m4a ] && k=a
	case $1 in av) dd=5.0 ;; rejoin) dd=23.0 ;; multi) dd=4.0 ;; reschange) dd=6.0 ;; esac
	expect_media "rerun $1: output valid" "$D/$3" $k $dd
done

# -j 1 and -j 2 give identical outputs
run multi j1 -j 1
run multi j2 -j 2
for n in "2001_${B}_av.mp4" 2002_20240301101501620_av.mp4 2003_20240301101502120.m4a; do
	if cmp -s "$T/j1/$n" "$T/j2/$n"; then t_pass "-j 1 vs -j 2: identical $n"
	else t_fail "-j 1 vs -j 2: identical $n" "differ or missing"; fi
done
expect_media "-j 2: 2001 valid" "$T/j2/2001_${B}_av.mp4" av 4.0 320 180 15
expect_media "-j 2: 2003 valid" "$T/j2/2003_20240301101502120.m4a" a 2.0


# convert.log is replaced on each run, not appended to
D=$T/log; fixture av "$D"
conv -f "$D"; s1=$(stat -c %s "$D/convert.log" 2>/dev/null || echo 0)
conv -f "$D"; s2=$(stat -c %s "$D/convert.log" 2>/dev/null || echo 0)
if [ "$s1" -gt 0 ] && [ "$s2" -lt $((s1 * 3 / 2)) ]; then t_pass "convert.log replaced on a rerun ($s1 -> $s2 bytes)"
else t_fail "convert.log replaced on a rerun" "$s1 -> $s2 bytes"; fi
expect_media "convert.log rerun: output valid" "$D/$AV" av 5.0 320 180 15
