#!/usr/bin/env python3
"""flashbeep.py - lip sync of a file whose picture flashes white while its
audio beeps, for agrec's tests.

Usage: flashbeep.py [--ffmpeg PATH] FILE

Flash times are the presentation times of the frames whose mean luma
rises above the midpoint between the darkest and the brightest frame
(ffmpeg signalstats, the container's own timestamps: -copyts).  Beep
onsets are the first samples whose magnitude reaches half the beep's
peak after at least 200 ms below a tenth of it (the audio decoded to
48 kHz mono s16 on the container's clock, decoder delays and edit
lists applied).  Each flash is paired with the nearest onset
within 400 ms; the offset is onset - flash (positive: audio late).

Prints one JSON line: {"pairs": [[flash, onset, offset_ms], ...],
"n": N, "median_ms": M, "min_ms": .., "max_ms": ..}.  Exits 1 when no
pair is found, 2 on a usage or decoding error.
"""
import argparse
import array
import json
import statistics
import subprocess
import sys

RATE = 48000


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.stderr.write("flashbeep: %s failed: %s\n" % (argv[0], p.stderr.decode(errors="replace")[-400:]))
        sys.exit(2)
    return p.stdout


def flashes(ffmpeg, path):
    out = run([ffmpeg, "-nostdin", "-v", "error", "-copyts", "-i", "file:" + path, "-map", "0:v:0",
               "-vf", "signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=-",
               "-f", "null", "-"]).decode()
    frames, t = [], None
    for line in out.splitlines():
        if "pts_time:" in line:
            t = float(line.split("pts_time:")[1].split()[0])
        elif line.startswith("lavfi.signalstats.YAVG=") and t is not None:
            frames.append((t, float(line.split("=", 1)[1])))
            t = None
    if not frames:
        return []
    lo, hi = min(y for _, y in frames), max(y for _, y in frames)
    if hi - lo < 40:
        return []
    mid = (lo + hi) / 2
    res, prev = [], False
    for t, y in frames:
        bright = y > mid
        if bright and not prev:
            res.append(t)
        prev = bright
    return res


def beeps(ffmpeg, path):
    # Sample 0 of the PCM is time 0 of the container's clock (-copyts),
    # padded or cut by aresample, so decoder delays and edit lists count.
    raw = run([ffmpeg, "-nostdin", "-v", "error", "-copyts", "-i", "file:" + path, "-map", "0:a:0",
               "-af", "aresample=%d:async=1:first_pts=0" % RATE, "-ac", "1",
               "-f", "s16le", "-acodec", "pcm_s16le", "-"])
    pcm = array.array("h")
    pcm.frombytes(raw[:len(raw) - len(raw) % 2])
    if sys.byteorder != "little":
        pcm.byteswap()
    if not pcm:
        return []
    peak = max(abs(min(pcm)), max(pcm))
    if peak < 1000:
        return []
    quiet, half = peak / 10, peak / 2
    t0 = 0.0
    res, idle, last_loud = [], True, 0
    for i, v in enumerate(pcm):
        v = abs(v)
        if idle:
            if v >= half:
                res.append(t0 + i / RATE)
                idle, last_loud = False, i
        elif v >= quiet:
            last_loud = i
        elif i - last_loud >= RATE // 5:
            idle = True
    return res


def main():
    ap = argparse.ArgumentParser(description="flash/beep lip sync of a media file")
    ap.add_argument("--ffmpeg", default="ffmpeg")
    ap.add_argument("file")
    a = ap.parse_args()
    fl = flashes(a.ffmpeg, a.file)
    bp = beeps(a.ffmpeg, a.file)
    pairs = []
    for f in fl:
        near = min(bp, key=lambda b: abs(b - f), default=None)
        if near is not None and abs(near - f) <= 0.4:
            pairs.append([round(f, 6), round(near, 6), round((near - f) * 1000, 2)])
    offs = [p[2] for p in pairs]
    res = {"pairs": pairs, "n": len(pairs), "flashes": len(fl), "beeps": len(bp)}
    if offs:
        res.update(median_ms=round(statistics.median(offs), 2), min_ms=min(offs), max_ms=max(offs))
    print(json.dumps(res))
    return 0 if pairs else 1


if __name__ == "__main__":
    sys.exit(main())
