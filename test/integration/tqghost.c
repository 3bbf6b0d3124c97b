// SPDX-License-Identifier: MIT
/*
 * tqghost.c - integration-test attacker: a lease holder that passes its queue
 * files to a child and exits, and the child that keeps them (the "ghost")
 *
 *   tqghost spawn DEV      acquire DEV (client mode), fork the ghost, exit;
 *                          prints "ghost PID fds N"
 *   tqghost byname DEV     open DEV by name as a client of the kernel alone
 *   tqghost facts DEV UID  (root, in a namespace of its own) the kernel facts
 *                          README relies on: creates DEV with 2 queues, owner
 *                          root, detaches the second, and UID, holding it,
 *                          tries it; then the same after RTM_DELLINK
 *
 * The ghost waits (60 s at most) for SIGUSR1, then tries to attach each file
 * again, to inject one frame through each, and reads whatever reaches them
 * until SIGUSR2 (60 s at most). One line per fact, on the inherited stdout:
 *   attach qI ok|ERRNO-TEXT, inject qI ok|ERRNO-TEXT, read N frames, errors E
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tapqd.h"

#define GHOST_WAIT_S 60

static volatile sig_atomic_t go, stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		go = 1;
	else
		stop = 1;
}

static const char *result(int r)
{
	return r < 0 ? strerror(errno) : "ok";
}

/* A broadcast ARP request from a made-up MAC: what a guest would send. */
static int inject(int fd)
{
	unsigned char f[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0x66, 0x66, 0x08, 0x06,
			       0, 1, 8, 0, 6, 4, 0, 1};

	return write(fd, f, sizeof(f)) == (ssize_t)sizeof(f) ? 0 : -1;
}

static void ghost(const struct tapqd_lease_info *l)
{
	struct pollfd p[TAPQD_MAX_QUEUES];
	unsigned long frames = 0, errors = 0;
	char buf[65536], err[64] = "";
	time_t end = time(NULL) + GHOST_WAIT_S;

	while (!go && time(NULL) < end)
		pause();
	for (size_t i = 0; i < l->n_fds; i++) {
		struct ifreq ifr = {.ifr_flags = IFF_ATTACH_QUEUE};

		printf("attach q%zu %s\n", i, result(ioctl(l->fds[i], TUNSETQUEUE, &ifr)));
	}
	for (size_t i = 0; i < l->n_fds; i++)
		printf("inject q%zu %s\n", i, result(inject(l->fds[i])));
	fflush(stdout);
	for (size_t i = 0; i < l->n_fds; i++) {
		p[i].fd = l->fds[i];
		p[i].events = POLLIN;
		fcntl(l->fds[i], F_SETFL, O_NONBLOCK);
	}
	printf("reading\n");
	fflush(stdout);
	end = time(NULL) + GHOST_WAIT_S;
	while (!stop && time(NULL) < end) {
		if (poll(p, l->n_fds, 100) < 0)
			continue;
		for (size_t i = 0; i < l->n_fds; i++) {
			if (!p[i].revents)
				continue;
			if (read(p[i].fd, buf, sizeof(buf)) > 0) {
				frames++;
			} else if (errno != EAGAIN) {
				errors++;
				snprintf(err, sizeof(err), "%s", strerror(errno));
				p[i].fd = -1;
			}
		}
	}
	printf("read %lu frames, errors %lu %s\n", frames, errors, err);
	fflush(stdout);
}

static int spawn(const char *dev)
{
	struct tapqd_lease_info *l = calloc(1, sizeof(*l));
	struct tapqd_client *c;
	struct sigaction sa = {.sa_handler = on_signal};
	pid_t pid;
	int r;

	if (!l || tapqd_client_connect(NULL, &c) < 0) {
		free(l);
		return 1;
	}
	r = tapqd_client_acquire(c, dev, TAPQD_CONTROL_CLIENT, l);
	if (r < 0) {
		printf("FAIL acquire %s: %s\n", dev, strerror(-r));
		tapqd_client_free(c);
		free(l);
		return 1;
	}
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		tapqd_lease_close_fds(l);
		tapqd_client_free(c);
		free(l);
		return 1;
	}
	if (pid == 0) {
		/* the ghost: the files, and no connection to tapqd */
		tapqd_client_free(c);
		setsid();
		ghost(l);
		_exit(0);
	}
	printf("ghost %d fds %zu ifindex %d\n", (int)pid, l->n_fds, (int)l->dev.ifindex);
	fflush(stdout);
	/* the ghost has its own copies: this holder exits, and its lease ends */
	tapqd_lease_close_fds(l);
	tapqd_client_free(c);
	free(l);
	return 0;
}

/* Return: 0 when dev could be opened by name (the file is closed again), -1 with errno. */
static int queue_try(const char *dev)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	r = ioctl(fd, TUNSETIFF, &ifr);
	if (r < 0) {
		r = errno;
		close(fd);
		errno = r;
		return -1;
	}
	close(fd);
	return 0;
}

static int byname(const char *dev)
{
	printf("byname %s %s\n", dev, result(queue_try(dev)));
	return 0;
}

static int queue_open(const char *dev)
{
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE};
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		printf("FAIL open %s: %s\n", dev, strerror(errno));
		exit(1);
	}
	return fd;
}

/* What UID can do with a detached file of a tap owned by root. */
static void facts_try(const char *dev, int fd, const char *when)
{
	struct ifreq ifr = {.ifr_flags = IFF_ATTACH_QUEUE};
	char buf[2048];

	fcntl(fd, F_SETFL, O_NONBLOCK);
	printf("%s: read %s\n", when, result((int)read(fd, buf, sizeof(buf))));
	printf("%s: inject %s\n", when, result(inject(fd)));
	printf("%s: attach %s\n", when, result(ioctl(fd, TUNSETQUEUE, &ifr)));
	fflush(stdout);
	(void)dev;
}

static int facts(const char *dev, uid_t uid)
{
	int q0 = queue_open(dev), q1 = queue_open(dev), st;
	struct ifreq ifr = {.ifr_flags = IFF_DETACH_QUEUE};
	char cmd[128];
	pid_t pid;

	if (ioctl(q0, TUNSETOWNER, (unsigned long)0) < 0 || ioctl(q1, TUNSETQUEUE, &ifr) < 0)
		return 1;
	snprintf(cmd, sizeof(cmd), "ip link set %s up", dev);
	if (system(cmd) != 0)
		return 1;
	printf("detached by root, owner root\n");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(1);
		printf("uid %u: byname %s\n", (unsigned int)uid, result(queue_try(dev)));
		facts_try(dev, q1, "detached");
		_exit(0);
	}
	waitpid(pid, &st, 0);
	snprintf(cmd, sizeof(cmd), "ip -d link show %s | grep -o 'numqueues [0-9]* numdisabled [0-9]*'",
		 dev);
	if (system(cmd) != 0)
		return 1;
	snprintf(cmd, sizeof(cmd), "ip link del %s", dev);
	if (system(cmd) != 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(1);
		facts_try(dev, q1, "after ip link del");
		_exit(0);
	}
	waitpid(pid, &st, 0);
	close(q0);
	close(q1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "spawn"))
		return spawn(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "byname"))
		return byname(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "facts"))
		return facts(argv[2], (uid_t)strtoul(argv[3], NULL, 10));
	fprintf(stderr, "usage: tqghost spawn|byname DEV | facts DEV UID\n");
	return 2;
}
