/* SPDX-License-Identifier: MIT */
/* holder.h - which of a tap's queue files another process still has open */
#ifndef TAPQD_HOLDER_H
#define TAPQD_HOLDER_H

#include <sys/types.h>

/*
 * Counts the fds of process pid that are queues of the tap named ifname
 * (/proc/PID/fd and fdinfo's "iff:" line; a dup counts once per fd). It
 * needs ptrace read access to pid, as /proc does: without CAP_SYS_PTRACE,
 * only to processes of one's own uid. The name is the kernel's: a tap of
 * the same name in another network namespace counts too.
 * Return: the count, or -errno (-ENOENT: no such process, -EACCES).
 */
int holder_count_tap_fds(pid_t pid, const char *ifname);

#endif
