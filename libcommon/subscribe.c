/*
 * subscribe.c - the SDK 3.x subscribe options and rules, and the tally
 * of what they left out.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "names.h"
#include "subscribe.h"

void
ag_sub_init(struct ag_sub *s)
{
	memset(s, 0, sizeof *s);
	s->auto_sub = true;
}

void
ag_sub_tally_free(struct ag_sub_tally *t)
{
	if (t == NULL)
		return;
	free(t->ign);
	t->ign = NULL;
	t->nign = t->cap_ign = 0;
}

int
ag_sub_parse_auto(struct ag_sub *s, const char *opt, const char *value, struct ag_error *err)
{
	long v;

	if (ag_cli_num(opt, value, AG_CLI_BOOL, &v, err) < 0)
		return -1;
	s->auto_sub = v != 0;
	return 0;
}

int
ag_sub_parse_list(struct ag_sub *s, enum ag_sub_kind k, const char *opt, const char *value,
    struct ag_error *err)
{
	uint32_t uids[AG_SUB_MAX];
	size_t n = 0, i, len;
	const char *p = value;

	if (*p != '\0')
		for (;;) {
			len = strcspn(p, ",");
			if (len == 0)
				return ag_error_set(err, AG_EX_USAGE, "%s: '%.64s': an empty item "
				    "(want U1,U2,... with none empty)", opt, value);
			if (n == AG_SUB_MAX)
				return ag_error_set(err, AG_EX_USAGE, "%s: more than %d uids (the "
				    "SDK's limit)", opt, AG_SUB_MAX);
			if (ag_parse_uid(p, len, &uids[n]) < 0)
				return ag_error_set(err, AG_EX_USAGE, "%s: '%.*s': not a uid (a "
				    "decimal number in 0..4294967295)", opt,
				    (int)(len > 64 ? 64 : len), p);
			for (i = 0; i < n; i++)
				if (uids[i] == uids[n])
					return ag_error_set(err, AG_EX_USAGE,
					    "%s: uid %lu is listed twice", opt,
					    (unsigned long)uids[n]);
			n++;
			if (p[len] == '\0')
				break;
			p += len + 1;
		}
	memcpy(s->uids[k], uids, n * sizeof uids[0]);
	s->n[k] = n;
	s->given[k] = true;
	return 0;
}

bool
ag_sub_lists_ignored(const struct ag_sub *s, const char **why)
{
	*why = NULL;
	if (!s->auto_sub || (!s->given[AG_SUB_AUDIO] && !s->given[AG_SUB_VIDEO]))
		return false;
	*why = "--subscribeVideoUids and --subscribeAudioUids are ignored with --autoSubscribe 1 "
	    "(everyone is subscribed; give --autoSubscribe 0 to use them)";
	return true;
}

bool
ag_sub_wants(const struct ag_sub *s, uint32_t uid, enum ag_sub_kind k)
{
	size_t i;

	if (s->auto_sub)
		return true;
	for (i = 0; i < s->n[k]; i++)
		if (s->uids[k][i] == uid)
			return true;
	return false;
}

bool
ag_sub_wants_any(const struct ag_sub *s, uint32_t uid)
{
	return ag_sub_wants(s, uid, AG_SUB_AUDIO) || ag_sub_wants(s, uid, AG_SUB_VIDEO);
}

int
ag_sub_ignore(struct ag_sub_tally *t, uint32_t uid, enum ag_sub_kind k, uint64_t n)
{
	struct ag_sub_ignored *v;
	size_t i;

	for (i = 0; i < t->nign; i++)
		if (t->ign[i].uid == uid && t->ign[i].kind == k) {
			t->ign[i].count += n;
			return 0;
		}
	if ((v = ag_grow(t->ign, &t->cap_ign, t->nign + 1, sizeof *v)) == NULL)
		return -1;
	t->ign = v;
	t->ign[t->nign++] = (struct ag_sub_ignored){ uid, k, n };
	return 1;
}

void
ag_sub_totals(const struct ag_sub_tally *t, enum ag_sub_kind k, size_t *users, uint64_t *count)
{
	size_t i;

	*users = 0;
	*count = 0;
	for (i = 0; i < t->nign; i++)
		if (t->ign[i].kind == k) {
			(*users)++;
			*count += t->ign[i].count;
		}
}

const char *
ag_sub_kind_name(enum ag_sub_kind k)
{
	return k == AG_SUB_VIDEO ? "video" : "audio";
}

const char *
ag_sub_list_opt(enum ag_sub_kind k)
{
	return k == AG_SUB_VIDEO ? "--subscribeVideoUids" : "--subscribeAudioUids";
}
