/*
 * outdir.c - agrec-mix's output folder: made if it does not exist, and
 * marked as a finished recording folder when the composite is done.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folder.h"
#include "mix/mix.h"

int
mx_outdir_make(const char *dir, struct ag_error *err)
{
	struct stat st;

	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return ag_error_errno(err, AG_EX_IOERR, errno, "output folder %s", dir);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return ag_error_set(err, AG_EX_IOERR, "output folder %s: not a folder", dir);
	if (access(dir, W_OK) < 0)
		return ag_error_errno(err, AG_EX_IOERR, errno, "output folder %s", dir);
	return 0;
}

int
mx_outdir_mark(const char *dir, const char *channel, struct ag_error *err)
{
	if (ag_metadata_write(dir, channel, err) < 0)
		return -1;
	return ag_folder_mark(dir, AG_FOLDER_FINISHED, 0666, err);
}
