/*
 * capture_live.h - capturing from a network interface with libpcap (the
 * only module that calls libpcap for live input).
 *
 * Owns opening an interface (pcap_create/pcap_activate: immediate mode, a
 * large kernel buffer, nanosecond timestamps where the kernel has them, a
 * BPF filter), telling why that failed in terms a caller can act on, feeding
 * the frames that arrive to the engine, moving the engine's clock on when
 * none do, saving the raw frames to a pcap file, libpcap's drop counters,
 * and listing the interfaces. It prints nothing; the caller decides when to
 * stop (a signal handler only sets a flag: every wait here is bounded).
 */
#ifndef TLSSCOPE_CAPTURE_LIVE_H
#define TLSSCOPE_CAPTURE_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "run_info.h"

/* Kernel ring for one capture: rides out a burst while the analysis is busy.
 * In immediate mode each ring frame holds one packet of the interface's MTU:
 * 32 MiB is ~20000 frames on Ethernet but only ~500 on lo (64 KiB MTU). */
#define LIVE_BUFFER_BYTES (32u << 20)
/* Longest wait for a packet before the engine's clock is moved on. */
#define LIVE_POLL_MS 200
/* A --write file is flushed at least this often, so an interrupted run leaves it readable. */
#define LIVE_WRITE_FLUSH_NS 1000000000LL

enum live_error {
	LIVE_OK = 0,
	LIVE_PERMISSION,  /* no root, CAP_NET_RAW or CAP_NET_ADMIN */
	LIVE_NO_DEVICE,   /* no such interface */
	LIVE_DEVICE_DOWN, /* the interface is not up */
	LIVE_BAD_FILTER,  /* the BPF filter does not compile */
	LIVE_LINK_TYPE,   /* a link type the decoder does not know */
	LIVE_WRITE,       /* the --write file cannot be created or written */
	LIVE_FAILED,      /* anything else libpcap reports */
};

struct live_options {
	const char *interface;  /* "any" for all of them */
	const char *filter;     /* BPF; NULL or "" captures everything */
	int snaplen;            /* 0: 262144, libpcap's default */
	const char *write_path; /* NULL: frames are not saved */
};

struct live_capture;

/* Open and activate. On failure NULL, *why says which kind, err says what
 * libpcap said (naming the interface or quoting the filter). */
struct live_capture *live_open(const struct live_options *opts, enum live_error *why, char *err,
                               size_t errlen);

int live_link_type(const struct live_capture *lc);
const char *live_link_type_name(const struct live_capture *lc);
bool live_nanosecond(const struct live_capture *lc);

/*
 * Wait up to LIVE_POLL_MS for frames and hand at most max_frames of them
 * (0: no limit) to the engine; when none came, move the engine's clock to
 * the wall clock. Returns the number of frames handled, or -1 with err set
 * (the interface went away, the --write file could not be written).
 */
long live_poll(struct live_capture *lc, struct engine *e, uint64_t max_frames, char *err, size_t errlen);

/* Counters so far (libpcap's are read anew). */
void live_counters_get(struct live_capture *lc, struct live_counters *out);

/* Flush and close the --write file; false if writing it failed. */
bool live_close(struct live_capture *lc);

/* Each capturable interface, in libpcap's order. False (err set) if libpcap cannot list them. */
typedef void (*live_iface_fn)(const char *name, const char *description, bool up, bool loopback, void *user);
bool live_list_interfaces(live_iface_fn fn, void *user, char *err, size_t errlen);

/* The libpcap the program runs with, as libpcap names itself ("libpcap version 1.10.3 ..."). */
const char *live_pcap_version(void);

#endif
