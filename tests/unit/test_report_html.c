/*
 * test_report_html.c - the HTML report's escaping, ladder and cap.
 *
 * The browser test (tests/cli/test_html.py) checks the page on real
 * captures; these check what it cannot reach cheaply: every dangerous
 * character, a timeline cut at its limit, and a run with more connections
 * than the page keeps (the worst must still be shown).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report_html.h"
#include "tls_handshake.h"

static char *buf;
static size_t buf_len;

static FILE *mem_open(void)
{
	free(buf);
	buf = NULL;
	return open_memstream(&buf, &buf_len);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_escape(void)
{
	FILE *fp = mem_open();
	html_escape(fp, "a<b>&\"'\x01\x7f\tz\n\xc3\xa9");
	html_escape(fp, NULL);
	fclose(fp);
	CHECK_STR(buf, "a&lt;b&gt;&amp;&quot;&#39;\\x01\\x7f\tz\n\xc3\xa9");
}

static void one_conn(struct conn *c, uint64_t id)
{
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->first_ts_ns = 1772323200LL * 1000000000LL + (int64_t)id * 1000;
	c->last_ts_ns = c->first_ts_ns + 5000000;
	c->side[0].addr.family = 4;
	c->side[0].addr.bytes[12] = 10;
	c->side[0].addr.bytes[15] = 1;
	c->side[0].port = 40000;
	c->side[1].addr.family = 4;
	c->side[1].addr.bytes[12] = 10;
	c->side[1].addr.bytes[15] = 2;
	c->side[1].port = 443;
	c->outcome = OUTCOME_SERVER_ALERT;
}

static void test_ladder(void)
{
	struct conn c;
	one_conn(&c, 1);
	int64_t t = c.first_ts_ns;
	conn_add_event(&c, t, 0, EV_SYN, 0);
	conn_add_event(&c, t + 1000000, 1, EV_SYN_ACK, 0);
	conn_add_event(&c, t + 2000000, 0, EV_HANDSHAKE, TLS_HS_CLIENT_HELLO);
	conn_add_event(&c, t + 3500000, 1, EV_ALERT, 2u << 8 | 40u);
	conn_add_event(&c, t + 4000000, 1, EV_RST, 0);
	c.event_total += 3; /* as if three more had come past CONN_MAX_EVENTS */
	FILE *fp = mem_open();
	html_ladder_svg(fp, &c, NULL);
	fclose(fp);
	CHECK_EQ(count(buf, "<g class=\"ev "), 5);
	CHECK_EQ(count(buf, "<line class=\"lane\""), 2);
	CHECK(strstr(buf, "<g class=\"ev rst\">") != NULL);
	CHECK(strstr(buf, "<g class=\"ev alert\">") != NULL);
	CHECK(strstr(buf, ">alert fatal handshake_failure(40)</text>") != NULL);
	CHECK(strstr(buf, ">+3.5 ms</text>") != NULL);
	CHECK(strstr(buf, "3 more events not kept") != NULL);
	CHECK(strstr(buf, "10.0.0.1:40000") != NULL && strstr(buf, "10.0.0.2:443") != NULL);
}

/* One more connection than the page keeps; the only one with an error comes last and must be shown. */
static void test_cap(void)
{
	struct html_report *h = html_report_new();
	CHECK(h != NULL);
	if (!h)
		return;
	struct conn c;
	struct diagnosis *dg = calloc(1, sizeof(*dg));
	dg->finding_count = 1;
	dg->worst = SEV_ERROR;
	dg->findings[0] = (struct finding){.code = "hostname-mismatch", .severity = SEV_ERROR, .cert = -1};
	snprintf(dg->expected_host, sizeof(dg->expected_host), "<b>shop</b>.example.test");
	for (uint64_t id = 1; id <= HTML_MAX_CONNS + 1; id++) {
		one_conn(&c, id);
		html_report_add(h, &c, id == HTML_MAX_CONNS + 1 ? dg : NULL, NULL);
	}
	FILE *fp = mem_open();
	CHECK(html_report_finish(h, fp, NULL, NULL));
	fclose(fp);
	char want[128];
	/* Every connection has its row (the filter searches them all); details for the worst only. */
	CHECK_EQ(count(buf, "<tr data-id="), HTML_MAX_CONNS + 1);
	CHECK_EQ(count(buf, "<details class=\"conn"), HTML_MAX_CONNS);
	snprintf(want, sizeof(want), "<tr data-id=\"%d\" data-p=\"1\"", HTML_MAX_CONNS + 1);
	CHECK(strstr(buf, want) != NULL);
	snprintf(want, sizeof(want), "</span> of %d match; details of the %d worst", HTML_MAX_CONNS + 1,
	         HTML_MAX_CONNS);
	CHECK(strstr(buf, want) != NULL);
	snprintf(want, sizeof(want), ">%d</text>",
	         HTML_MAX_CONNS + 1); /* the outcome chart counts them all */
	CHECK(strstr(buf, want) != NULL);
	CHECK(strstr(buf, "&lt;b&gt;shop&lt;/b&gt;") != NULL && strstr(buf, "<b>shop") == NULL);
	CHECK(strstr(buf, "</html>\n") != NULL);
	free(dg);
}

static void test_empty(void)
{
	struct html_report *h = html_report_new();
	FILE *fp = mem_open();
	CHECK(html_report_finish(h, fp, NULL, NULL));
	fclose(fp);
	CHECK(strstr(buf, "No connections.") != NULL);
	CHECK_EQ(count(buf, "<tr data-id="), 0);
	CHECK(strncmp(buf, "<!DOCTYPE html>", 15) == 0);
	html_report_discard(NULL);
}

int main(void)
{
	test_escape();
	test_ladder();
	test_cap();
	test_empty();
	free(buf);
	return check_report("report_html");
}
