// SPDX-License-Identifier: MIT
/* main.c - tapqd start-up, the event loop and the orderly stop */

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "adopt.h"
#include "ctl.h"
#include "daemon.h"
#include "device.h"
#include "fdlimit.h"
#include "instance.h"
#include "link.h"
#include "linkgroup.h"
#include "log.h"
#include "model.h"
#include "monitor.h"
#include "notify.h"
#include "refuse.h"
#include "reload.h"
#include "statefile.h"
#include "sync.h"
#include "topo.h"
#include "verbs.h"

#define MAIN_DEFAULT_CONF "/etc/tapqd/tapqd.conf"

static void main_usage(FILE *f)
{
	fprintf(f, "usage: tapqd [-f] [-t] [-c FILE]\n"
		   "  -c FILE  configuration (default " MAIN_DEFAULT_CONF ")\n"
		   "  -f       stay in the foreground and log to stderr\n"
		   "  -t       check the configuration and exit: 0 valid, 1 not\n");
}

/* Start-up failures stop the daemon with one line. */
static void __attribute__((noreturn)) main_die(const struct tapqd *d, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_err(d, "%s", line);
	exit(1);
}

/* A 256-queue device is 256 fds, and every lease in flight may hold duplicates. */
static void main_raise_nofile(struct tapqd *d)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn(d, "raising the fd limit to %llu: %s", (unsigned long long)rl.rlim_max,
			 strerror(errno));
}

/*
 * tapqd has no cap of its own on devices: the fd limit is the first of the
 * host's a big config meets, and better said at start than as one device
 * after another failing. The few fds beyond the devices' are tapqd's own
 * (sockets, netlink, the event loop) and a first client or two.
 */
#define MAIN_OWN_FDS 64

static void main_check_nofile(struct tapqd *d)
{
	size_t need = fdlimit_conf_open(&d->conf) + MAIN_OWN_FDS;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    need <= rl.rlim_cur)
		return;
	main_die(d, "%s: its %zu devices need %zu file descriptors (their queues, a holder "
		    "and a stored bundle each, %d of tapqd's own), and the fd limit is %llu: raise it (LimitNOFILE= of "
		    "tapqd.service, ulimit -n) or declare fewer devices",
		 d->conf_path, d->conf.n_devices, need, MAIN_OWN_FDS,
		 (unsigned long long)rl.rlim_cur);
}

/* daemon() moves to /: a reload must still find a file named relative to where tapqd started. */
static void main_absolute_conf_path(struct tapqd *d, char *buf, size_t size)
{
	char cwd[PATH_MAX];
	int n;

	if (d->conf_path[0] == '/')
		return;
	if (!getcwd(cwd, sizeof(cwd)))
		main_die(d, "reading the current directory for %s: %s", d->conf_path,
			 strerror(errno));
	n = snprintf(buf, size, "%s/%s", cwd, d->conf_path);
	if (n < 0 || (size_t)n >= size)
		main_die(d, "%s/%s: path too long", cwd, d->conf_path);
	d->conf_path = buf;
}

/*
 * The config file does not load, yet the fd store passed devices back: the
 * config they were made under, carried in the stored state, keeps them. A
 * refusal to start would only lead, restart after restart, to the start
 * limit, and systemd then drops the whole store. The file's error is
 * reported as a refused reload's is, and a reload takes the file once fixed.
 */
static void main_carried_conf(struct tapqd *d, const struct conf_error *file_err)
{
	struct conf_error err;
	char why[600], line[600];
	size_t len = 0;
	char *text = adopt_take_conf(d, &len);

	conf_error_format(file_err, why, sizeof(why));
	if (!text)
		main_die(d, "%s", why);
	if (conf_parse_buffer(text, len, d->conf_path, &conf_lookup_system, &d->conf, &err) < 0) {
		free(text);
		conf_error_format(&err, line, sizeof(line));
		main_die(d, "%s; the configuration last applied, carried in the fd store, does not "
			    "load either: %s",
			 why, line);
	}
	conf_error_format(file_err, d->conf_error, sizeof(d->conf_error));
	log_err(d, "config refused, the configuration last applied (carried in the fd store) "
		   "runs: %s",
		why);
	statefile_keep_conf(d, text, len);
}

static size_t main_count_devices(const struct tapqd *d)
{
	const struct device *dev;
	size_t n = 0;

	TAILQ_FOREACH(dev, &d->devices, entry)
		n++;
	return n;
}

static void main_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct tapqd *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		/* the outcome is logged and kept in d->conf_error: nobody waits for an answer */
		reload_run(d);
		return;
	}
	log_info(d, "%s: stopping", strsignal((int)sig));
	notify_stopping(d);
	if (d->fdstore && sig == SIGTERM)
		d->store_discarded = fdlimit_unit_stopping(d);
	event_base_loopbreak(d->base);
}

/* Our copies go; a leased device lives on through its holder's fds. */
static void main_stop(struct tapqd *d)
{
	ctl_stop(d);
	refuse_fini(d);
	model_stop(d);
	for (size_t i = 0; i < sizeof(d->signal_evs) / sizeof(d->signal_evs[0]); i++)
		if (d->signal_evs[i])
			event_free(d->signal_evs[i]);
	statefile_close(d);
	fdlimit_stop(d);
	monitor_close(d);
	notify_close(d);
	link_close(d->nl);
	topo_fini(d);
	event_base_free(d->base);
	instance_release(d);
}

int main(int argc, char **argv)
{
	static const int signals[] = {SIGTERM, SIGINT, SIGHUP};
	struct tapqd *d = calloc(1, sizeof(*d));
	struct conf_error err;
	char conf_path[PATH_MAX], line[600];
	bool foreground = false, test_only = false;
	char what[512] = "", *text = NULL;
	size_t text_len = 0;
	int opt, r, conf_r;

	if (!d) {
		fprintf(stderr, "tapqd: out of memory\n");
		return 1;
	}
	d->log_errors = &d->stats.errors;
	d->conf_path = MAIN_DEFAULT_CONF;
	d->listen_fd = -1;
	d->lock_fd = -1;
	d->log_level = LOG_INFO;
	TAILQ_INIT(&d->devices);
	model_init(d);
	while ((opt = getopt(argc, argv, "c:fth")) != -1) {
		switch (opt) {
		case 'c':
			d->conf_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 't':
			test_only = true;
			break;
		case 'h':
			main_usage(stdout);
			free(d);
			return 0;
		default:
			main_usage(stderr);
			free(d);
			return 1;
		}
	}
	if (optind != argc) {
		main_usage(stderr);
		free(d);
		return 1;
	}
	log_init(d);
	conf_r = conf_load_file_text(d->conf_path, &conf_lookup_system, &d->conf, &err, &text,
				     &text_len);
	if (conf_r < 0 && test_only) {
		conf_error_format(&err, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
		free(d);
		return 1;
	}
	if (test_only) {
		printf("%s: configuration OK, %zu device%s\n", d->conf_path, d->conf.n_devices,
		       d->conf.n_devices == 1 ? "" : "s");
		free(text);
		conf_free(&d->conf);
		free(d);
		return 0;
	}
	/* before any fork: LISTEN_PID names this process */
	d->fdstore = getenv("NOTIFY_SOCKET") != NULL;
	r = adopt_start(d, what, sizeof(what));
	if (r < 0)
		main_die(d, "%s: %s", what, strerror(-r));
	if (conf_r < 0)
		main_carried_conf(d, &err);
	else
		statefile_keep_conf(d, text, text_len);
	/* before anything is touched: a second tapqd leaves the first one's taps and state alone */
	r = instance_claim(d, what, sizeof(what));
	if (r == -EALREADY || r == -EADDRINUSE)
		main_die(d, "%s", what);
	if (r < 0)
		main_die(d, "%s: %s", what, strerror(-r));
	d->log_level = (int)d->conf.log_level;
	main_absolute_conf_path(d, conf_path, sizeof(conf_path));
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		main_die(d, "ignoring SIGPIPE: %s", strerror(errno));
	main_raise_nofile(d);
	main_check_nofile(d);
	d->base = event_base_new();
	/* two priorities: the monitor's events run before the clients' (monitor.c) */
	if (!d->base || event_base_priority_init(d->base, 2) < 0)
		main_die(d, "creating the event loop failed");
	r = link_open(&d->nl);
	if (r < 0)
		main_die(d, "opening rtnetlink: %s", strerror(-r));
	r = monitor_open(d);
	if (r < 0)
		main_die(d, "opening the rtnetlink monitor: %s", strerror(-r));
	r = topo_init(d, what, sizeof(what));
	if (r == -EINVAL)
		main_die(d, "%s", what);
	if (r < 0)
		main_die(d, "%s: %s", what, strerror(-r));
	if (statefile_init(d) < 0)
		main_die(d, "%s: the lease state file beside it would be too long a path",
			 d->conf.socket_path);
	linkgroup_init(d);
	/* before adopt_leases(): it counts what the store passed back, before any is removed */
	fdlimit_start(d);
	adopt_leases(d);
	model_start(d);
	if (refuse_init(d) < 0)
		main_die(d, "out of memory");
	r = ctl_listen(d, &verbs_ops, what, sizeof(what));
	if (r < 0)
		main_die(d, "%s: %s", what, strerror(-r));
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		d->signal_evs[i] = evsignal_new(d->base, signals[i], main_on_signal, d);
		if (!d->signal_evs[i] || event_add(d->signal_evs[i], NULL) < 0)
			main_die(d, "installing signal handlers failed");
	}
	if (!foreground) {
		if (daemon(0, 0) < 0)
			main_die(d, "detaching: %s", strerror(errno));
		if (event_reinit(d->base) < 0)
			main_die(d, "re-initialising the event loop after detaching failed");
		log_detached(d);
		r = instance_note_pid(d, what, sizeof(what));
		if (r < 0)
			log_warn(d, "%s: %s; a second tapqd will not name this one", what,
				 strerror(-r));
	}
	/* threads do not survive daemon()'s fork: they start only now */
	r = ctl_closer_start(d);
	if (r < 0)
		log_warn(d, "starting the thread that closes fds clients send: %s; holding them "
			    "open instead, and dropping the clients that send them",
			 strerror(-r));
	d->threads = true;
	sync_all(d);
	r = monitor_start(d);
	if (r < 0)
		main_die(d, "subscribing to rtnetlink link notifications: %s", strerror(-r));
	log_info(d, "ready: %zu of %zu devices, listening on %s", main_count_devices(d),
		 d->conf.n_devices,
		 d->listen_path[0] ? d->listen_path : "the socket from the service manager");
	notify_ready(d);
	event_base_dispatch(d->base);
	main_stop(d);
	log_info(d, "stopped");
	conf_free(&d->conf);
	free(d);
	return 0;
}
