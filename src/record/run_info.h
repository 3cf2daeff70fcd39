/*
 * run_info.h - what each input of the run gave: per capture file (struct
 * capture_info) and per live interface (struct live_counters).
 *
 * The capture stage fills them (capture_read_file, live_counters_get); the
 * outputs read them and nothing else of capture, so an output needs neither
 * libpcap's nor the engine's headers.
 */
#ifndef TLSSCOPE_RUN_INFO_H
#define TLSSCOPE_RUN_INFO_H

#include <stdbool.h>
#include <stdint.h>

struct capture_info {
	int dlt;           /* libpcap DLT_* link type */
	char dlt_name[32]; /* libpcap's name for it */
	bool nanosecond;   /* the file stores nanosecond timestamps */
	uint64_t frames;
	uint64_t timed_frames;           /* of which had a timestamp in range (ts_time.h) */
	int64_t first_ts_ns, last_ts_ns; /* first and last of those; 0 if none */
	bool truncated;                  /* reading stopped at a damaged or cut record */
	bool interrupted;                /* reading stopped because control->stop was set */
	char error[1024];                /* why the file could not be used, or why it stopped */
};

/* libpcap's counters (pcap_stats): what the kernel handed over or dropped. */
struct live_counters {
	uint64_t received;               /* packets the filter passed (ps_recv) */
	uint64_t dropped_by_kernel;      /* no room in the buffer (ps_drop) */
	uint64_t dropped_by_interface;   /* dropped by the interface or its driver (ps_ifdrop) */
	uint64_t frames;                 /* frames handed to the engine */
	uint64_t timed_frames;           /* of which had a timestamp in range (ts_time.h) */
	int64_t first_ts_ns, last_ts_ns; /* first and last of those */
	/* Not libpcap's: records tlsscope live dropped because its output was
	 * not read (set by the command; 0 here). */
	uint64_t records_dropped;
};

#endif
