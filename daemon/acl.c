// SPDX-License-Identifier: MIT
/* acl.c - the allow_users / allow_groups decision for one peer and one device */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "conf.h"

/*
 * root may do everything, and the creator of a created device all of it;
 * anyone else must be listed by uid, primary or supplementary group.
 */
bool acl_permits(const struct conf_device *cd, const struct acl_peer *peer)
{
	if (peer->uid == 0 || (cd->has_creator && cd->creator == peer->uid))
		return true;
	for (size_t i = 0; i < cd->n_allow_users; i++)
		if (cd->allow_users[i] == peer->uid)
			return true;
	for (size_t i = 0; i < cd->n_allow_groups; i++) {
		if (cd->allow_groups[i] == peer->gid)
			return true;
		for (size_t j = 0; j < peer->n_groups; j++)
			if (cd->allow_groups[i] == peer->groups[j])
				return true;
	}
	return false;
}

bool acl_may_signal(uid_t uid, pid_t pid, pid_t self, const struct acl_peer *target)
{
	if (uid == 0)
		return true;
	/* a lease there would never end: pid 1 and tapqd outlive every holder */
	if (pid == 1 || pid == self)
		return false;
	return uid == target->real_uid || uid == target->saved_uid;
}

/* "Groups:\t4 24 27 \n": as many as there are, which may be thousands. */
static int acl_parse_groups(const char *p, gid_t **ret, size_t *ret_n)
{
	size_t n = 0, cap = 1;
	gid_t *g;

	for (const char *q = p; *q && *q != '\n'; q++)
		cap += *q == ' ' || *q == '\t';
	g = calloc(cap, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (;;) {
		unsigned long v;
		char *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || !*p)
			break;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || end == p || v > (gid_t)-1 || n == cap) {
			free(g);
			return -EBADMSG;
		}
		g[n++] = (gid_t)v;
		p = end;
	}
	*ret = g;
	*ret_n = n;
	return 0;
}

int acl_peer_parse_status(const char *text, struct acl_peer *peer, gid_t **ret_groups)
{
	const char *uid = strstr(text, "\nUid:"), *gid = strstr(text, "\nGid:");
	const char *groups = strstr(text, "\nGroups:");
	unsigned long real, eff, saved;
	gid_t *g = NULL;
	size_t n = 0;
	int r;

	/* real, effective, saved, fs: the effective one is what SO_PEERCRED reports of a client */
	if (!uid || sscanf(uid, "\nUid: %lu %lu %lu", &real, &eff, &saved) != 3 ||
	    real > (uid_t)-1 || eff > (uid_t)-1 || saved > (uid_t)-1)
		return -EBADMSG;
	peer->uid = (uid_t)eff;
	peer->real_uid = (uid_t)real;
	peer->saved_uid = (uid_t)saved;
	if (!gid || sscanf(gid, "\nGid: %lu %lu", &real, &eff) != 2 || eff > (gid_t)-1)
		return -EBADMSG;
	peer->gid = (gid_t)eff;
	if (groups) {
		r = acl_parse_groups(groups + strlen("\nGroups:"), &g, &n);
		if (r < 0)
			return r;
	}
	peer->groups = g;
	peer->n_groups = n;
	*ret_groups = g;
	return 0;
}
