/*
 * capture.c - offline capture input through libpcap.
 */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"

#define CAPTURE_READ_BUFFER (1u << 20)

static uint32_t get32(const uint8_t *p, bool big)
{
	return big ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]
	           : ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

/*
 * Native timestamp precision from the file header: the pcap magic
 * 0xa1b23c4d means nanoseconds; in pcapng the first Interface Description
 * Block's if_tsresol option (code 9) gives it (RFC-draft pcapng 4.2).
 * libpcap hands out nanoseconds either way; this only decides how many
 * digits the outputs print.
 */
static bool file_is_nanosecond(const char *path)
{
	uint8_t b[512];
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	size_t n = fread(b, 1, sizeof(b), fp);
	fclose(fp);
	if (n < 4)
		return false;
	uint32_t magic = get32(b, true);
	if (magic == 0xa1b23c4d || magic == 0x4d3cb2a1)
		return true;
	if (magic != 0x0a0d0d0a || n < 12)
		return false;
	bool big = get32(b + 8, true) == 0x1a2b3c4d;
	size_t off = get32(b + 4, big); /* skip the Section Header Block */
	if (off < 12 || off + 20 > n || get32(b + off, big) != 1)
		return false;
	size_t end = off + get32(b + off + 4, big);
	if (end > n)
		end = n;
	for (size_t o = off + 16; o + 4 <= end;) {
		unsigned code = big ? (unsigned)(b[o] << 8 | b[o + 1]) : (unsigned)(b[o + 1] << 8 | b[o]);
		unsigned len =
		    big ? (unsigned)(b[o + 2] << 8 | b[o + 3]) : (unsigned)(b[o + 3] << 8 | b[o + 2]);
		if (code == 0)
			break;
		if (code == 9 && len >= 1 && o + 5 <= end) {
			uint8_t v = b[o + 4];
			return (v & 0x80) ? (v & 0x7f) >= 30 : v >= 7;
		}
		o += 4 + ((len + 3u) & ~3u);
	}
	return false;
}

enum ts_status capture_read_file(const char *path, struct engine *e, struct capture_info *info)
{
	return capture_read_file_controlled(path, e, info, NULL);
}

static bool stop_requested(const struct capture_control *control)
{
	return control && control->stop && *control->stop;
}

static uint64_t file_size(FILE *fp)
{
	struct stat st;
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0)
		return 0;
	return (uint64_t)st.st_size;
}

static void report_progress(const struct capture_control *control, FILE *fp, uint64_t total,
                            uint64_t frames)
{
	if (!control || !control->progress)
		return;
	off_t at = ftello(fp);
	control->progress(control->user, at > 0 ? (uint64_t)at : 0, total, frames);
}

enum ts_status capture_read_file_controlled(const char *path, struct engine *e, struct capture_info *info,
                                            const struct capture_control *control)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	memset(info, 0, sizeof(*info));
	/* Our own FILE with a large buffer: libpcap's default stdio buffer
	 * costs a read() system call every 4 KiB. */
	bool is_stdin = strcmp(path, "-") == 0;
	FILE *fp = is_stdin ? stdin : fopen(path, "rb");
	if (!fp) {
		snprintf(info->error, sizeof(info->error), "%s: cannot open: %s", path, strerror(errno));
		return TS_MALFORMED;
	}
	char *iobuf = malloc(CAPTURE_READ_BUFFER); /* glibc ignores the size unless given the buffer */
	if (iobuf)
		setvbuf(fp, iobuf, _IOFBF, CAPTURE_READ_BUFFER);
	pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pc) {
		if (!is_stdin)
			fclose(fp);
		free(iobuf);
		snprintf(info->error, sizeof(info->error), "%s: not a readable pcap or pcapng capture (%s)",
		         path, errbuf);
		return TS_MALFORMED;
	}
	info->dlt = pcap_datalink(pc);
	const char *name = pcap_datalink_val_to_name(info->dlt);
	snprintf(info->dlt_name, sizeof(info->dlt_name), "%s", name ? name : "unknown");
	if (!decode_link_supported(info->dlt)) {
		const char *desc = pcap_datalink_val_to_description(info->dlt);
		snprintf(info->error, sizeof(info->error), "%s: unsupported link type %d (%s%s%s)", path,
		         info->dlt, info->dlt_name, desc ? ", " : "", desc ? desc : "");
		pcap_close(pc);
		free(iobuf);
		return TS_UNSUPPORTED;
	}
	info->nanosecond = strcmp(path, "-") != 0 && file_is_nanosecond(path);

	uint64_t total = file_size(fp);
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = 0;
	while (!stop_requested(control) && (rc = pcap_next_ex(pc, &h, &data)) == 1) {
		int64_t ts = (int64_t)h->ts.tv_sec * 1000000000LL + h->ts.tv_usec;
		if (!info->frames)
			info->first_ts_ns = ts;
		info->last_ts_ns = ts;
		info->frames++;
		engine_frame(e, info->dlt, ts, data, h->caplen, h->len);
		if (info->frames % CAPTURE_PROGRESS_FRAMES == 0)
			report_progress(control, fp, total, info->frames);
	}
	if (stop_requested(control)) {
		/* A signal, seen between frames or as the EINTR of a blocked read. */
		info->interrupted = true;
		snprintf(info->error, sizeof(info->error), "%s: reading interrupted after %llu frames",
		         path, (unsigned long long)info->frames);
	} else if (rc == PCAP_ERROR) {
		info->truncated = true;
		snprintf(info->error, sizeof(info->error),
		         "%s: capture damaged or cut after %llu frames (%s)", path,
		         (unsigned long long)info->frames, pcap_geterr(pc));
	}
	pcap_close(pc);
	free(iobuf);
	return TS_OK;
}
