/*
 * test_jitter.c - the RTP jitter buffer (jitter.c): order, wrap-around,
 * duplicates, loss and late packets, sender restarts, capacity, and a
 * seeded random run of shuffled, dropped and duplicated packets.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "jitter.h"

/* A parsed packet of sequence number seq and payload data/len. */
static struct ag_rtp
rtp(uint16_t seq, const uint8_t *data, size_t len)
{
	struct ag_rtp p;

	memset(&p, 0, sizeof p);
	p.seq = seq;
	p.ts = 1000u * seq;
	p.ssrc = 0x1234;
	p.payload = len > 0 ? data : NULL;
	p.payload_len = len;
	return p;
}

/* Push a packet of payload data/len; the verdict. */
static int
push_raw(struct ag_jb *jb, uint16_t seq, const uint8_t *data, size_t len, int64_t now,
    uint64_t user)
{
	struct ag_rtp pkt = rtp(seq, data, len);

	return ag_jb_push(jb, &pkt, now, user, NULL);
}

/* A packet's payload: its sequence number, then filler. */
static int
push(struct ag_jb *jb, uint16_t seq, int64_t now)
{
	uint8_t buf[8] = { (uint8_t)(seq >> 8), (uint8_t)seq, 0xab, 0xcd };
	struct ag_error err = { 0 };
	struct ag_rtp pkt = rtp(seq, buf, 4);
	int r = ag_jb_push(jb, &pkt, now, 1000000u + seq, &err);

	cr_assert_geq(r, 0, "push %u: %s", seq, err.msg);
	return r;
}

/* Pop one packet, check its payload, free it; returns its seq or -1. */
static int
pop1(struct ag_jb *jb, int64_t now, struct ag_jb_packet *out)
{
	struct ag_jb_packet p;

	if (ag_jb_pop(jb, now, &p) == 0)
		return -1;
	cr_assert_eq(p.len, 4);
	cr_assert_eq((p.data[0] << 8) | p.data[1], p.seq);
	cr_assert_eq(p.data[2], 0xab);
	cr_assert_eq(p.user, 1000000u + p.seq);
	cr_assert_eq(p.ext_seq & 0xffff, p.seq);
	/* The header comes back parsed, its payload in data. */
	cr_assert_eq(p.rtp.seq, p.seq);
	cr_assert_eq(p.rtp.ts, 1000u * p.seq);
	cr_assert_eq(p.rtp.ssrc, 0x1234);
	cr_assert_eq(p.rtp.payload, p.data);
	cr_assert_eq(p.rtp.payload_len, 4);
	free(p.data);
	p.data = NULL;
	if (out != NULL)
		*out = p;
	return p.seq;
}

static struct ag_jb *
mk(int capacity, int max_wait)
{
	struct ag_jb_config cfg = { .capacity = capacity, .max_wait_ms = max_wait };
	struct ag_error err = { 0 };
	struct ag_jb *jb = ag_jb_new(&cfg, &err);

	cr_assert_not_null(jb, "%s", err.msg);
	return jb;
}

/* Start the buffer with seq released at time 0 (the first packet waits max_wait). */
static struct ag_jb *
started(uint16_t seq)
{
	struct ag_jb *jb = mk(0, 60);

	push(jb, seq, 0);
	cr_assert_eq(pop1(jb, 59, NULL), -1, "the first packet waits for reordering");
	cr_assert_eq(pop1(jb, 60, NULL), seq);
	return jb;
}

Test(jitter, config)
{
	struct ag_jb_config cfg = { .capacity = 1 };
	struct ag_error err = { 0 };

	cr_assert_null(ag_jb_new(&cfg, &err));
	cr_assert_eq(err.code, AG_EX_USAGE);
	cfg = (struct ag_jb_config){ .max_packet = 70000 };
	cr_assert_null(ag_jb_new(&cfg, &err));
	cfg = (struct ag_jb_config){ .max_packet = 1000, .max_bytes = 1999 };
	cr_assert_null(ag_jb_new(&cfg, &err));
	cfg = (struct ag_jb_config){ .max_wait_ms = -1 };
	cr_assert_null(ag_jb_new(&cfg, NULL));
	ag_jb_free(ag_jb_new(NULL, NULL));
	ag_jb_free(NULL);
}

Test(jitter, in_order)
{
	struct ag_jb *jb = mk(0, 60);
	struct ag_jb_packet p;
	int i;

	cr_assert_eq(ag_jb_next_deadline(jb), -1);
	for (i = 0; i < 10; i++)
		cr_assert_eq(push(jb, (uint16_t)(100 + i), i), AG_JB_STORED);
	cr_assert_eq(ag_jb_next_deadline(jb), 60);
	cr_assert_eq(pop1(jb, 59, NULL), -1);
	for (i = 0; i < 10; i++) {
		cr_assert_eq(pop1(jb, 60, &p), 100 + i);
		cr_assert_not(p.lost_before);
		cr_assert_eq(p.arrival_ms, i);
	}
	cr_assert_eq(pop1(jb, 60, NULL), -1);
	/* Once started, the next expected packet leaves at once. */
	push(jb, 110, 70);
	cr_assert_eq(ag_jb_next_deadline(jb), 70);
	cr_assert_eq(pop1(jb, 70, &p), 110);
	cr_assert_eq(p.ext_seq, 65536 + 110);
	cr_assert_eq(ag_jb_counters(jb)->received, 11);
	cr_assert_eq(ag_jb_counters(jb)->lost, 0);
	cr_assert_eq(ag_jb_counters(jb)->reordered, 0);
	ag_jb_free(jb);
}

Test(jitter, reorder_at_start)
{
	struct ag_jb *jb = mk(0, 60);

	push(jb, 7, 0);
	push(jb, 5, 10);
	push(jb, 6, 20);
	cr_assert_eq(pop1(jb, 59, NULL), -1);
	cr_assert_eq(pop1(jb, 60, NULL), 5);
	cr_assert_eq(pop1(jb, 60, NULL), 6);
	cr_assert_eq(pop1(jb, 60, NULL), 7);
	cr_assert_eq(ag_jb_counters(jb)->reordered, 2);
	ag_jb_free(jb);
}

Test(jitter, reorder_in_window)
{
	struct ag_jb *jb = started(1);

	push(jb, 2, 100);
	cr_assert_eq(pop1(jb, 100, NULL), 2);
	push(jb, 4, 101);
	cr_assert_eq(pop1(jb, 101, NULL), -1);
	push(jb, 5, 102);
	cr_assert_eq(pop1(jb, 102, NULL), -1);
	push(jb, 3, 130);
	cr_assert_eq(pop1(jb, 130, NULL), 3);
	cr_assert_eq(pop1(jb, 130, NULL), 4);
	cr_assert_eq(pop1(jb, 130, NULL), 5);
	cr_assert_eq(pop1(jb, 130, NULL), -1);
	cr_assert_eq(ag_jb_counters(jb)->reordered, 1);
	cr_assert_eq(ag_jb_counters(jb)->lost, 0);
	ag_jb_free(jb);
}

Test(jitter, wrap_around)
{
	static const uint16_t order[] = { 65533, 65531, 65532, 0, 65535, 2, 65534, 1, 4, 3 };
	static const uint16_t want[] = { 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4 };
	struct ag_jb *jb = started(65530);
	struct ag_jb_packet p;
	uint32_t prev = 65536 + 65530;
	size_t i, n = 0;

	for (i = 0; i < sizeof order / sizeof order[0]; i++) {
		cr_assert_eq(push(jb, order[i], 100 + (int64_t)i), AG_JB_STORED);
		while (pop1(jb, 100 + (int64_t)i, &p) >= 0) {
			cr_assert_eq(p.seq, want[n], "released %u, want %u", p.seq, want[n]);
			cr_assert_eq(p.ext_seq, prev + 1);
			cr_assert_not(p.lost_before);
			prev = p.ext_seq;
			n++;
		}
	}
	cr_assert_eq(n, 10);
	cr_assert_eq(prev, 2 * 65536 + 4);
	/* A packet from before the wrap is now a duplicate. */
	cr_assert_eq(push(jb, 65535, 200), AG_JB_DUPLICATE);
	ag_jb_free(jb);
}

Test(jitter, backward_at_start_across_wrap)
{
	struct ag_jb *jb = mk(0, 60);
	struct ag_jb_packet p;

	push(jb, 1, 0);
	push(jb, 65535, 1);
	push(jb, 0, 2);
	cr_assert_eq(pop1(jb, 60, &p), 65535);
	cr_assert_eq(p.ext_seq, 65535);
	cr_assert_eq(pop1(jb, 60, &p), 0);
	cr_assert_eq(p.ext_seq, 65536);
	cr_assert_eq(pop1(jb, 60, &p), 1);
	cr_assert_eq(p.ext_seq, 65537);
	ag_jb_free(jb);
}

Test(jitter, duplicates)
{
	struct ag_jb *jb = started(10);

	cr_assert_eq(push(jb, 10, 100), AG_JB_DUPLICATE);   /* already released */
	cr_assert_eq(push(jb, 12, 100), AG_JB_STORED);
	cr_assert_eq(push(jb, 12, 101), AG_JB_DUPLICATE);   /* already held */
	cr_assert_eq(push(jb, 11, 102), AG_JB_STORED);
	cr_assert_eq(pop1(jb, 102, NULL), 11);
	cr_assert_eq(pop1(jb, 102, NULL), 12);
	cr_assert_eq(pop1(jb, 102, NULL), -1);
	cr_assert_eq(push(jb, 11, 103), AG_JB_DUPLICATE);
	cr_assert_eq(ag_jb_counters(jb)->duplicates, 3);
	cr_assert_eq(ag_jb_counters(jb)->late, 0);
	ag_jb_free(jb);
}

Test(jitter, loss_then_timeout)
{
	struct ag_jb *jb = started(10);
	struct ag_jb_packet p;

	push(jb, 13, 100);
	push(jb, 14, 120);
	cr_assert_eq(ag_jb_next_deadline(jb), 160);
	cr_assert_eq(pop1(jb, 159, NULL), -1);
	cr_assert_eq(pop1(jb, 160, &p), 13);
	cr_assert_eq(p.lost, 2);
	cr_assert(p.lost_before);
	cr_assert_not(p.restart);
	cr_assert_eq(pop1(jb, 160, &p), 14);
	cr_assert_not(p.lost_before);
	cr_assert_eq(ag_jb_counters(jb)->lost, 2);
	/* The given-up packets arrive after all: late, not released. */
	cr_assert_eq(push(jb, 11, 170), AG_JB_LATE);
	cr_assert_eq(push(jb, 12, 171), AG_JB_LATE);
	cr_assert_eq(pop1(jb, 1000, NULL), -1);
	cr_assert_eq(ag_jb_counters(jb)->late, 2);
	/* The deadline counts from the earliest arrival, not the lowest seq. */
	push(jb, 17, 200);
	push(jb, 16, 230);
	cr_assert_eq(ag_jb_next_deadline(jb), 260);
	cr_assert_eq(pop1(jb, 260, &p), 16);
	cr_assert_eq(p.lost, 1);
	cr_assert_eq(pop1(jb, 260, NULL), 17);
	ag_jb_free(jb);
}

Test(jitter, restart_forward_and_backward)
{
	struct ag_jb *jb = started(1000);
	struct ag_jb_packet p;
	uint32_t prev;

	push(jb, 1001, 100);
	cr_assert_eq(pop1(jb, 100, &p), 1001);
	prev = p.ext_seq;
	/* One far packet is only a candidate; the old stream goes on. */
	cr_assert_eq(push(jb, 30000, 110), AG_JB_HELD);
	cr_assert_eq(push(jb, 1003, 111), AG_JB_STORED);
	cr_assert_eq(ag_jb_counters(jb)->resets, 0);
	/* A second packet next to it confirms: the buffer is reset. */
	cr_assert_eq(push(jb, 30001, 120), AG_JB_RESET);
	cr_assert_eq(ag_jb_counters(jb)->resets, 1);
	cr_assert_eq(ag_jb_counters(jb)->lost, 1);   /* 1003 was dropped */
	cr_assert_eq(ag_jb_count(jb), 2);
	cr_assert_eq(push(jb, 29999, 121), AG_JB_STORED);
	cr_assert_eq(pop1(jb, 169, NULL), -1);
	cr_assert_eq(pop1(jb, 170, &p), 29999);
	cr_assert(p.restart);
	cr_assert(p.lost_before);
	cr_assert_gt(p.ext_seq, prev);
	cr_assert_eq(pop1(jb, 170, &p), 30000);
	cr_assert_not(p.restart);
	cr_assert_eq(pop1(jb, 170, &p), 30001);
	prev = p.ext_seq;

	/* Backward: 30001 -> 20000. */
	cr_assert_eq(push(jb, 20000, 200), AG_JB_HELD);
	cr_assert_eq(push(jb, 20001, 201), AG_JB_RESET);
	cr_assert_eq(pop1(jb, 260, &p), 20000);
	cr_assert(p.restart);
	cr_assert_gt(p.ext_seq, prev);
	cr_assert_eq(pop1(jb, 260, NULL), 20001);
	cr_assert_eq(ag_jb_counters(jb)->resets, 2);
	ag_jb_free(jb);
}

Test(jitter, stray_packets)
{
	struct ag_jb *jb = started(500);

	cr_assert_eq(push(jb, 40000, 100), AG_JB_HELD);
	cr_assert_eq(push(jb, 40000, 101), AG_JB_DUPLICATE);
	cr_assert_eq(push(jb, 10000, 102), AG_JB_HELD);     /* replaces the first */
	cr_assert_eq(ag_jb_counters(jb)->stray, 1);
	cr_assert_eq(push(jb, 501, 103), AG_JB_STORED);
	cr_assert_eq(pop1(jb, 103, NULL), 501);
	/* Too old to be confirmed. */
	cr_assert_eq(push(jb, 502, 102 + AG_JB_PROBATION_MS + 1), AG_JB_STORED);
	cr_assert_eq(ag_jb_counters(jb)->stray, 2);
	cr_assert_eq(push(jb, 10001, 102 + AG_JB_PROBATION_MS + 2), AG_JB_HELD);
	cr_assert_eq(ag_jb_counters(jb)->resets, 0);
	ag_jb_free(jb);
}

Test(jitter, capacity)
{
	struct ag_jb *jb = mk(8, 60);
	struct ag_jb_packet p;
	int i;

	push(jb, 0, 0);
	cr_assert_eq(pop1(jb, 60, NULL), 0);
	/* 1 is lost; 2..9 fill the buffer without a pop. */
	for (i = 2; i <= 9; i++)
		cr_assert_eq(push(jb, (uint16_t)i, 100), AG_JB_STORED);
	cr_assert_eq(push(jb, 10, 100), AG_JB_FULL);
	cr_assert_eq(ag_jb_counters(jb)->refused, 1);
	/* Full: the gap is skipped at once, without waiting. */
	cr_assert_eq(ag_jb_next_deadline(jb), 100);
	cr_assert_eq(pop1(jb, 100, &p), 2);
	cr_assert_eq(p.lost, 1);
	for (i = 3; i <= 9; i++)
		cr_assert_eq(pop1(jb, 100, NULL), i);
	cr_assert_eq(pop1(jb, 100, NULL), -1);
	ag_jb_free(jb);
}

Test(jitter, header_extension_kept)
{
	struct ag_jb *jb = ag_jb_new(NULL, NULL);
	uint8_t pl[3] = { 1, 2, 3 }, ext[4] = { 9, 8, 7, 6 };
	struct ag_rtp in = rtp(10, pl, 3);
	struct ag_jb_packet p;

	cr_assert_not_null(jb);
	in.extension = true;
	in.marker = true;
	in.pt = 96;
	in.ext_profile = 0xbede;
	in.ext = ext;
	in.ext_len = 4;
	cr_assert_eq(ag_jb_push(jb, &in, 0, 0, NULL), AG_JB_STORED);
	cr_assert_eq(ag_jb_pop(jb, 1000, &p), 1);
	cr_assert_eq(p.len, 7);
	cr_assert(p.rtp.marker && p.rtp.extension);
	cr_assert_eq(p.rtp.pt, 96);
	cr_assert_eq(p.rtp.ext_profile, 0xbede);
	cr_assert_eq(p.rtp.payload, p.data);
	cr_assert_eq(memcmp(p.rtp.payload, pl, 3), 0);
	cr_assert_eq(p.rtp.ext, p.data + 3);
	cr_assert_eq(memcmp(p.rtp.ext, ext, 4), 0);
	free(p.data);
	ag_jb_free(jb);
}

Test(jitter, byte_budget_and_oversize)
{
	struct ag_jb_config cfg = { .max_packet = 100, .max_bytes = 250 };
	struct ag_jb *jb = ag_jb_new(&cfg, NULL);
	uint8_t big[101] = { 0 };
	struct ag_jb_packet p;

	cr_assert_not_null(jb);
	cr_assert_eq(push_raw(jb, 1, big, 101, 0, 0), AG_JB_TOOBIG);
	cr_assert_eq(push_raw(jb, 1, big, 100, 0, 0), AG_JB_STORED);
	cr_assert_eq(ag_jb_pop(jb, 60, &p), 1);
	free(p.data);
	cr_assert_eq(push_raw(jb, 3, big, 100, 100, 0), AG_JB_STORED);
	cr_assert_eq(ag_jb_pop(jb, 100, &p), 0);
	/* 200 of 250 bytes held: no room for another max_packet, so give up the gap. */
	cr_assert_eq(push_raw(jb, 4, big, 100, 100, 0), AG_JB_STORED);
	cr_assert_eq(ag_jb_pop(jb, 100, &p), 1);
	cr_assert_eq(p.seq, 3);
	cr_assert_eq(p.lost, 1);
	free(p.data);
	cr_assert_eq(ag_jb_pop(jb, 100, &p), 1);
	cr_assert_eq(p.seq, 4);
	free(p.data);
	/* Empty packets are fine. */
	cr_assert_eq(push_raw(jb, 5, NULL, 0, 101, 7), AG_JB_STORED);
	cr_assert_eq(ag_jb_pop(jb, 101, &p), 1);
	cr_assert_eq(p.len, 0);
	cr_assert_not_null(p.data);
	cr_assert_null(p.rtp.payload);
	free(p.data);
	cr_assert_eq(ag_jb_counters(jb)->refused, 1);
	ag_jb_free(jb);
}

Test(jitter, free_with_packets_held)
{
	struct ag_jb *jb = mk(0, 60);

	push(jb, 1, 0);
	push(jb, 5, 0);
	push(jb, 60000, 0);  /* a candidate */
	ag_jb_free(jb);      /* the sanitizer checks nothing leaks */
}

/* A small deterministic generator: the run is the same on every machine. */
static uint32_t
rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005u + 1442695040888963407u;
	return (uint32_t)(*s >> 33);
}

struct ev {
	int64_t t;
	uint32_t idx;   /* sent packet index */
	uint32_t order; /* tie-break: keeps sort stable */
};

static int
ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
random_run(uint64_t seed, int max_wait, int capacity)
{
	enum { N = 6000 };
	static struct ev ev[2 * N];
	static uint8_t stored[N], released[N];
	struct ag_jb *jb = mk(capacity, max_wait);
	uint16_t first = (uint16_t)(65536 - 3000);
	int64_t last_ext = -1, now = 0;
	uint64_t s = seed, lost_seen = 0;
	size_t nev = 0, i;
	struct ag_jb_packet p;

	memset(stored, 0, sizeof stored);
	memset(released, 0, sizeof released);
	for (i = 0; i < N; i++) {
		uint32_t r = rnd(&s) % 100;
		int copies = r < 5 ? 0 : r < 10 ? 2 : 1;
		int c;

		for (c = 0; c < copies; c++) {
			/* sent every 5 ms, delayed 0..99 ms: some beyond max_wait */
			ev[nev].t = (int64_t)i * 5 + rnd(&s) % 100;
			ev[nev].idx = (uint32_t)i;
			ev[nev].order = (uint32_t)nev;
			nev++;
		}
	}
	qsort(ev, nev, sizeof ev[0], ev_cmp);

	for (i = 0; i <= nev; i++) {
		int64_t t = i < nev ? ev[i].t : INT64_MAX / 2;
		int64_t d;

		/* Pop at every deadline up to t, as an event loop would. */
		while ((d = ag_jb_next_deadline(jb)) >= 0 && d <= t) {
			int got = 0;

			if (d > now)
				now = d;
			while (ag_jb_pop(jb, now, &p) == 1) {
				uint32_t idx = (uint32_t)(p.user);

				got++;
				cr_assert_lt(idx, N);
				cr_assert_eq(p.seq, (uint16_t)(first + idx));
				cr_assert_eq(p.len, 3);
				cr_assert_eq(p.data[0], (uint8_t)idx);
				cr_assert(stored[idx], "released %u that was never stored", idx);
				cr_assert_not(released[idx], "released %u twice", idx);
				released[idx] = 1;
				cr_assert_gt((int64_t)p.ext_seq, last_ext, "not increasing");
				if (last_ext >= 0)
					cr_assert_eq((int64_t)p.ext_seq - last_ext - 1, p.lost);
				cr_assert_eq(p.lost_before, p.lost > 0);
				lost_seen += p.lost;
				last_ext = p.ext_seq;
				free(p.data);
			}
			cr_assert_gt(got, 0, "deadline %lld released nothing", (long long)d);
		}
		if (i == nev)
			break;
		if (ev[i].t > now)
			now = ev[i].t;
		{
			uint32_t idx = ev[i].idx;
			uint8_t pl[3] = { (uint8_t)idx, 1, 2 };
			int r = push_raw(jb, (uint16_t)(first + idx), pl, 3, now, idx);

			cr_assert_geq(r, 0);
			cr_assert_neq(r, AG_JB_RESET);
			cr_assert_neq(r, AG_JB_HELD);
			if (r == AG_JB_STORED) {
				cr_assert_not(stored[idx], "%u stored twice", idx);
				stored[idx] = 1;
			} else if (r == AG_JB_LATE) {
				cr_assert_not(stored[idx], "%u late after being stored", idx);
			} else {
				cr_assert(r == AG_JB_DUPLICATE || r == AG_JB_FULL, "verdict %d", r);
			}
		}
	}
	cr_assert_eq(ag_jb_count(jb), 0);
	for (i = 0; i < N; i++)
		cr_assert_eq(stored[i], released[i], "packet %zu: stored %d released %d",
		    i, stored[i], released[i]);
	cr_assert_eq(ag_jb_counters(jb)->lost, lost_seen);
	cr_assert_gt(ag_jb_counters(jb)->reordered, 0);
	cr_assert_gt(ag_jb_counters(jb)->duplicates, 0);
	cr_assert_gt(lost_seen, 0);
	cr_assert_eq(ag_jb_counters(jb)->resets, 0);
	ag_jb_free(jb);
}

Test(jitter, random_shuffle_drop_duplicate)
{
	random_run(1, 60, 512);
	random_run(2, 20, 512);
	random_run(3, 60, 8);    /* small capacity: pressure releases */
	random_run(4, 0, 512);   /* no waiting at all */
}
