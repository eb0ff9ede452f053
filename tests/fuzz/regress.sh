#!/usr/bin/env bash
# The fuzz harnesses as a regression test: build each tests/fuzz/fuzz_*.c
# with replay.c and the project compiler (with ASan + UBSan when it has
# them), and run it on the seed corpus tests/fuzz/corpus/NAME/ and on the
# saved crashes tests/fuzz/crashes/NAME/.  One PASS per harness.
. "$(dirname "$0")/../lib/common.sh"
fz=$AGREC_TOP/tests/fuzz
cc=${CC:-cc}
need "$cc" ar

# Sanitizers when the compiler has them and their runtime works here.
san=""
printf 'int main(void) { return 0; }\n' >"$T/san.c"
if "$cc" -fsanitize=address,undefined -o "$T/san" "$T/san.c" >/dev/null 2>&1 && "$T/san"; then
	san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
else
	t_skip "fuzz: replays under ASan/UBSan" "$cc has no working ASan/UBSan here: replaying without sanitizers"
fi
# libcommon's WebRTC modules (stun.c, srtp.c, ...) need OpenSSL, libsrtp2 and
# libmicrohttpd: the Makefile's WEB_PKGS.
web="libssl libcrypto libsrtp2 libmicrohttpd"
flags="-std=c11 -D_GNU_SOURCE -g -O1 -iquote $AGREC_TOP/libcommon -iquote $AGREC_TOP/cmd
	-iquote $fz $san $(pkg-config --cflags jansson 2>/dev/null) $(pkg-config --cflags $web 2>/dev/null)"
libs="$(pkg-config --libs jansson 2>/dev/null || echo -ljansson)
	$(pkg-config --libs $web 2>/dev/null || echo -lssl -lcrypto -lsrtp2 -lmicrohttpd) -lm"

mkdir -p "$T/obj"
for src in "$AGREC_TOP"/libcommon/*.c; do
	# shellcheck disable=SC2086
	if ! out=$("$cc" $flags -c -o "$T/obj/$(basename "$src" .c).o" "$src" 2>&1); then
		t_fail "fuzz: build libcommon" "$(echo "$out" | tail -n 5 | tr '\n' ' ')"
		exit 1
	fi
done
ar rcs "$T/libcommon.a" "$T"/obj/*.o

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for h in "$fz"/fuzz_*.c; do
	n=${h##*/fuzz_}; n=${n%.c}
	name="fuzz: $n corpus and saved crashes replay clean"
	# A harness's extra sources (tests/fuzz/run).
	srcs=()
	for x in $(sed -n "s/^.*fuzz-sources://p" "$h"); do srcs+=("$AGREC_TOP/$x"); done
	# shellcheck disable=SC2086
	if ! out=$("$cc" $flags -o "$T/fuzz_$n" "$h" "${srcs[@]}" "$fz/replay.c" "$T/libcommon.a" $libs 2>&1); then
		t_fail "$name" "build: $(echo "$out" | tail -n 5 | tr '\n' ' ')"
		continue
	fi
	if [ ! -d "$fz/corpus/$n" ] || [ -z "$(ls -A "$fz/corpus/$n")" ]; then
		t_fail "$name" "no seed corpus in tests/fuzz/corpus/$n"
		continue
	fi
	if out=$("$T/fuzz_$n" "$fz/corpus/$n" "$fz/crashes/$n" 2>&1); then
		t_pass "$name"
	else
		# The last input named is the one that failed.
		t_fail "$name" "$(echo "$out" | grep -E 'running|ERROR|SUMMARY|runtime error|property violated' | tail -n 4 | tr '\n' ' ')"
	fi
done
