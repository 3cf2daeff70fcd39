/*
 * capture.h - reading capture files with libpcap (the only module that
 * calls libpcap for offline input).
 *
 * Owns opening a pcap or pcapng file (or standard input for "-"), checking
 * its link type, learning its native timestamp precision, and handing
 * every frame to the engine in file order with nanosecond timestamps. A
 * file that ends early or holds a corrupt record is read up to that point
 * and reported as truncated.
 */
#ifndef TLSSCOPE_CAPTURE_H
#define TLSSCOPE_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "run_info.h"
#include "ts_status.h"

/*
 * Read a whole capture into the engine (engine_set_file() is the caller's).
 * TS_OK also when the file was truncated (see info->truncated);
 * TS_MALFORMED if it is not a capture; TS_UNSUPPORTED for a link type
 * decode.c does not know. info->error says what happened, naming the file.
 */
enum ts_status capture_read_file(const char *path, struct engine *e, struct capture_info *info);

/* How often (in frames) capture_control's progress callback is called. */
#define CAPTURE_PROGRESS_FRAMES 8192

/* The caller's hold on a long read: a flag a signal handler sets to end it
 * early (a read blocked on a pipe is ended by the signal's EINTR), and a
 * progress callback (bytes read so far, the file's size or 0 if unknown). */
struct capture_control {
	const volatile sig_atomic_t *stop; /* NULL: read to the end */
	void (*progress)(void *user, uint64_t bytes_read, uint64_t bytes_total, uint64_t frames);
	void *user;
};

/* capture_read_file() under control (NULL: as capture_read_file). When the
 * stop flag ends the read, the frames before it were analysed and
 * info->interrupted is set; the status is TS_OK. */
enum ts_status capture_read_file_controlled(const char *path, struct engine *e, struct capture_info *info,
                                            const struct capture_control *control);

/* The same for a whole capture held in memory (`name` only names it in
 * info->error); the fuzz harnesses and tests read captures this way. */
enum ts_status capture_read_memory(const uint8_t *data, size_t len, const char *name, struct engine *e,
                                   struct capture_info *info);

#endif
