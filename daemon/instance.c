// SPDX-License-Identifier: MIT
/*
 * instance.c - one tapqd per runtime directory (the control socket's, which
 * also holds the lease state): a lock on a file there, taken before tapqd
 * touches a tap, the state or the socket, and held for its whole life. The
 * kernel drops the lock with its last holder, so a crash leaves nothing that
 * blocks the next start.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "instance.h"
#include "sockfile.h"

int instance_path(const struct tapqd *d, const char *name, char *buf, size_t size)
{
	const char *path = d->conf.socket_path, *slash = strrchr(path, '/');
	int n;

	/* validate.c makes the socket path absolute: there is a slash */
	n = snprintf(buf, size, "%.*s/%s", slash ? (int)(slash - path) : 0, path, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * 0600 in a directory only root can write: a user who could open the file
 * could take a lock on it too, and so keep tapqd from starting.
 */
static int instance_open(const char *path, char *what, size_t what_size)
{
	struct stat st;
	int fd = sockfile_make_dir(path, what, what_size);

	if (fd < 0)
		return fd;
	snprintf(what, what_size, "the lock file %s", path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		snprintf(what, what_size, "the lock file %s: not a 0600 file of uid %u", path,
			 (unsigned int)geteuid());
		return -EPERM;
	}
	return fd;
}

/* What the holder wrote: its pid, or 0 when there is none to read yet. */
static pid_t instance_holder(int fd)
{
	char buf[16];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;
	char *end;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return end != buf && *end == '\n' && pid > 0 && pid <= INT32_MAX ? (pid_t)pid : 0;
}

static int instance_held(int fd, const char *path, char *what, size_t what_size)
{
	pid_t pid = instance_holder(fd);

	if (pid)
		snprintf(what, what_size, "already running: pid %d holds %s", (int)pid, path);
	else
		snprintf(what, what_size, "already running: another tapqd holds %s", path);
	return -EALREADY;
}

/*
 * Not blocking: a full backlog (EAGAIN) is someone listening too. Under
 * socket activation this connection starts the service, which is why the
 * lock is not held meanwhile.
 */
static bool instance_socket_answers(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false; /* ctl_listen() will fail on its own socket, and say why */
	r = connect(fd, (const struct sockaddr *)&sa, sizeof(sa));
	if (r < 0)
		r = -errno;
	close(fd);
	return r == 0 || r == -EAGAIN;
}

/* The socket is probed only with the lock free and not yet taken: see instance_socket_answers(). */
static int instance_lock(struct tapqd *d, int fd, const char *path, char *what, size_t what_size)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
		return -errno;
	if (fl.l_type != F_UNLCK)
		return instance_held(fd, path, what, what_size);
	/* a socket the service manager passed is this tapqd's own */
	if (d->listen_fd < 0 && instance_socket_answers(d->conf.socket_path)) {
		snprintf(what, what_size,
			 "%s answers: another tapqd, or a service manager that starts one on "
			 "demand (tapqd.socket), listens there",
			 d->conf.socket_path);
		return -EADDRINUSE;
	}
	fl.l_type = F_WRLCK;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	/* another tapqd took it in between */
	return errno == EAGAIN || errno == EACCES ? instance_held(fd, path, what, what_size)
						  : -errno;
}

int instance_claim(struct tapqd *d, char *what, size_t what_size)
{
	char path[sizeof(d->state_path)];
	int fd, r;

	r = instance_path(d, INSTANCE_LOCK, path, sizeof(path));
	if (r < 0) {
		snprintf(what, what_size, "%s: a lock file beside it would be too long a path",
			 d->conf.socket_path);
		return r;
	}
	fd = instance_open(path, what, what_size);
	if (fd < 0)
		return fd;
	r = instance_lock(d, fd, path, what, what_size);
	if (r < 0) {
		close(fd);
		return r;
	}
	d->lock_fd = fd;
	return instance_note_pid(d, what, what_size);
}

int instance_note_pid(struct tapqd *d, char *what, size_t what_size)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	ssize_t w;

	snprintf(what, what_size, "writing the pid to the lock file");
	if (ftruncate(d->lock_fd, 0) < 0)
		return -errno;
	w = pwrite(d->lock_fd, buf, (size_t)n, 0);
	if (w < 0)
		return -errno;
	return w == n ? 0 : -EIO;
}

void instance_release(struct tapqd *d)
{
	/* the file stays: unlinked, it could be locked anew by a tapqd that opened it before */
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d->lock_fd = -1;
}
