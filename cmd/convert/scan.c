/*
 * scan.c - agrec-convert --scan: the recording folders below a root
 * (those holding uid_*.txt, up to four levels down), of which the
 * finished and not yet converted ones are converted.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "convert/convert.h"
#include "diag.h"
#include "folder.h"
#include "fsutil.h"
#include "names.h"

int
cv_strlist_add(struct cv_strlist *l, char *s)
{
	char **v = ag_grow(l->v, &l->cap, l->n + 1, sizeof *v);

	if (v == NULL)
		return -1;
	l->v = v;
	l->v[l->n++] = s;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect folders holding uid_*.txt below dir, up to depth levels. */
static void
scan_dir(const char *dir, int depth, struct cv_strlist *found)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct cv_strlist subs = { 0 };
	bool has_txt = false;
	size_t i;

	if (d == NULL) {
		ag_msg("%s: %s", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		uint32_t uid;
		char ts[AG_TS_LEN + 1];
		struct stat st;
		char *p;
		if (de->d_name[0] == '.')
			continue;
		if (ag_parse_txt_name(de->d_name, &uid, ts) == 0) {
			has_txt = true;
			continue;
		}
		if (depth <= 0 || (p = ag_path_join(dir, de->d_name)) == NULL)
			continue;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			cv_strlist_add(&subs, p);
		else
			free(p);
	}
	closedir(d);
	if (has_txt)
		cv_strlist_add(found, strdup(dir));
	if (subs.n > 1)
		qsort(subs.v, subs.n, sizeof *subs.v, str_cmp);
	for (i = 0; i < subs.n; i++) {
		scan_dir(subs.v[i], depth - 1, found);
		free(subs.v[i]);
	}
	free(subs.v);
}

void
cv_scan(const char *root, bool force, bool quiet, struct cv_strlist *folders)
{
	struct cv_strlist found = { 0 };
	size_t k;

	scan_dir(root, 4, &found);
	for (k = 0; k < found.n; k++) {
		if (ag_folder_marked(found.v[k], AG_FOLDER_CONVERTED) ||
		    (!force && !ag_folder_marked(found.v[k], AG_FOLDER_FINISHED))) {
			if (!ag_folder_marked(found.v[k], AG_FOLDER_CONVERTED) && !quiet)
				ag_msg("%s: not finished yet; skipped", found.v[k]);
			free(found.v[k]);
			continue;
		}
		cv_strlist_add(folders, found.v[k]);
	}
	free(found.v);
}
