// SPDX-License-Identifier: MIT
/*
 * notify.c - the sd_notify side of tapqd: READY, STATUS, RELOADING, STOPPING,
 * WATCHDOG at half the interval systemd asks for, and the fd store messages
 */

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "device.h"
#include "log.h"
#include "notify.h"

static void notify_send(struct tapqd *d, const char *what, const char *msg)
{
	int r = sd_notify(0, msg);

	if (r < 0 && !d->notify_failed) {
		d->notify_failed = true;
		log_warn(d, "telling the service manager %s: %s", what, strerror(-r));
	}
}

/* "2 devices, 1 leased, 5 of 8 queues active": what `systemctl status` shows. */
static void notify_status_line(struct tapqd *d, char *buf, size_t size)
{
	unsigned int n = 0, leased = 0, active = 0, queues = 0;
	const struct device *dev;
	char why[sizeof(d->conf_error)];
	int o;

	TAILQ_FOREACH(dev, &d->devices, entry) {
		n++;
		leased += dev->lease != NULL;
		active += device_active_count(dev);
		queues += dev->conf.max_queues;
	}
	o = snprintf(buf, size, "STATUS=%u device%s, %u leased, %u of %u queues active", n,
		     n == 1 ? "" : "s", leased, active, queues);
	/* any user may read `systemctl status`: the file's own text stays in the journal */
	conf_error_redact(d->conf_error, why, sizeof(why));
	if (o > 0 && (size_t)o < size && why[0])
		snprintf(buf + o, size - (size_t)o, "; config not reloaded: %s", why);
}

void notify_status(struct tapqd *d)
{
	char buf[512];

	notify_status_line(d, buf, sizeof(buf));
	notify_send(d, "the status", buf);
}

static void notify_on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct tapqd *d = arg;

	(void)fd;
	(void)what;
	notify_send(d, "WATCHDOG=1", "WATCHDOG=1");
}

/* WATCHDOG_USEC set for this pid: ping at half of it, from the event loop, so a stuck loop shows. */
static void notify_watchdog_arm(struct tapqd *d)
{
	uint64_t usec = 0;
	struct timeval tv;
	int r = sd_watchdog_enabled(0, &usec);

	if (r <= 0 || d->watchdog_ev)
		return;
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	d->watchdog_ev = event_new(d->base, -1, EV_PERSIST, notify_on_watchdog, d);
	if (!d->watchdog_ev || event_add(d->watchdog_ev, &tv) < 0) {
		log_err(d, "arming the watchdog timer failed: systemd will restart tapqd");
		return;
	}
	log_info(d, "watchdog: every %llu ms", (unsigned long long)(usec / 1000));
}

void notify_ready(struct tapqd *d)
{
	char buf[560];

	/* READY=1 and the status in one message: no moment of "ready" without it */
	notify_status_line(d, buf + 8, sizeof(buf) - 8);
	memcpy(buf, "READY=1\n", 8);
	notify_send(d, "READY=1", buf);
	notify_watchdog_arm(d);
}

void notify_reloading(struct tapqd *d)
{
	struct timespec ts;
	char buf[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	notify_send(d, "RELOADING=1", buf);
}

void notify_stopping(struct tapqd *d)
{
	notify_send(d, "STOPPING=1", "STOPPING=1");
}

/*
 * One fd per message: an FDNAME= names every fd of its message. FDPOLL=0,
 * because systemd drops a stored fd that polls EPOLLERR, which a detached
 * queue does on some kernels; tapqd removes what it no longer wants itself.
 */
int notify_store_fd(const char *name, int fd)
{
	char msg[300];

	if (snprintf(msg, sizeof(msg), "FDSTORE=1\nFDPOLL=0\nFDNAME=%s", name) >= (int)sizeof(msg))
		return -ENAMETOOLONG;
	return sd_pid_notify_with_fds(0, 0, msg, &fd, 1);
}

int notify_remove_fd(const char *name)
{
	char msg[300];

	if (snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name) >= (int)sizeof(msg))
		return -ENAMETOOLONG;
	return sd_notify(0, msg);
}

void notify_close(struct tapqd *d)
{
	if (d->watchdog_ev)
		event_free(d->watchdog_ev);
	d->watchdog_ev = NULL;
}
