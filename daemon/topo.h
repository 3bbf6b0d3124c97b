/* SPDX-License-Identifier: MIT */
/* topo.h - which core serves which queue */
#ifndef TAPQD_TOPO_H
#define TAPQD_TOPO_H

struct tapqd;
struct device;

int topo_init(struct tapqd *d);
void topo_place(struct tapqd *d, struct device *dev);

#endif
