// SPDX-License-Identifier: MIT
/* log.c - log lines to the terminal, to the journal's stream, or to the journal with fields */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "daemon.h"
#include "log.h"

/* True when stderr is the stream systemd connected to the journal (JOURNAL_STREAM=dev:ino). */
static int log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(2, &st) < 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(struct tapqd *d)
{
	d->log_target = log_stderr_is_journal() ? LOG_STREAM : LOG_TERMINAL;
	d->log_ctx.queue = -1;
}

/* After daemon() stderr is /dev/null: the journal is where the lines can still go. */
void log_detached(struct tapqd *d)
{
	if (d->log_target == LOG_TERMINAL)
		d->log_target = LOG_JOURNAL;
}

/* The name is copied whole or not at all: a cut name would be another device's. */
void log_device(struct tapqd *d, const char *name)
{
	if (!name || strlen(name) >= sizeof(d->log_ctx.device))
		d->log_ctx.device[0] = '\0';
	else
		strcpy(d->log_ctx.device, name);
}

void log_queue(struct tapqd *d, int queue)
{
	d->log_ctx.queue = queue;
}

void log_peer(struct tapqd *d, pid_t pid, uid_t uid)
{
	d->log_ctx.peer = true;
	d->log_ctx.peer_pid = pid;
	d->log_ctx.peer_uid = uid;
}

static void log_field(struct log_fields *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_field(struct log_fields *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(f->text[f->n], sizeof(f->text[f->n]), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	f->iov[f->n].iov_base = f->text[f->n];
	f->iov[f->n].iov_len = strnlen(f->text[f->n], sizeof(f->text[f->n]) - 1);
	f->n++;
}

/*
 * Fills f with the journal fields of one message; returns how many of them
 * say what it concerns (the TAPQD_ fields): none, and a line on the stream
 * says as much.
 */
size_t log_fields(struct log_fields *f, const struct log_ctx *c, int prio, const char *msg)
{
	size_t base;

	f->n = 0;
	log_field(f, "MESSAGE=%s", msg);
	log_field(f, "PRIORITY=%d", prio & 7);
	log_field(f, "SYSLOG_IDENTIFIER=tapqd");
	base = f->n;
	if (c->device[0])
		log_field(f, "TAPQD_DEVICE=%s", c->device);
	if (c->queue >= 0)
		log_field(f, "TAPQD_QUEUE=%d", c->queue);
	if (c->peer) {
		log_field(f, "TAPQD_PEER_PID=%d", (int)c->peer_pid);
		log_field(f, "TAPQD_PEER_UID=%u", (unsigned int)c->peer_uid);
	}
	return f->n - base;
}

/*
 * Under systemd a line with fields goes natively (sd_journal_sendv), and
 * one without stays on the stream: journald learns a native sender's unit
 * from /proc, which is gone when tapqd has just exited, so the last lines
 * at a stop would miss `journalctl -u`; the stream's unit is known from its
 * start. If the native socket refuses, the line still goes to the stream.
 */
void log_msg(const struct tapqd *d, int prio, const char *fmt, ...)
{
	static const char *const names[] = {"emerg", "alert", "crit",   "error",
					    "warning", "notice", "info", "debug"};
	struct log_fields f;
	char line[LOG_LINE_MAX];
	va_list ap;

	if (prio <= LOG_ERR && d->log_errors)
		atomic_fetch_add(d->log_errors, 1);
	if (prio > d->log_level)
		return;
	if (d->log_gate && !d->log_gate(d, prio))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	switch (d->log_target) {
	case LOG_STREAM:
		if (log_fields(&f, &d->log_ctx, prio, line) > 0 &&
		    sd_journal_sendv(f.iov, (int)f.n) == 0)
			break;
		fprintf(stderr, "<%d>%s\n", prio, line);
		break;
	case LOG_JOURNAL:
		log_fields(&f, &d->log_ctx, prio, line);
		/* stderr is /dev/null: nowhere is left to say the journal refused */
		(void)sd_journal_sendv(f.iov, (int)f.n);
		break;
	case LOG_TERMINAL:
		fprintf(stderr, "tapqd: %s: %s\n", names[prio & 7], line);
		break;
	}
}
