// SPDX-License-Identifier: MIT
/*
 * topo.c - owns the hwloc topology tapqd places queues on, the placement
 * policies (spread, compact, none) that map a device's queues to cores, and
 * thread pinning
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "device.h"
#include "log.h"
#include "topo.h"

/* A device uses min(queues, cores) slots, so never more than it has queues. */
#define TOPO_SLOTS_MAX CONF_MAX_QUEUES

/* hwloc sets errno on failure, but not on every path: never report success. */
static int topo_err(void)
{
	return errno > 0 ? -errno : -EIO;
}

/* Without a core level (some platforms) every PU counts as a core. */
static int topo_core_depth(hwloc_topology_t topo)
{
	int depth = hwloc_get_type_or_below_depth(topo, HWLOC_OBJ_CORE);

	return depth >= 0 ? depth : hwloc_get_type_depth(topo, HWLOC_OBJ_PU);
}

/*
 * A core takes one queue of a device before any core takes two, whichever
 * of its PUs are allowed: its first allowed PU stands for it.
 */
static int topo_reps(hwloc_topology_t topo, int depth, hwloc_const_cpuset_t allowed,
		     hwloc_bitmap_t reps)
{
	hwloc_bitmap_t pus = hwloc_bitmap_alloc();
	hwloc_obj_t core = NULL;
	int r = 0;

	if (!pus)
		return -ENOMEM;
	hwloc_bitmap_zero(reps);
	while ((core = hwloc_get_next_obj_by_depth(topo, depth, core))) {
		int pu;

		if (hwloc_bitmap_and(pus, core->cpuset, allowed) < 0) {
			r = -ENOMEM;
			break;
		}
		pu = hwloc_bitmap_first(pus);
		if (pu >= 0 && pu < TOPO_CPUS_MAX && hwloc_bitmap_set(reps, (unsigned int)pu) < 0) {
			r = -ENOMEM;
			break;
		}
	}
	hwloc_bitmap_free(pus);
	return r;
}

/* Queues on any PU of the core count: its SMT siblings share its execution units. */
static unsigned int topo_core_load(hwloc_topology_t topo, int depth, const unsigned int *load,
				   unsigned int pu)
{
	hwloc_obj_t obj = hwloc_get_pu_obj_by_os_index(topo, pu);
	unsigned int sum = 0;
	int i;

	while (obj && obj->depth > depth)
		obj = obj->parent;
	if (!obj)
		return load[pu];
	hwloc_bitmap_foreach_begin(i, obj->cpuset)
	{
		if (i < TOPO_CPUS_MAX)
			sum += load[i];
	}
	hwloc_bitmap_foreach_end();
	return sum;
}

/* The least-loaded core of a slot; ties go to the lowest PU, so placement is deterministic. */
static int topo_least_loaded(hwloc_topology_t topo, int depth, hwloc_const_cpuset_t slot,
			     const unsigned int *load, unsigned int *ret_load)
{
	unsigned int best_load = UINT_MAX;
	int best = -1, pu;

	hwloc_bitmap_foreach_begin(pu, slot)
	{
		unsigned int l = topo_core_load(topo, depth, load, (unsigned int)pu);

		if (l < best_load) {
			best_load = l;
			best = pu;
		}
	}
	hwloc_bitmap_foreach_end();
	if (ret_load)
		*ret_load = best_load;
	return best;
}

/*
 * hwloc_distrib() over one PU per core, so that its weights count cores and
 * not SMT threads: a core with two allowed PUs would otherwise get two slots.
 */
static int topo_distrib(hwloc_topology_t topo, hwloc_const_cpuset_t reps, unsigned int k,
			hwloc_bitmap_t *slot)
{
	hwloc_topology_t t;
	hwloc_obj_t root;
	int r = 0;

	if (hwloc_topology_dup(&t, topo) < 0)
		return topo_err();
	if (hwloc_topology_restrict(t, reps, 0) < 0) {
		r = topo_err();
		goto out;
	}
	root = hwloc_get_root_obj(t);
	if (hwloc_distrib(t, &root, 1, slot, k, INT_MAX, 0) < 0) {
		r = topo_err();
		goto out;
	}
	/* hwloc_distrib() does not check its own allocations */
	for (unsigned int i = 0; i < k; i++)
		if (!slot[i])
			r = -ENOMEM;
out:
	hwloc_topology_destroy(t);
	return r;
}

/* Every core of the tier in topology order, one slot each. */
static int topo_cores_in_order(hwloc_topology_t topo, hwloc_const_cpuset_t reps,
			       hwloc_bitmap_t *slot)
{
	hwloc_obj_t pu = NULL;
	unsigned int n = 0;

	while ((pu = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_PU, pu))) {
		if (!hwloc_bitmap_isset(reps, pu->os_index))
			continue;
		slot[n] = hwloc_bitmap_alloc();
		if (!slot[n] || hwloc_bitmap_only(slot[n], pu->os_index) < 0)
			return -ENOMEM;
		n++;
	}
	return 0;
}

/*
 * The k slots of one tier of cores. Spread: k sets from hwloc_distrib, as
 * far apart as the topology allows. Compact: the cores in topology order.
 * Either way the slots are rotated so that the device starts on the least
 * loaded one: the next device goes on where the last one stopped instead
 * of piling onto core 0 again.
 */
static int topo_tier(hwloc_topology_t topo, int depth, enum conf_placement policy,
		     hwloc_const_cpuset_t reps, unsigned int k, const unsigned int *load,
		     hwloc_bitmap_t *slot)
{
	hwloc_bitmap_t built[TOPO_CPUS_MAX] = {NULL};
	unsigned int n, off = 0, off_load = UINT_MAX;
	int r;

	if (policy == CONF_PLACEMENT_COMPACT) {
		n = (unsigned int)hwloc_bitmap_weight(reps);
		r = topo_cores_in_order(topo, reps, built);
	} else {
		n = k;
		r = topo_distrib(topo, reps, k, built);
	}
	if (r < 0)
		goto out;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int l;

		topo_least_loaded(topo, depth, built[i], load, &l);
		if (l < off_load) {
			off_load = l;
			off = i;
		}
	}
	for (unsigned int i = 0; i < k; i++) {
		slot[i] = built[(off + i) % n];
		built[(off + i) % n] = NULL;
	}
out:
	for (unsigned int i = 0; i < TOPO_CPUS_MAX; i++)
		hwloc_bitmap_free(built[i]);
	return r;
}

/*
 * Queue i takes slot i mod k of k = min(queues, cores) slots: active sets are
 * prefixes, so the first k queues always sit on k different cores. With a
 * preferred set its cores make the first tier of slots, the others the second.
 */
int topo_map(hwloc_topology_t topo, hwloc_const_cpuset_t allowed, enum conf_placement policy,
	     unsigned int n_queues, hwloc_const_cpuset_t preferred, unsigned int *load, int *cpu)
{
	hwloc_bitmap_t slot[TOPO_SLOTS_MAX] = {NULL};
	hwloc_bitmap_t reps = NULL, tier[2] = {NULL, NULL};
	unsigned int tmp[TOPO_CPUS_MAX];
	unsigned int total, k, given = 0;
	int depth = topo_core_depth(topo), r;

	if (n_queues > TOPO_SLOTS_MAX)
		return -EINVAL;
	if (policy == CONF_PLACEMENT_NONE) {
		for (unsigned int i = 0; i < n_queues; i++)
			cpu[i] = -1;
		return 0;
	}
	reps = hwloc_bitmap_alloc();
	tier[0] = hwloc_bitmap_alloc();
	tier[1] = hwloc_bitmap_alloc();
	if (!reps || !tier[0] || !tier[1]) {
		r = -ENOMEM;
		goto out;
	}
	r = topo_reps(topo, depth, allowed, reps);
	if (r < 0)
		goto out;
	total = (unsigned int)hwloc_bitmap_weight(reps);
	if (!total) {
		r = -EINVAL;
		goto out;
	}
	if ((preferred && hwloc_bitmap_and(tier[0], reps, preferred) < 0) ||
	    hwloc_bitmap_andnot(tier[1], reps, tier[0]) < 0) {
		r = -ENOMEM;
		goto out;
	}
	k = n_queues < total ? n_queues : total;
	for (unsigned int t = 0; t < 2 && given < k; t++) {
		unsigned int w = (unsigned int)hwloc_bitmap_weight(tier[t]);
		unsigned int kt = k - given < w ? k - given : w;

		if (!kt)
			continue;
		r = topo_tier(topo, depth, policy, tier[t], kt, load, slot + given);
		if (r < 0)
			goto out;
		given += kt;
	}
	memcpy(tmp, load, sizeof(tmp));
	for (unsigned int i = 0; i < n_queues; i++) {
		int pu = topo_least_loaded(topo, depth, slot[i % k], tmp, NULL);

		cpu[i] = pu;
		tmp[pu]++;
	}
	memcpy(load, tmp, sizeof(tmp));
out:
	for (unsigned int i = 0; i < TOPO_SLOTS_MAX; i++)
		hwloc_bitmap_free(slot[i]);
	hwloc_bitmap_free(tier[1]);
	hwloc_bitmap_free(tier[0]);
	hwloc_bitmap_free(reps);
	return r;
}

static const char *topo_plural(int n)
{
	return n == 1 ? "" : "s";
}

int topo_restrict(hwloc_topology_t topo, const struct conf *c, hwloc_const_cpuset_t may_run,
		  char *what, size_t what_size)
{
	hwloc_bitmap_t want = hwloc_bitmap_alloc(), bad = hwloc_bitmap_alloc();
	char want_s[256], bad_s[256], has_s[256], may_s[256];
	int r = 0;

	if (!want || !bad) {
		snprintf(what, what_size, "allocating CPU sets");
		r = -ENOMEM;
		goto out;
	}
	if (c->cpus_all) {
		if (hwloc_bitmap_copy(want, may_run) < 0)
			r = -ENOMEM;
	} else {
		for (unsigned int cpu = 0; cpu < CONF_CPUS_MAX && !r; cpu++)
			if (conf_cpu_isset(c, cpu) && hwloc_bitmap_set(want, cpu) < 0)
				r = -ENOMEM;
	}
	if (!r && hwloc_bitmap_andnot(bad, want, may_run) < 0)
		r = -ENOMEM;
	if (r < 0) {
		snprintf(what, what_size, "building the set of cpus");
		goto out;
	}
	hwloc_bitmap_list_snprintf(want_s, sizeof(want_s), want);
	hwloc_bitmap_list_snprintf(bad_s, sizeof(bad_s), bad);
	hwloc_bitmap_list_snprintf(has_s, sizeof(has_s), hwloc_topology_get_complete_cpuset(topo));
	hwloc_bitmap_list_snprintf(may_s, sizeof(may_s), may_run);
	if (!hwloc_bitmap_iszero(bad)) {
		bool one = hwloc_bitmap_weight(bad) == 1;

		snprintf(what, what_size,
			 "cpus = %s: CPU%s %s %s not exist or tapqd may not run on %s "
			 "(this machine has CPUs %s, tapqd may run on %s)",
			 want_s, one ? "" : "s", bad_s, one ? "does" : "do", one ? "it" : "them",
			 has_s, may_s);
		r = -EINVAL;
		goto out;
	}
	if (hwloc_bitmap_iszero(want)) {
		snprintf(what, what_size, "no CPU to place queues on (this machine has CPUs %s)",
			 has_s);
		r = -EINVAL;
		goto out;
	}
	/* CPU-less NUMA nodes go: no queue can be placed there, the log should not count them. */
	if (hwloc_topology_restrict(topo, want, HWLOC_RESTRICT_FLAG_REMOVE_CPULESS) < 0) {
		r = topo_err();
		snprintf(what, what_size, "restricting the hwloc topology to cpus %s", want_s);
	}
out:
	hwloc_bitmap_free(bad);
	hwloc_bitmap_free(want);
	return r;
}

/*
 * hwloc drops the PUs the cgroup forbids; the affinity mask (taskset,
 * CPUAffinity=) and offline CPUs are ours to leave out.
 */
static int topo_may_run(hwloc_topology_t topo, hwloc_bitmap_t set)
{
	if (hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) < 0)
		return topo_err();
	if (hwloc_bitmap_and(set, set, hwloc_topology_get_allowed_cpuset(topo)) < 0 ||
	    hwloc_bitmap_and(set, set, hwloc_topology_get_topology_cpuset(topo)) < 0)
		return -ENOMEM;
	hwloc_bitmap_clr_range(set, TOPO_CPUS_MAX, -1);
	return 0;
}

/* Which of hwloc's own overrides made the topology a foreign one. */
static void topo_env_hint(char *buf, size_t size)
{
	static const char *const vars[] = {"HWLOC_SYNTHETIC", "HWLOC_XMLFILE", "HWLOC_FSROOT",
					   "HWLOC_CPUID_PATH", "HWLOC_COMPONENTS"};
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]) && len < size; i++)
		if (getenv(vars[i]))
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
						vars[i]);
	if (!buf[0])
		snprintf(buf, size, "none of the HWLOC_* overrides");
}

static void topo_log(struct tapqd *d)
{
	hwloc_topology_t t = d->topo;
	int packages = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE);
	int nodes = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE);
	int cores = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE);
	int pus = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
	char cpus[256];

	hwloc_bitmap_list_snprintf(cpus, sizeof(cpus), hwloc_topology_get_topology_cpuset(t));
	log_info(d,
		 "topology: %d package%s, %d NUMA node%s, %d core%s, %d PU%s; "
		 "placing on cpus %s, policy %s",
		 packages, topo_plural(packages), nodes, topo_plural(nodes), cores,
		 topo_plural(cores), pus, topo_plural(pus), cpus,
		 conf_placement_name(d->conf.placement));
}

int topo_init(struct tapqd *d, char *what, size_t what_size)
{
	hwloc_topology_t t;
	hwloc_bitmap_t may_run = NULL;
	char env[128];
	int r;

	if (hwloc_topology_init(&t) < 0) {
		snprintf(what, what_size, "initialising hwloc");
		return topo_err();
	}
	if (hwloc_topology_load(t) < 0) {
		r = topo_err();
		snprintf(what, what_size, "loading the hwloc topology");
		goto fail;
	}
	/* Binding on a synthetic or XML topology silently does nothing. */
	if (!hwloc_topology_is_thissystem(t)) {
		topo_env_hint(env, sizeof(env));
		snprintf(what, what_size,
			 "the hwloc topology is not this system's (set: %s): "
			 "tapqd could not pin its threads",
			 env);
		r = -EINVAL;
		goto fail;
	}
	may_run = hwloc_bitmap_alloc();
	if (!may_run) {
		snprintf(what, what_size, "allocating a CPU set");
		r = -ENOMEM;
		goto fail;
	}
	r = topo_may_run(t, may_run);
	if (r < 0) {
		snprintf(what, what_size, "reading the CPUs tapqd may run on");
		goto fail;
	}
	r = topo_restrict(t, &d->conf, may_run, what, what_size);
	if (r < 0)
		goto fail;
	hwloc_bitmap_free(may_run);
	topo_fini(d);
	d->topo = t;
	topo_log(d);
	return 0;
fail:
	hwloc_bitmap_free(may_run);
	hwloc_topology_destroy(t);
	return r;
}

void topo_fini(struct tapqd *d)
{
	if (d->topo)
		hwloc_topology_destroy(d->topo);
	d->topo = NULL;
}

/* The NUMA node sysfs gives a PCI network device; -1 for any other device or none. */
static int topo_pci_numa_node(const char *ifname)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *subsystem;
	ssize_t n;
	FILE *f;
	int node;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/subsystem", ifname);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	subsystem = strrchr(link, '/');
	if (strcmp(subsystem ? subsystem + 1 : link, "pci"))
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/numa_node", ifname);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &node) != 1)
		node = -1;
	fclose(f);
	return node;
}

static int topo_not_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/*
 * The NUMA node of the bridge's first PCI port by name (not by the order the
 * ports joined, so a restart places the same way); -1 when none tells.
 */
static int topo_bridge_numa_node(const char *bridge, char *port, size_t port_size)
{
	char path[PATH_MAX];
	struct dirent **ports;
	int n, node = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/brif", bridge);
	n = scandir(path, &ports, topo_not_dot, alphasort);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (node < 0) {
			node = topo_pci_numa_node(ports[i]->d_name);
			snprintf(port, port_size, "%s", ports[i]->d_name);
		}
		free(ports[i]);
	}
	free(ports);
	return node;
}

int topo_place(struct tapqd *d, struct device *dev)
{
	hwloc_const_cpuset_t preferred = NULL;
	const char *bridge = dev->conf.bridge;

	if (d->conf.placement != CONF_PLACEMENT_NONE && bridge[0]) {
		char port[256];
		int node = topo_bridge_numa_node(bridge, port, sizeof(port));
		hwloc_obj_t obj =
		    node >= 0 ? hwloc_get_numanode_obj_by_os_index(d->topo, (unsigned int)node)
			      : NULL;

		if (obj && !hwloc_bitmap_iszero(obj->cpuset)) {
			preferred = obj->cpuset;
			log_debug(d, "%s: cores of NUMA node %d (%s, port of %s) first",
				  dev->conf.name, node, port, bridge);
		} else if (node >= 0) {
			log_debug(d,
				  "%s: NUMA node %d of %s (port of %s) has none of the cpus, "
				  "placing as if without a bridge",
				  dev->conf.name, node, port, bridge);
		}
	}
	return topo_map(d->topo, hwloc_topology_get_topology_cpuset(d->topo), d->conf.placement,
			dev->conf.max_queues, preferred, d->cpu_load, dev->cpu);
}

void topo_unplace(struct tapqd *d, struct device *dev)
{
	/* -1 after: a device unplaced twice gives its cores back once */
	for (unsigned int q = 0; q < dev->conf.max_queues; q++) {
		if (dev->cpu[q] >= 0 && dev->cpu[q] < TOPO_CPUS_MAX && d->cpu_load[dev->cpu[q]])
			d->cpu_load[dev->cpu[q]]--;
		dev->cpu[q] = -1;
	}
}

int topo_bind_thread(struct tapqd *d, pthread_t thread, int cpu)
{
	hwloc_bitmap_t set;
	int r = 0;

	/* no core: every core tapqd may use, which also undoes an earlier pinning */
	if (cpu < 0)
		set = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(d->topo));
	else
		set = hwloc_bitmap_alloc();
	if (!set)
		return -ENOMEM;
	if (cpu >= 0 && hwloc_bitmap_only(set, (unsigned int)cpu) < 0)
		r = -ENOMEM;
	else if (hwloc_set_thread_cpubind(d->topo, thread, set, HWLOC_CPUBIND_THREAD) < 0)
		r = topo_err();
	hwloc_bitmap_free(set);
	return r;
}
