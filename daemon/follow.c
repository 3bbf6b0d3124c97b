// SPDX-License-Identifier: MIT
/*
 * follow.c - vCPU following: the queue map of a device held by QEMU follows
 * that QEMU's vCPUs, read over a QMP monitor of tapqd's own (qmp.c). On
 * every change of the vCPU count, of their threads or of the device's
 * placement, the map is recomputed (follow_map), reported in status and
 * logged once, and with pin_client_threads the vCPU threads and the vhost
 * workers are pinned to it. The active set is the guest's business: nothing
 * here touches the queues.
 */

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device.h"
#include "follow.h"
#include "log.h"
#include "qmp.h"

#define FOLLOW_VHOST_MAX TAPQD_MAX_QUEUES /* one vhost worker per queue pair */

struct follow {
	struct tapqd *d;
	struct device *dev;
	struct qmp *qmp;
	char path[CONF_PATH_MAX];
	bool up;             /* a reply came since the last failure */
	char last_fail[256]; /* the failure logged last: a retry loop logs it once */
	size_t n_vcpus;
	struct qmp_vcpu vcpus[QMP_VCPUS_MAX];
	int map[TAPQD_MAX_QUEUES];
	size_t n_vhost;
	pid_t vhost[FOLLOW_VHOST_MAX];
	bool pinned; /* pin_client_threads when the map was last applied: a reload may turn it on */
	pid_t holder; /* the device's lease holder, 0: none; only its threads are pinned */
};

void follow_map(const int *placed, unsigned int n_queues, size_t n_vcpus, int *map)
{
	for (unsigned int i = 0; i < n_queues; i++)
		map[i] = n_vcpus ? placed[(i % n_vcpus) % n_queues] : placed[i];
}

static int follow_tid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Adds every task of /proc/DIR (a directory of pids or tids) named @comm. */
static void follow_scan(const char *dir, const char *comm, pid_t *tids, size_t *n)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp)
		return; /* QEMU gone: the next reply or failure says so */
	while ((de = readdir(dp)) && *n < FOLLOW_VHOST_MAX) {
		char path[300], name[32];
		FILE *f;
		long tid = strtol(de->d_name, NULL, 10);

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f)) {
			name[strcspn(name, "\n")] = '\0';
			if (!strcmp(name, comm))
				tids[(*n)++] = (pid_t)tid;
		}
		fclose(f);
	}
	closedir(dp);
}

/*
 * The vhost workers of QEMU @pid, oldest first: QEMU opens one vhost-net
 * per queue pair in order, so worker k serves queue pair k. Before Linux
 * 6.4 they are kernel threads (processes of their own), since then threads
 * of QEMU; both are named vhost-PID.
 */
static size_t follow_vhost_threads(pid_t pid, pid_t *tids)
{
	char comm[32], task[64];
	size_t n = 0;

	snprintf(comm, sizeof(comm), "vhost-%d", (int)pid);
	snprintf(task, sizeof(task), "/proc/%d/task", (int)pid);
	follow_scan("/proc", comm, tids, &n);
	follow_scan(task, comm, tids, &n);
	qsort(tids, n, sizeof(*tids), follow_tid_cmp);
	return n;
}

/*
 * Pins one thread to cpu; cpu < 0 gives it back every CPU tapqd may run on.
 * vCPU thread ids come from the monitor, and tapqd runs as root: with pid,
 * only a thread of that very process is touched, never another one a
 * confused or hostile monitor names (vhost workers were found by their
 * kernel-given names instead: pid -1). Return: 0, or -errno (-ESRCH: not
 * QEMU's thread).
 */
static int follow_pin(pid_t pid, pid_t tid, int cpu)
{
	char task[64];
	struct stat st;
	cpu_set_t set;

	snprintf(task, sizeof(task), "/proc/%d/task/%d", (int)pid, (int)tid);
	if (tid <= 0 || pid == 0 || (pid > 0 && stat(task, &st) < 0))
		return -ESRCH;
	if (cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	if (cpu >= 0)
		CPU_SET(cpu, &set);
	else if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	return sched_setaffinity(tid, sizeof(set), &set) < 0 ? -errno : 0;
}

/*
 * Pins vCPU j to vCPU j's core, vhost worker k to queue k's core, or with
 * unpin gives them every CPU back (pin_client_threads turned off by a
 * reload); logs the first failure.
 */
static void follow_pin_all(struct follow *f, pid_t pid, bool unpin)
{
	const struct device *dev = f->dev;
	unsigned int nq = dev->conf.max_queues;
	const char *kind = NULL;
	pid_t failed = 0;
	int r = 0, cpu = -1;

	for (size_t j = 0; j < f->n_vcpus && r == 0; j++) {
		cpu = unpin ? -1 : dev->cpu[j % nq];
		r = follow_pin(pid, f->vcpus[j].thread, cpu);
		failed = f->vcpus[j].thread;
		kind = "vCPU";
	}
	for (size_t k = 0; k < f->n_vhost && r == 0; k++) {
		cpu = unpin ? -1 : f->map[k % nq];
		r = follow_pin(-1, f->vhost[k], cpu);
		failed = f->vhost[k];
		kind = "vhost";
	}
	if (r < 0)
		log_warn(f->d, "%s: pinning %s thread %d to cpu %d: %s", dev->conf.name, kind,
			 (int)failed, cpu, strerror(-r));
}

static void follow_log(struct follow *f, pid_t pid)
{
	char threads[256] = "", cpus[256] = "";
	size_t o = 0;

	for (size_t j = 0; j < f->n_vcpus && o < sizeof(threads); j++)
		o += (size_t)snprintf(threads + o, sizeof(threads) - o, "%s%d", j ? "," : "",
				      (int)f->vcpus[j].thread);
	o = 0;
	for (unsigned int i = 0; i < f->dev->conf.max_queues && o < sizeof(cpus); i++)
		o += (size_t)snprintf(cpus + o, sizeof(cpus) - o, "%s%d", i ? "," : "", f->map[i]);
	log_info(f->d, "%s: %zu vCPU%s of pid %d (threads %s), %zu vhost: queues on cpus %s%s",
		 f->dev->conf.name, f->n_vcpus, f->n_vcpus == 1 ? "" : "s", (int)pid, threads,
		 f->n_vhost, cpus, f->dev->conf.pin_client_threads ? ", threads pinned" : "");
}

static void follow_apply_vcpus(struct follow *f, const struct qmp_vcpu *v, size_t n)
{
	struct device *dev = f->dev;
	unsigned int nq = dev->conf.max_queues;
	int map[TAPQD_MAX_QUEUES];
	pid_t vhost[FOLLOW_VHOST_MAX];
	size_t n_vhost = 0;
	pid_t pid = qmp_peer_pid(f->qmp);

	if (!f->up)
		log_info(f->d, "%s: following the vCPUs of pid %d over %s", dev->conf.name,
			 (int)pid, f->path);
	f->up = true;
	f->last_fail[0] = '\0';
	/* placement may have changed too (a reload): the map is recomputed each time */
	follow_map(dev->cpu, nq, n, map);
	if (dev->conf.pin_client_threads)
		n_vhost = follow_vhost_threads(pid, vhost);
	if (n == f->n_vcpus && f->pinned == dev->conf.pin_client_threads &&
	    !memcmp(v, f->vcpus, n * sizeof(*v)) &&
	    !memcmp(map, f->map, nq * sizeof(*map)) && n_vhost == f->n_vhost &&
	    !memcmp(vhost, f->vhost, n_vhost * sizeof(*vhost)))
		return;
	/* pinning turned off: the threads pinned last time get every CPU back */
	if (f->pinned && !dev->conf.pin_client_threads)
		follow_pin_all(f, pid, true);
	f->n_vcpus = n;
	memcpy(f->vcpus, v, n * sizeof(*v));
	memcpy(f->map, map, nq * sizeof(*map));
	f->n_vhost = n_vhost;
	memcpy(f->vhost, vhost, n_vhost * sizeof(*vhost));
	f->pinned = dev->conf.pin_client_threads;
	follow_log(f, pid);
	if (!dev->conf.pin_client_threads)
		return;
	/* whoever listens on the path is followed; only the device's holder gets pinned */
	if (f->holder != pid) {
		log_warn(f->d, "%s: not pinning the threads of pid %d: it does not hold the device",
			 dev->conf.name, (int)pid);
		return;
	}
	follow_pin_all(f, pid, false);
}

/*
 * What QMP reports concerns the device followed, and so do its log lines (log.c).
 * The model hears of a new count (events, status) once the threads are pinned for it.
 */
static void follow_on_vcpus(void *arg, const struct qmp_vcpu *v, size_t n)
{
	struct follow *f = arg;
	struct log_ctx was = f->d->log_ctx;
	size_t before = f->n_vcpus;

	log_device(f->d, f->dev->conf.name);
	follow_apply_vcpus(f, v, n);
	if (f->n_vcpus != before)
		f->d->hooks.vcpus_changed(f->d, f->dev);
	f->d->log_ctx = was;
}

static void follow_on_down(void *arg, const char *what, int err)
{
	struct follow *f = arg;
	char line[sizeof(f->last_fail)];
	struct log_ctx was = f->d->log_ctx;

	log_device(f->d, f->dev->conf.name);
	snprintf(line, sizeof(line), "%s: %s", what, strerror(-err));
	/* a QEMU that is not there yet, or gone, would otherwise log at every retry */
	if (f->up || strcmp(line, f->last_fail))
		log_warn(f->d, "%s: QMP monitor %s: %s; %s, retrying", f->dev->conf.name, f->path,
			 line, f->n_vcpus ? "queues back on their placement" : "following nothing");
	else
		log_debug(f->d, "%s: QMP monitor %s: %s, retrying", f->dev->conf.name, f->path,
			  line);
	memcpy(f->last_fail, line, sizeof(line));
	f->up = false;
	f->n_vhost = 0;
	if (f->n_vcpus) {
		f->n_vcpus = 0;
		f->d->hooks.vcpus_changed(f->d, f->dev);
	}
	f->d->log_ctx = was;
}

static const struct qmp_ops follow_qmp_ops = {
	.vcpus = follow_on_vcpus,
	.down = follow_on_down,
};

void follow_free(struct follow *f)
{
	if (!f)
		return;
	qmp_free(f->qmp);
	free(f);
}

void follow_update(struct tapqd *d, struct device *dev, pid_t holder)
{
	const char *path = dev->conf.follow_qmp;
	struct follow *f = dev->follow;

	if (f && !strcmp(f->path, path)) {
		f->holder = holder;
		return;
	}
	if (f)
		log_info(d, "%s: no longer following %s", dev->conf.name, f->path);
	follow_free(f);
	dev->follow = NULL;
	if (!path[0])
		return;
	f = calloc(1, sizeof(*f));
	if (!f) {
		log_err(d, "%s: not following %s: %s", dev->conf.name, path, strerror(ENOMEM));
		return;
	}
	f->d = d;
	f->dev = dev;
	f->holder = holder;
	memcpy(f->path, path, sizeof(f->path));
	f->qmp = qmp_new(d->base, path, &follow_qmp_ops, f);
	if (!f->qmp) {
		log_err(d, "%s: not following %s: %s", dev->conf.name, path, strerror(errno));
		free(f);
		return;
	}
	dev->follow = f;
}

int follow_queue_cpu(const struct device *dev, unsigned int q)
{
	const struct follow *f = dev->follow;

	return f && f->n_vcpus ? f->map[q] : dev->cpu[q];
}

unsigned int follow_state(const struct device *dev)
{
	if (!dev->follow)
		return TAPQD_FOLLOW_NONE;
	return dev->follow->up ? TAPQD_FOLLOW_UP : TAPQD_FOLLOW_CONNECTING;
}

unsigned int follow_vcpus(const struct device *dev)
{
	return dev->follow ? (unsigned int)dev->follow->n_vcpus : 0;
}
