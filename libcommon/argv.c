#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"

int
ag_argv_push(struct ag_argv *a, const char *s)
{
	char *copy;

	if (a->failed)
		return -1;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **v = realloc(a->v, cap * sizeof *v);
		if (v == NULL)
			goto fail;
		a->v = v;
		a->cap = cap;
	}
	if ((copy = strdup(s)) == NULL)
		goto fail;
	a->v[a->n++] = copy;
	a->v[a->n] = NULL;
	return 0;
fail:
	a->failed = 1;
	return -1;
}

int
ag_argv_pushf(struct ag_argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		a->failed = 1;
		return -1;
	}
	r = ag_argv_push(a, s);
	free(s);
	return r;
}

int
ag_argv_pushl(struct ag_argv *a, ...)
{
	va_list ap;
	const char *s;
	int r = 0;

	va_start(ap, a);
	while ((s = va_arg(ap, const char *)) != NULL)
		if (ag_argv_push(a, s) < 0)
			r = -1;
	va_end(ap);
	return r;
}

void
ag_argv_free(struct ag_argv *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

int
ag_shell_quote(const char *s, FILE *f)
{
	const char *p;
	int plain = *s != '\0';

	for (p = s; *p && plain; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%", *p))
			plain = 0;
	if (plain)
		return fputs(s, f) < 0 ? -1 : 0;
	if (fputc('\'', f) == EOF)
		return -1;
	for (p = s; *p; p++) {
		if (*p == '\'') {
			if (fputs("'\\''", f) < 0)
				return -1;
		} else if (fputc(*p, f) == EOF) {
			return -1;
		}
	}
	return fputc('\'', f) == EOF ? -1 : 0;
}

int
ag_argv_print(const struct ag_argv *a, FILE *f)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (i > 0 && fputc(' ', f) == EOF)
			return -1;
		if (ag_shell_quote(a->v[i], f) < 0)
			return -1;
	}
	return fputc('\n', f) == EOF ? -1 : 0;
}
