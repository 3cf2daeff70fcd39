/*
 * cli_metrics.c - the HTTP/1.0 responder of `live --metrics` (see
 * cli_metrics.h).
 */
#include "cli_metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli_number.h"

/* How often the thread looks at the stop flag while nobody connects. */
#define METRICS_POLL_MS 200
/* After refusing an oversized request: how many buffers of its rest are read and dropped. */
#define METRICS_DRAIN_READS 16

struct metrics_server {
	int fd;
	struct metrics *metrics;
	pthread_t thread;
	bool stop;
};

/* PORT, :PORT, A.B.C.D:PORT or [IPv6]:PORT into addr; false with the reason printed. */
static bool parse_listen_address(const char *spec, struct sockaddr_storage *addr, socklen_t *len)
{
	char host[64] = "127.0.0.1";
	const char *port = spec;
	const char *colon = strrchr(spec, ':');
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof(host)) {
			fprintf(stderr, "tlsscope: --metrics %s: write an IPv6 address as [ADDR]:PORT\n",
			        spec);
			return false;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(close - spec - 1), spec + 1);
		port = close + 2;
	} else if (colon) {
		if (colon != spec) {
			if ((size_t)(colon - spec) >= sizeof(host)) {
				fprintf(stderr, "tlsscope: --metrics %s: not a numeric address\n", spec);
				return false;
			}
			snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		}
		port = colon + 1;
	}
	uint64_t p;
	if (!cli_parse_number("--metrics port", port, 1, 65535, &p))
		return false;
	memset(addr, 0, sizeof(*addr));
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		*len = sizeof(*v4);
		if ((ntohl(v4->sin_addr.s_addr) >> 24) != 127)
			fprintf(stderr,
			        "tlsscope: warning: --metrics %s is not a loopback address: anyone who can "
			        "reach it reads the names of your servers\n",
			        host);
		return true;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*v6);
		if (!IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr))
			fprintf(stderr,
			        "tlsscope: warning: --metrics [%s] is not a loopback address: anyone who "
			        "can reach it reads the names of your servers\n",
			        host);
		return true;
	}
	fprintf(stderr, "tlsscope: --metrics %s: '%s' is not a numeric IPv4 or IPv6 address\n", spec, host);
	return false;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return; /* the scraper went away or timed out: nothing to tell it */
		p += w;
		n -= (size_t)w;
	}
}

static void respond(int fd, const char *status, const char *type, const char *body, size_t len)
{
	char head[256];
	int n =
	    snprintf(head, sizeof(head),
	             "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
	             status, type, len);
	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

/* Read the request head (up to the blank line) into buf; its length, or 0 when too large or cut. */
static size_t read_request(int fd, char *buf, size_t cap, bool *too_large)
{
	size_t len = 0;
	*too_large = false;
	while (len < cap - 1) {
		ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
		if (r <= 0)
			return 0;
		len += (size_t)r;
		buf[len] = 0;
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return len;
	}
	*too_large = true;
	return 0;
}

static void respond_text(int fd, const char *status, const char *text)
{
	respond(fd, status, "text/plain; charset=utf-8", text, strlen(text));
}

static void serve_one(struct metrics_server *s, int fd)
{
	char req[METRICS_REQUEST_MAX];
	bool too_large;
	struct timeval tv = {.tv_sec = METRICS_IO_TIMEOUT_S};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (!read_request(fd, req, sizeof(req), &too_large)) {
		if (too_large) {
			respond_text(fd, "431 Request Header Fields Too Large", "request too large\n");
			/* Unread bytes at close would reset the connection and lose the answer: read a
			 * bounded amount more (each read waits METRICS_IO_TIMEOUT_S at most). */
			shutdown(fd, SHUT_WR);
			for (int i = 0; i < METRICS_DRAIN_READS && recv(fd, req, sizeof(req), 0) > 0; i++)
				;
		}
		return;
	}
	size_t line = strcspn(req, "\r\n");
	req[line] = 0;
	if (strncmp(req, "GET ", 4) != 0) {
		respond_text(fd, "405 Method Not Allowed", "only GET /metrics\n");
		return;
	}
	const char *path = req + 4;
	size_t plen = strcspn(path, " ");
	if (!(plen == 8 && !strncmp(path, "/metrics", 8)) && !(plen > 8 && !strncmp(path, "/metrics?", 9))) {
		respond_text(fd, "404 Not Found", "only GET /metrics\n");
		return;
	}
	char *body = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&body, &len);
	bool ok = mem && metrics_write(s->metrics, mem);
	if (mem && fclose(mem) != 0)
		ok = false;
	if (ok)
		respond(fd, "200 OK", METRICS_CONTENT_TYPE, body, len);
	else
		respond_text(fd, "500 Internal Server Error", "out of memory\n");
	free(body);
}

static void *serve(void *arg)
{
	struct metrics_server *s = arg;
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		if (poll(&pfd, 1, METRICS_POLL_MS) <= 0)
			continue;
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			continue;
		serve_one(s, c);
		close(c);
	}
	return NULL;
}

struct metrics_server *metrics_server_start(const char *spec, struct metrics *m)
{
	struct sockaddr_storage addr;
	socklen_t len;
	if (!parse_listen_address(spec, &addr, &len))
		return NULL;
	struct metrics_server *s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "tlsscope: out of memory\n");
		return NULL;
	}
	s->metrics = m;
	s->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s->fd, (struct sockaddr *)&addr, len) != 0 || listen(s->fd, 8) != 0) {
		fprintf(stderr, "tlsscope: --metrics %s: cannot listen: %s\n", spec, strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	if (pthread_create(&s->thread, NULL, serve, s) != 0) {
		fprintf(stderr, "tlsscope: --metrics: cannot start its thread\n");
		close(s->fd);
		free(s);
		return NULL;
	}
	char host[INET6_ADDRSTRLEN];
	const void *ip = addr.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&addr)->sin_addr
	                                           : (const void *)&((struct sockaddr_in6 *)&addr)->sin6_addr;
	unsigned port = ntohs(addr.ss_family == AF_INET ? ((struct sockaddr_in *)&addr)->sin_port
	                                                : ((struct sockaddr_in6 *)&addr)->sin6_port);
	inet_ntop(addr.ss_family, ip, host, sizeof(host));
	fprintf(stderr,
	        addr.ss_family == AF_INET ? "tlsscope: metrics on http://%s:%u/metrics\n"
	                                  : "tlsscope: metrics on http://[%s]:%u/metrics\n",
	        host, port);
	return s;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	__atomic_store_n(&s->stop, true, __ATOMIC_RELAXED);
	pthread_join(s->thread, NULL);
	close(s->fd);
	free(s);
}
