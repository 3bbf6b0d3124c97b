/* SPDX-License-Identifier: MIT */
/* acl.h - who may use a device: the decision alone, with no I/O */
#ifndef TAPQD_ACL_H
#define TAPQD_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct conf_device;

struct acl_peer {
	uid_t uid;
	gid_t gid;
	const gid_t *groups; /* supplementary groups */
	size_t n_groups;
};

bool acl_permits(const struct conf_device *cd, const struct acl_peer *peer);
/*
 * Reads the effective uid and gid and the supplementary groups of a process
 * from the text of its /proc/PID/status. *ret_groups is malloc'ed (NULL for
 * none) and peer->groups points to it. Return: 0, -EBADMSG, -ENOMEM.
 */
int acl_peer_parse_status(const char *text, struct acl_peer *peer, gid_t **ret_groups);

#endif
