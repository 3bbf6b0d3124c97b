// SPDX-License-Identifier: MIT
/*
 * topo.c - queue to core assignment: round-robin over the cores tapqd may
 * run on, each device starting where the previous one stopped
 */

#include <errno.h>
#include <sched.h>

#include "daemon.h"
#include "topo.h"

/* The cores tapqd may use are those of its own affinity mask (taskset, CPUAffinity=). */
int topo_init(struct tapqd *d)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	d->n_cpus = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE && d->n_cpus < TOPO_CPUS_MAX; cpu++)
		if (CPU_ISSET(cpu, &set))
			d->cpus[d->n_cpus++] = cpu;
	return d->n_cpus ? 0 : -ENODEV;
}

/*
 * Queue i gets core (start + i) mod n: active sets are prefixes, so any
 * active set is spread over as many cores as it can be.
 */
void topo_place(struct tapqd *d, struct device *dev)
{
	unsigned int start = d->next_cpu;

	for (unsigned int i = 0; i < dev->conf.max_queues; i++)
		dev->cpu[i] = d->cpus[(start + i) % d->n_cpus];
	d->next_cpu = (unsigned int)((start + dev->conf.max_queues) % d->n_cpus);
}

int topo_bind_thread(struct tapqd *d, pthread_t thread, int cpu)
{
	cpu_set_t set;

	(void)d;
	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return -pthread_setaffinity_np(thread, sizeof(set), &set);
}
