/* SPDX-License-Identifier: MIT */
/* device.h - one multiqueue tap and every one of its queue fds */
#ifndef TAPQD_DEVICE_H
#define TAPQD_DEVICE_H

#include <stddef.h>

#include "daemon.h"

/* Return: 0 or a negative errno; on failure what names the step that failed. */
int device_create(struct tapqd *d, const struct conf_device *cd, struct device **ret, char *what,
		  size_t what_size);
/* Creates a device of the config and adds it to the list; logs either way. NULL on failure. */
struct device *device_add(struct tapqd *d, const struct conf_device *cd);
/* Deletes the interface on purpose and frees the device. Return: 0, or the link's -errno. */
int device_delete(struct tapqd *d, struct device *dev);
/* An empty device of that config: no fds (-1), not in the list. NULL when out of memory. */
struct device *device_new(const struct conf_device *cd);
/*
 * Takes over a device that already exists, its queue fds in dev->fds (back
 * from the fd store, checked) and its lease, if any, in dev->lease: reads
 * the queue states, applies the config, and leaves what a holder owns
 * (active set, vnet header, offloads) alone. Return as device_create().
 */
int device_adopt(struct tapqd *d, struct device *dev, char *what, size_t what_size);
/* The TUNSETIFF flags of every queue of a device of that config. */
unsigned int device_tun_flags(const struct conf_device *cd);
void device_free(struct device *dev);
struct device *device_find(struct tapqd *d, const char *name);
int device_refresh(struct device *dev);
int device_set_active(struct device *dev, unsigned int n, unsigned int *ret_failed_queue);
unsigned int device_active_count(const struct device *dev);
void device_info(const struct device *dev, struct tapqd_device_info *info);
/* Handoff by name: reads the queues open outside tapqd into dev. Return: 0 or -errno. */
int device_count_outside(struct tapqd *d, struct device *dev);

#endif
