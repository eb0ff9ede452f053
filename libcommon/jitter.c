#include <stdlib.h>
#include <string.h>

#include "jitter.h"

/* How many released sequence numbers are remembered to tell a
 * duplicate of a released packet from a late one. */
#define HIST_BITS 1024

struct slot {
	int64_t ext;
	int64_t arrival;
	uint64_t user;
	struct ag_rtp rtp;      /* its payload and ext point into data */
	uint8_t *data;
	size_t len;
};

struct ag_jb {
	struct ag_jb_config cfg;
	struct slot *ring;      /* cfg.capacity slots, sorted by ext from head */
	size_t head, count;
	size_t bytes;           /* payload bytes held in ring */
	bool have_ref;          /* highest is valid */
	int64_t highest;        /* highest ext seen in the current numbering */
	bool started;           /* next is valid: something was released */
	int64_t next;           /* ext of the next packet to release */
	bool restart_mark;      /* the next release is the first after a restart */
	uint64_t hist[HIST_BITS / 64];  /* bit ext % HIST_BITS: released (1) or given up (0) */
	bool have_cand;         /* a possible restart is held aside */
	uint16_t cand_seq;
	struct slot cand;       /* cand.ext unused */
	struct ag_jb_counters c;
};

struct ag_jb *
ag_jb_new(const struct ag_jb_config *cfg, struct ag_error *err)
{
	struct ag_jb_config k = { 0 };
	struct ag_jb *jb;

	if (cfg != NULL)
		k = *cfg;
	if (k.capacity == 0)
		k.capacity = AG_JB_DEFAULT_CAPACITY;
	if (k.max_wait_ms == 0)
		k.max_wait_ms = AG_JB_DEFAULT_MAX_WAIT;
	if (k.max_packet == 0)
		k.max_packet = AG_JB_DEFAULT_MAX_PACKET;
	if (k.max_bytes == 0)
		k.max_bytes = AG_JB_DEFAULT_MAX_BYTES;
	if (k.capacity < 2 || k.capacity > AG_JB_MAX_CAPACITY)
		return ag_error_set(err, AG_EX_USAGE, "jitter buffer: capacity %d not in 2..%d",
		    k.capacity, AG_JB_MAX_CAPACITY), NULL;
	if (k.max_wait_ms < 0 || k.max_wait_ms > 10000)
		return ag_error_set(err, AG_EX_USAGE, "jitter buffer: max wait %d ms not in 0..10000",
		    k.max_wait_ms), NULL;
	if (k.max_packet > 65536)
		return ag_error_set(err, AG_EX_USAGE, "jitter buffer: max packet %zu bytes over 65536",
		    k.max_packet), NULL;
	if (k.max_bytes / 2 < k.max_packet)
		return ag_error_set(err, AG_EX_USAGE,
		    "jitter buffer: byte budget %zu under twice the max packet %zu",
		    k.max_bytes, k.max_packet), NULL;
	if ((jb = calloc(1, sizeof *jb)) == NULL ||
	    (jb->ring = calloc((size_t)k.capacity, sizeof *jb->ring)) == NULL) {
		free(jb);
		return ag_error_set(err, AG_EX_FAIL, "jitter buffer: out of memory"), NULL;
	}
	jb->cfg = k;
	return jb;
}

static struct slot *
at(const struct ag_jb *jb, size_t i)
{
	return &jb->ring[(jb->head + i) % (size_t)jb->cfg.capacity];
}

static void
drop_all(struct ag_jb *jb)
{
	size_t i;

	for (i = 0; i < jb->count; i++)
		free(at(jb, i)->data);
	jb->head = jb->count = jb->bytes = 0;
}

void
ag_jb_free(struct ag_jb *jb)
{
	if (jb == NULL)
		return;
	drop_all(jb);
	if (jb->have_cand)
		free(jb->cand.data);
	free(jb->ring);
	free(jb);
}

/* seq's distance from ref's low 16 bits, in -32768..32767. */
static int32_t
seq_delta(uint16_t seq, int64_t ref)
{
	int32_t d = (int32_t)((seq - (uint32_t)(ref & 0xffff)) & 0xffff);

	return d >= 32768 ? d - 65536 : d;
}

static int32_t
iabs(int32_t v)
{
	return v < 0 ? -v : v;
}

static bool
hist_get(const struct ag_jb *jb, int64_t ext)
{
	uint64_t b = (uint64_t)ext % HIST_BITS;

	return (jb->hist[b / 64] >> (b % 64)) & 1;
}

static void
hist_put(struct ag_jb *jb, int64_t ext, bool released)
{
	uint64_t b = (uint64_t)ext % HIST_BITS;
	uint64_t bit = (uint64_t)1 << (b % 64);

	if (released)
		jb->hist[b / 64] |= bit;
	else
		jb->hist[b / 64] &= ~bit;
}

/* Copy a packet into a new slot (payload, then extension data); false
 * when out of memory. */
static bool
make_slot(struct slot *s, int64_t ext, int64_t now_ms, uint64_t user, const struct ag_rtp *pkt)
{
	size_t len = pkt->payload_len + pkt->ext_len;

	/* malloc(0) may return NULL; always keep a real buffer. */
	if ((s->data = malloc(len > 0 ? len : 1)) == NULL)
		return false;
	s->rtp = *pkt;
	s->rtp.payload = NULL;
	s->rtp.ext = NULL;
	if (pkt->payload_len > 0) {
		memcpy(s->data, pkt->payload, pkt->payload_len);
		s->rtp.payload = s->data;
	}
	if (pkt->ext_len > 0 || pkt->ext != NULL) {
		if (pkt->ext_len > 0)
			memcpy(s->data + pkt->payload_len, pkt->ext, pkt->ext_len);
		s->rtp.ext = s->data + pkt->payload_len;
	}
	s->ext = ext;
	s->arrival = now_ms;
	s->user = user;
	s->len = len;
	return true;
}

/*
 * Where ext goes in the sorted ring: returns its index, or -1 when a
 * packet with that ext is already held.  Scans from the back: packets
 * mostly arrive in order.
 */
static long
find_pos(const struct ag_jb *jb, int64_t ext)
{
	size_t i = jb->count;

	while (i > 0 && at(jb, i - 1)->ext > ext)
		i--;
	if (i > 0 && at(jb, i - 1)->ext == ext)
		return -1;
	return (long)i;
}

/* Insert s (stolen) at index i; the caller checked there is room. */
static void
insert_at(struct ag_jb *jb, size_t i, const struct slot *s)
{
	size_t j;

	for (j = jb->count; j > i; j--)
		*at(jb, j) = *at(jb, j - 1);
	*at(jb, i) = *s;
	jb->count++;
	jb->bytes += s->len;
	if (!jb->have_ref || s->ext > jb->highest) {
		jb->highest = s->ext;
		jb->have_ref = true;
	} else if (s->ext < jb->highest) {
		jb->c.reordered++;
	}
}

static bool
has_room(const struct ag_jb *jb, size_t len)
{
	return jb->count < (size_t)jb->cfg.capacity && jb->bytes + len <= jb->cfg.max_bytes;
}

/*
 * A second packet near the held candidate: the sender restarted.  Old
 * packets go, and both packets enter a numbering two cycles above
 * anything used so far, so released ext_seq keep increasing.
 */
static int
confirm_restart(struct ag_jb *jb, int64_t ext_delta, struct slot *pkt)
{
	int64_t top = jb->highest, cycle;
	long pos;

	if (jb->started && jb->next - 1 > top)
		top = jb->next - 1;
	jb->c.lost += jb->count;
	jb->c.resets++;
	drop_all(jb);
	memset(jb->hist, 0, sizeof jb->hist);
	cycle = (top >> 16) + 2;
	jb->cand.ext = (cycle << 16) | jb->cand_seq;
	pkt->ext = jb->cand.ext + ext_delta;
	jb->have_cand = false;
	jb->have_ref = false;
	jb->started = false;
	jb->restart_mark = true;
	insert_at(jb, 0, &jb->cand);
	pos = find_pos(jb, pkt->ext);
	insert_at(jb, (size_t)pos, pkt);
	return AG_JB_RESET;
}

int
ag_jb_push(struct ag_jb *jb, const struct ag_rtp *pkt, int64_t now_ms, uint64_t user,
    struct ag_error *err)
{
	struct slot s;
	uint16_t seq = pkt->seq;
	size_t len = pkt->payload_len + pkt->ext_len;
	int64_t ext;
	int32_t d;
	long pos;

	jb->c.received++;
	if (len > jb->cfg.max_packet) {
		jb->c.refused++;
		return AG_JB_TOOBIG;
	}
	if (jb->have_cand && now_ms - jb->cand.arrival > AG_JB_PROBATION_MS) {
		free(jb->cand.data);
		jb->have_cand = false;
		jb->c.stray++;
	}
	if (!jb->have_ref) {
		ext = 65536 + (int64_t)seq;
	} else if (iabs(d = seq_delta(seq, jb->highest)) <= AG_JB_RESTART_JUMP) {
		ext = jb->highest + d;
	} else {
		/* A big jump: a restart if a second packet follows it. */
		if (jb->have_cand) {
			int32_t dc = seq_delta(seq, jb->cand_seq);

			if (dc == 0) {
				jb->c.duplicates++;
				return AG_JB_DUPLICATE;
			}
			if (iabs(dc) <= AG_JB_RESTART_JUMP) {
				if (!make_slot(&s, 0, now_ms, user, pkt))
					return ag_error_set(err, AG_EX_FAIL, "jitter buffer: out of memory");
				return confirm_restart(jb, dc, &s);
			}
			free(jb->cand.data);
			jb->have_cand = false;
			jb->c.stray++;
		}
		if (!make_slot(&jb->cand, 0, now_ms, user, pkt))
			return ag_error_set(err, AG_EX_FAIL, "jitter buffer: out of memory");
		jb->cand_seq = seq;
		jb->have_cand = true;
		return AG_JB_HELD;
	}

	if (jb->started && ext < jb->next) {
		if (ext >= jb->next - HIST_BITS && hist_get(jb, ext)) {
			jb->c.duplicates++;
			return AG_JB_DUPLICATE;
		}
		jb->c.late++;
		return AG_JB_LATE;
	}
	if ((pos = find_pos(jb, ext)) < 0) {
		jb->c.duplicates++;
		return AG_JB_DUPLICATE;
	}
	if (!has_room(jb, len)) {
		jb->c.refused++;
		return AG_JB_FULL;
	}
	if (!make_slot(&s, ext, now_ms, user, pkt))
		return ag_error_set(err, AG_EX_FAIL, "jitter buffer: out of memory");
	insert_at(jb, (size_t)pos, &s);
	return AG_JB_STORED;
}

static bool
under_pressure(const struct ag_jb *jb)
{
	return jb->count >= (size_t)jb->cfg.capacity ||
	    jb->bytes + jb->cfg.max_packet > jb->cfg.max_bytes;
}

static int64_t
oldest_arrival(const struct ag_jb *jb)
{
	int64_t t = at(jb, 0)->arrival;
	size_t i;

	for (i = 1; i < jb->count; i++)
		if (at(jb, i)->arrival < t)
			t = at(jb, i)->arrival;
	return t;
}

int
ag_jb_pop(struct ag_jb *jb, int64_t now_ms, struct ag_jb_packet *out)
{
	struct slot s;
	int64_t lost = 0, e;

	if (jb->count == 0)
		return 0;
	s = *at(jb, 0);
	if (!jb->started || s.ext != jb->next) {
		if (!under_pressure(jb) && now_ms - oldest_arrival(jb) < jb->cfg.max_wait_ms)
			return 0;
		if (jb->started) {
			lost = s.ext - jb->next;
			e = s.ext - jb->next > HIST_BITS ? s.ext - HIST_BITS : jb->next;
			for (; e < s.ext; e++)
				hist_put(jb, e, false);
		}
	}
	hist_put(jb, s.ext, true);
	jb->head = (jb->head + 1) % (size_t)jb->cfg.capacity;
	jb->count--;
	jb->bytes -= s.len;
	jb->next = s.ext + 1;
	jb->started = true;
	jb->c.lost += (uint64_t)lost;

	out->rtp = s.rtp;
	out->data = s.data;
	out->len = s.len;
	out->ext_seq = (uint32_t)s.ext;
	out->seq = (uint16_t)(s.ext & 0xffff);
	out->arrival_ms = s.arrival;
	out->user = s.user;
	out->lost = lost > UINT32_MAX ? UINT32_MAX : (uint32_t)lost;
	out->restart = jb->restart_mark;
	out->lost_before = lost > 0 || jb->restart_mark;
	jb->restart_mark = false;
	return 1;
}

int64_t
ag_jb_next_deadline(const struct ag_jb *jb)
{
	if (jb->count == 0)
		return -1;
	if (jb->started && at(jb, 0)->ext == jb->next)
		return at(jb, 0)->arrival;
	if (under_pressure(jb))
		return oldest_arrival(jb);
	return oldest_arrival(jb) + jb->cfg.max_wait_ms;
}

size_t
ag_jb_count(const struct ag_jb *jb)
{
	return jb->count;
}

const struct ag_jb_counters *
ag_jb_counters(const struct ag_jb *jb)
{
	return &jb->c;
}
