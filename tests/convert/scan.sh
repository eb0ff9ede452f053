#!/usr/bin/env bash
# agrec-convert --scan ROOT: converts only finished, unconverted folders
# (date/channel layout, a flat folder, symlinks not followed); a second scan
# does nothing.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/probe.sh"
need_convert

R=$T/root
c1=$R/20240301/chan_101500_000000001	# finished -> converted
c2=$R/20240301/chan_101600_000000002	# no recording2-done.txt -> skipped
c3=$R/20240301/chan_101700_000000003	# already converted -> untouched
c4=$R/20240302/other_chan_090000_000000004	# finished -> converted
c5=$R/flat	# Recording_Dir layout, finished -> converted
ext=$T/outside	# finished, reached only through a symlink -> not followed
fixture av "$c1"; fixture multi "$c2"; rm -f -- "$c2/recording2-done.txt"
fixture audio "$c3"; : >"$c3/convert-done.txt"
fixture rejoin "$c4"; fixture sessions "$c5"; fixture av "$ext"
ln -s "$ext" "$R/20240301/link_101800_000000005"
echo "not a recording" >"$R/20240301/notes.txt"

snap() { find "$R" "$ext" ! -name .agrec-convert.lock -printf '%p %s %T@ %m\n' | LC_ALL=C sort; }
s3=$(snap | grep -F "$c3")

conv --scan "$R"
expect_rc "scan: exit status (skipped folders are not errors)" 0
expect_outputs "scan: finished date/channel folder converted" "$c1" av "1001_${B}_av.mp4"
expect_media "scan: its output" "$c1/1001_${B}_av.mp4" av 5.0 320 180 15
expect_done "scan: its side files" "$c1"
expect_outputs "scan: second date folder converted" "$c4" rejoin "1002_${B}_av.mp4" 1002_20240301101520120_av.mp4
expect_media "scan: its first output" "$c4/1002_${B}_av.mp4" av 4.0 320 180 15
expect_media "scan: its second output" "$c4/1002_20240301101520120_av.mp4" av 3.0 320 180 15
expect_outputs "scan: flat folder converted" "$c5" sessions "1003_${B}_av.mp4" 1003_20240301102000120_av.mp4
expect_media "scan: flat folder output" "$c5/1003_${B}_av.mp4" av 4.0 320 180 15
expect_media "scan: flat folder output 2" "$c5/1003_20240301102000120_av.mp4" av 3.0 320 180 15
x=$(new_files "$c2" multi | grep -vxF .agrec-convert.lock)
[ -z "$x" ] && t_pass "scan: unfinished folder skipped (nothing written)" || t_fail "scan: unfinished folder skipped (nothing written)" "$x"
[ "$(snap | grep -F "$c3")" = "$s3" ] && t_pass "scan: converted folder untouched" || t_fail "scan: converted folder untouched" "changed"
x=$(new_files "$ext" av)
[ -z "$x" ] && t_pass "scan: symlinked folder not followed" || t_fail "scan: symlinked folder not followed" "$x"

# a second scan does nothing
before=$(snap)
conv --scan "$R"
expect_rc "second scan: exit status" 0
after=$(snap)
[ "$before" = "$after" ] && t_pass "second scan: nothing changed" || t_fail "second scan: nothing changed" "$(diff <(echo "$before") <(echo "$after") | head -n 6 | tr '\n' ' ')"

# the unfinished folder is converted by a scan once it is finished
: >"$c2/recording2-done.txt"
conv --scan "$R" --json
expect_rc "third scan: exit status" 0
expect_outputs "third scan: newly finished folder converted" "$c2" multi "2001_${B}_av.mp4" 2002_20240301101501620_av.mp4 2003_20240301101502120.m4a
expect_media "third scan: its output" "$c2/2003_20240301101502120.m4a" a 2.0
if jqe "$OUT" '[.folders[] | select(.status == "converted")] | length == 1 and .[0].folder == $d' --arg d "$c2"
then t_pass "third scan: json lists exactly that folder as converted"
else t_fail "third scan: json lists exactly that folder as converted" "$(head -c 400 "$OUT")"; fi
