/*
 * test_umask.c - the one file-mode rule (umask.h): --umask values, and
 * the atomic writer giving its file mode less the umask, as open(2)
 * does, never the mode it is handed (it once made world-writable
 * sidecars whatever the umask).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "umask.h"

Test(umask, parse)
{
	mode_t m = 01234;

	cr_assert_eq(ag_umask_parse("077", &m), 0);
	cr_assert_eq(m, 077);
	cr_assert_eq(ag_umask_parse("0", &m), 0);
	cr_assert_eq(m, 0);
	cr_assert_eq(ag_umask_parse("0022", &m), 0);
	cr_assert_eq(m, 022);
	cr_assert_eq(ag_umask_parse("777", &m), 0);
	cr_assert_eq(m, 0777);
	m = 01234;
	cr_assert_eq(ag_umask_parse("", &m), -1);
	cr_assert_eq(ag_umask_parse("1000", &m), -1);
	cr_assert_eq(ag_umask_parse("8", &m), -1);
	cr_assert_eq(ag_umask_parse("-1", &m), -1);
	cr_assert_eq(ag_umask_parse(" 22", &m), -1);
	cr_assert_eq(ag_umask_parse("+22", &m), -1);
	cr_assert_eq(ag_umask_parse("22 ", &m), -1);
	cr_assert_eq(ag_umask_parse("0x1f", &m), -1);
	cr_assert_eq(m, 01234, "a bad value leaves the result alone");
}

Test(umask, get_leaves_it)
{
	umask(027);
	cr_assert_eq(ag_umask_get(), 027);
	cr_assert_eq(ag_umask_get(), 027);
}

static mode_t
atomic_mode(mode_t mask, int mode)
{
	char dir[] = "/tmp/agrec-umask-XXXXXX", *p;
	struct ag_error err = { 0 };
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	p = ag_path_join(dir, "f.json");
	umask(mask);
	cr_assert_eq(ag_write_file_atomic(p, "{}\n", 3, mode, &err), 0, "%s", err.msg);
	cr_assert_eq(stat(p, &st), 0);
	unlink(p);
	rmdir(dir);
	free(p);
	return st.st_mode & 07777;
}

Test(umask, atomic_writer_follows_the_umask)
{
	cr_assert_eq(atomic_mode(077, 0666), 0600);
	cr_assert_eq(atomic_mode(022, 0666), 0644);
	cr_assert_eq(atomic_mode(027, 0666), 0640);
	cr_assert_eq(atomic_mode(0, 0666), 0666);
	cr_assert_eq(atomic_mode(022, 0600), 0600, "a narrower mode stays narrow");
}
