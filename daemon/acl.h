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

#endif
