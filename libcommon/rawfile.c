/*
 * rawfile.c - raw-data file formats and their JSON sidecars.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcodes.h"
#include "fsutil.h"
#include "rawfile.h"

static const char *const exts[] = { "", "pcm", "aac", "h264", "yuv", "h265" };

const char *
ag_raw_ext(enum ag_raw_format f)
{
	return (unsigned)f < sizeof exts / sizeof exts[0] ? exts[f] : "";
}

enum ag_raw_format
ag_raw_from_ext(const char *s)
{
	size_t i;

	for (i = 1; i < sizeof exts / sizeof exts[0]; i++)
		if (strcmp(s, exts[i]) == 0)
			return (enum ag_raw_format)i;
	return AG_RAW_NONE;
}

int
ag_raw_sidecar_write(const char *dir, const struct ag_raw_info *ri, int mode,
    struct ag_error *err)
{
	json_t *j = json_object();
	char side[300], *path = NULL, *text = NULL;
	int ch = ri->channels >= 2 ? 2 : 1, rc = -1;

	json_object_set_new(j, "uid", json_integer(ri->uid));
	json_object_set_new(j, "file", json_string(ri->file));
	switch (ri->format) {
	case AG_RAW_PCM:
		json_object_set_new(j, "format", json_string("s16le"));
		json_object_set_new(j, "sample_rate", json_integer(48000));
		json_object_set_new(j, "channels", json_integer(ch));
		json_object_set_new(j, "bytes_per_second", json_integer(48000 * 2 * ch));
		break;
	case AG_RAW_AAC:
		json_object_set_new(j, "format", json_string("aac"));
		json_object_set_new(j, "framing", json_string("adts"));
		json_object_set_new(j, "profile", json_string("LC"));
		json_object_set_new(j, "sample_rate", json_integer(48000));
		json_object_set_new(j, "channels", json_integer(ch));
		break;
	case AG_RAW_H264: case AG_RAW_H265:
		json_object_set_new(j, "format",
		    json_string(ri->format == AG_RAW_H264 ? "h264" : "h265"));
		json_object_set_new(j, "framing", json_string("annexb"));
		json_object_set_new(j, "width", json_integer(ri->width));
		json_object_set_new(j, "height", json_integer(ri->height));
		break;
	case AG_RAW_YUV:
		json_object_set_new(j, "format", json_string("i420"));
		json_object_set_new(j, "width", json_integer(ri->width));
		json_object_set_new(j, "height", json_integer(ri->height));
		json_object_set_new(j, "frame_size", json_integer((json_int_t)ri->width * ri->height +
		    2 * (json_int_t)((ri->width + 1) / 2) * ((ri->height + 1) / 2)));
		break;
	case AG_RAW_NONE:
		break;
	}
	if (ri->extra_key != NULL)
		json_object_set_new(j, ri->extra_key, json_integer(ri->extra));
	snprintf(side, sizeof side, "%s.json", ri->file);
	if ((text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL ||
	    (path = ag_path_join(dir, side)) == NULL) {
		ag_error_errno(err, AG_EX_FAIL, ENOMEM, "%s", side);
		goto out;
	}
	{
		/* The NUL becomes the final newline. */
		size_t n = strlen(text);
		text[n] = '\n';
		rc = ag_write_file_atomic(path, text, n + 1, mode, err);
	}
out:
	free(path);
	free(text);
	json_decref(j);
	return rc;
}
