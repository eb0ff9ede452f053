/*
 * fuzz_jitter.c - the jitter buffer (jitter.h) under arbitrary sequence
 * numbers, sizes and arrival times.
 *
 * Input layout:
 *   4 bytes of limits: capacity (0 = default, else 2 + b % 64), max
 *   wait (0 = default, else 1..255 ms), max packet (1 + b bytes), byte
 *   budget (2 * max packet + 8 * b);
 *   then 4-byte operations: a 16-bit big-endian sequence delta (added to
 *   the previous sequence number: 1 = in order, 0xffff = one back),
 *   a time step (bit 7 set: (b & 0x7f) * 50 ms, else b ms), and a
 *   payload length.  Each operation pushes one packet, then pops until
 *   nothing is released, as agrec-record does.
 *
 * Properties checked (all from jitter.h): a caller that pops after every
 * push never sees AG_JB_FULL; released ext_seq strictly increase and
 * end in the packet's seq; each packet comes out at most once, with its
 * bytes, length, arrival time, seq and parsed header; lost_before is lost > 0 or a
 * restart; after popping, the next deadline is in the future; and in
 * the end everything held is released.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jitter.h"

struct sent {
	uint16_t seq;
	size_t len;
	int64_t arrival;
	bool out;
};

struct state {
	struct ag_jb *jb;
	struct sent *sent;
	size_t nsent;
	bool have_last;
	uint32_t last_ext;
	uint64_t released;
};

static uint8_t
pattern(uint64_t user, size_t i)
{
	return (uint8_t)(user * 131 + i);
}

static void
drain(struct state *s, int64_t now)
{
	struct ag_jb_packet p;
	int64_t deadline;
	size_t i;

	while (ag_jb_pop(s->jb, now, &p) == 1) {
		struct sent *e;

		FUZZ_ASSERT(p.data != NULL && p.user < s->nsent);
		e = &s->sent[p.user];
		FUZZ_ASSERT(!e->out);
		e->out = true;
		FUZZ_ASSERT(p.seq == e->seq && (p.ext_seq & 0xffff) == p.seq);
		FUZZ_ASSERT(p.len == e->len && p.arrival_ms == e->arrival);
		FUZZ_ASSERT(p.rtp.seq == p.seq && p.rtp.ts == (uint32_t)p.user);
		FUZZ_ASSERT(p.rtp.payload_len == p.len &&
		    (p.len == 0 ? p.rtp.payload == NULL : p.rtp.payload == p.data));
		for (i = 0; i < p.len; i++)
			FUZZ_ASSERT(p.data[i] == pattern(p.user, i));
		FUZZ_ASSERT(p.lost_before == (p.lost > 0 || p.restart));
		FUZZ_ASSERT(!s->have_last || p.ext_seq > s->last_ext);
		s->have_last = true;
		s->last_ext = p.ext_seq;
		s->released++;
		free(p.data);
	}
	deadline = ag_jb_next_deadline(s->jb);
	FUZZ_ASSERT(deadline == -1 || deadline > now);
	FUZZ_ASSERT((deadline == -1) == (ag_jb_count(s->jb) == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_jb_config cfg;
	struct ag_error err;
	struct state s;
	const struct ag_jb_counters *c;
	uint8_t payload[256];
	uint16_t seq = 1000;
	int64_t now = 5000;
	size_t pos, i;

	/* Bad limits are refused as usage errors. */
	memset(&cfg, 0, sizeof cfg);
	cfg.capacity = 1;
	FUZZ_ASSERT(ag_jb_new(&cfg, &err) == NULL && err.code == AG_EX_USAGE);
	ag_jb_free(NULL);
	if (size < 4)
		return 0;

	memset(&cfg, 0, sizeof cfg);
	cfg.capacity = data[0] ? 2 + data[0] % 64 : 0;
	cfg.max_wait_ms = data[1];
	cfg.max_packet = 1 + (size_t)data[2];
	cfg.max_bytes = 2 * cfg.max_packet + 8 * (size_t)data[3];
	memset(&s, 0, sizeof s);
	if ((s.jb = ag_jb_new(&cfg, &err)) == NULL)
		abort();
	if ((s.sent = calloc(size / 4 + 1, sizeof *s.sent)) == NULL)
		abort();

	for (pos = 4; pos + 4 <= size; pos += 4) {
		uint16_t delta = (uint16_t)(data[pos] << 8 | data[pos + 1]);
		uint8_t step = data[pos + 2];
		size_t len = data[pos + 3];
		uint64_t user = s.nsent++;
		struct ag_rtp pkt;
		int v;

		seq = (uint16_t)(seq + delta);
		now += step & 0x80 ? (int64_t)(step & 0x7f) * 50 : step;
		for (i = 0; i < len; i++)
			payload[i] = pattern(user, i);
		s.sent[user] = (struct sent){ seq, len, now, false };
		memset(&pkt, 0, sizeof pkt);
		pkt.seq = seq;
		pkt.ts = (uint32_t)user;
		pkt.payload = len > 0 ? payload : NULL;
		pkt.payload_len = len;
		v = ag_jb_push(s.jb, &pkt, now, user, &err);
		FUZZ_ASSERT(v >= AG_JB_STORED && v <= AG_JB_TOOBIG);
		FUZZ_ASSERT(v != AG_JB_FULL);
		FUZZ_ASSERT((v == AG_JB_TOOBIG) == (len > cfg.max_packet));
		drain(&s, now);
	}
	/* Long after: everything held must come out. */
	now += 100000;
	drain(&s, now);
	FUZZ_ASSERT(ag_jb_count(s.jb) == 0 && ag_jb_next_deadline(s.jb) == -1);
	c = ag_jb_counters(s.jb);
	FUZZ_ASSERT(c->received == s.nsent);
	FUZZ_ASSERT(s.released + c->duplicates + c->late + c->refused + c->stray <= s.nsent);
	ag_jb_free(s.jb);
	free(s.sent);
	return 0;
}
