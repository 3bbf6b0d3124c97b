// SPDX-License-Identifier: MIT
/*
 * test_topo.c - unit tests of queue placement (daemon/topo.c) on synthetic
 * hwloc topologies: exact maps for spread, compact and none, fairness
 * between devices, allowed sets, a preferred NUMA node, the cpus = check
 */

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "daemon.h"
#include "topo.h"

#define ONE_PACK "pack:1 core:2 pu:1"
#define TWO_PACKS "pack:2 numa:2 core:8 pu:2" /* PUs 0-63, NUMA node n = PUs 16n..16n+15 */
#define FOUR_CORES "pack:1 core:4 pu:2"

static hwloc_topology_t topo;
static hwloc_bitmap_t allowed;
static unsigned int load[TOPO_CPUS_MAX];

static void topo_load_synthetic(const char *desc)
{
	ck_assert_int_eq(hwloc_topology_init(&topo), 0);
	ck_assert_int_eq(hwloc_topology_set_synthetic(topo, desc), 0);
	ck_assert_int_eq(hwloc_topology_load(topo), 0);
	allowed = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(topo));
	ck_assert_ptr_nonnull(allowed);
	memset(load, 0, sizeof(load));
}

static void topo_teardown(void)
{
	hwloc_bitmap_free(allowed);
	hwloc_topology_destroy(topo);
}

static void set_list(hwloc_bitmap_t set, const char *list)
{
	ck_assert_int_eq(hwloc_bitmap_list_sscanf(set, list), 0);
}

/* Maps n queues and asserts the exact map. */
static void map_is(enum conf_placement policy, hwloc_const_cpuset_t preferred, unsigned int n,
		   const int *want)
{
	int cpu[CONF_MAX_QUEUES];

	ck_assert_int_eq(topo_map(topo, allowed, policy, n, preferred, load, cpu), 0);
	for (unsigned int i = 0; i < n; i++)
		ck_assert_msg(cpu[i] == want[i], "queue %u: cpu %d, expected %d", i, cpu[i],
			      want[i]);
}

#define MAP_IS(policy, preferred, ...)                                                             \
	do {                                                                                       \
		static const int want_[] = {__VA_ARGS__};                                          \
		map_is(policy, preferred, sizeof(want_) / sizeof(want_[0]), want_);                \
	} while (0)

START_TEST(test_one_package)
{
	topo_load_synthetic(ONE_PACK);
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0, 1);
	/* both cores carry one queue: the next device starts again on core 0 */
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0);
	/* now core 0 has two: the next one goes to core 1 */
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 1);
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0, 1, 0);
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 1, 0, 1);
	ck_assert_uint_eq(load[0], 3);
	ck_assert_uint_eq(load[1], 3);
	topo_teardown();
}
END_TEST

/* hwloc_distrib's blocks: packages first, then NUMA nodes, then halves of them. */
START_TEST(test_two_packages_spread)
{
	topo_load_synthetic(TWO_PACKS);
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0);
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0, 32);
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0, 16, 32);
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0, 16, 32, 48);
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0, 8, 16, 24, 32, 40, 48, 56);
	memset(load, 0, sizeof(load));
	/* one queue per core (its first PU, never an SMT sibling), then around again */
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28,
	       30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62, 0, 2, 4, 6, 8,
	       10, 12, 14);
	topo_teardown();
}
END_TEST

START_TEST(test_two_devices_share)
{
	topo_load_synthetic(TWO_PACKS);
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 0, 16, 32, 48);
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 2, 18, 34, 50);
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 4, 36);
	for (unsigned int pu = 0; pu < 64; pu++)
		ck_assert_uint_eq(load[pu],
				  (pu == 0 || pu == 16 || pu == 32 || pu == 48 || pu == 2 ||
				   pu == 18 || pu == 34 || pu == 50 || pu == 4 || pu == 36));
	topo_teardown();
}
END_TEST

START_TEST(test_256_queues_4_cores)
{
	int cpu[CONF_MAX_QUEUES];

	topo_load_synthetic(FOUR_CORES);
	ck_assert_int_eq(topo_map(topo, allowed, CONF_PLACEMENT_SPREAD, 256, NULL, load, cpu), 0);
	/* the first 4 queues on 4 different cores, not 64 queues per core in blocks */
	ck_assert_int_eq(cpu[0], 0);
	ck_assert_int_eq(cpu[1], 2);
	ck_assert_int_eq(cpu[2], 4);
	ck_assert_int_eq(cpu[3], 6);
	for (unsigned int i = 0; i < 256; i++)
		ck_assert_int_eq(cpu[i], (int)(i % 4) * 2);
	for (unsigned int pu = 0; pu < 8; pu++)
		ck_assert_uint_eq(load[pu], pu % 2 ? 0 : 64);
	topo_teardown();
}
END_TEST

START_TEST(test_allowed_excludes_numa_nodes)
{
	topo_load_synthetic(TWO_PACKS);
	/* NUMA nodes 1 and 2: one per package */
	set_list(allowed, "16-47");
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 16, 32);
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 16, 24, 32, 40);
	/* without node 0, package 1 has twice the cores of package 0 */
	set_list(allowed, "16-63");
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 16, 32, 48);
	/* only second SMT threads: each still counts as its core */
	set_list(allowed, "1,3");
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_SPREAD, NULL, 1, 3, 1);
	topo_teardown();
}
END_TEST

START_TEST(test_allowed_outside_topology)
{
	int cpu[4];

	topo_load_synthetic(ONE_PACK);
	set_list(allowed, "5-7");
	ck_assert_int_eq(topo_map(topo, allowed, CONF_PLACEMENT_SPREAD, 4, NULL, load, cpu),
			 -EINVAL);
	ck_assert_uint_eq(load[0] + load[1], 0);
	topo_teardown();
}
END_TEST

START_TEST(test_preferred_numa_node)
{
	hwloc_obj_t node;

	topo_load_synthetic(TWO_PACKS);
	node = hwloc_get_numanode_obj_by_os_index(topo, 2);
	ck_assert_ptr_nonnull(node);
	MAP_IS(CONF_PLACEMENT_SPREAD, node->cpuset, 32, 36, 40, 44);
	memset(load, 0, sizeof(load));
	/* more queues than the node has cores: the rest spread over the others */
	MAP_IS(CONF_PLACEMENT_SPREAD, node->cpuset, 32, 34, 36, 38, 40, 42, 44, 46, 0, 16);
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_COMPACT, node->cpuset, 32, 34, 36, 38);
	/* a preferred node outside the allowed set changes nothing */
	set_list(allowed, "0-31");
	memset(load, 0, sizeof(load));
	MAP_IS(CONF_PLACEMENT_SPREAD, node->cpuset, 0, 16);
	topo_teardown();
}
END_TEST

START_TEST(test_compact)
{
	topo_load_synthetic(TWO_PACKS);
	MAP_IS(CONF_PLACEMENT_COMPACT, NULL, 0, 2, 4, 6);
	MAP_IS(CONF_PLACEMENT_COMPACT, NULL, 8, 10, 12, 14);
	topo_teardown();
	topo_load_synthetic(ONE_PACK);
	MAP_IS(CONF_PLACEMENT_COMPACT, NULL, 0, 1, 0);
	MAP_IS(CONF_PLACEMENT_COMPACT, NULL, 1);
	MAP_IS(CONF_PLACEMENT_COMPACT, NULL, 0, 1);
	topo_teardown();
}
END_TEST

START_TEST(test_none)
{
	topo_load_synthetic(TWO_PACKS);
	MAP_IS(CONF_PLACEMENT_NONE, NULL, -1, -1, -1, -1);
	for (unsigned int pu = 0; pu < TOPO_CPUS_MAX; pu++)
		ck_assert_uint_eq(load[pu], 0);
	topo_teardown();
}
END_TEST

/* cpus = naming CPUs the machine lacks is refused with them and what it has. */
START_TEST(test_restrict_refuses_missing_cpus)
{
	struct conf c;
	char what[512];

	topo_load_synthetic(ONE_PACK);
	conf_init(&c);
	c.cpus_all = false;
	for (unsigned int cpu = 0; cpu < 8; cpu++)
		c.cpus[0] |= UINT64_C(1) << cpu;
	ck_assert_int_eq(topo_restrict(topo, &c, allowed, what, sizeof(what)), -EINVAL);
	ck_assert_str_eq(what, "cpus = 0-7: CPUs 2-7 do not exist or tapqd may not run on them "
			       "(this machine has CPUs 0-1, tapqd may run on 0-1)");
	c.cpus[0] = UINT64_C(1) << 63;
	ck_assert_int_eq(topo_restrict(topo, &c, allowed, what, sizeof(what)), -EINVAL);
	ck_assert_str_eq(what, "cpus = 63: CPU 63 does not exist or tapqd may not run on it "
			       "(this machine has CPUs 0-1, tapqd may run on 0-1)");
	/* CPU 1 exists but tapqd may not run there */
	c.cpus[0] = 3;
	set_list(allowed, "0");
	ck_assert_int_eq(topo_restrict(topo, &c, allowed, what, sizeof(what)), -EINVAL);
	ck_assert_str_eq(what, "cpus = 0-1: CPU 1 does not exist or tapqd may not run on it "
			       "(this machine has CPUs 0-1, tapqd may run on 0)");
	topo_teardown();
}
END_TEST

START_TEST(test_restrict_applies_cpus)
{
	struct conf c;
	char what[512];
	int cpu[3];

	topo_load_synthetic(TWO_PACKS);
	conf_init(&c);
	c.cpus_all = false;
	c.cpus[0] = UINT64_C(0xffff0000); /* NUMA node 1 */
	ck_assert_int_eq(topo_restrict(topo, &c, allowed, what, sizeof(what)), 0);
	ck_assert_int_eq(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE), 8);
	ck_assert_int_eq(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE), 1);
	ck_assert_int_eq(topo_map(topo, hwloc_topology_get_topology_cpuset(topo),
				  CONF_PLACEMENT_SPREAD, 3, NULL, load, cpu),
			 0);
	/* hwloc_distrib splits 8 cores into 3 blocks of 2, 3 and 3 */
	ck_assert_int_eq(cpu[0], 16);
	ck_assert_int_eq(cpu[1], 20);
	ck_assert_int_eq(cpu[2], 26);
	topo_teardown();
}
END_TEST

/* On this machine: the thread ends up on exactly that PU, and cpu -1 changes nothing. */
START_TEST(test_bind_thread)
{
	struct tapqd *d = calloc(1, sizeof(*d));
	cpu_set_t old, now;
	int cpu;

	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(pthread_getaffinity_np(pthread_self(), sizeof(old), &old), 0);
	for (cpu = CPU_SETSIZE - 1; cpu >= 0 && !CPU_ISSET(cpu, &old); cpu--)
		;
	ck_assert_int_ge(cpu, 0);
	ck_assert_int_eq(hwloc_topology_init(&d->topo), 0);
	ck_assert_int_eq(hwloc_topology_load(d->topo), 0);
	ck_assert_int_eq(topo_bind_thread(d, pthread_self(), -1), 0);
	ck_assert_int_eq(pthread_getaffinity_np(pthread_self(), sizeof(now), &now), 0);
	ck_assert(CPU_EQUAL(&now, &old));
	ck_assert_int_eq(topo_bind_thread(d, pthread_self(), cpu), 0);
	ck_assert_int_eq(pthread_getaffinity_np(pthread_self(), sizeof(now), &now), 0);
	ck_assert_int_eq(CPU_COUNT(&now), 1);
	ck_assert(CPU_ISSET(cpu, &now));
	ck_assert_int_eq(pthread_setaffinity_np(pthread_self(), sizeof(old), &old), 0);
	topo_fini(d);
	free(d);
}
END_TEST

static Suite *topo_suite(void)
{
	Suite *s = suite_create("topo");
	TCase *map = tcase_create("map");
	TCase *conf = tcase_create("cpus");
	TCase *bind = tcase_create("bind");

	tcase_add_test(map, test_one_package);
	tcase_add_test(map, test_two_packages_spread);
	tcase_add_test(map, test_two_devices_share);
	tcase_add_test(map, test_256_queues_4_cores);
	tcase_add_test(map, test_allowed_excludes_numa_nodes);
	tcase_add_test(map, test_allowed_outside_topology);
	tcase_add_test(map, test_preferred_numa_node);
	tcase_add_test(map, test_compact);
	tcase_add_test(map, test_none);
	suite_add_tcase(s, map);
	tcase_add_test(conf, test_restrict_refuses_missing_cpus);
	tcase_add_test(conf, test_restrict_applies_cpus);
	suite_add_tcase(s, conf);
	tcase_add_test(bind, test_bind_thread);
	suite_add_tcase(s, bind);
	return s;
}

int main(void)
{
	return check_run(topo_suite());
}
