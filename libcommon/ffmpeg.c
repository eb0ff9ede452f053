#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "ffmpeg.h"
#include "spawn.h"

char *
ag_ff_find(const char *envname, const char *dflt, struct ag_error *err)
{
	const char *name = getenv(envname);
	const char *path, *p;
	char buf[PATH_MAX];

	if (name == NULL || *name == '\0')
		name = dflt;
	if (strchr(name, '/') != NULL) {
		if (access(name, X_OK) == 0)
			return strdup(name);
		ag_error_errno(err, AG_EX_UNAVAILABLE, errno, "%s (from %s)", name, envname);
		return NULL;
	}
	path = getenv("PATH");
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; ) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		int n = snprintf(buf, sizeof buf, "%.*s%s%s", (int)len, p,
		    len ? "/" : "./", name);
		struct stat st;

		/* access(X_OK) is true for a directory too: only a regular file */
		if (n > 0 && (size_t)n < sizeof buf && access(buf, X_OK) == 0 &&
		    stat(buf, &st) == 0 && S_ISREG(st.st_mode))
			return strdup(buf);
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	ag_error_set(err, AG_EX_UNAVAILABLE, "%s not found on PATH (install it, or set %s)",
	    name, envname);
	return NULL;
}

char *
ag_ff_url(const char *path)
{
	char cwd[PATH_MAX];
	char *s;

	if (path[0] == '/') {
		if (asprintf(&s, "file:%s", path) < 0)
			return NULL;
		return s;
	}
	if (getcwd(cwd, sizeof cwd) == NULL)
		return NULL;
	if (asprintf(&s, "file:%s/%s", cwd, path) < 0)
		return NULL;
	return s;
}

int
ag_ff_argv(struct ag_argv *a, const char *ffmpeg, bool nostats)
{
	ag_argv_pushl(a, ffmpeg, "-nostdin", "-hide_banner", NULL);
	if (nostats)
		ag_argv_push(a, "-nostats");
	ag_argv_pushl(a, "-loglevel", "error", NULL);
	return a->failed ? -1 : 0;
}

static double
json_num_str(json_t *o, const char *key, double dflt)
{
	json_t *v = json_object_get(o, key);
	char *end;
	double d;

	if (json_is_number(v))
		return json_number_value(v);
	if (!json_is_string(v))
		return dflt;
	errno = 0;
	d = strtod(json_string_value(v), &end);
	if (errno || *end != '\0' || end == json_string_value(v))
		return dflt;
	return d;
}

static void
json_copy_str(json_t *o, const char *key, char *dst, size_t size)
{
	json_t *v = json_object_get(o, key);

	dst[0] = '\0';
	if (json_is_string(v))
		snprintf(dst, size, "%s", json_string_value(v));
}

static void
fill_stream(json_t *s, struct ag_probe_stream *ps)
{
	json_t *v;
	const char *rate;

	ps->present = true;
	json_copy_str(s, "codec_name", ps->codec, sizeof ps->codec);
	json_copy_str(s, "profile", ps->profile, sizeof ps->profile);
	json_copy_str(s, "pix_fmt", ps->pix_fmt, sizeof ps->pix_fmt);
	ps->width = (int)json_integer_value(json_object_get(s, "width"));
	ps->height = (int)json_integer_value(json_object_get(s, "height"));
	ps->channels = (int)json_integer_value(json_object_get(s, "channels"));
	ps->sample_rate = (int)json_num_str(s, "sample_rate", 0);
	ps->duration = json_num_str(s, "duration", -1);
	ps->start_time = json_num_str(s, "start_time", 0);
	ps->nb_frames = (long long)json_num_str(s, "nb_frames", -1);
	ps->has_b_frames = (int)json_integer_value(json_object_get(s, "has_b_frames"));
	v = json_object_get(s, "time_base");
	rate = json_is_string(v) ? json_string_value(v) : "";
	if (sscanf(rate, "%d/%d", &ps->tb_num, &ps->tb_den) != 2 || ps->tb_den <= 0)
		ps->tb_num = ps->tb_den = 0;
	v = json_object_get(s, "r_frame_rate");
	rate = json_is_string(v) ? json_string_value(v) : "";
	if (sscanf(rate, "%d/%d", &ps->fps_num, &ps->fps_den) != 2 || ps->fps_den <= 0)
		ps->fps_num = ps->fps_den = 0;
}

int
ag_probe_file(const char *ffprobe, const char *path, struct ag_probe *out,
    struct ag_error *err)
{
	struct ag_argv a = { 0 };
	char *url = ag_ff_url(path), *o = NULL, *e = NULL, desc[128];
	size_t olen;
	int status, rc = -1;
	json_t *root = NULL, *streams, *s;
	json_error_t jerr;
	size_t i;

	memset(out, 0, sizeof *out);
	out->duration = -1;
	if (url == NULL)
		return ag_error_errno(err, AG_EX_FAIL, ENOMEM, "probe");
	ag_argv_pushl(&a, ffprobe, "-v", "error", "-of", "json", "-show_format",
	    "-show_streams", url, NULL);
	if (a.failed) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "probe");
		goto out;
	}
	if (ag_run_capture(ffprobe, a.v, 8 << 20, &o, &olen, &e, &status, err) < 0)
		goto out;
	if (!ag_status_ok(status)) {
		char *nl = e ? strchr(e, '\n') : NULL;
		if (nl)
			*nl = '\0';
		ag_error_set(err, AG_EX_DATAERR, "ffprobe %s: %s", ag_status_describe(status,
		    desc, sizeof desc), e && *e ? e : "cannot read the file");
		goto out;
	}
	if ((root = json_loadb(o, olen, 0, &jerr)) == NULL) {
		ag_error_set(err, AG_EX_FAIL, "ffprobe printed invalid JSON: %s", jerr.text);
		goto out;
	}
	out->duration = json_num_str(json_object_get(root, "format"), "duration", -1);
	streams = json_object_get(root, "streams");
	json_array_foreach(streams, i, s) {
		const char *type = json_string_value(json_object_get(s, "codec_type"));
		out->nstreams++;
		if (type && strcmp(type, "video") == 0 && !out->video.present)
			fill_stream(s, &out->video);
		else if (type && strcmp(type, "audio") == 0 && !out->audio.present)
			fill_stream(s, &out->audio);
	}
	rc = 0;
out:
	json_decref(root);
	free(o);
	free(e);
	free(url);
	ag_argv_free(&a);
	return rc;
}

void
ag_progress_feed(struct ag_progress *p, const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n') {
			if (p->len + 1 < sizeof p->line)
				p->line[p->len++] = buf[i];
			else
				p->toolong = true;
			continue;
		}
		if (p->toolong) {
			/* dropped whole: its start is not the line */
			p->toolong = false;
			p->len = 0;
			continue;
		}
		if (p->len > 0 && p->line[p->len - 1] == '\r')
			p->len--;      /* a \r\n line end */
		p->line[p->len] = '\0';
		if (strncmp(p->line, "out_time_us=", 12) == 0) {
			char *end;
			long long v;
			errno = 0;
			v = strtoll(p->line + 12, &end, 10);
			/* ERANGE: too large for 64 bits, refused (not LLONG_MAX) */
			if (end != p->line + 12 && *end == '\0' && v >= 0 && errno != ERANGE)
				p->out_time_us = v;
		} else if (strcmp(p->line, "progress=end") == 0) {
			p->ended = true;
		}
		p->len = 0;
	}
}
