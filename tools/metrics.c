// SPDX-License-Identifier: MIT
/*
 * metrics.c - tapqctl metrics: what STATUS says, as Prometheus text for
 * node_exporter's textfile collector (write it to a temporary file and
 * rename it into the collector's directory, so it never reads half of it)
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "promtext.h"

enum metric {
	M_DEVICES,
	M_LEASES,
	M_MAX_QUEUES,
	M_ACTIVE_QUEUES,
	M_LEASED,
	M_TUNSETQUEUE,
	M_Q_ACTIVE,
	M_Q_RX_PACKETS,
	M_Q_RX_BYTES,
	M_Q_TX_PACKETS,
	M_Q_TX_BYTES,
	M_Q_DROPS,
	M_Q_CPU,
	M_RESIZES,
	M_REFUSALS,
	M_RELOADS,
	M_ERRORS,
	M_CONNECTIONS,
	M_COUNT,
};

static const struct promtext_family metric_families[M_COUNT] = {
	[M_DEVICES] = {"tapqd_devices", "gauge", "Devices tapqd owns."},
	[M_LEASES] = {"tapqd_leases", "gauge", "Devices whose queues a client holds."},
	[M_MAX_QUEUES] = {"tapqd_device_max_queues", "gauge", "Queue fds of the device."},
	[M_ACTIVE_QUEUES] = {"tapqd_device_active_queues", "gauge", "Queues attached."},
	[M_LEASED] = {"tapqd_device_leased", "gauge", "1 while a client holds the lease."},
	[M_TUNSETQUEUE] = {"tapqd_device_tunsetqueue_calls_total", "counter",
			   "TUNSETQUEUE ioctls tapqd issued on the device."},
	[M_Q_ACTIVE] = {"tapqd_queue_active", "gauge", "1 when the queue is attached."},
	[M_Q_RX_PACKETS] = {"tapqd_queue_rx_packets_total", "counter",
			    "Frames tapqd's worker read from the queue."},
	[M_Q_RX_BYTES] = {"tapqd_queue_rx_bytes_total", "counter",
			  "Bytes tapqd's worker read from the queue."},
	[M_Q_TX_PACKETS] = {"tapqd_queue_tx_packets_total", "counter",
			    "Frames tapqd's worker wrote to the queue."},
	[M_Q_TX_BYTES] = {"tapqd_queue_tx_bytes_total", "counter",
			  "Bytes tapqd's worker wrote to the queue."},
	[M_Q_DROPS] = {"tapqd_queue_drops_total", "counter",
		       "Frames read and not written back, or failed reads."},
	[M_Q_CPU] = {"tapqd_queue_cpu_seconds_total", "counter",
		     "CPU time the queue's worker threads used."},
	[M_RESIZES] = {"tapqd_resizes_total", "counter",
		       "RESIZE requests that changed an active set."},
	[M_REFUSALS] = {"tapqd_refusals_total", "counter",
			"Requests and connections refused, by reason."},
	[M_RELOADS] = {"tapqd_reloads_total", "counter",
		       "Configuration reloads, by result (applied or refused)."},
	[M_ERRORS] = {"tapqd_errors_total", "counter", "Lines tapqd logged at error priority."},
	[M_CONNECTIONS] = {"tapqd_connections", "gauge",
			   "Control connections open, this one included."},
};

struct metrics {
	struct promtext_family fams[M_COUNT];
	uint64_t devices, leases;
};

/* device="NAME" (and queue="I"), NAME escaped: an interface name may hold '"' and '\'. */
static int metrics_labels(char *out, size_t cap, const char *name, int queue)
{
	char esc[2 * TAPQD_NAME_MAX];
	int r = promtext_escape(name, esc, sizeof(esc)), n;

	if (r < 0)
		return r;
	n = queue < 0 ? snprintf(out, cap, "device=\"%s\"", esc)
		      : snprintf(out, cap, "device=\"%s\",queue=\"%d\"", esc, queue);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : 0;
}

static int metrics_device(void *arg, const struct tapqd_device_info *dev)
{
	struct metrics *m = arg;
	struct promtext_family *f = m->fams;
	char labels[128];
	int r = metrics_labels(labels, sizeof(labels), dev->name, -1);

	if (r < 0)
		return r;
	m->devices++;
	m->leases += dev->leased;
	promtext_u64(&f[M_MAX_QUEUES], labels, dev->max_queues);
	promtext_u64(&f[M_ACTIVE_QUEUES], labels, dev->active_queues);
	promtext_u64(&f[M_LEASED], labels, dev->leased);
	promtext_u64(&f[M_TUNSETQUEUE], labels, dev->tunsetqueue_calls);
	for (unsigned int i = 0; i < dev->n_queues && i < TAPQD_MAX_QUEUES; i++) {
		const struct tapqd_queue_info *q = &dev->queues[i];

		r = metrics_labels(labels, sizeof(labels), dev->name, (int)i);
		if (r < 0)
			return r;
		promtext_u64(&f[M_Q_ACTIVE], labels, q->active);
		promtext_u64(&f[M_Q_RX_PACKETS], labels, q->rx_packets);
		promtext_u64(&f[M_Q_RX_BYTES], labels, q->rx_bytes);
		promtext_u64(&f[M_Q_TX_PACKETS], labels, q->tx_packets);
		promtext_u64(&f[M_Q_TX_BYTES], labels, q->tx_bytes);
		promtext_u64(&f[M_Q_DROPS], labels, q->drops);
		promtext_double(&f[M_Q_CPU], labels, (double)q->cpu_ns / 1e9);
	}
	return 0;
}

/* What the daemon says of itself; an older daemon's missing counters are left out, not 0. */
static void metrics_daemon(struct metrics *m, const struct tapqd_daemon_info *info)
{
	struct promtext_family *f = m->fams;
	char labels[64];

	promtext_u64(&f[M_DEVICES], "", m->devices);
	promtext_u64(&f[M_LEASES], "", m->leases);
	for (unsigned int i = 0; info->known && i < TAPQD_REFUSAL_COUNT; i++) {
		snprintf(labels, sizeof(labels), "reason=\"%s\"", tapqd_refusal_name(i));
		promtext_u64(&f[M_REFUSALS], labels, info->refusals[i]);
	}
	if (!info->stats_known)
		return;
	promtext_u64(&f[M_RESIZES], "", info->resizes);
	promtext_u64(&f[M_RELOADS], "result=\"applied\"", info->reloads_applied);
	promtext_u64(&f[M_RELOADS], "result=\"refused\"", info->reloads_refused);
	promtext_u64(&f[M_ERRORS], "", info->errors);
	promtext_u64(&f[M_CONNECTIONS], "", info->connections);
}

int metrics_run(struct tapqd_client *c, const char *device)
{
	struct tapqd_daemon_info info;
	struct metrics m = {0};
	int r;

	memcpy(m.fams, metric_families, sizeof(m.fams));
	r = promtext_open(m.fams, M_COUNT);
	if (r == 0) {
		r = tapqd_client_status_each(c, device, metrics_device, &m, &info);
		if (r == 0) {
			metrics_daemon(&m, &info);
			r = promtext_write(stdout, m.fams, M_COUNT);
		} else {
			promtext_free(m.fams, M_COUNT);
		}
	}
	if (r == 0 && fflush(stdout) != 0)
		r = -errno;
	if (r < 0) {
		const char *msg = tapqd_client_error(c)[0] ? tapqd_client_error(c) : strerror(-r);

		fprintf(stderr, "tapqctl: metrics: %s\n", msg);
		return 1;
	}
	return 0;
}
