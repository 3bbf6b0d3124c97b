/* SPDX-License-Identifier: MIT */
/* topo.h - which core serves which queue */
#ifndef TAPQD_TOPO_H
#define TAPQD_TOPO_H

#include <pthread.h>

struct tapqd;
struct device;

int topo_init(struct tapqd *d);
void topo_place(struct tapqd *d, struct device *dev);
/* Pins a thread to one core; cpu < 0 leaves it unpinned. Return: 0 or -errno. */
int topo_bind_thread(struct tapqd *d, pthread_t thread, int cpu);

#endif
