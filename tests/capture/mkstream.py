#!/usr/bin/env python3
"""mkstream.py - write a channel stream (agrec-stream(5)) of solid-colour
or test-pattern video users, encoded by ffmpeg, for the agrec-capture
tests and benchmark.  Deterministic: no network, no clock.

usage: mkstream.py OUT USER...
USER = uid:source:WxH:codec:gop:seconds:start[:fps[:OPT,...]]
  source  a colour name (lavfi color) or "testsrc2"
  codec   h264 or vp8
  start   channel time of the first frame, seconds
  OPT     drop=A-B: frames with A <= pts - start < B are left out; the
          next one is flagged as following a loss (AG_STREAM_F_DISCONT)
          from=A: the stream starts A s after start, wherever the GOP
          is (no loss flag: a sender joined mid-GOP)
          noleave: no leave record at the end (the same uid may go on in
          a later USER with other codec parameters)
The channel's wall clock at time 0 is 2024-03-01T10:15:00.120Z.
"""
import struct
import subprocess
import sys

WALL_US = 1709288100120000


def rec(t, body):
    return struct.pack('<IHH', len(body), t, 0) + body


def encode(src, size, codec, gop, secs, fps):
    lavfi = ('testsrc2=' if src == 'testsrc2' else 'color=c=%s:' % src) + \
        'size=%s:rate=%d:duration=%s' % (size, fps, secs)
    if codec == 'vp8':
        enc = ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '500k',
               '-g', str(gop), '-keyint_min', str(gop), '-lag-in-frames', '0', '-f', 'ivf']
    else:
        enc = ['-c:v', 'libx264', '-profile:v', 'baseline', '-preset', 'veryfast',
               '-tune', 'zerolatency', '-g', str(gop), '-keyint_min', str(gop),
               '-sc_threshold', '0', '-threads', '1', '-x264-params', 'aud=1', '-f', 'h264']
    out = subprocess.run(['ffmpeg', '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', lavfi,
                          '-pix_fmt', 'yuv420p'] + enc + ['pipe:1'],
                         check=True, stdout=subprocess.PIPE).stdout
    frames = []
    if codec == 'vp8':
        pos = struct.unpack_from('<H', out, 6)[0]
        while pos + 12 <= len(out):
            n = struct.unpack_from('<I', out, pos)[0]
            f = out[pos + 12:pos + 12 + n]
            frames.append((f, (f[0] & 1) == 0))
            pos += 12 + n
    else:
        starts = []
        i = out.find(b'\x00\x00\x01\x09')
        while i >= 0:
            starts.append(i - 1 if i > 0 and out[i - 1] == 0 else i)
            i = out.find(b'\x00\x00\x01\x09', i + 4)
        starts.append(len(out))
        for a, b in zip(starts, starts[1:]):
            au = out[a:b]
            key = False
            j = au.find(b'\x00\x00\x01')
            while j >= 0:
                if j + 3 < len(au) and au[j + 3] & 0x1f == 5:
                    key = True
                j = au.find(b'\x00\x00\x01', j + 3)
            frames.append((au, key))
    return frames


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    events = []  # (t_us, order, bytes)
    joined = set()
    for spec in sys.argv[2:]:
        p = spec.split(':')
        uid, src, size, codec, gop, secs, start = p[:7]
        fps = int(p[7]) if len(p) > 7 and p[7] else 15
        drop = None
        skip = 0
        leave = True
        for opt in (p[8].split(',') if len(p) > 8 else []):
            if opt.startswith('drop='):
                a, b = opt[5:].split('-')
                drop = (float(a) * 1e6, float(b) * 1e6)
            elif opt.startswith('from='):
                skip = float(opt[5:]) * 1e6
            elif opt == 'noleave':
                leave = False
        uid = int(uid)
        w, h = (int(x) for x in size.split('x'))
        cid = 1 if codec == 'vp8' else 0
        t0 = int(float(start) * 1e6)
        if uid not in joined:
            events.append((t0, 0, rec(2, struct.pack('<qI', t0, uid))))
            joined.add(uid)
        events.append((t0, 1, rec(4, struct.pack('<qIBBIHHHI', t0, uid, 1, cid, 0, 0, w, h, 0))))
        lost = False
        last = t0
        for i, (data, key) in enumerate(encode(src, size, codec, int(gop), secs, fps)):
            pts = t0 + i * 1000000 // fps
            if pts - t0 < skip:
                continue
            if drop and drop[0] <= pts - t0 < drop[1]:
                lost = True
                continue
            flags = (1 if key else 0) | (2 if lost else 0)
            lost = False
            events.append((pts, 2, rec(6, struct.pack('<qIBBHI', pts, uid, 1, cid, flags, len(data)) + data)))
            last = pts
        if leave:
            events.append((last + 1, 3, rec(3, struct.pack('<qIB', last + 1, uid, 0))))
            joined.discard(uid)
    events.sort(key=lambda e: (e[0], e[1]))
    end = max(e[0] for e in events) + 1
    name = b'capture'
    out = b'AGRECSTR' + struct.pack('<HHI', 1, 0, 0)
    out += rec(1, struct.pack('<qBH', WALL_US, 0, len(name)) + name)
    out += b''.join(e[2] for e in events)
    out += rec(8, struct.pack('<qB', end, 0))
    with open(sys.argv[1], 'wb') as f:
        f.write(out)


main()
