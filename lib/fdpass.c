// SPDX-License-Identifier: MIT
/* fdpass.c - the SCM_RIGHTS plumbing of one message, for both ends of the control socket */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tapqd-fdpass.h"
#include "tapqd.h"

union fdpass_cmsg {
	char buf[CMSG_SPACE(sizeof(int) * TAPQD_FDS_PER_MSG)];
	struct cmsghdr align;
};

int tapqd_fdpass_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds,
		      int flags)
{
	union fdpass_cmsg ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (n_fds > TAPQD_FDS_PER_MSG)
		return -E2BIG;
	if (n_fds) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n_fds);
	}
	if (sendmsg(sock, &mh, flags | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

ssize_t tapqd_fdpass_recv(int sock, void *buf, size_t len, int *fds, size_t max_fds,
			  size_t *n_fds, int flags, int *msg_flags)
{
	union fdpass_cmsg ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;

	*n_fds = 0;
	*msg_flags = 0;
	n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (*n_fds < max_fds)
				fds[*n_fds] = fd;
			else
				close(fd);
			(*n_fds)++;
		}
	}
	*msg_flags = mh.msg_flags;
	return n;
}
