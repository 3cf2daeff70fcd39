/*
 * report_html.c - the HTML report (report_html.h): page frame and style,
 * summary charts, the connection table, and per connection the ladder,
 * chain cards and findings. Every string that came from the wire or from a
 * certificate goes through html_escape(); the page's Content-Security-Policy
 * forbids fetching anything, so even a missed escape cannot load a resource.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_html.h"
#include "report_rollup.h"
#include "report_text.h"
#include "run_summary.h"
#include "ts_utf8.h"
#include "tls_names.h"

#define HTML_STRINGIFY_(x) #x
#define HTML_STRINGIFY(x) HTML_STRINGIFY_(x)

#ifndef TLSSCOPE_VERSION
#define TLSSCOPE_VERSION "unknown"
#endif

/* ------------------------------------------------------------ text helpers */

void html_escape(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default: {
			uint32_t cp;
			/* A C1 control, bidi override or invalid UTF-8 is shown as its bytes, as the text
			 * report does. */
			size_t k = ch >= 0x80 ? ts_utf8_sequence((const uint8_t *)s, strlen(s), &cp) : 0;
			if (k && !ts_utf8_invisible(cp)) {
				fwrite(s, 1, k, fp);
				s += k - 1;
			} else if (ch >= 0x80 || (ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f) {
				fprintf(fp, "\\x%02x", ch);
			} else {
				fputc(ch, fp);
			}
		}
		}
	}
}

/* Wire bytes (SNI, ALPN) as escaped text. */
static void wire_escape(FILE *fp, const uint8_t *b, size_t n)
{
	char tmp[4 * TLS_MAX_NAME_LEN + 8];
	conn_wire_text(b, n, tmp, sizeof(tmp));
	html_escape(fp, tmp);
}

static void endpoint_text(const struct conn_side *s, char *buf, size_t n)
{
	char ip[64];
	ts_addr_format(&s->addr, ip, sizeof(ip));
	snprintf(buf, n, s->addr.family == 6 ? "[%s]:%u" : "%s:%u", ip, s->port);
}

/* "2026-03-01 00:00:00.013" (UTC, milliseconds); the date part is dropped when short. */
static void clock_text(int64_t ts_ns, bool with_date, char *buf, size_t n)
{
	time_t t = (time_t)(ts_ns / 1000000000LL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, n, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm)) {
		snprintf(buf, n, "?");
		return;
	}
	size_t k = strlen(buf);
	snprintf(buf + k, n - k, ".%03lld", (long long)(ts_ns % 1000000000LL) / 1000000);
}

static const char *sev_class(int sev)
{
	static const char *const names[SEV_COUNT] = {"info", "warning", "error", "critical"};
	return sev >= 0 && sev < SEV_COUNT ? names[sev] : "none";
}

/* Outcome colours: green only for a finished handshake, reds for refusals, greys when unknown. */
static const char *const outcome_colors[OUTCOME_COUNT] = {
    [OUTCOME_ESTABLISHED] = "#16a34a",
    [OUTCOME_SERVER_RESET_AFTER_CLIENT_HELLO] = "#7f1d1d",
    [OUTCOME_SERVER_CLOSED_AFTER_CLIENT_HELLO] = "#ea580c",
    [OUTCOME_SERVER_ALERT] = "#dc2626",
    [OUTCOME_CLIENT_ALERT] = "#e11d48",
    [OUTCOME_CLIENT_CLOSED_AFTER_HANDSHAKE] = "#d97706",
    [OUTCOME_INCOMPLETE] = "#64748b",
    [OUTCOME_NOT_TLS] = "#a8b3c2",
};

static const char *outcome_color(enum conn_outcome o)
{
	return (unsigned)o < OUTCOME_COUNT ? outcome_colors[o] : "#a8b3c2";
}

/* Where the expected host came from, for people. */
static const char *source_text(enum expected_source s)
{
	switch (s) {
	case EXPECT_RULE:
		return "from --expect";
	case EXPECT_SNI:
		return "from the SNI";
	case EXPECT_SERVER_IP:
		return "the server's address: no SNI";
	case EXPECT_CONNECT:
		return "from the proxy CONNECT line";
	case EXPECT_STARTTLS:
		return "from the XMPP stream header";
	default:
		return "";
	}
}

static void sev_badge(FILE *fp, int sev)
{
	fprintf(fp, "<span class=\"badge %s\">%s</span>", sev_class(sev), sev_class(sev));
}

/* ------------------------------------------------------------ page frame */

static const char page_css[] =
    ":root{color-scheme:light dark;--bg:#f5f6f8;--fg:#1c2128;--muted:#5d6673;--card:#fff;--line:#d8dde4;"
    "--soft:#eef1f5;--accent:#2459d6;--ok:#15803d;--okbg:#dcfce7;--info:#0e7490;--warning:#b45309;"
    "--error:#dc2626;--critical:#7f1d1d;--badbg:#fee2e2;--nearbg:#fef3c7}"
    "@media (prefers-color-scheme:dark){:root{--bg:#0f1318;--fg:#e4e7eb;--muted:#9aa4b1;--card:#171c23;"
    "--line:#2d3541;--soft:#1f2630;--accent:#7aa2ff;--ok:#4ade80;--okbg:#143322;--badbg:#3d1717;--nearbg:#"
    "3a2c0b}}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,'Helvetica Neue',Arial,sans-serif}"
    "main{max-width:1240px;margin:0 auto;padding:20px 20px 8px}"
    "h1{font-size:1.5rem;margin:0 0 2px}h2{font-size:1.15rem;margin:26px 0 10px}"
    "h3{font-size:.95rem;margin:14px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}"
    "a{color:var(--accent)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
    "font-size:.88em}"
    ".sub{color:var(--muted);margin:0 0 14px}"
    ".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}"
    ".tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px}"
    ".tile b{display:block;font-size:1.6rem;line-height:1.2}.tile span{color:var(--muted);font-size:.85rem}"
    ".tile.bad b{color:var(--error)}"
    ".charts{display:grid;grid-template-columns:minmax(0,1fr);gap:12px;margin-top:12px}"
    "@media (min-width:800px){.charts{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}"
    ".charts{grid-template-rows:auto 1fr}.charts .tall{grid-column:2;grid-row:1/span 2}}"
    ".panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px;"
    "min-width:0}"
    ".panel h3{margin-top:2px}svg{display:block;max-width:100%;height:auto}"
    "svg text{fill:var(--fg);font-family:inherit}svg .muted{fill:var(--muted)}"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:.8rem;color:var(--muted);margin-top:6px}"
    ".dot{display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:5px;vertical-align:-1px}"
    ".controls{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:8px 0}"
    ".controls input[type=search]{flex:1 1 260px;max-width:420px;padding:7px 10px;border:1px solid "
    "var(--line);"
    "border-radius:8px;background:var(--card);color:var(--fg);font:inherit}"
    ".controls label{white-space:nowrap}.count{color:var(--muted);font-size:.9rem}"
    ".scroll{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:10px}"
    "table{border-collapse:collapse;width:100%;font-size:.87rem}"
    "th,td{padding:6px 8px;text-align:left;white-space:nowrap;border-bottom:1px solid var(--line)}"
    "th{position:relative;cursor:pointer;user-select:none;background:var(--soft);font-weight:600}"
    "th:after{content:'\\2195';color:var(--muted);margin-left:4px;font-size:.8em}"
    "th[aria-sort=ascending]:after{content:'\\25B2';color:var(--fg)}"
    "th[aria-sort=descending]:after{content:'\\25BC';color:var(--fg)}"
    "tbody tr{cursor:pointer}tbody tr:hover{background:var(--soft)}tr:last-child td{border-bottom:0}"
    "td.worst{white-space:normal;min-width:170px}td.sni{max-width:210px;overflow:hidden;text-overflow:"
    "ellipsis}.none{color:var(--muted)}"
    ".badge{display:inline-block;padding:1px 7px;border-radius:999px;font-size:.75rem;font-weight:600;"
    "color:#fff;background:var(--muted);vertical-align:1px}"
    ".badge.info{background:var(--info)}.badge.warning{background:var(--warning)}"
    ".badge.error{background:var(--error)}.badge.critical{background:var(--critical)}"
    ".badge.ok{background:#15803d}.badge.plain{background:var(--soft);color:var(--fg);"
    "border:1px solid var(--line)}"
    "details.conn{content-visibility:auto;contain-intrinsic-size:auto 48px;background:var(--card);border:1px "
    "solid var(--line);border-left:5px solid var(--line);"
    "border-radius:10px;margin:10px 0;scroll-margin-top:10px}"
    "details.conn.warning{border-left-color:var(--warning)}details.conn.error{border-left-color:var(--error)}"
    "details.conn.critical{border-left-color:var(--critical)}details.conn.info{border-left-color:var(--info)}"
    "details.conn>summary{padding:10px 14px;cursor:pointer;display:flex;flex-wrap:wrap;gap:4px 10px;"
    "align-items:center}"
    "details.conn>summary b{font-weight:600;min-width:0;overflow-wrap:anywhere}.body{padding:0 14px 14px}"
    ".facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(290px,1fr));gap:2px 18px;margin:0}"
    ".facts div{display:flex;gap:6px;min-width:0}.facts dt{color:var(--muted);min-width:80px}"
    ".facts code{font-size:.82em}"
    ".facts dd{margin:0;overflow-wrap:anywhere}"
    ".cols{display:grid;grid-template-columns:minmax(0,1fr);gap:4px 22px}"
    "@media (min-width:1000px){.cols{grid-template-columns:minmax(0,1.05fr) minmax(0,1fr)}}"
    ".ladder{overflow-x:auto}.ladder svg{min-width:360px}"
    ".ladder .lane{stroke:var(--line);stroke-width:2}.ladder .lanehead{font-weight:600}"
    ".ladder .ev line{stroke:var(--accent);stroke-width:1.6}.ladder .ev polygon{fill:var(--accent)}"
    ".ladder .ev.tcp line{stroke:var(--muted)}.ladder .ev.tcp polygon{fill:var(--muted)}"
    ".ladder .ev.enc line{stroke-dasharray:5 4}"
    ".ladder .ev.alert line{stroke:var(--error);stroke-width:2.2}.ladder .ev.alert polygon{fill:var(--error)}"
    ".ladder .ev.alert text.l{fill:var(--error);font-weight:600}"
    ".ladder .ev.rst line{stroke:var(--critical);stroke-width:2.4}.ladder .ev.rst "
    "polygon{fill:var(--critical)}"
    ".ladder .ev.rst text.l{fill:var(--error);font-weight:700}"
    ".findings{list-style:none;padding:0;margin:0}"
    ".findings li{border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:6px 0}"
    ".findings .fix{margin-top:4px;color:var(--muted)}.findings .fix b{color:var(--fg)}"
    "table.clients{font-size:.85rem;margin-top:6px}table.clients td{white-space:normal;vertical-align:top}"
    "table.clients td:first-child{font-weight:600}table.clients th{cursor:default}"
    "table.clients th:after{content:none}"
    ".verdict{padding:6px 10px;border-radius:8px;margin:4px 0 8px}.verdict.ok{background:var(--okbg)}"
    ".verdict.bad{background:var(--badbg)}"
    ".cert{border:1px solid var(--line);border-radius:10px;padding:8px 12px;margin:8px "
    "0;background:var(--card)}"
    ".cert.bad{border-color:var(--error)}.cert .head{display:flex;flex-wrap:wrap;gap:6px;align-items:center;"
    "margin-bottom:4px}.cert dl{margin:0;display:grid;grid-template-columns:max-content minmax(0,1fr);"
    "gap:2px 10px;font-size:.88rem}.cert dt{color:var(--muted)}.cert dd{margin:0;overflow-wrap:anywhere}"
    ".chip{display:inline-block;padding:0 7px;margin:1px 3px 1px 0;border-radius:6px;border:1px solid "
    "var(--line);"
    "background:var(--soft);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:."
    "82rem;"
    "overflow-wrap:anywhere}"
    ".chip.match{background:var(--okbg);border-color:var(--ok)}.chip.near{background:var(--nearbg);"
    "border-color:var(--warning)}.chip.want{background:var(--badbg);border-color:var(--error);font-weight:"
    "600}"
    ".host{padding:6px 10px;border-radius:8px;margin:4px 0 "
    "6px;font-size:.9rem}.host.ok{background:var(--okbg)}"
    ".host.bad{background:var(--badbg)}.host.warn{background:var(--nearbg)}"
    ".note{color:var(--muted);font-size:.9rem}"
    "footer{max-width:1240px;margin:24px auto;padding:12px 20px;color:var(--muted);font-size:.85rem;"
    "border-top:1px solid var(--line)}"
    "nav.jump{font-size:.9rem;margin:-8px 0 12px}nav.jump a{margin-right:14px}"
    "@media (max-width:600px){main{padding:12px 10px}h1{font-size:1.25rem}"
    ".tiles{grid-template-columns:repeat(3,minmax(0,1fr));gap:6px}.tile{padding:6px 8px}"
    ".tile b{font-size:1.2rem}.tile span{font-size:.72rem;display:block;line-height:1.25}"
    ".charts{grid-template-columns:minmax(0,1fr)}.body{padding:0 10px 10px}}";

/* Sorting (numbers by data-v), filtering (every word must occur), problems only, and opening a linked
 * connection. Rows carry their search text in data-f (finding codes are not visible text). */
static const char page_js[] =
    "(function(){'use strict';"
    "var t=document.getElementById('conns');"
    "function openHash(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;"
    "var d=document.getElementById(id);if(d&&d.tagName==='DETAILS'){d.open=true;d.scrollIntoView();}}"
    "window.addEventListener('hashchange',openHash);openHash();"
    "if(!t)return;"
    "var tb=t.tBodies[0],q=document.getElementById('q'),po=document.getElementById('po'),"
    "cnt=document.getElementById('shown'),rows=Array.prototype.slice.call(tb.rows);"
    "rows.forEach(function(r,i){r._i=i;r._s=(r.textContent+' "
    "'+(r.getAttribute('data-f')||'')).toLowerCase();});"
    "var size=parseInt(t.getAttribute('data-page'),10)||500,pg=0,pages=1,"
    "pe=document.getElementById('page'),pv=document.getElementById('prev'),"
    "nx=document.getElementById('next');"
    "function apply(keep){var w=q.value.toLowerCase().split(/\\s+/).filter(Boolean),only=po.checked,n=0;"
    "if(!keep)pg=0;var m=rows.filter(function(r){return (!only||r.getAttribute('data-p')==='1')&&"
    "w.every(function(x){return r._s.indexOf(x)>=0;});});n=m.length;pages=Math.max(1,Math.ceil(n/size));"
    "if(pg>=pages)pg=pages-1;rows.forEach(function(r){r.hidden=true;});"
    "m.slice(pg*size,(pg+1)*size).forEach(function(r){r.hidden=false;});cnt.textContent=n;"
    "pe.textContent='page '+(pg+1)+' of '+pages;pv.disabled=pg===0;nx.disabled=pg>=pages-1;"
    "document.getElementById('pager').hidden=pages<2;}"
    "pv.addEventListener('click',function(){if(pg>0){pg--;apply(true);}});"
    "nx.addEventListener('click',function(){if(pg<pages-1){pg++;apply(true);}});"
    "q.addEventListener('input',function(){apply();});po.addEventListener('change',function(){apply();});"
    "apply();"
    "var ths=Array.prototype.slice.call(t.tHead.rows[0].cells);"
    "function key(r,i,num){var "
    "c=r.cells[i],v=c.hasAttribute('data-v')?c.getAttribute('data-v'):c.textContent;"
    "return num?parseFloat(v):v.toLowerCase();}"
    "function sortBy(th,i){var "
    "dir=th.getAttribute('aria-sort')==='ascending'?-1:1,num=th.getAttribute('data-t')==='n';"
    "ths.forEach(function(h){h.removeAttribute('aria-sort');});"
    "th.setAttribute('aria-sort',dir>0?'ascending':'descending');"
    "rows.sort(function(a,b){var x=key(a,i,num),y=key(b,i,num);"
    "return (x<y?-dir:x>y?dir:0)||a._i-b._i;});var f=document.createDocumentFragment();"
    "rows.forEach(function(r){f.appendChild(r);});tb.appendChild(f);apply(true);}"
    "ths.forEach(function(th,i){th.tabIndex=0;th.addEventListener('click',function(){sortBy(th,i);});"
    "th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' "
    "'){e.preventDefault();sortBy(th,i);}});});"
    "tb.addEventListener('click',function(e){if(e.target.closest('a'))return;var r=e.target.closest('tr');"
    "if(r)location.hash='c'+r.getAttribute('data-id');});"
    "})();";

/* The script's CSP source, 'sha256-<base64>': only that script may run, no inline handler. */
static void script_hash(char out[64])
{
	unsigned char d[32];
	unsigned int n = 0;
	out[0] = 0;
	if (EVP_Digest(page_js, sizeof(page_js) - 1, d, &n, EVP_sha256(), NULL) && n == 32)
		EVP_EncodeBlock((unsigned char *)out, d, 32); /* 44 characters and a NUL */
}

void html_page_begin(FILE *fp, const char *title)
{
	char hash[64];
	script_hash(hash);
	fprintf(fp,
	        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	        "style-src 'unsafe-inline'; script-src 'sha256-%s'\">\n"
	        "<meta name=\"generator\" content=\"tlsscope " TLSSCOPE_VERSION "\">\n<title>",
	        hash);
	html_escape(fp, title);
	fprintf(fp, "</title>\n<style>%s</style>\n</head>\n<body>\n", page_css);
}

void html_page_end(FILE *fp)
{
	fprintf(fp, "<script>%s</script>\n</body>\n</html>\n", page_js);
}

/* ------------------------------------------------------------ ladder */

#define LADDER_W 560
#define LADDER_TOP 58
#define LADDER_ROW 26
#define LADDER_CLIENT_X 150
#define LADDER_SERVER_X 520

static const char *event_class(const struct conn *c, const struct conn_event *e)
{
	switch (e->type) {
	case EV_SYN:
	case EV_SYN_ACK:
	case EV_FIN:
		return "tcp";
	case EV_RST:
		return "rst";
	case EV_ALERT:
		return "alert";
	case EV_ENCRYPTED_ALERT: /* after the handshake, most likely close_notify: not an error */
		return c->handshake_done && e->ts_ns >= c->handshake_done_ns ? "enc" : "alert enc";
	case EV_ENCRYPTED_HANDSHAKE:
	case EV_APPLICATION_DATA:
		return "enc";
	default:
		return "hs";
	}
}

/* Width a 12px label may take, by the widest glyphs of the page's sans-serif fonts. */
#define LADDER_LABEL_PX_PER_CHAR 7
#define LADDER_LABEL_MARGIN 4

/* An endpoint under its lane: centred on the lane when it fits in its half of the ladder, else held
 * against the ladder's outer edge, and squeezed (textLength) when longer than the half: an IPv6
 * address with a port must not run out of the SVG. */
static void ladder_endpoint_label(FILE *fp, bool client, const char *text)
{
	const int half = LADDER_W / 2 - 2 * LADDER_LABEL_MARGIN;
	int lane = client ? LADDER_CLIENT_X : LADDER_SERVER_X;
	int width = (int)strlen(text) * LADDER_LABEL_PX_PER_CHAR;
	int left = client ? LADDER_LABEL_MARGIN : LADDER_W / 2 + LADDER_LABEL_MARGIN;
	int x = lane;
	const char *anchor = "middle";
	if (lane - width / 2 < left || lane + width / 2 > left + half) {
		x = client ? left : left + half;
		anchor = client ? "start" : "end";
	}
	fprintf(fp, "<text class=\"muted ep\" x=\"%d\" y=\"34\" text-anchor=\"%s\" font-size=\"12\"", x,
	        anchor);
	if (width > half)
		fprintf(fp, " textLength=\"%d\" lengthAdjust=\"spacingAndGlyphs\"", half);
	fprintf(fp, ">%s</text>", text);
}

void html_ladder_svg(FILE *fp, const struct conn *c, const struct report_inputs *in)
{
	(void)in;
	char a[80], label[128];
	unsigned rows = c->event_count + (c->event_total > c->event_count ? 1u : 0u);
	unsigned h = LADDER_TOP + rows * LADDER_ROW + 14;
	fprintf(fp,
	        "<div class=\"ladder\"><svg class=\"ladder-svg\" viewBox=\"0 0 %d %u\" width=\"%d\" "
	        "role=\"img\" aria-label=\"handshake ladder\">",
	        LADDER_W, h, LADDER_W);
	const int lanes[2] = {LADDER_CLIENT_X, LADDER_SERVER_X};
	for (int k = 0; k < 2; k++) {
		const struct conn_side *s = k == 0 ? conn_client(c) : conn_server(c);
		endpoint_text(s, a, sizeof(a));
		fprintf(fp, "<text class=\"lanehead\" x=\"%d\" y=\"18\" text-anchor=\"middle\">%s</text>",
		        lanes[k], k == 0 ? "client" : "server");
		ladder_endpoint_label(fp, k == 0, a);
		fprintf(fp, "<line class=\"lane\" x1=\"%d\" y1=\"42\" x2=\"%d\" y2=\"%u\"/>", lanes[k],
		        lanes[k], h - 6);
	}
	fputs("<text class=\"muted\" x=\"4\" y=\"50\" font-size=\"12\">time</text>", fp);
	for (uint16_t i = 0; i < c->event_count; i++) {
		const struct conn_event *e = &c->events[i];
		bool from_client = e->dir == c->client_dir;
		int x1 = from_client ? LADDER_CLIENT_X : LADDER_SERVER_X;
		int x2 = from_client ? LADDER_SERVER_X - 3 : LADDER_CLIENT_X + 3;
		int tip = from_client ? -9 : 9;
		unsigned y = LADDER_TOP + (unsigned)i * LADDER_ROW + 8;
		if (e->type == EV_RST)
			snprintf(label, sizeof(label), "RST");
		else if (e->type == EV_FIN)
			snprintf(label, sizeof(label), "FIN");
		else
			report_text_event(e, label, sizeof(label));
		fprintf(fp,
		        "<g class=\"ev %s\"><text class=\"muted\" x=\"4\" y=\"%u\" font-size=\"12\">+%.1f "
		        "ms</text>"
		        "<line x1=\"%d\" y1=\"%u\" x2=\"%d\" y2=\"%u\"/>"
		        "<polygon points=\"%d,%u %d,%u %d,%u\"/>"
		        "<text class=\"l\" x=\"%d\" y=\"%u\" text-anchor=\"middle\" font-size=\"12.5\">",
		        event_class(c, e), y + 4, (double)(e->ts_ns - c->first_ts_ns) / 1e6, x1, y, x2, y,
		        x2 + tip, y - 5, x2, y, x2 + tip, y + 5, (LADDER_CLIENT_X + LADDER_SERVER_X) / 2,
		        y - 5);
		html_escape(fp, label);
		fputs("</text></g>", fp);
	}
	if (c->event_total > c->event_count)
		fprintf(fp,
		        "<text class=\"muted\" x=\"%d\" y=\"%u\" text-anchor=\"middle\" font-size=\"12\">"
		        "&#8230; %u more events not kept</text>",
		        (LADDER_CLIENT_X + LADDER_SERVER_X) / 2,
		        (unsigned)(LADDER_TOP + c->event_count * LADDER_ROW + 8),
		        c->event_total - c->event_count);
	fputs("</svg></div>\n", fp);
}

/* ------------------------------------------------------------ chain cards */

/* The certificate names every client looked at: which one matched, which wildcard came close. */
struct host_view {
	const char *matched, *near;
	int clients_ok, clients;
};

static struct host_view host_view(const struct diagnosis *dg)
{
	struct host_view v = {0};
	for (int k = 0; dg->host_checked && k < CLIENT_COUNT; k++) {
		const struct host_match *m = &dg->host[k];
		if (!v.matched && m->matched)
			v.matched = m->matched;
		if (!v.near && m->near_wildcard)
			v.near = m->near_wildcard;
		v.clients_ok += m->ok;
		v.clients++;
	}
	return v;
}

static void san_chip(FILE *fp, const char *prefix, const char *name, const struct host_view *v)
{
	const char *cls = v && v->matched && !strcmp(v->matched, name) ? " match"
	                  : v && v->near && !strcmp(v->near, name)     ? " near"
	                                                               : "";
	fprintf(fp, "<span class=\"chip%s\">%s", cls, prefix);
	html_escape(fp, name);
	fputs("</span>", fp);
}

/* The expected host against the leaf's names: the comparison a client makes, highlighted. */
static void host_box(FILE *fp, const struct diagnosis *dg, const struct host_view *v)
{
	const char *cls = v->clients_ok == v->clients ? "ok" : v->clients_ok ? "warn" : "bad";
	fprintf(fp, "<div class=\"host %s\">Expected host <span class=\"chip%s\">", cls,
	        v->clients_ok == v->clients ? " match" : " want");
	html_escape(fp, dg->expected_host);
	fprintf(fp, "</span> <span class=\"note\">(%s)</span> ", source_text(dg->expected_source));
	if (v->clients_ok == v->clients) {
		fputs("matches <span class=\"chip match\">", fp);
		html_escape(fp, v->matched ? v->matched : "?");
		fputs("</span>", fp);
	} else {
		fputs(v->near ? "is not covered by the wildcard <span class=\"chip near\">"
		              : "matches none of the certificate's names",
		      fp);
		if (v->near) {
			html_escape(fp, v->near);
			fputs("</span>", fp);
		}
	}
	fputs("<br><span class=\"note\">", fp);
	for (int k = 0; k < CLIENT_COUNT; k++)
		fprintf(fp, "%s %s%s", tls_client_name((enum tls_client)k),
		        dg->host[k].ok ? "&#10003;" : "&#10007;", k + 1 < CLIENT_COUNT ? " &middot; " : "");
	fputs("</span></div>", fp);
}

static void cert_sans(FILE *fp, const struct x509_cert *x, const struct host_view *v, const char *missing)
{
	if (!x->has_san) {
		fputs("<span class=\"none\">none (no subjectAltName extension)</span>", fp);
		return;
	}
	for (size_t j = 0; j < x->san_dns.count; j++)
		san_chip(fp, "", x->san_dns.v[j], v);
	for (size_t j = 0; j < x->san_ip_count; j++)
		san_chip(fp, "IP:", x->san_ip[j].text, v);
	for (size_t j = 0; j < x->san_email.count; j++)
		san_chip(fp, "email:", x->san_email.v[j], NULL);
	for (size_t j = 0; j < x->san_uri.count; j++)
		san_chip(fp, "URI:", x->san_uri.v[j], NULL);
	if (missing) {
		fputs(" <span class=\"note\">&ne; expected</span> <span class=\"chip want\">", fp);
		html_escape(fp, missing);
		fputs("</span>", fp);
	}
	if (x->dropped_names)
		fprintf(fp,
		        " <span class=\"badge error\">%zu name%s with a NUL or bad encoding left out</span>",
		        x->dropped_names, x->dropped_names == 1 ? "" : "s");
}

static void dl_text(FILE *fp, const char *dt, const char *dd)
{
	fprintf(fp, "<dt>%s</dt><dd>", dt);
	html_escape(fp, dd ? dd : "-");
	fputs("</dd>", fp);
}

/* `at`: the handshake's capture time, Unix seconds. */
static void cert_card(FILE *fp, size_t i, const struct x509_cert *x, const struct diagnosis *dg,
                      const struct host_view *v, int64_t at)
{
	bool bad = false;
	for (size_t j = 0; j < dg->verdict.issue_count; j++)
		bad |= dg->verdict.issues[j].cert == (int)i;
	for (size_t j = 0; j < dg->finding_count; j++)
		bad |= dg->findings[j].cert == (int)i && dg->findings[j].severity >= SEV_ERROR;
	fprintf(fp, "<div class=\"cert%s\"><div class=\"head\"><b>#%zu %s</b>", bad ? " bad" : "", i,
	        i == 0                ? "leaf"
	        : x && x->self_signed ? "root"
	                              : "intermediate");
	for (size_t j = 0; dg->chain_checked && j < dg->verdict.issue_count; j++)
		if (dg->verdict.issues[j].cert == (int)i)
			fprintf(fp, " <span class=\"badge error\">%s</span>",
			        chain_problem_name(dg->verdict.issues[j].problem));
	if (x && x->self_signed)
		fputs(" <span class=\"badge plain\">self-signed</span>", fp);
	if (x && x->is_ca)
		fputs(" <span class=\"badge plain\">CA</span>", fp);
	fputs("</div>", fp);
	if (!x || !x->parsed) {
		fputs("<p class=\"note\">Could not be parsed: ", fp);
		html_escape(fp, x ? x->parse_error : "not kept");
		fputs("</p></div>", fp);
		return;
	}
	if (i == 0 && dg->host_checked && dg->expected_host[0])
		host_box(fp, dg, v);
	char t1[32], t2[32], sha[20];
	fputs("<dl>", fp);
	dl_text(fp, "Subject", x->subject);
	dl_text(fp, "Issuer", x->issuer);
	fputs("<dt>SANs</dt><dd>", fp);
	bool mismatch = i == 0 && dg->host_checked && dg->expected_host[0] && v->clients_ok < v->clients;
	cert_sans(fp, x, i == 0 ? v : NULL, mismatch ? dg->expected_host : NULL);
	fprintf(fp, "</dd><dt>Valid</dt><dd>%s &ndash; %s ", x509_time_format(x->not_before, t1, sizeof(t1)),
	        x509_time_format(x->not_after, t2, sizeof(t2)));
	if (at < x->not_before)
		fputs("<span class=\"badge error\">not yet valid at capture time</span>", fp);
	else if (at > x->not_after)
		fputs("<span class=\"badge error\">expired at capture time</span>", fp);
	else
		fputs("<span class=\"badge ok\">valid at capture time</span>", fp);
	fputs("</dd>", fp);
	fputs("<dt>Key</dt><dd>", fp);
	html_escape(fp, x->key_type);
	if (x->key_bits)
		fprintf(fp, " %d bits", x->key_bits);
	if (x->key_curve[0]) {
		fputs(" ", fp);
		html_escape(fp, x->key_curve);
	}
	fputs("</dd>", fp);
	dl_text(fp, "Signature", x->signature_algorithm);
	for (int k = 0; k < 8; k++)
		snprintf(sha + 2 * k, 3, "%02x", x->sha256[k]);
	fprintf(fp, "<dt>SHA-256</dt><dd class=\"mono\">%s&#8230;</dd></dl></div>", sha);
}

void html_chain_cards(FILE *fp, const struct conn *c, const struct diagnosis *dg)
{
	const char *state = conn_certificates_state(c);
	if (!c->server_certs.present) {
		fputs("<p class=\"note\">", fp);
		if (!strcmp(state, "encrypted"))
			fputs("Certificates are encrypted (TLS 1.3): not visible without a key log.", fp);
		else if (!strcmp(state, "not_sent"))
			fputs("No certificate sent (session resumed or anonymous).", fp);
		else if (!c->server_hello)
			fputs("No ServerHello, so no certificate.", fp);
		else
			fputs("No certificate seen.", fp);
		fputs("</p>\n", fp);
		return;
	}
	if (!dg || !dg->cert_count) {
		fprintf(fp,
		        "<p class=\"note\">%u certificate%s sent (not examined: run without "
		        "--no-diagnose).</p>\n",
		        c->server_certs.total, c->server_certs.total == 1 ? "" : "s");
		return;
	}
	if (dg->chain_checked) {
		const struct chain_verdict *vd = &dg->verdict;
		if (vd->trusted) {
			fputs("<div class=\"verdict ok\"><span class=\"badge ok\">trusted</span> the chain "
			      "verifies at "
			      "capture time</div>",
			      fp);
		} else {
			fputs("<div class=\"verdict bad\"><span class=\"badge error\">not trusted</span> "
			      "<code>",
			      fp);
			html_escape(fp, vd->verify_error_name);
			fputs("</code> ", fp);
			html_escape(fp, vd->verify_error_text);
			if (vd->error_depth >= 0)
				fprintf(fp, " (depth %d)", vd->error_depth);
			fputs("</div>", fp);
		}
	}
	struct host_view v = host_view(dg);
	for (size_t i = 0; i < dg->cert_count; i++)
		cert_card(fp, i, dg->certs[i], dg, &v, c->first_ts_ns / 1000000000LL);
	if (c->server_certs.total > dg->cert_count)
		fprintf(fp, "<p class=\"note\">%u more certificate%s sent, not kept.</p>",
		        c->server_certs.total - (unsigned)dg->cert_count,
		        c->server_certs.total - dg->cert_count == 1 ? "" : "s");
	fputc('\n', fp);
}

/* ------------------------------------------------------------ findings */

void html_findings(FILE *fp, const struct diagnosis *dg)
{
	if (!dg)
		return;
	if (!dg->finding_count) {
		fputs("<p class=\"note\">No findings.</p>\n", fp);
		return;
	}
	fputs("<ul class=\"findings\">", fp);
	for (size_t i = 0; i < dg->finding_count; i++) {
		const struct finding *f = &dg->findings[i];
		fputs("<li>", fp);
		sev_badge(fp, (int)f->severity);
		fprintf(fp, " <code><b>%s</b></code> ", f->code);
		html_escape(fp, f->message);
		if (f->fix[0]) {
			fputs("<div class=\"fix\"><b>Fix:</b> ", fp);
			html_escape(fp, f->fix);
			fputs("</div>", fp);
		}
		fputs("</li>", fp);
	}
	fputs("</ul>", fp);
	fprintf(fp, "<p class=\"note\">ClientHello sent by <b>%s</b> (%s confidence): ", dg->software.name,
	        client_confidence_name(dg->software.confidence));
	html_escape(fp, dg->software.evidence);
	fputs("</p>", fp);
	bool any = false;
	enum tls_client order[CLIENT_COUNT];
	diagnosis_client_order(dg, order);
	for (int i = 0; i < CLIENT_COUNT; i++) {
		int k = (int)order[i];
		const struct client_error *e = &dg->clients[k];
		if (k >= CLIENT_BROWSER || !e->fails)
			continue;
		if (!any)
			fputs("<div class=\"scroll\"><table "
			      "class=\"clients\"><thead><tr><th>client</th><th>would report"
			      "</th></tr></thead><tbody>",
			      fp);
		any = true;
		fprintf(fp, "<tr><td>%s</td><td><code>", tls_client_name((enum tls_client)k));
		html_escape(fp, e->code);
		fputs("</code> ", fp);
		html_escape(fp, e->message);
		fputs("</td></tr>", fp);
	}
	if (any)
		fputs("</tbody></table></div>", fp);
	else if (dg->clients_from_chain)
		fputs("<p class=\"note\">Clients would connect (the findings are warnings or notes).</p>",
		      fp);
	fputc('\n', fp);
}

/* ------------------------------------------------------------ one connection */

static void sni_cell(FILE *fp, const struct conn *c)
{
	const struct tls_client_hello *ch = c->client_hello;
	if (ch && ch->sni_count)
		wire_escape(fp, ch->sni[0].bytes, ch->sni[0].len);
	else
		fputs("<span class=\"none\">&mdash;</span>", fp);
}

static void table_row(FILE *fp, const struct conn *c, const struct diagnosis *dg)
{
	char t[40], full[40], a1[80], a2[80], v[24];
	int sev = run_summary_worst_of(dg);
	clock_text(c->first_ts_ns, false, t, sizeof(t));
	clock_text(c->first_ts_ns, true, full, sizeof(full));
	endpoint_text(conn_client(c), a1, sizeof(a1));
	endpoint_text(conn_server(c), a2, sizeof(a2));
	fprintf(fp, "<tr data-id=\"%llu\" data-p=\"%d\" data-f=\"", (unsigned long long)c->id,
	        run_summary_is_problem(sev));
	for (size_t i = 0; dg && i < dg->finding_count; i++)
		fprintf(fp, "%s ", dg->findings[i].code);
	if (dg)
		html_escape(fp, dg->expected_host);
	fprintf(fp,
	        "\"><td data-v=\"%llu\"><a href=\"#c%llu\">%llu</a></td>"
	        "<td data-v=\"%lld\" title=\"%s UTC\">%s</td><td>%s</td><td>%s</td><td class=\"sni\">",
	        (unsigned long long)c->id, (unsigned long long)c->id, (unsigned long long)c->id,
	        (long long)(c->first_ts_ns / 1000), full, t, a1, a2);
	sni_cell(fp, c);
	uint16_t ver = conn_version(c);
	fprintf(fp,
	        "</td><td data-v=\"%u\">%s</td><td><span class=\"dot\" style=\"background:%s\"></span>%s</td>"
	        "<td class=\"worst\" data-v=\"%d\">",
	        ver, ver ? tls_version_name(ver, v, sizeof(v)) : "&mdash;", outcome_color(c->outcome),
	        conn_outcome_name(c->outcome), sev + 1);
	if (sev >= 0) {
		sev_badge(fp, sev);
		fprintf(fp, " %s", dg->findings[0].code);
		if (dg->finding_count > 1)
			fprintf(fp, " <span class=\"none\">+%zu</span>", dg->finding_count - 1);
	} else {
		fputs("<span class=\"none\">&mdash;</span>", fp);
	}
	fputs("</td></tr>\n", fp);
}

static void fact(FILE *fp, const char *dt)
{
	fprintf(fp, "<div><dt>%s</dt><dd>", dt);
}

static void connection_facts(FILE *fp, const struct conn *c, const struct diagnosis *dg,
                             const struct report_inputs *in)
{
	char full[40];
	const struct tls_server_hello *sh = c->server_hello;
	fputs("<dl class=\"facts\">", fp);
	clock_text(c->first_ts_ns, true, full, sizeof(full));
	fact(fp, "started");
	fprintf(fp, "%s UTC</dd></div>", full);
	fact(fp, "SNI");
	sni_cell(fp, c);
	fputs("</dd></div>", fp);
	if (c->proxied.version) {
		char real[96];
		fact(fp, "real client");
		html_escape(fp, conn_proxied_text(c, real, sizeof(real)));
		fputs("</dd></div>", fp);
	}
	if (c->openvpn.seen) {
		char tunnel[128];
		fact(fp, "tunnel");
		html_escape(fp, conn_openvpn_text(c, tunnel, sizeof(tunnel)));
		fputs("</dd></div>", fp);
	}
	if (dg && dg->expected_host[0]) {
		fact(fp, "expected");
		html_escape(fp, dg->expected_host);
		fprintf(fp, " <span class=\"note\">(%s)</span></dd></div>", source_text(dg->expected_source));
	}
	if (sh) {
		char v[24];
		fact(fp, "version");
		fprintf(fp, "%s</dd></div>", tls_version_name(conn_version(c), v, sizeof(v)));
		fact(fp, "cipher");
		if (tls_cipher_suite_name(sh->cipher_suite))
			fprintf(fp, "<code>%s</code></dd></div>", tls_cipher_suite_name(sh->cipher_suite));
		else
			fprintf(fp, "<code>0x%04x</code></dd></div>", sh->cipher_suite);
		if (sh->has_alpn) {
			fact(fp, "ALPN");
			wire_escape(fp, sh->alpn.bytes, sh->alpn.len);
			fputs("</dd></div>", fp);
		}
	}
	fact(fp, "outcome");
	fprintf(fp, "<span class=\"dot\" style=\"background:%s\"></span>%s", outcome_color(c->outcome),
	        conn_outcome_name(c->outcome));
	if (c->handshake_done)
		fprintf(fp, " (handshake %.1f ms)", (double)(c->handshake_done_ns - c->first_ts_ns) / 1e6);
	fputs("</dd></div>", fp);
	fact(fp, "certificates");
	fprintf(fp, "%s", conn_certificates_state(c));
	if (c->server_certs.present)
		fprintf(fp, " (%u sent)", c->server_certs.total);
	fputs("</dd></div>", fp);
	if (in && in->count > 1 && c->file_index < in->count) {
		fact(fp, "file");
		html_escape(fp, in->names[c->file_index]);
		fputs("</dd></div>", fp);
	}
	bool any = false;
	for (int i = 0; i < ANOM_COUNT; i++) {
		if (!c->anomalies[i])
			continue;
		if (!any)
			fact(fp, "anomalies");
		fprintf(fp, "%s%s &times;%u", any ? ", " : "", conn_anomaly_name((enum conn_anomaly)i),
		        c->anomalies[i]);
		any = true;
	}
	if (any)
		fputs("</dd></div>", fp);
	fputs("</dl>\n", fp);
}

/* A connection's section without its <details> tag (details_tag()). */
static void detail_section(FILE *fp, const struct conn *c, const struct diagnosis *dg,
                           const struct report_inputs *in)
{
	char a1[80], a2[80], v[24];
	int sev = run_summary_worst_of(dg);
	endpoint_text(conn_client(c), a1, sizeof(a1));
	endpoint_text(conn_server(c), a2, sizeof(a2));
	fputs("<summary>", fp);
	if (sev >= 0)
		sev_badge(fp, sev);
	else
		fputs("<span class=\"badge ok\">ok</span>", fp);
	fprintf(fp, " <b>#%llu</b> <span class=\"mono\">%s &rarr; %s</span> <b>", (unsigned long long)c->id,
	        a1, a2);
	sni_cell(fp, c);
	uint16_t ver = conn_version(c);
	fprintf(fp, "</b> <span class=\"note\">%s &middot; %s</span></summary><div class=\"body\">\n",
	        ver ? tls_version_name(ver, v, sizeof(v)) : "no ServerHello", conn_outcome_name(c->outcome));
	connection_facts(fp, c, dg, in);
	if (dg) {
		fputs("<h3>Findings</h3>", fp);
		html_findings(fp, dg);
	}
	fputs("<div class=\"cols\"><div><h3>Handshake</h3>", fp);
	html_ladder_svg(fp, c, in);
	fputs("</div><div><h3>Certificate chain</h3>", fp);
	html_chain_cards(fp, c, dg);
	fputs("</div></div></div></details>\n", fp);
}

/* ------------------------------------------------------------ whole report */

#define HTML_TIMELINE_BINS 48
#define HTML_OPEN_DETAILS 8 /* the worst few connections start opened */

struct html_block {
	uint64_t id;
	long off;
	uint32_t row_len, detail_len;
	int8_t severity; /* -1: no finding */
};

/* Per connection, for the timeline: when it started and how it ended. */
struct html_point {
	int64_t ts_ns;
	uint8_t outcome;
};

struct html_report {
	FILE *tmp;
	bool failed;
	struct html_block *blocks;
	size_t count, cap;
	size_t kept_by_class[SEV_COUNT + 1]; /* blocks kept per worst severity (+1: none) */
	struct html_point *points;
	size_t point_count, point_cap;
	struct run_summary sum; /* every connection added, shown or not */
};

struct html_report *html_report_new(void)
{
	struct html_report *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->tmp = tmpfile();
	if (!h->tmp) {
		free(h);
		return NULL;
	}
	return h;
}

static bool grow(void **v, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap * 2 : 1024;
	void *p = realloc(*v, n * size);
	if (!p)
		return false;
	*v = p;
	*cap = n;
	return true;
}

void html_report_add(struct html_report *h, const struct conn *c, const struct diagnosis *dg,
                     const struct report_inputs *in)
{
	if (!h || h->failed)
		return;
	int sev = run_summary_worst_of(dg);
	run_summary_add(&h->sum, c, dg);
	if (!grow((void **)&h->points, &h->point_cap, h->point_count + 1, sizeof(*h->points))) {
		h->failed = true;
		return;
	}
	h->points[h->point_count++] = (struct html_point){c->first_ts_ns, (uint8_t)c->outcome};

	/* Each severity keeps up to HTML_MAX_CONNS blocks, so the worst ones are on disk whatever their
	 * order; none is written once worse ones alone fill the page. */
	size_t *kept = &h->kept_by_class[sev + 1], worse = 0;
	for (int k = sev + 2; k <= SEV_COUNT; k++)
		worse += h->kept_by_class[k];
	bool details = *kept < HTML_MAX_CONNS && worse < HTML_MAX_CONNS;
	/* Every connection has its row (the filter must find them all), up to HTML_MAX_ROWS. */
	if (h->count >= HTML_MAX_ROWS)
		return;
	if (!grow((void **)&h->blocks, &h->cap, h->count + 1, sizeof(*h->blocks))) {
		h->failed = true;
		return;
	}
	long off = ftell(h->tmp);
	table_row(h->tmp, c, dg);
	long mid = ftell(h->tmp);
	if (details)
		detail_section(h->tmp, c, dg, in);
	long end = ftell(h->tmp);
	if (off < 0 || mid < 0 || end < 0 || ferror(h->tmp)) {
		h->failed = true;
		return;
	}
	struct html_block *b = &h->blocks[h->count++];
	b->id = c->id;
	b->off = off;
	b->row_len = (uint32_t)(mid - off);
	b->detail_len = (uint32_t)(end - mid);
	b->severity = (int8_t)sev;
	if (details)
		(*kept)++;
}

static int worst_first(const void *a, const void *b)
{
	const struct html_block *x = a, *y = b;
	if (x->severity != y->severity)
		return y->severity - x->severity;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void copy_out(struct html_report *h, long off, size_t len, FILE *fp)
{
	if (!report_copy_range(h->tmp, off, len, fp))
		h->failed = true;
}

/* The <details> tag is written here, not stored, so the worst few can start opened. */
static void details_tag(FILE *fp, uint64_t id, int sev, bool open)
{
	fprintf(fp, "<details class=\"conn %s\" id=\"c%llu\"%s>", sev_class(sev), (unsigned long long)id,
	        open ? " open" : "");
}

/* A chart panel with horizontal bars (label, bar, count), or `empty` when there is nothing; the caller
 * closes the panel's <div>. */
static void bar_panel(FILE *fp, const char *title, const char *const *labels, const unsigned long *values,
                      const char *const *colors, size_t n, const char *empty, bool tall)
{
	fprintf(fp, "<div class=\"panel%s\"><h3>%s</h3>", tall ? " tall" : "", title);
	if (!n) {
		fprintf(fp, "<p class=\"note\">%s</p>", empty);
		return;
	}
	unsigned long max = 1;
	for (size_t i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	const int row = 24, label_w = 200, bar_w = 150;
	fprintf(fp, "<svg viewBox=\"0 0 400 %zu\" width=\"400\" role=\"img\" aria-label=\"%s\">",
	        n * (size_t)row + 4, title);
	for (size_t i = 0; i < n; i++) {
		int y = (int)i * row + 4;
		double w = values[i] ? 2.0 + (double)bar_w * (double)values[i] / (double)max : 0;
		fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12.5\">", label_w - 8,
		        y + 14);
		html_escape(fp, labels[i]);
		fprintf(fp,
		        "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" rx=\"3\" fill=\"%s\"/>"
		        "<text x=\"%.1f\" y=\"%d\" font-size=\"12.5\">%lu</text>",
		        label_w, y + 2, w, colors[i], label_w + w + 6, y + 14, values[i]);
	}
	fputs("</svg>", fp);
}

static void outcomes_chart(FILE *fp, const struct html_report *h)
{
	const char *labels[OUTCOME_COUNT], *colors[OUTCOME_COUNT];
	unsigned long values[OUTCOME_COUNT];
	size_t n = 0;
	for (int i = 0; i < OUTCOME_COUNT; i++) {
		if (!h->sum.outcomes[i])
			continue;
		labels[n] = conn_outcome_name((enum conn_outcome)i);
		colors[n] = outcome_color((enum conn_outcome)i);
		values[n++] = h->sum.outcomes[i];
	}
	bar_panel(fp, "Connections by outcome", labels, values, colors, n, "No connections.", false);
	fputs("</div>\n", fp);
}

static void findings_chart(FILE *fp, const struct html_report *h)
{
	static const char *const sev_colors[SEV_COUNT] = {"#0e7490", "#d97706", "#dc2626", "#7f1d1d"};
	const char *labels[RUN_SUMMARY_MAX_CODES], *colors[RUN_SUMMARY_MAX_CODES];
	unsigned long values[RUN_SUMMARY_MAX_CODES];
	size_t n = 0;
	/* Worst severity first, then the most frequent. */
	for (int sev = SEV_COUNT - 1; sev >= 0; sev--) {
		size_t start = n;
		for (size_t i = 0; i < h->sum.code_count; i++) {
			if (run_summary_code_worst(&h->sum, i) != sev)
				continue;
			size_t j = n++;
			while (j > start && values[j - 1] < run_summary_code_total(&h->sum, i)) {
				labels[j] = labels[j - 1];
				values[j] = values[j - 1];
				j--;
			}
			labels[j] = h->sum.codes[i];
			values[j] = run_summary_code_total(&h->sum, i);
		}
		for (size_t i = start; i < n; i++)
			colors[i] = sev_colors[sev];
	}
	bar_panel(fp, "Findings by code", labels, values, colors, n, "No findings.", true);
	fputs("<div class=\"legend\">", fp);
	for (int sev = 0; sev < SEV_COUNT; sev++)
		fprintf(fp, "<span><span class=\"dot\" style=\"background:%s\"></span>%s</span>",
		        sev_colors[sev], sev_class(sev));
	fputs("</div></div>\n", fp);
}

/* "850 ms", "12.4 s", "3.2 h", "59.0 days". */
static void duration_text(int64_t ns, char *buf, size_t n)
{
	double s = (double)ns / 1e9;
	if (s < 1)
		snprintf(buf, n, "%.0f ms", s * 1e3);
	else if (s < 120)
		snprintf(buf, n, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, n, "%.1f min", s / 60);
	else if (s < 172800)
		snprintf(buf, n, "%.1f h", s / 3600);
	else
		snprintf(buf, n, "%.1f days", s / 86400);
}

/* Connections started per slice of the capture span, stacked by outcome. */
static void timeline_chart(FILE *fp, const struct html_report *h)
{
	unsigned long bins[HTML_TIMELINE_BINS][OUTCOME_COUNT] = {{0}};
	int64_t span = h->sum.last_ns - h->sum.first_ns;
	int64_t start_span = 0;
	for (size_t i = 0; i < h->point_count; i++)
		if (h->points[i].ts_ns - h->sum.first_ns > start_span)
			start_span = h->points[i].ts_ns - h->sum.first_ns;
	/* Bins cover the span of connection starts, so the bars use the whole width. */
	int64_t width = start_span / HTML_TIMELINE_BINS + 1;
	unsigned long max = 1;
	for (size_t i = 0; i < h->point_count; i++) {
		int64_t k = (h->points[i].ts_ns - h->sum.first_ns) / width;
		if (k < 0)
			k = 0;
		if (k >= HTML_TIMELINE_BINS)
			k = HTML_TIMELINE_BINS - 1;
		if (h->points[i].outcome < OUTCOME_COUNT)
			bins[k][h->points[i].outcome]++;
	}
	for (int k = 0; k < HTML_TIMELINE_BINS; k++) {
		unsigned long sum = 0;
		for (int o = 0; o < OUTCOME_COUNT; o++)
			sum += bins[k][o];
		if (sum > max)
			max = sum;
	}
	const int x0 = 40, plot_w = 470, plot_h = 130, top = 8;
	const double bw = (double)plot_w / HTML_TIMELINE_BINS;
	char t1[40], t2[40];
	bool days = span >= 86400 * 1000000000LL;
	clock_text(h->sum.first_ns, days, t1, sizeof(t1));
	clock_text(h->sum.first_ns + start_span, days, t2, sizeof(t2));
	char span_text[48];
	duration_text(span, span_text, sizeof(span_text));
	fputs("<div class=\"panel\"><h3>Connections over time</h3>", fp);
	fprintf(
	    fp,
	    "<svg viewBox=\"0 0 520 %d\" width=\"520\" role=\"img\" aria-label=\"connections over time\">"
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"currentColor\" stroke-opacity=\".3\"/>"
	    "<text class=\"muted\" x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12.5\">%lu</text>"
	    "<text class=\"muted\" x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12.5\">0</text>",
	    top + plot_h + 34, x0, top + plot_h, x0 + plot_w, top + plot_h, x0 - 4, top + 10, max, x0 - 4,
	    top + plot_h);
	for (int k = 0; k < HTML_TIMELINE_BINS; k++) {
		double y = top + plot_h;
		for (int o = 0; o < OUTCOME_COUNT; o++) {
			if (!bins[k][o])
				continue;
			double hgt = (double)plot_h * (double)bins[k][o] / (double)max;
			y -= hgt;
			fprintf(fp,
			        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
			        "<title>%lu %s</title></rect>",
			        x0 + k * bw + 0.5, y, bw - 1, hgt, outcome_color((enum conn_outcome)o),
			        bins[k][o], conn_outcome_name((enum conn_outcome)o));
		}
	}
	fprintf(fp,
	        "<text class=\"muted\" x=\"%d\" y=\"%d\" font-size=\"12.5\">%s</text>"
	        "<text class=\"muted\" x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"12.5\">%s</text>"
	        "<text class=\"muted\" x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12.5\">UTC, span "
	        "%s</text>"
	        "</svg>",
	        x0, top + plot_h + 16, t1, x0 + plot_w, top + plot_h + 16, t2, x0 + plot_w / 2,
	        top + plot_h + 30, span_text);
	fputs("<div class=\"legend\">", fp);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		if (h->sum.outcomes[o])
			fprintf(fp, "<span><span class=\"dot\" style=\"background:%s\"></span>%s</span>",
			        outcome_color((enum conn_outcome)o), conn_outcome_name((enum conn_outcome)o));
	fputs("</div></div>\n", fp);
}

static void tile(FILE *fp, unsigned long n, const char *what, bool bad)
{
	fprintf(fp, "<div class=\"tile%s\"><b>%lu</b><span>%s</span></div>", bad && n ? " bad" : "", n, what);
}

static void page_header(FILE *fp, const struct html_report *h, const struct ts_stats *s,
                        const struct report_inputs *in)
{
	fputs("<main>\n<h1>TLS handshake report</h1><p class=\"sub\">", fp);
	if (in && in->count == 1) {
		html_escape(fp, in->names[0]);
	} else if (in) {
		fprintf(fp, "%zu capture files", in->count);
	}
	if (h->sum.connections) {
		char t1[40], t2[40];
		clock_text(h->sum.first_ns, true, t1, sizeof(t1));
		clock_text(h->sum.last_ns, true, t2, sizeof(t2));
		fprintf(fp, " &middot; %s &ndash; %s UTC", t1, t2);
	}
	fputs("</p>\n<nav class=\"jump\"><a href=\"#connections\">Connections table</a>"
	      "<a href=\"#details\">Connection details</a></nav>\n<div class=\"tiles\">",
	      fp);
	tile(fp, h->sum.connections, "connections", false);
	tile(fp, h->sum.tls, "speak TLS", false);
	tile(fp, h->sum.problems, "with problems", true);
	tile(fp, h->sum.worst[SEV_CRITICAL] + h->sum.worst[SEV_ERROR], "worst is error or critical", true);
	tile(fp, h->sum.worst[SEV_WARNING], "worst is a warning", false);
	if (s)
		tile(fp, (unsigned long)s->packets, "packets read", false);
	fputs("</div>\n<div class=\"charts\">", fp);
	outcomes_chart(fp, h);
	findings_chart(fp, h);
	timeline_chart(fp, h);
	fputs("</div>\n", fp);
}

/* The roll-up above the table: the largest groups, each example linked to its connection. */
static void rollup_section(FILE *fp, const struct rollup *r)
{
	if (!rollup_worth_showing(r))
		return;
	fprintf(fp,
	        "<h2 id=\"rollup\">Roll-up</h2>\n<p class=\"note\">%lu connections with problems by cause, "
	        "server and client%s.</p>\n<div class=\"scroll\"><table id=\"rollup-table\"><thead><tr>"
	        "<th>severity</th><th>count</th><th>cause</th><th>server</th><th>client</th><th>example</th>"
	        "</tr></thead><tbody>\n",
	        r->problems, r->count > ROLLUP_SHOWN ? ", the largest groups" : "");
	for (size_t i = 0; i < r->count && i < ROLLUP_SHOWN; i++) {
		const struct rollup_group *g = &r->groups[i];
		fprintf(fp, "<tr class=\"%s\"><td>%s</td><td>%lu</td><td><code>", sev_class(g->severity),
		        severity_name((enum severity)g->severity), g->count);
		html_escape(fp, g->cause);
		fputs("</code></td><td>", fp);
		html_escape(fp, g->server);
		fputs("</td><td>", fp);
		html_escape(fp, g->client);
		fprintf(fp, "</td><td><a href=\"#c%llu\">#%llu</a></td></tr>\n",
		        (unsigned long long)g->example_id, (unsigned long long)g->example_id);
	}
	fputs("</tbody></table></div>\n", fp);
	if (r->count > ROLLUP_SHOWN)
		fprintf(fp, "<p class=\"note\">%zu more groups.</p>\n", r->count - ROLLUP_SHOWN);
}

static void connection_table(FILE *fp, struct html_report *h, size_t shown)
{
	fputs("<h2 id=\"connections\">Connections</h2>\n<div class=\"controls\">"
	      "<input type=\"search\" id=\"q\" placeholder=\"Filter: SNI, IP, finding code&#8230;\" "
	      "aria-label=\"filter connections\">"
	      "<label><input type=\"checkbox\" id=\"po\"> problems only</label>",
	      fp);
	fprintf(fp, "<span class=\"count\"><span id=\"shown\">%zu</span> of %zu match", h->count, h->count);
	if (h->count < h->sum.connections)
		fprintf(fp,
		        " (the table holds the first %zu of %lu connections; the JSON output has them all)",
		        h->count, h->sum.connections);
	if (shown < h->count)
		fprintf(fp, "; details of the %zu worst", shown);
	fprintf(fp, "</span><span class=\"pager\" id=\"pager\"><button type=\"button\" id=\"prev\">&#8592; "
	            "previous</button> <span id=\"page\"></span> <button type=\"button\" id=\"next\">next "
	            "&#8594;</button></span></div>\n");
	fputs("<div class=\"scroll\"><table id=\"conns\" data-page=\"" HTML_STRINGIFY(
	          HTML_TABLE_PAGE) "\"><thead><tr>"
	                           "<th data-t=\"n\">#</th><th "
	                           "data-t=\"n\">time</th><th>client</th><th>server</th><th>SNI</th>"
	                           "<th data-t=\"n\">version</th><th>outcome</th><th data-t=\"n\">worst "
	                           "finding</th></tr></thead><tbody>\n",
	      fp);
	for (size_t i = 0; i < h->count; i++)
		copy_out(h, h->blocks[i].off, h->blocks[i].row_len, fp);
	fputs("</tbody></table></div>\n", fp);
}

static void page_footer(FILE *fp, const struct report_inputs *in)
{
	fputs("<footer>Made by tlsscope " TLSSCOPE_VERSION " from ", fp);
	for (size_t i = 0; in && i < in->count; i++) {
		const struct capture_info *fi = &in->info[i];
		fputs(i ? "; " : "", fp);
		fputs("<code>", fp);
		html_escape(fp, in->names[i]);
		fprintf(fp, "</code> (%llu frames, %s%s)", (unsigned long long)fi->frames,
		        fi->dlt_name[0] ? fi->dlt_name : "?", fi->truncated ? ", truncated" : "");
	}
	fputs(". Times are capture times (UTC). Certificate checks are made at the time of each handshake."
	      "</footer>\n",
	      fp);
}

bool html_report_finish(struct html_report *h, FILE *fp, const struct ts_stats *s,
                        const struct report_inputs *in)
{
	if (!h)
		return false;
	fflush(h->tmp);
	if (h->count)
		qsort(h->blocks, h->count, sizeof(*h->blocks), worst_first);
	size_t shown = h->count < HTML_MAX_CONNS ? h->count : HTML_MAX_CONNS;
	html_page_begin(fp, "tlsscope report");
	page_header(fp, h, s, in);
	rollup_section(fp, in ? in->rollup : NULL);
	connection_table(fp, h, shown);
	fputs("<h2 id=\"details\">Connection details</h2>\n", fp);
	// cppcheck-suppress knownConditionTrueFalse -- cppcheck 2.10 takes shown for 0 after if (h->count)
	if (!shown)
		fputs("<p class=\"note\">No connections.</p>\n", fp);
	// cppcheck-suppress knownConditionTrueFalse -- the same misreading of shown
	for (size_t i = 0; i < shown; i++) {
		const struct html_block *b = &h->blocks[i];
		if (!b->detail_len)
			continue; /* its severity's details were full when it came */
		details_tag(fp, b->id, b->severity,
		            i < HTML_OPEN_DETAILS && run_summary_is_problem(b->severity));
		copy_out(h, b->off + (long)b->row_len, b->detail_len, fp);
	}
	fputs("</main>\n", fp);
	page_footer(fp, in);
	html_page_end(fp);
	bool ok = !h->failed && !ferror(fp);
	html_report_discard(h);
	return ok;
}

void html_report_discard(struct html_report *h)
{
	if (!h)
		return;
	fclose(h->tmp);
	free(h->blocks);
	free(h->points);
	free(h);
}
