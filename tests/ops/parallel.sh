#!/usr/bin/env bash
# The scale-out recipe (contrib/parallel/agrec-convert-all, design.md 10):
# GNU parallel with --sshlogin : (this machine) and more workers than
# folders, run twice at once as two hosts would; every folder is
# converted exactly once and every output plays.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need ffmpeg ffprobe parallel
recipe=$AGREC_TOP/contrib/parallel/agrec-convert-all
mkdir -p "$T/root/20240301" "$T/bin"
names=("a_101500_000000001" "b with space_101500_000000002" "-c \$(x)_101500_000000003" "d_101500_000000004")
for n in "${names[@]}"; do fixture av "$T/root/20240301/$n"; done
# An unfinished folder must be left alone.
fixture av "$T/root/20240301/e_101500_000000005"; rm "$T/root/20240301/e_101500_000000005/recording2-done.txt"
# agrec-convert on PATH, and an ffmpeg that notes which temporary
# directory (one per conversion run) each call writes into.
ln -s "$CONVERT" "$T/bin/agrec-convert"
cat >"$T/bin/ffmpeg" <<EOS
#!/bin/sh
for a in "\$@"; do last=\$a; done
printf '%s\n' "\$last" >>"$T/calls"
exec $(command -v ffmpeg) "\$@"
EOS
chmod +x "$T/bin/ffmpeg"
export PATH=$T/bin:$PATH AGREC_FFMPEG=$T/bin/ffmpeg
( "$recipe" -j 8 "$T/root" >"$T/r1.out" 2>&1; echo $? >"$T/r1.rc" ) &
p1=$!
( "$recipe" -j 8 "$T/root" >"$T/r2.out" 2>&1; echo $? >"$T/r2.rc" ) &
p2=$!
wait "$p1" "$p2"
[ "$(cat "$T/r1.rc")" = 0 ] && [ "$(cat "$T/r2.rc")" = 0 ] && t_pass "two concurrent runs of the recipe exit 0" \
	|| t_fail "recipe exit" "$(cat "$T/r1.rc") $(cat "$T/r2.rc"): $(tail -n 3 "$T/r1.out" "$T/r2.out" | tr '\n' ' ')"
for n in "${names[@]}"; do
	d=$T/root/20240301/$n
	runs=$(grep -F -- "$d/" "$T/calls" 2>/dev/null | grep -o '\.agrec-convert\.[^/]*' | sort -u | wc -l)
	[ "$runs" = 1 ] && t_pass "'$n' converted exactly once" || t_fail "'$n' converted exactly once" "$runs conversion runs"
	[ -f "$d/convert-done.txt" ] && t_pass "'$n' has convert-done.txt" || t_fail "'$n' convert-done.txt" "$(ls "$d")"
	out=$(ls "$d"/*_merge_av.mp4 2>/dev/null | head -n 1)
	if [ -n "$out" ]; then
		dur=$(probe_dur "$out")
		fnear "$dur" 5 0.2 && [ "$(probe_count "$out" v)" = 1 ] && [ "$(probe_count "$out" a)" = 1 ] \
			&& t_pass "'$n': the merged A/V file plays (${dur} s)" || t_fail "'$n' output" "dur $dur"
	else
		t_fail "'$n' output" "no _merge_av.mp4: $(ls "$d" | tr '\n' ' ')"
	fi
done
e=$T/root/20240301/e_101500_000000005
ls "$e"/*_merge* >/dev/null 2>&1 && t_fail "an unfinished folder is left alone" "$(ls "$e")" || t_pass "an unfinished folder is left alone"
# A third run finds nothing to do.
: >"$T/calls"
"$recipe" -j 8 "$T/root" >"$T/r3.out" 2>&1; rc=$?
[ $rc = 0 ] && [ ! -s "$T/calls" ] && t_pass "a rerun converts nothing again" || t_fail "rerun" "exit $rc, $(wc -l <"$T/calls") ffmpeg calls"
