// SPDX-License-Identifier: MIT
/* log.c - log lines to the terminal, to the journal's stream, or to the journal */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
}

/* After daemon() stderr is /dev/null: the journal is where the lines can still go. */
void log_detached(struct tapqd *d)
{
	if (d->log_target == LOG_TERMINAL)
		d->log_target = LOG_JOURNAL;
}

void log_msg(const struct tapqd *d, int prio, const char *fmt, ...)
{
	static const char *const names[] = {"emerg", "alert", "crit",   "error",
					    "warning", "notice", "info", "debug"};
	char line[1024];
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
		fprintf(stderr, "<%d>%s\n", prio, line);
		break;
	case LOG_JOURNAL:
		sd_journal_print(prio, "%s", line);
		break;
	case LOG_TERMINAL:
		fprintf(stderr, "tapqd: %s: %s\n", names[prio & 7], line);
		break;
	}
}
