/*
 * subscribe.h - the Agora SDK 3.x subscribe options, --autoSubscribe
 * 0|1, --subscribeVideoUids and --subscribeAudioUids, for every program
 * that reads a channel (agrec-record, agrec-mix, agrec-capture): their
 * parsing, the SDK's rules (which user's audio or video is received),
 * and a tally of what was left out, so that each user and kind is
 * logged once and counted.
 *
 * The rules (agrec-record(1), SUBSCRIBE LISTS): with --autoSubscribe 1
 * (the default) everyone is subscribed and the lists are ignored; with
 * 0 only the listed users' audio (resp. video) is; a kind without a
 * list (or with an empty one) is subscribed for nobody.
 */
#ifndef AG_SUBSCRIBE_H
#define AG_SUBSCRIBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define AG_SUB_MAX 17           /* uids in a list, as the SDK 3.x */

enum ag_sub_kind { AG_SUB_AUDIO, AG_SUB_VIDEO };

/* What was left out of one user's kind. */
struct ag_sub_ignored {
	uint32_t uid;
	enum ag_sub_kind kind;
	uint64_t count;             /* packets or frames, as the caller counts */
};

/* The options.  ag_sub_init before use; nothing to free. */
struct ag_sub {
	bool auto_sub;              /* --autoSubscribe; default true */
	bool given[2];              /* a list of kind [k] was given */
	uint32_t uids[2][AG_SUB_MAX];
	size_t n[2];
};

/* What the options left out, kept by the reader of the channel (the
 * options stay read-only).  { 0 } is empty; ag_sub_tally_free after. */
struct ag_sub_tally {
	struct ag_sub_ignored *ign; /* grown with ag_grow */
	size_t nign, cap_ign;
};

/* Defaults: --autoSubscribe 1, no lists. */
void ag_sub_init(struct ag_sub *s);

/* Free what the tally holds (t itself is the caller's; NULL is fine). */
void ag_sub_tally_free(struct ag_sub_tally *t);

/*
 * --autoSubscribe VALUE (0 or 1; opt, borrowed, names it in the message).
 * Returns 0, or -1 with err (AG_EX_USAGE).
 */
int ag_sub_parse_auto(struct ag_sub *s, const char *opt, const char *value,
    struct ag_error *err);

/*
 * A list of kind k: "U1,U2,..." of at most AG_SUB_MAX decimal uids
 * (0..4294967295), no empty item, no uid twice; "" is an empty list.
 * A list given again replaces the first.  Returns 0, or -1 with err
 * (AG_EX_USAGE) naming opt (borrowed); s is unchanged then.
 */
int ag_sub_parse_list(struct ag_sub *s, enum ag_sub_kind k, const char *opt,
    const char *value, struct ag_error *err);

/*
 * After the options: true when a list was given with --autoSubscribe 1,
 * where the SDK ignores it; *why (static) then says so for a warning.
 */
bool ag_sub_lists_ignored(const struct ag_sub *s, const char **why);

/* Is uid's audio (k = AG_SUB_AUDIO) or video subscribed? */
bool ag_sub_wants(const struct ag_sub *s, uint32_t uid, enum ag_sub_kind k);

/* Is anything of uid subscribed (its audio or its video)? */
bool ag_sub_wants_any(const struct ag_sub *s, uint32_t uid);

/*
 * Count n more packets or frames of uid's kind k left out.  Returns 1
 * the first time for that uid and kind (the caller logs it once), 0
 * after, -1 when the tally cannot grow (it is not counted).
 */
int ag_sub_ignore(struct ag_sub_tally *t, uint32_t uid, enum ag_sub_kind k, uint64_t n);

/*
 * The tally of kind k: users left out and the sum of their counts.
 */
void ag_sub_totals(const struct ag_sub_tally *t, enum ag_sub_kind k, size_t *users,
    uint64_t *count);

/* "audio" or "video". */
const char *ag_sub_kind_name(enum ag_sub_kind k);

/* The option of kind k's list: "--subscribeAudioUids" or "--subscribeVideoUids". */
const char *ag_sub_list_opt(enum ag_sub_kind k);

#endif
