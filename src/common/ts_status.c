/* ts_status.c - names for library status codes. */
#include "ts_status.h"

const char *ts_status_name(enum ts_status s)
{
	switch (s) {
	case TS_OK:
		return "ok";
	case TS_NEED_MORE:
		return "need_more";
	case TS_MALFORMED:
		return "malformed";
	case TS_LIMIT:
		return "limit";
	case TS_NOMEM:
		return "nomem";
	case TS_UNSUPPORTED:
		return "unsupported";
	}
	return "unknown";
}
