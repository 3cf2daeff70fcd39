/*
 * capture_live.c - live capture from an interface through libpcap (see
 * capture_live.h).
 */
#include "capture_live.h"

#include <errno.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "ts_time.h"

/* libpcap's default snap length: whole packets, TSO super-frames included. */
#define LIVE_DEFAULT_SNAPLEN 262144

struct live_capture {
	pcap_t *pc;
	pcap_dumper_t *dumper;
	int dlt;
	bool nano;
	int fd;                /* -1: libpcap cannot be polled, only read with its timeout */
	struct engine *engine; /* during live_poll */
	bool write_dirty;
	int64_t last_flush_ns;
	struct live_counters counters;
	/* pcap_stats() counters are 32 bits and wrap within days: summed by difference. */
	unsigned last_recv, last_drop, last_ifdrop;
};

static int64_t wall_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static enum live_error activate_error(int rc)
{
	switch (rc) {
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return LIVE_PERMISSION;
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return LIVE_NO_DEVICE;
	case PCAP_ERROR_IFACE_NOT_UP:
		return LIVE_DEVICE_DOWN;
	default:
		return LIVE_FAILED;
	}
}

static struct live_capture *open_failed(struct live_capture *lc, enum live_error kind, enum live_error *why)
{
	*why = kind;
	if (lc->pc)
		pcap_close(lc->pc);
	free(lc);
	return NULL;
}

/* Everything pcap_activate() must know is set before it; the filter after it. */
struct live_capture *live_open(const struct live_options *opts, enum live_error *why, char *err,
                               size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct live_capture *lc = calloc(1, sizeof(*lc));
	if (!lc) {
		snprintf(err, errlen, "out of memory");
		*why = LIVE_FAILED;
		return NULL;
	}
	lc->fd = -1;
	lc->pc = pcap_create(opts->interface, errbuf);
	if (!lc->pc) {
		snprintf(err, errlen, "%s", errbuf);
		return open_failed(lc, LIVE_FAILED, why);
	}
	pcap_set_snaplen(lc->pc, opts->snaplen > 0 ? opts->snaplen : LIVE_DEFAULT_SNAPLEN);
	pcap_set_promisc(lc->pc, 1);        /* a sensor on a tap or span port sees other hosts' traffic */
	pcap_set_immediate_mode(lc->pc, 1); /* a record should not wait for a kernel block to fill */
	pcap_set_buffer_size(lc->pc, (int)LIVE_BUFFER_BYTES);
	pcap_set_timeout(lc->pc, LIVE_POLL_MS);
	pcap_set_tstamp_precision(lc->pc,
	                          PCAP_TSTAMP_PRECISION_NANO); /* refused where unsupported: µs then */
	int rc = pcap_activate(lc->pc);
	if (rc < 0) {
		const char *msg = pcap_geterr(lc->pc);
		snprintf(err, errlen, "%s", msg && *msg ? msg : pcap_statustostr(rc));
		return open_failed(lc, activate_error(rc), why);
	}
	lc->nano = pcap_get_tstamp_precision(lc->pc) == PCAP_TSTAMP_PRECISION_NANO;
	lc->dlt = pcap_datalink(lc->pc);
	if (!decode_link_supported(lc->dlt)) {
		const char *name = pcap_datalink_val_to_name(lc->dlt);
		snprintf(err, errlen, "link type %d (%s) is not supported", lc->dlt, name ? name : "unknown");
		return open_failed(lc, LIVE_LINK_TYPE, why);
	}
	if (opts->filter && *opts->filter) {
		struct bpf_program prog;
		if (pcap_compile(lc->pc, &prog, opts->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "%s", pcap_geterr(lc->pc));
			return open_failed(lc, LIVE_BAD_FILTER, why);
		}
		rc = pcap_setfilter(lc->pc, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			snprintf(err, errlen, "%s", pcap_geterr(lc->pc));
			return open_failed(lc, LIVE_BAD_FILTER, why);
		}
	}
	/* Non-blocking reads only where poll() can wait for packets; elsewhere
	 * the read itself waits (for the timeout above), so the loop never spins. */
	lc->fd = pcap_get_selectable_fd(lc->pc);
	if (lc->fd >= 0 && pcap_setnonblock(lc->pc, 1, errbuf) != 0)
		lc->fd = -1;
	if (opts->write_path) {
		lc->dumper = pcap_dump_open(lc->pc, opts->write_path);
		if (!lc->dumper) {
			snprintf(err, errlen, "%s", pcap_geterr(lc->pc));
			return open_failed(lc, LIVE_WRITE, why);
		}
	}
	lc->last_flush_ns = wall_clock_ns();
	*why = LIVE_OK;
	return lc;
}

int live_link_type(const struct live_capture *lc)
{
	return lc->dlt;
}

const char *live_link_type_name(const struct live_capture *lc)
{
	const char *name = pcap_datalink_val_to_name(lc->dlt);
	return name ? name : "unknown";
}

bool live_nanosecond(const struct live_capture *lc)
{
	return lc->nano;
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct live_capture *lc = (struct live_capture *)user;
	int64_t ts = ts_time_from_parts(h->ts.tv_sec, h->ts.tv_usec, lc->nano ? 1 : 1000);
	if (ts != TS_TIME_INVALID) {
		if (!lc->counters.timed_frames++)
			lc->counters.first_ts_ns = ts;
		lc->counters.last_ts_ns = ts;
	}
	lc->counters.frames++;
	if (lc->dumper) {
		pcap_dump((u_char *)lc->dumper, h, data);
		lc->write_dirty = true;
	}
	engine_frame(lc->engine, lc->dlt, ts, data, h->caplen, h->len);
}

long live_poll(struct live_capture *lc, struct engine *e, uint64_t max_frames, char *err, size_t errlen)
{
	if (lc->fd >= 0) {
		struct pollfd pfd = {.fd = lc->fd, .events = POLLIN};
		(void)poll(&pfd, 1, LIVE_POLL_MS); /* EINTR: a signal, the caller looks at its flag */
	}
	/* Without a pollable descriptor the read itself waits, for the timeout set at open. */
	int cnt = max_frames == 0 || max_frames > INT_MAX ? -1 : (int)max_frames;
	lc->engine = e;
	int n = pcap_dispatch(lc->pc, cnt, on_frame, (u_char *)lc);
	lc->engine = NULL;
	if (n < 0) {
		snprintf(err, errlen, "%s", n == PCAP_ERROR ? pcap_geterr(lc->pc) : "capture stopped");
		return -1;
	}
	int64_t now = wall_clock_ns();
	/* The ring was empty: nothing older is on its way, so capture time is now. */
	if (n == 0)
		engine_advance_time(e, now);
	if (lc->write_dirty && (n == 0 || now - lc->last_flush_ns >= LIVE_WRITE_FLUSH_NS)) {
		lc->write_dirty = false;
		lc->last_flush_ns = now;
		if (pcap_dump_flush(lc->dumper) != 0) {
			snprintf(err, errlen, "writing the capture file failed: %s", strerror(errno));
			return -1;
		}
	}
	return n;
}

void live_counters_get(struct live_capture *lc, struct live_counters *out)
{
	struct pcap_stat ps;
	if (pcap_stats(lc->pc, &ps) == 0) {
		lc->counters.received += (unsigned)(ps.ps_recv - lc->last_recv);
		lc->counters.dropped_by_kernel += (unsigned)(ps.ps_drop - lc->last_drop);
		lc->counters.dropped_by_interface += (unsigned)(ps.ps_ifdrop - lc->last_ifdrop);
		lc->last_recv = ps.ps_recv;
		lc->last_drop = ps.ps_drop;
		lc->last_ifdrop = ps.ps_ifdrop;
	}
	*out = lc->counters;
}

bool live_close(struct live_capture *lc)
{
	bool ok = true;
	if (!lc)
		return true;
	if (lc->dumper) {
		ok = pcap_dump_flush(lc->dumper) == 0 && !ferror(pcap_dump_file(lc->dumper));
		pcap_dump_close(lc->dumper);
	}
	pcap_close(lc->pc);
	free(lc);
	return ok;
}

bool live_list_interfaces(live_iface_fn fn, void *user, char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *devs = NULL;
	if (pcap_findalldevs(&devs, errbuf) != 0) {
		snprintf(err, errlen, "%s", errbuf);
		return false;
	}
	for (pcap_if_t *d = devs; d; d = d->next)
		fn(d->name, d->description, (d->flags & PCAP_IF_UP) != 0, (d->flags & PCAP_IF_LOOPBACK) != 0,
		   user);
	pcap_freealldevs(devs);
	return true;
}

const char *live_pcap_version(void)
{
	return pcap_lib_version();
}
