/*
 * ts_status.h - the status every library function returns.
 *
 * Library code never prints and never exits: it returns one of these and
 * counts what it skipped. Only the CLI turns a status into a message.
 */
#ifndef TLSSCOPE_STATUS_H
#define TLSSCOPE_STATUS_H

enum ts_status {
	TS_OK = 0,
	TS_NEED_MORE,  /* not enough bytes yet: call again with more */
	TS_MALFORMED,  /* the bytes contradict the format */
	TS_LIMIT,      /* a configured limit was reached; the input was cut */
	TS_NOMEM,      /* allocation failed */
	TS_UNSUPPORTED /* valid input we do not handle (e.g. a link type) */
};

const char *ts_status_name(enum ts_status s);

#endif
