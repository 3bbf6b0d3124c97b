/* SPDX-License-Identifier: MIT */
/* tap.h - the tun/tap ioctls tapqd uses, one queue fd at a time */
#ifndef TAPQD_TAP_H
#define TAPQD_TAP_H

#include <stdbool.h>
#include <sys/types.h>

/* Each returns 0 (or the documented value) or a negative errno. */
int tap_queue_open(const char *name, unsigned int flags);
int tap_queue_attached(int fd);
int tap_queue_set_attached(int fd, bool attach);
int tap_queue_name(int fd, char name[16], unsigned int *ret_flags);
/* 0 when fd is /dev/net/tun attached to a device of tapqd's network namespace, else -errno. */
int tap_queue_is_ours(int fd);
int tap_set_vnet_hdr_size(int fd, int size);
int tap_set_offload(int fd, unsigned int offloads);
int tap_set_owner(int fd, uid_t uid);
int tap_set_group(int fd, gid_t gid);
int tap_set_persist(int fd, bool persist);

#endif
