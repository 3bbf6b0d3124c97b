/* SPDX-License-Identifier: MIT */
/* notify.h - telling the service manager how tapqd is doing (sd_notify), and its watchdog */
#ifndef TAPQD_NOTIFY_H
#define TAPQD_NOTIFY_H

struct tapqd;

/*
 * Each sends nothing without NOTIFY_SOCKET (sd_notify's own rule), and a
 * failure to send is logged once per kind, never fatal: tapqd works the same
 * without a service manager.
 */
/* READY=1 with the status line; arms the watchdog when the manager wants one. */
void notify_ready(struct tapqd *d);
/* STATUS= devices, leases, active queues; call after any change of those. */
void notify_status(struct tapqd *d);
/* RELOADING=1 with MONOTONIC_USEC=, before a reload; notify_ready() after it. */
void notify_reloading(struct tapqd *d);
void notify_stopping(struct tapqd *d);
void notify_close(struct tapqd *d);
/*
 * FDSTORE=1 of one fd under a name, FDSTOREREMOVE=1 of every fd of a name.
 * Return: > 0 sent, 0 no service manager, or -errno; the caller logs.
 */
int notify_store_fd(const char *name, int fd);
int notify_remove_fd(const char *name);

#endif
