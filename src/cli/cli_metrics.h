/*
 * cli_metrics.h - `live --metrics ADDR:PORT`: a small HTTP/1.0 responder on
 * its own thread that serves the run's counters (report_metrics.h) at
 * GET /metrics to one client at a time.
 *
 * Bounded: a request is read for at most METRICS_REQUEST_MAX bytes and
 * METRICS_IO_TIMEOUT_S seconds, then answered and closed; anything but
 * GET /metrics gets 404, 405 or 400. The address is numeric; PORT or :PORT
 * alone means 127.0.0.1, and an address that is not loopback is served only
 * when written out (with a warning: the counters name the servers).
 */
#ifndef TLSSCOPE_CLI_METRICS_H
#define TLSSCOPE_CLI_METRICS_H

#include "report_metrics.h"

/* A request line and headers of a Prometheus scraper or curl fit many times over. */
#define METRICS_REQUEST_MAX 4096
#define METRICS_IO_TIMEOUT_S 2

struct metrics_server;

/* Listen on spec and start the thread; NULL with the reason printed. Call with the stop signals blocked. */
struct metrics_server *metrics_server_start(const char *spec, struct metrics *m);
/* Stop the thread and close the socket. NULL is fine. */
void metrics_server_stop(struct metrics_server *s);

#endif
