/* SPDX-License-Identifier: MIT */
/* sockfile.h - the control socket's file and directory, handled without following names */
#ifndef TAPQD_SOCKFILE_H
#define TAPQD_SOCKFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Refuses a directory someone other than root (or tapqd's own user) could
 * write, and one that is a symlink: a name in it could be swapped for
 * another between tapqd's calls. Return: 0, or -errno with what filled.
 */
int sockfile_check_dir(const char *dir, char *what, size_t what_size);
/*
 * Creates (0755) the directory that holds path when it is missing, then
 * sockfile_check_dir() on it. Return: 0, or -errno with what filled.
 */
int sockfile_make_dir(const char *path, char *what, size_t what_size);

/*
 * Sets mode, and the group unless gid is (gid_t)-1, on the socket file at
 * path: on the inode opened there without following a symlink, and only
 * if it is a socket tapqd's user owns. Return: 0, or -errno with what filled.
 */
int sockfile_set(const char *path, mode_t mode, gid_t gid, char *what, size_t what_size);

#endif
