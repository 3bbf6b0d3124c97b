/* SPDX-License-Identifier: MIT */
/* acl.h - who may use a device: the decision alone, with no I/O */
#ifndef TAPQD_ACL_H
#define TAPQD_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct conf_device;

struct acl_peer {
	uid_t uid; /* effective, as SO_PEERCRED reports a client */
	gid_t gid;
	const gid_t *groups; /* supplementary groups */
	size_t n_groups;
	/* a process read from /proc only: the ids kill(2) checks a signaller against */
	uid_t real_uid;
	uid_t saved_uid;
};

bool acl_permits(const struct conf_device *cd, const struct acl_peer *peer);
/*
 * kill(2)'s rule, for handing a lease to process pid (self: tapqd's own
 * pid): root may; anyone else only to a process whose real or saved uid is
 * theirs, and never to pid 1 or tapqd, whatever uid those run as.
 */
bool acl_may_signal(uid_t uid, pid_t pid, pid_t self, const struct acl_peer *target);
/*
 * Reads the real, effective and saved uid, the effective gid and the
 * supplementary groups of a process from the text of its /proc/PID/status.
 * *ret_groups is malloc'ed (NULL for none) and peer->groups points to it.
 * Return: 0, -EBADMSG, -ENOMEM.
 */
int acl_peer_parse_status(const char *text, struct acl_peer *peer, gid_t **ret_groups);

#endif
