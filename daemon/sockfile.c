// SPDX-License-Identifier: MIT
/*
 * sockfile.c - the control socket's file: its directory must be root's
 * alone, and its mode and group are set on the inode opened with
 * O_NOFOLLOW, never through a name: chmod() and chown() on the path follow
 * a symlink planted there, and fchmod() on the socket fd changes the
 * socket's own inode, not the file bind() made.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockfile.h"

int sockfile_check_dir(const char *dir, char *what, size_t what_size)
{
	struct stat st;
	int fd, r = 0;

	fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(what, what_size, "socket directory %s%s", dir,
			 r == -ENOTDIR || r == -ELOOP ? " is not a directory (a symlink?)" : "");
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(what, what_size, "socket directory %s", dir);
	} else if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
		   (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(what, what_size,
			 "socket directory %s (owner uid %u, mode %04o) can be written by others: "
			 "they could swap the socket's name for a link; make it root's and not "
			 "group- or world-writable (0755)",
			 dir, (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
		r = -EPERM;
	}
	close(fd);
	return r;
}

int sockfile_set(const char *path, mode_t mode, gid_t gid, char *what, size_t what_size)
{
	char proc[64];
	struct stat st;
	int fd, r = 0;

	snprintf(what, what_size, "socket %s", path);
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(what, what_size, "%s is no longer tapqd's socket (a %s owned by uid %u)",
			 path, S_ISLNK(st.st_mode) ? "symlink" : "file", (unsigned int)st.st_uid);
		r = -EPERM;
		goto out;
	}
	/* fchmod() refuses an O_PATH fd; its /proc link names that very inode */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (chmod(proc, mode) < 0) {
		r = -errno;
		snprintf(what, what_size, "socket %s: mode %04o through %s", path,
			 (unsigned int)mode, proc);
		goto out;
	}
	if (gid != (gid_t)-1 && fchownat(fd, "", (uid_t)-1, gid, AT_EMPTY_PATH) < 0) {
		r = -errno;
		snprintf(what, what_size, "socket %s: group %u", path, (unsigned int)gid);
	}
out:
	close(fd);
	return r;
}

int sockfile_make_dir(const char *path, char *what, size_t what_size)
{
	char dir[PATH_MAX];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	/* validate.c makes the socket path absolute: there is a slash */
	slash = strrchr(dir, '/');
	if (!slash)
		return -EINVAL;
	slash[slash == dir] = '\0';
	snprintf(what, what_size, "creating %s", dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return sockfile_check_dir(dir, what, what_size);
}
