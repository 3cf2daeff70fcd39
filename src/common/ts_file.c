/*
 * ts_file.c - argument files read, output files written (see ts_file.h).
 */
#define _GNU_SOURCE /* mkostemp */
#include "ts_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m)                 ? "a directory"
	       : S_ISFIFO(m)              ? "a FIFO"
	       : S_ISSOCK(m)              ? "a socket"
	       : S_ISCHR(m) || S_ISBLK(m) ? "a device"
	       : S_ISLNK(m)               ? "a symbolic link"
	                                  : "not a regular file";
}

FILE *ts_file_open_regular(const char *path, char *err, size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer before fstat says what it is. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not read: it is %s (only a regular file is read)", path,
		         kind_of(st.st_mode));
		close(fd);
		return NULL;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	FILE *fp = fdopen(fd, "r");
	if (!fp) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
	}
	return fp;
}

bool ts_file_create(struct ts_file_out *o, const char *path, char *err, size_t errlen)
{
	struct stat st;
	memset(o, 0, sizeof(*o));
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not written: it is %s, not a regular file", path,
		         kind_of(st.st_mode));
		return false;
	}
	size_t n = strlen(path) + sizeof(".tmp-XXXXXX");
	o->path = strdup(path);
	o->tmp = malloc(n);
	if (!o->path || !o->tmp) {
		snprintf(err, errlen, "%s: out of memory", path);
		ts_file_abandon(o);
		return false;
	}
	snprintf(o->tmp, n, "%s.tmp-XXXXXX", path);
	/* mkstemp opens with O_CREAT|O_EXCL: it never opens what is already there. */
	int fd = mkostemp(o->tmp, O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		ts_file_abandon(o);
		return false;
	}
	/* mkstemp makes 0600; an output file gets the usual mode under the umask. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	o->fp = fdopen(fd, "w");
	if (!o->fp) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		close(fd);
		ts_file_abandon(o);
		return false;
	}
	return true;
}

bool ts_file_commit(struct ts_file_out *o, char *err, size_t errlen)
{
	bool ok = o->fp && !ferror(o->fp);
	int why = 0;
	if (o->fp && fclose(o->fp) != 0)
		ok = false, why = errno;
	o->fp = NULL;
	if (ok && rename(o->tmp, o->path) != 0)
		ok = false, why = errno;
	if (!ok)
		snprintf(err, errlen, "%s: writing failed: %s", o->path ? o->path : "?",
		         why ? strerror(why) : "write error");
	else {
		free(o->tmp); /* renamed: nothing to remove */
		o->tmp = NULL;
	}
	ts_file_abandon(o);
	return ok;
}

void ts_file_abandon(struct ts_file_out *o)
{
	if (o->fp)
		fclose(o->fp);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

bool ts_file_same(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
