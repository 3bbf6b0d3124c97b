// SPDX-License-Identifier: MIT
/* acl.c - the allow_users / allow_groups decision for one peer and one device */

#include "acl.h"
#include "conf.h"

/* root may do everything; anyone else must be listed by uid, primary or supplementary group. */
bool acl_permits(const struct conf_device *cd, const struct acl_peer *peer)
{
	if (peer->uid == 0)
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
