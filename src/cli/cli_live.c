/*
 * cli_live.c - `tlsscope live`: options, opening the capture (and saying
 * plainly why it cannot be opened), the capture loop with its limits and
 * drop warnings, one line or JSON object per connection as soon as it is
 * decided, and the summary when the run stops (SIGINT, SIGTERM, --duration,
 * --count). SIGHUP reopens the --json-file (logrotate) and never stops a run.
 */
#include "cli_live.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture_live.h"
#include "cli_analysis.h"
#include "cli_completion.h"
#include "cli_number.h"
#include "cli_same_file.h"
#include "cli_tui.h"
#include "report_text.h"
#include "tui.h"

/* Drops are reported on stderr at most this often while they go on. */
#define LIVE_DROP_WARNING_NS (5 * 1000000000LL)

const char live_usage[] =
    "       tlsscope live -i IFACE [options]   (capture; one record per connection as it is decided)\n"
    "       tlsscope live -i IFACE --tui [options]   (the same in the curses view)\n"
    "       tlsscope live --list\n";

static void usage(FILE *fp)
{
	fprintf(fp,
	        "usage: tlsscope live -i IFACE [options]\n"
	        "       tlsscope live --list\n"
	        "\n"
	        "options for live:\n"
	        "  -i, --interface IFACE  capture on IFACE (\"any\": every interface)\n"
	        "  -f, --filter BPF     capture filter (default: tcp)\n"
	        "  --snaplen N          bytes kept per packet (default 262144)\n"
	        "  --duration SECS      stop after SECS seconds\n"
	        "  --count N            stop after N packets\n"
	        "  --write FILE         also save the captured packets to FILE (pcap), for analyze or diff\n"
	        "  --list               list the interfaces that can be captured, then exit\n"
	        "  --json               one JSON object per connection, then a summary object\n"
	        "  --json-file FILE     also append JSON Lines to FILE; SIGHUP reopens it (logrotate)\n"
	        "  --tui                the curses view, filled as connections are decided (q stops)\n"
	        "  --no-summary         leave out the summary\n"
	        "  --fail-on SEVERITY   exit 1 when a finding is at least SEVERITY (default: never)\n"
	        "  --color=WHEN         colours: auto (a terminal), always, never\n"
	        "%s"
	        "Stops on SIGINT or SIGTERM (a second one stops at once): open connections are reported,\n"
	        "then the summary. SIGHUP reopens --json-file and goes on. Capturing"
	        " needs root or CAP_NET_RAW and CAP_NET_ADMIN. See tlsscope(1) and docs/deploying.md.\n",
	        analysis_options_help);
}

/* Set by the signal handler, or by the view's thread when the user quits. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGHUP: the --json-file is reopened by the next write (logrotate has moved it). */
static volatile sig_atomic_t reopen_requested;

static void on_reopen_signal(int sig)
{
	(void)sig;
	reopen_requested = 1;
}

/* How often the view's summary bar gets libpcap's counters. */
#define LIVE_STATUS_NS 1000000000LL

struct live_output {
	bool json;
	struct jsonw w;
	struct report_inputs inputs;
	bool write_failed;
	/* --json-file: touched by the writer thread, then by the main thread after the drain. */
	const char *json_path;
	FILE *json_file;
	struct jsonw wf;
};

/* Open (append: a restart adds to the day's file) the --json-file; false with the reason printed. */
static bool json_file_open(struct live_output *o)
{
	o->json_file = fopen(o->json_path, "a");
	if (!o->json_file) {
		fprintf(stderr, "tlsscope: --json-file %s: cannot write: %s\n", o->json_path,
		        strerror(errno));
		return false;
	}
	return true;
}

/* After SIGHUP: the old file (renamed by logrotate) is closed, a new one opened at the path. */
static void json_file_reopen_if_asked(struct live_output *o)
{
	if (!o->json_path || !__atomic_exchange_n(&reopen_requested, 0, __ATOMIC_RELAXED))
		return;
	if (o->json_file && fclose(o->json_file) != 0)
		o->write_failed = true;
	o->json_file = NULL;
	if (!json_file_open(o))
		o->write_failed = true;
}

/* On the writer thread: each record as it is decided, flushed at once for a reader at the other end of a
 * pipe. */
static void write_record(const struct conn *c, const struct diagnosis *dg, void *user)
{
	struct live_output *o = user;
	if (o->json) {
		if (!json_conn_line(&o->w, stdout, c, dg, &o->inputs))
			o->write_failed = true;
	} else {
		report_text_brief(stdout, c, dg, &o->inputs);
	}
	if (fflush(stdout) != 0)
		o->write_failed = true;
	json_file_reopen_if_asked(o);
	if (o->json_file &&
	    (!json_conn_line(&o->wf, o->json_file, c, dg, &o->inputs) || fflush(o->json_file) != 0))
		o->write_failed = true;
}

static void print_interface(const char *name, const char *description, bool up, bool loopback, void *user)
{
	(void)user;
	printf("%-16s %s%s%s%s\n", name, up ? "up" : "down", loopback ? ", loopback" : "",
	       description ? "  " : "", description ? description : "");
}

/* One line that says what is wrong and what to do about it. */
static void print_open_error(enum live_error why, const struct live_options *lo, const char *err)
{
	switch (why) {
	case LIVE_PERMISSION:
		fprintf(
		    stderr,
		    "tlsscope: cannot capture on %s: permission denied (%s); run as root or give the binary "
		    "CAP_NET_RAW and CAP_NET_ADMIN: setcap cap_net_raw,cap_net_admin=eip $(command -v "
		    "tlsscope)\n",
		    lo->interface, err);
		break;
	case LIVE_NO_DEVICE:
		fprintf(stderr, "tlsscope: no interface named '%s' (%s); tlsscope live --list shows them\n",
		        lo->interface, err);
		break;
	case LIVE_DEVICE_DOWN:
		fprintf(stderr, "tlsscope: interface %s is down (%s)\n", lo->interface, err);
		break;
	case LIVE_BAD_FILTER:
		fprintf(stderr, "tlsscope: bad capture filter '%s': %s\n", lo->filter, err);
		break;
	case LIVE_WRITE:
		fprintf(stderr, "tlsscope: --write %s: %s\n", lo->write_path, err);
		break;
	default:
		fprintf(stderr, "tlsscope: cannot capture on %s: %s\n", lo->interface, err);
		break;
	}
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool parse_count(const char *opt, const char *arg, long long max, long long *out)
{
	uint64_t v;
	if (!cli_parse_number(opt, arg, 1, (uint64_t)max, &v))
		return false;
	*out = (long long)v;
	return true;
}

/* Warn while drops happen, not on every poll: one line per LIVE_DROP_WARNING_NS at most. */
struct drop_watch {
	uint64_t reported;
	int64_t last_warning_ns;
};

/* True when `count` grew since the last warning and the last one is old enough. */
static bool warning_due(struct drop_watch *dw, uint64_t count, int64_t now)
{
	if (count <= dw->reported || now - dw->last_warning_ns < LIVE_DROP_WARNING_NS)
		return false;
	dw->reported = count;
	dw->last_warning_ns = now;
	return true;
}

/* The interface's frames and capture span, as the summary reads a file's. */
static void info_take_counters(struct capture_info *info, const struct live_counters *k)
{
	info->frames = k->frames;
	info->timed_frames = k->timed_frames;
	info->first_ts_ns = k->first_ts_ns;
	info->last_ts_ns = k->last_ts_ns;
}

static void watch_drops(struct drop_watch *dw, const struct live_counters *k, int64_t now)
{
	uint64_t dropped = k->dropped_by_kernel + k->dropped_by_interface;
	if (!warning_due(dw, dropped, now))
		return;
	fprintf(stderr,
	        "tlsscope: warning: %llu packets dropped so far (%llu by the kernel, %llu by the interface) "
	        "of %llu "
	        "received; connections may be missed or incomplete\n",
	        (unsigned long long)dropped, (unsigned long long)k->dropped_by_kernel,
	        (unsigned long long)k->dropped_by_interface, (unsigned long long)k->received);
}

/* The output queue full: standard output is not read, so records go, packets do not. */
static void watch_records(struct drop_watch *dw, uint64_t dropped, int64_t now)
{
	if (warning_due(dw, dropped, now))
		fprintf(stderr,
		        "tlsscope: warning: %llu connection records dropped so far: the output is not being "
		        "read (the capture goes on)\n",
		        (unsigned long long)dropped);
}

/* One run of the capture loop; with --tui it runs on its own thread and feeds the view's summary bar. */
struct live_run {
	struct live_capture *lc;
	struct engine *engine;
	struct pipeline *analysis;
	struct tui_model *model; /* --tui, else NULL */
	const char *interface;
	long long duration_s, count;
	int status;
	char err[1200]; /* why the capture stopped by itself */
};

static void show_counters(struct live_run *r, const char *state, const struct live_counters *k)
{
	char text[160];
	uint64_t dropped = k->dropped_by_kernel + k->dropped_by_interface;
	snprintf(text, sizeof(text), "%s %s: %llu packets received, %llu dropped%s", state, r->interface,
	         (unsigned long long)k->received, (unsigned long long)dropped,
	         dropped ? " (connections may be missed)" : "");
	tui_model_set_status(r->model, text); /* the view redraws only if the text changed */
}

/* Until a signal, q, --duration, --count, or the capture fails (EXIT_USAGE, r->err set). */
static int capture_loop(struct live_run *r)
{
	struct live_counters k = {0};
	struct drop_watch drops = {0}, records = {0};
	int64_t started = monotonic_ns(), last_stats = started;
	if (r->model)
		show_counters(r, "live on", &k);
	while (!__atomic_load_n(&stop_requested, __ATOMIC_RELAXED)) {
		int64_t now = monotonic_ns();
		if (r->duration_s && now - started >= r->duration_s * 1000000000LL)
			break;
		uint64_t left = r->count ? (uint64_t)r->count - k.frames : 0;
		if (live_poll(r->lc, r->engine, left, r->err, sizeof(r->err)) < 0) {
			fprintf(stderr, "tlsscope: capture on %s stopped: %s\n", r->interface, r->err);
			return EXIT_USAGE;
		}
		live_counters_get(r->lc, &k);
		/* Every poll, not only every LIVE_STATUS_NS: records go while a reader stalls. */
		watch_records(&records, pipeline_records_dropped(r->analysis), now);
		if (r->count && k.frames >= (uint64_t)r->count)
			break;
		if (now - last_stats >= LIVE_STATUS_NS) {
			watch_drops(&drops, &k, now);
			if (r->model)
				show_counters(r, "live on", &k);
			last_stats = now;
		}
	}
	return 0;
}

static void *capture_for_view(void *arg)
{
	struct live_run *r = arg;
	struct live_counters k;
	r->status = capture_loop(r);
	analysis_drain(r->analysis); /* open connections into the view */
	live_counters_get(r->lc, &k);
	show_counters(r, "stopped on", &k);
	if (r->status) {
		char text[160];
		/* One status line: a long libpcap message is cut, and says so. */
		if (snprintf(text, sizeof(text), "capture on %s FAILED: %s", r->interface, r->err) >=
		    (int)sizeof(text))
			memcpy(text + sizeof(text) - 4, "...", 4);
		tui_model_set_status(r->model, text);
	}
	tui_model_set_done(r->model);
	return NULL;
}

/* --tui: the capture on its own thread, the view on this one until q or a
 * signal (both stop the capture as SIGINT does without --tui); then the
 * analysis is drained and the held messages printed. */
static int run_in_view(struct live_run *r)
{
	struct cli_tui_held held;
	pthread_t capture;
	cli_tui_hold_stderr(&held);
	if (!cli_tui_start_source(&capture, capture_for_view, r)) {
		cli_tui_release_stderr(&held);
		fprintf(stderr, "tlsscope: cannot start the capture thread\n");
		return EXIT_USAGE;
	}
	tui_run(r->model, "tlsscope live");
	__atomic_store_n(&stop_requested, 1, __ATOMIC_RELAXED);
	pthread_join(capture, NULL);
	cli_tui_release_stderr(&held);
	return r->status;
}

enum live_option_code {
	OPT_JSON = OPT_ANALYSIS_LAST + 1,
	OPT_NO_SUMMARY,
	OPT_FAIL_ON,
	OPT_COLOR,
	OPT_SNAPLEN,
	OPT_DURATION,
	OPT_COUNT,
	OPT_WRITE,
	OPT_LIST,
	OPT_TUI,
	OPT_JSON_FILE,
};

/* The options of `live`, also the source of the shell completions (cli_completion.c). */
const struct option live_long_options[] = {
    ANALYSIS_LONG_OPTIONS,
    {"interface", required_argument, NULL, 'i'},
    {"filter", required_argument, NULL, 'f'},
    {"snaplen", required_argument, NULL, OPT_SNAPLEN},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"count", required_argument, NULL, OPT_COUNT},
    {"write", required_argument, NULL, OPT_WRITE},
    {"list", no_argument, NULL, OPT_LIST},
    {"json", no_argument, NULL, OPT_JSON},
    {"json-file", required_argument, NULL, OPT_JSON_FILE},
    {"tui", no_argument, NULL, OPT_TUI},
    {"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"color", required_argument, NULL, OPT_COLOR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
const char live_short_options[] = "i:f:h";

int cmd_live(int argc, char **argv)
{
	struct live_options lo = {.filter = "tcp"};
	struct live_output o = {0};
	struct analysis_config cfg;
	struct pipeline *a = NULL;
	struct live_capture *lc = NULL;
	struct capture_info info = {0};
	struct live_counters counters = {0};
	const char *color = "auto";
	long long duration_s = 0, count = 0, v;
	bool summary = true, list = false, tui = false;
	struct tui_model *model = NULL;
	int fail_on = SEV_COUNT;
	int status = 0;
	int c;
	char err[1200];
	jw_init(&o.w);
	jw_init(&o.wf);
	if (!analysis_config_init(&cfg, argc)) {
		fprintf(stderr, "tlsscope: out of memory\n");
		status = EXIT_USAGE;
		goto out;
	}
	optind = 1;
	while ((c = analysis_getopt(&cfg, argc, argv, live_short_options, live_long_options)) != -1) {
		switch (c) {
		case ANALYSIS_OPTION_BAD:
			status = EXIT_USAGE;
			goto out;
		case 'i':
			lo.interface = optarg;
			break;
		case 'f':
			lo.filter = optarg;
			break;
		case OPT_SNAPLEN:
			if (!parse_count("--snaplen", optarg, 262144, &v)) {
				status = EXIT_USAGE;
				goto out;
			}
			lo.snaplen = (int)v;
			break;
		case OPT_DURATION:
			if (!parse_count("--duration", optarg, 86400LL * 3650, &duration_s)) {
				status = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_COUNT:
			if (!parse_count("--count", optarg, 1LL << 62, &count)) {
				status = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_WRITE:
			lo.write_path = optarg;
			break;
		case OPT_LIST:
			list = true;
			break;
		case OPT_JSON:
			o.json = true;
			break;
		case OPT_JSON_FILE:
			o.json_path = optarg;
			break;
		case OPT_TUI:
			tui = true;
			break;
		case OPT_NO_SUMMARY:
			summary = false;
			break;
		case OPT_FAIL_ON:
			if (!parse_fail_on(optarg, &fail_on)) {
				status = EXIT_USAGE;
				goto out;
			}
			break;
		case OPT_COLOR:
			if (!parse_color(optarg)) {
				status = EXIT_USAGE;
				goto out;
			}
			color = optarg;
			break;
		case 'h':
			usage(stdout);
			goto out;
		default:
			usage(stderr);
			status = EXIT_USAGE;
			goto out;
		}
	}
	if (list) {
		if (!live_list_interfaces(print_interface, NULL, err, sizeof(err))) {
			fprintf(stderr, "tlsscope: cannot list the interfaces: %s\n", err);
			status = EXIT_USAGE;
		}
		goto out;
	}
	if (!lo.interface || optind < argc) {
		fprintf(stderr,
		        optind < argc
		            ? "tlsscope: live takes no file arguments ('%s')\n"
		            : "tlsscope: live needs an interface: -i IFACE (tlsscope live --list)\n",
		        optind < argc ? argv[optind] : "");
		status = EXIT_USAGE;
		goto out;
	}
	if (tui && o.json) {
		fprintf(stderr, "tlsscope: live: --tui and --json cannot be used together\n");
		status = EXIT_USAGE;
		goto out;
	}
	if (tui && o.json_path) {
		fprintf(stderr, "tlsscope: live: --tui and --json-file cannot be used together\n");
		status = EXIT_USAGE;
		goto out;
	}
	if (tui && !cli_tui_need_terminal("live --tui")) {
		status = EXIT_USAGE;
		goto out;
	}
	if (!cli_output_not_input("--write", lo.write_path, cfg.read_files, cfg.read_file_count) ||
	    !cli_output_not_input("--json-file", o.json_path, cfg.read_files, cfg.read_file_count)) {
		status = EXIT_USAGE;
		goto out;
	}
	if (o.json_path && !json_file_open(&o)) {
		status = EXIT_USAGE;
		goto out;
	}
	enum live_error why;
	lc = live_open(&lo, &why, err, sizeof(err));
	if (!lc) {
		print_open_error(why, &lo, err);
		status = EXIT_USAGE;
		goto out;
	}
	info.dlt = live_link_type(lc);
	snprintf(info.dlt_name, sizeof(info.dlt_name), "%s", live_link_type_name(lc));
	info.nanosecond = live_nanosecond(lc);
	o.inputs.names = &lo.interface;
	o.inputs.info = &info;
	o.inputs.count = 1;
	o.inputs.color = !o.json && !tui && color_wanted(color, stdout);
	cfg.engine.report_when_decided = true; /* and the writer wakes for each record */
	cfg.drop_records_when_full = !tui;     /* the view keeps every record itself */
	if (tui && !(model = tui_model_new(&o.inputs))) {
		fprintf(stderr, "tlsscope: out of memory (or no temporary file for the view)\n");
		status = EXIT_USAGE;
		goto out;
	}

	/* The writer thread inherits a mask without SIGINT/SIGTERM, so they interrupt this thread's poll. */
	/* SA_RESETHAND: a second Ctrl-C stops at once, without the summary. glibc
	 * defines it as an unsigned 0x80000000 for the int sa_flags: the cast is the bit. */
	struct sigaction sa = {.sa_handler = on_stop_signal, .sa_flags = (int)SA_RESETHAND};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* SIGHUP's default would end the run with no summary: under --tui the terminal has gone,
	 * so it stops the run; otherwise it only asks for the --json-file to be reopened. */
	struct sigaction hup = {.sa_handler = tui ? on_stop_signal : on_reopen_signal};
	sigemptyset(&hup.sa_mask);
	sigaction(SIGHUP, &hup, NULL);
	sigset_t stop_set, old_set;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop_set, &old_set);
	a = tui ? analysis_start(&cfg, cli_tui_sink, model) : analysis_start(&cfg, write_record, &o);
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	if (!a) {
		status = EXIT_USAGE;
		goto out;
	}

	/* As tcpdump does: a person (or a test) sees when packets start to count. */
	fprintf(stderr, "tlsscope: listening on %s, link type %s, filter '%s'\n", lo.interface, info.dlt_name,
	        lo.filter);
	struct engine *e = pipeline_engine(a);
	struct live_run run = {.lc = lc,
	                       .engine = e,
	                       .analysis = a,
	                       .model = model,
	                       .interface = lo.interface,
	                       .duration_s = duration_s,
	                       .count = count};
	if (tui) {
		status = run_in_view(&run); /* drained there */
	} else {
		status = capture_loop(&run);
		analysis_drain(a); /* open connections reported, every record written */
	}
	live_counters_get(lc, &counters);
	counters.records_dropped = pipeline_records_dropped(a);
	info_take_counters(&info, &counters);
	o.inputs.capture = &counters;
	if (summary) {
		const struct ts_stats *stats = engine_stats(e);
		if (o.json) {
			report_json_summary(&o.w, stats, &o.inputs);
			if (!jw_flush_line(&o.w, stdout))
				o.write_failed = true;
		} else {
			report_text_summary(stdout, stats, &o.inputs);
		}
		json_file_reopen_if_asked(&o);
		if (o.json_file) {
			report_json_summary(&o.wf, stats, &o.inputs);
			if (!jw_flush_line(&o.wf, o.json_file))
				o.write_failed = true;
		}
	}
	if (o.json_file) {
		if (fclose(o.json_file) != 0)
			o.write_failed = true;
		o.json_file = NULL;
	}
	if (!live_close(lc)) {
		fprintf(stderr, "tlsscope: --write %s: writing failed\n", lo.write_path);
		status = EXIT_USAGE;
	}
	lc = NULL;
	if (fflush(stdout) != 0 || o.write_failed) {
		fprintf(stderr, "tlsscope: writing the output failed: %s\n", strerror(errno));
		status = EXIT_USAGE;
	}
	if (status == 0 && fail_on < SEV_COUNT && pipeline_worst(a) >= fail_on)
		status = EXIT_FINDINGS;
out:
	pipeline_free(a); /* before the model: the writer thread feeds it */
	tui_model_free(model);
	live_close(lc);
	if (o.json_file)
		fclose(o.json_file);
	jw_free(&o.w);
	jw_free(&o.wf);
	analysis_config_free(&cfg);
	return status;
}
