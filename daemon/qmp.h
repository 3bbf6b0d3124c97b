/* SPDX-License-Identifier: MIT */
/* qmp.h - a non-blocking QMP client that keeps a QEMU's vCPU list (query-cpus-fast) current */
#ifndef TAPQD_QMP_H
#define TAPQD_QMP_H

#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct qmp;

#define QMP_VCPUS_MAX 1024          /* QEMU's largest maxcpus (x86 with x2apic) */
#define QMP_MSG_MAX (256u << 10)    /* one QMP message; 1024 vCPUs take about 200 KiB */
#define QMP_POLL_MS 2000            /* QEMU sends no event when a CPU is added */
#define QMP_RETRY_MIN_MS 500
#define QMP_RETRY_MAX_MS 8000

/* One vCPU: QEMU's cpu-index and the host thread that runs it. */
struct qmp_vcpu {
	unsigned int index;
	pid_t thread;
};

/*
 * What the client reports; neither callback may free the client.
 * @vcpus: every reply to query-cpus-fast, sorted by cpu-index
 * @down: the connection failed or closed (@what says at which step, @err is
 *        a negative errno); the client retries by itself
 */
struct qmp_ops {
	void (*vcpus)(void *arg, const struct qmp_vcpu *v, size_t n);
	void (*down)(void *arg, const char *what, int err);
};

/*
 * qmp_new() - follows the QMP monitor at @path: connects (at once, from the
 * event loop), negotiates capabilities and queries the vCPUs, then again on
 * DEVICE_DELETED and ACPI_DEVICE_OST events and every QMP_POLL_MS; retries
 * a failed connection with a backoff of QMP_RETRY_MIN_MS..QMP_RETRY_MAX_MS.
 *
 * Return: the client, or NULL when out of memory (errno set).
 */
struct qmp *qmp_new(struct event_base *base, const char *path, const struct qmp_ops *ops,
		    void *arg);
void qmp_free(struct qmp *q);

/* The process on the other end (SO_PEERCRED), 0 while not connected. */
pid_t qmp_peer_pid(const struct qmp *q);

/*
 * qmp_parse_vcpus() - the vCPUs of one complete reply to query-cpus-fast,
 * as QEMU sends it ({"return": [{"cpu-index": 0, "thread-id": 123, ...}]}).
 * Pure, for any bytes.
 * @v: at most @max entries, sorted by cpu-index
 *
 * Return: the number of vCPUs; -EPROTO for anything else (garbage, a cut
 * message, an error reply, a vCPU without index or thread, an index twice);
 * -E2BIG for more than @max vCPUs.
 */
int qmp_parse_vcpus(const char *text, size_t len, struct qmp_vcpu *v, size_t max);

#endif
