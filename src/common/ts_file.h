/*
 * ts_file.h - files named by a user that tlsscope reads or writes: argument
 * files (rules, key logs) only when they are regular files, and written files
 * that never follow a symbolic link left where they go.
 *
 * A file is written as a temporary beside its name (created with O_EXCL and
 * O_NOFOLLOW, so nothing existing is opened) and renamed onto the name when
 * complete: a symlink planted at the name is refused, never followed, and a
 * reader never sees half a file.
 */
#ifndef TLSSCOPE_TS_FILE_H
#define TLSSCOPE_TS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Open path for reading if it is a regular file; a directory, FIFO, socket
 * or device is refused without blocking. NULL with the reason in err. */
FILE *ts_file_open_regular(const char *path, char *err, size_t errlen);

struct ts_file_out {
	FILE *fp;   /* write here */
	char *path; /* the name it gets */
	char *tmp;  /* the temporary it is until then */
};

/* Start writing path. Refused (false, reason in err) when path exists and is
 * not a regular file: a symlink, dangling or not, is left as it is. */
bool ts_file_create(struct ts_file_out *o, const char *path, char *err, size_t errlen);

/* Close and rename the temporary onto the name; false (temporary removed,
 * reason in err) if writing, closing or the rename failed. */
bool ts_file_commit(struct ts_file_out *o, char *err, size_t errlen);

/* Close and remove the temporary (nothing is written); safe to call twice. */
void ts_file_abandon(struct ts_file_out *o);

/* a and b are one existing file (device and inode: through symlinks and hard links). */
bool ts_file_same(const char *a, const char *b);

#endif
