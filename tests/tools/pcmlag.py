#!/usr/bin/env python3
"""pcmlag.py - by how many samples one audio file's decoded start is cut
against another's, for agrec's tests.

Usage: pcmlag.py [--ffmpeg PATH] [--max N] REF OUT

Both files are decoded to 48 kHz mono s16 (edit lists applied).  Prints
"LAG MAXDIFF": the lag 0..N (default 4096) at which OUT sample k best
matches REF sample k + LAG over the first second, and the largest
difference there (0 when OUT holds the very samples of REF).  A lag of
1024 on an ADTS file converted to MP4 means its AAC priming was left out.
"""
import argparse
import array
import subprocess
import sys


def pcm(ffmpeg, path):
    p = subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-i", "file:" + path, "-map", "0:a:0",
                        "-ac", "1", "-ar", "48000", "-f", "s16le", "-acodec", "pcm_s16le", "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.stderr.write("pcmlag: %s: %s\n" % (path, p.stderr.decode(errors="replace")[-300:]))
        sys.exit(2)
    a = array.array("h")
    a.frombytes(p.stdout[:len(p.stdout) - len(p.stdout) % 2])
    if sys.byteorder != "little":
        a.byteswap()
    return a


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ffmpeg", default="ffmpeg")
    ap.add_argument("--max", type=int, default=4096)
    ap.add_argument("ref")
    ap.add_argument("out")
    a = ap.parse_args()
    ref, out = pcm(a.ffmpeg, a.ref), pcm(a.ffmpeg, a.out)
    n = min(48000, len(out), len(ref) - a.max)
    if n < 4800:
        sys.stderr.write("pcmlag: too little audio\n")
        return 2
    # Skip the first 2048 output samples: a codec's start is not comparable.
    lo = 2048
    best = None
    for lag in range(0, a.max + 1):
        d = 0
        for k in range(lo, n, 7):
            e = out[k] - ref[k + lag]
            d += e * e
            if best is not None and d >= best[1]:
                break
        if best is None or d < best[1]:
            best = (lag, d)
    lag = best[0]
    diff = max(abs(out[k] - ref[k + lag]) for k in range(lo, n))
    print(lag, diff)
    return 0


if __name__ == "__main__":
    sys.exit(main())
