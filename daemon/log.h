/* SPDX-License-Identifier: MIT */
/* log.h - the one place runtime errors are written, with what they concern */
#ifndef TAPQD_LOG_H
#define TAPQD_LOG_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <syslog.h>

struct tapqd;
struct log_ctx;

/* MESSAGE=, PRIORITY=, SYSLOG_IDENTIFIER= and the four TAPQD_ fields at most */
#define LOG_FIELDS_MAX 7
#define LOG_LINE_MAX 1024

/* One message as journal fields (log_fields): iov[i] points into text[i]. */
struct log_fields {
	struct iovec iov[LOG_FIELDS_MAX];
	char text[LOG_FIELDS_MAX][LOG_LINE_MAX + 16];
	size_t n;
};

void log_init(struct tapqd *d);
void log_detached(struct tapqd *d);
void log_msg(const struct tapqd *d, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t log_fields(struct log_fields *f, const struct log_ctx *c, int prio, const char *msg);
void log_device(struct tapqd *d, const char *name);
void log_queue(struct tapqd *d, int queue);
void log_peer(struct tapqd *d, pid_t pid, uid_t uid);

#define log_err(d, ...) log_msg(d, LOG_ERR, __VA_ARGS__)
#define log_warn(d, ...) log_msg(d, LOG_WARNING, __VA_ARGS__)
#define log_notice(d, ...) log_msg(d, LOG_NOTICE, __VA_ARGS__)
#define log_info(d, ...) log_msg(d, LOG_INFO, __VA_ARGS__)
#define log_debug(d, ...) log_msg(d, LOG_DEBUG, __VA_ARGS__)

#endif
