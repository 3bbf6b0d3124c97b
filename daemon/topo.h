/* SPDX-License-Identifier: MIT */
/* topo.h - which core serves which queue: the hwloc topology and the placement policies */
#ifndef TAPQD_TOPO_H
#define TAPQD_TOPO_H

#include <hwloc.h>
#include <pthread.h>
#include <stddef.h>

#include "conf.h"

/* PUs are numbered below this (the same bound as the config's cpus = list). */
#define TOPO_CPUS_MAX CONF_CPUS_MAX

struct tapqd;
struct device;

/*
 * topo_init() - loads this machine's topology, restricted to the cores the
 * config allows, and replaces the one in use (so a reload may call it again;
 * on failure the old one stays).
 * @what: filled on failure
 *
 * Return: 0; -EINVAL when the config or the topology is refused, @what is
 * then the whole reason; any other -errno, @what names the step that failed.
 */
int topo_init(struct tapqd *d, char *what, size_t what_size);
void topo_fini(struct tapqd *d);

/*
 * topo_restrict() - applies the config's cpus = to a loaded topology
 * @may_run: the PUs tapqd may run on (cgroup and affinity)
 *
 * Return: 0, or -EINVAL with @what naming the CPUs that are missing or
 * forbidden and what the machine has, or another -errno.
 */
int topo_restrict(hwloc_topology_t topo, const struct conf *c, hwloc_const_cpuset_t may_run,
		  char *what, size_t what_size);

/*
 * topo_map() - where the queues of one device go; pure, for any topology
 * @allowed: the PUs that may be used
 * @preferred: PUs to fill first (the uplink NIC's NUMA node); NULL for none
 * @load: queues placed so far per PU OS index, TOPO_CPUS_MAX entries; the
 *        device's queues are added to it
 * @cpu: @n_queues entries: the PU OS index for each queue, -1 for none
 *
 * Return: 0, or -EINVAL when @allowed has no PU of @topo, or -ENOMEM; @load
 * is then unchanged.
 */
int topo_map(hwloc_topology_t topo, hwloc_const_cpuset_t allowed, enum conf_placement policy,
	     unsigned int n_queues, hwloc_const_cpuset_t preferred, unsigned int *load, int *cpu);

/* Fills dev->cpu[] for the device's queues. Return: 0 or -errno. */
int topo_place(struct tapqd *d, struct device *dev);

/* Gives back the cores of a device that goes away, so the next one is placed on them. */
void topo_unplace(struct tapqd *d, struct device *dev);

/* Pins a thread to one core; cpu < 0 lets it run on every core tapqd may use. Return: 0 or -errno. */
int topo_bind_thread(struct tapqd *d, pthread_t thread, int cpu);

#endif
