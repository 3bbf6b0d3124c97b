// SPDX-License-Identifier: MIT
/* tap.c - the tun/tap ioctls: open a queue, read and change its attach state, device settings */

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

/*
 * Opens one queue of a multiqueue tap. The first open creates the device;
 * the kernel requires every later TUNSETIFF on that name to carry the same
 * flags. Return: the fd (close-on-exec, blocking: the file status flags are
 * shared with the client that will receive it), or a negative errno.
 */
int tap_queue_open(const char *name, unsigned int flags)
{
	struct ifreq ifr;
	int fd, r;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	ifr.ifr_flags = (short)flags;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int tap_queue_name(int fd, char name[16], unsigned int *ret_flags)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return -errno;
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	if (ret_flags)
		*ret_flags = (unsigned short)ifr.ifr_flags;
	return 0;
}

/* TUNGETIFF reports IFF_DETACH_QUEUE on a detached queue and changes nothing. Return: 1, 0 or -errno. */
int tap_queue_attached(int fd)
{
	char name[16];
	unsigned int flags;
	int r = tap_queue_name(fd, name, &flags);

	if (r < 0)
		return r;
	return !(flags & IFF_DETACH_QUEUE);
}

/* The kernel answers EINVAL to attaching an attached queue: callers check first. */
int tap_queue_set_attached(int fd, bool attach)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
	if (ioctl(fd, TUNSETQUEUE, &ifr) < 0)
		return -errno;
	return 0;
}

int tap_set_vnet_hdr_size(int fd, int size)
{
	return ioctl(fd, TUNSETVNETHDRSZ, &size) < 0 ? -errno : 0;
}

int tap_set_offload(int fd, unsigned int offloads)
{
	return ioctl(fd, TUNSETOFFLOAD, (unsigned long)offloads) < 0 ? -errno : 0;
}

int tap_set_owner(int fd, uid_t uid)
{
	return ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0 ? -errno : 0;
}

int tap_set_group(int fd, gid_t gid)
{
	return ioctl(fd, TUNSETGROUP, (unsigned long)gid) < 0 ? -errno : 0;
}

int tap_set_persist(int fd, bool persist)
{
	return ioctl(fd, TUNSETPERSIST, (unsigned long)persist) < 0 ? -errno : 0;
}

int tap_queue_is_ours(int fd)
{
	struct stat st, mine, theirs;
	int ns, r = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(10, 200))
		return -ENOTTY;
	ns = ioctl(fd, TUNGETDEVNETNS);
	if (ns < 0)
		return -errno;
	if (fstat(ns, &theirs) < 0 || stat("/proc/self/ns/net", &mine) < 0)
		r = -errno;
	else if (theirs.st_ino != mine.st_ino || theirs.st_dev != mine.st_dev)
		r = -EXDEV;
	close(ns);
	return r;
}
