// SPDX-License-Identifier: MIT
/*
 * holder.c - counts the queue fds of one tap another process still has open,
 * from /proc: tapqd cannot take back fds it handed out, so when a lease ends
 * by someone else's hand it can at least say whether its holder let go.
 * Knows nothing of the daemon: a pid and an interface name in, a count out.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "holder.h"

/* /dev/net/tun: a queue is an open of it, whatever path the holder opened it by */
#define HOLDER_TUN_MAJOR 10
#define HOLDER_TUN_MINOR 200

/* fdinfo of a tun fd is a handful of short lines; "iff:" is among the first five */
#define HOLDER_FDINFO_MAX 512

/*
 * Is fd `name` of the process (its /proc directory open as pid_dir) a queue
 * of the tap whose fdinfo line is `iff`? The kernel names the tap on every
 * queue, attached or detached, and on none once the tap is deleted.
 * Return: 1, 0 (not that tap, or closed meanwhile), or -errno.
 */
static int holder_fd_names(int pid_dir, const char *name, const char *iff)
{
	char path[32 + NAME_MAX], buf[HOLDER_FDINFO_MAX];
	ssize_t n;
	int fd, r;

	snprintf(path, sizeof(path), "fdinfo/%s", name);
	fd = openat(pid_dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* fdinfo is one seq_file record: one read has all of it that fits */
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	/* "pos:" comes first, so the whole line is "\niff:\tNAME\n": no prefix of a longer name */
	return strstr(buf, iff) != NULL;
}

int holder_count_tap_fds(pid_t pid, const char *ifname)
{
	char path[32], iff[IFNAMSIZ + 8];
	struct dirent *de;
	int pid_dir, fd_dir, count = 0, r = 0;
	DIR *dir;

	if (pid <= 0 || !ifname[0] || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	snprintf(iff, sizeof(iff), "\niff:\t%s\n", ifname);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	/* one directory for both fd/ and fdinfo/: the same process while it lives */
	pid_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pid_dir < 0)
		return -errno;
	fd_dir = openat(pid_dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0) {
		r = -errno;
		close(pid_dir);
		return r;
	}
	dir = fdopendir(fd_dir);
	if (!dir) {
		r = -errno;
		close(fd_dir);
		close(pid_dir);
		return r;
	}
	for (errno = 0; (de = readdir(dir)); errno = 0) {
		struct stat st;
		int k;

		if (de->d_name[0] == '.')
			continue;
		/* follows the fd's magic link to the open file itself, in any mount namespace */
		if (fstatat(dirfd(dir), de->d_name, &st, 0) < 0) {
			if (errno == ENOENT) /* closed since it was listed */
				continue;
			r = -errno;
			break;
		}
		if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != HOLDER_TUN_MAJOR ||
		    minor(st.st_rdev) != HOLDER_TUN_MINOR)
			continue;
		k = holder_fd_names(pid_dir, de->d_name, iff);
		if (k < 0) {
			r = k;
			break;
		}
		count += k;
	}
	if (r == 0 && errno)
		r = -errno;
	closedir(dir);
	close(pid_dir);
	return r < 0 ? r : count;
}
