// SPDX-License-Identifier: MIT
/* tapqd-fdpass.h - one message with SCM_RIGHTS fds, sent or received; shared by tapqd and libtapqd */
#ifndef TAPQD_FDPASS_H
#define TAPQD_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* Sends buf and n_fds fds (at most TAPQD_FDS_PER_MSG) as one message. Return: 0 or -errno. */
int tapqd_fdpass_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds,
		      int flags);

/*
 * Receives one message with MSG_CMSG_CLOEXEC. The first max_fds fds attached
 * are stored in fds, the others closed at once; *n_fds is how many were
 * attached in all, so *n_fds > max_fds says some were dropped. *msg_flags gets
 * the message's flags (MSG_TRUNC, MSG_CTRUNC). Return: its length, 0 at end of
 * stream, or -errno.
 */
ssize_t tapqd_fdpass_recv(int sock, void *buf, size_t len, int *fds, size_t max_fds,
			  size_t *n_fds, int flags, int *msg_flags);

#endif
