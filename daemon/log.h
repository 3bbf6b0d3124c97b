/* SPDX-License-Identifier: MIT */
/* log.h - the one place runtime errors are written */
#ifndef TAPQD_LOG_H
#define TAPQD_LOG_H

#include <syslog.h>

struct tapqd;

void log_init(struct tapqd *d);
void log_detached(struct tapqd *d);
void log_msg(const struct tapqd *d, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(d, ...) log_msg(d, LOG_ERR, __VA_ARGS__)
#define log_warn(d, ...) log_msg(d, LOG_WARNING, __VA_ARGS__)
#define log_notice(d, ...) log_msg(d, LOG_NOTICE, __VA_ARGS__)
#define log_info(d, ...) log_msg(d, LOG_INFO, __VA_ARGS__)
#define log_debug(d, ...) log_msg(d, LOG_DEBUG, __VA_ARGS__)

#endif
