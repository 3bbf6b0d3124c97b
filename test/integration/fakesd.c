// SPDX-License-Identifier: MIT
/*
 * fakesd.c - a fake service manager for the integration tests: the
 * NOTIFY_SOCKET listener and fd store of systemd, and its restart of a
 * failed service with the stored fds passed back
 *
 *   fakesd [-c SOCKET] [-r RESTARTS] NOTIFY_PATH LOG -- CMD [ARGS...]
 *
 * Runs CMD with NOTIFY_SOCKET=NOTIFY_PATH and writes every message it gets
 * to LOG, one line each (newlines shown as " | "), with the wall-clock time
 * in front, plus lines starting with "#" for what fakesd itself did. As
 * systemd does: FDSTORE=1 keeps the message's fds under its FDNAME= (the
 * same open file twice is kept once, compared with kcmp); FDSTOREREMOVE=1
 * closes every fd of a name; a stored fd that polls EPOLLHUP or EPOLLERR is
 * dropped unless FDPOLL=0 came with it; fds without FDSTORE=1 are closed.
 * When CMD fails (a signal other than SIGTERM, or a non-zero exit), it is
 * started again, at most RESTARTS times, with the stored fds from fd 3 on,
 * newest first (systemd prepends to its store list: the order is not the
 * order of storing, and a daemon must not rely on any), LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID (set in the child after fork,
 * before exec). SIGUSR1 restarts it on purpose (SIGTERM, then a start, the
 * store kept, as `systemctl restart`). On SIGTERM or SIGINT fakesd stops CMD
 * and exits with its status; the store goes with it, as on `systemctl stop`.
 * With -c, each READY=1 is logged with whether SOCKET accepts a connection
 * at that moment. fakesd must run in CMD's mount namespace for that.
 * With -j, fakesd is journald too: it listens where sd_journal_send() sends
 * (/run/systemd/journal/socket, so again in CMD's mount namespace), writes
 * every entry to JOURNAL_LOG as LOG's lines are, and tells CMD that its
 * stderr is the journal's stream (JOURNAL_STREAM= names fakesd's stderr).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FAKESD_FDS_MAX 4096
#define FAKESD_MSG_MAX 4096
#define FAKESD_NAME_MAX 255 /* systemd's FDNAME limit */
#define FAKESD_FDS_PER_MSG 253
#define FAKESD_JOURNAL_DIR "/run/systemd/journal"
#define FAKESD_JOURNAL_SOCKET FAKESD_JOURNAL_DIR "/socket"

struct stored {
	int fd;
	bool poll; /* dropped on POLLHUP/POLLERR, as systemd does without FDPOLL=0 */
	char name[FAKESD_NAME_MAX + 1];
};

struct fakesd {
	int notify_fd;
	int sig_fd;
	int journal_fd; /* -1: no -j */
	FILE *log;
	FILE *journal_log;
	const char *notify_path;
	const char *check_sock;
	const char *watchdog_usec; /* WATCHDOG_USEC for the child, NULL: none */
	char **argv;
	pid_t child;
	unsigned int restarts, max_restarts;
	bool stopping, restart_pending;
	size_t n;
	struct stored fds[FAKESD_FDS_MAX];
};

static void fakesd_log(struct fakesd *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fakesd_log(struct fakesd *s, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(s->log, "%lld.%06ld ", (long long)ts.tv_sec, ts.tv_nsec / 1000);
	va_start(ap, fmt);
	vfprintf(s->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->log);
	fflush(s->log);
}

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "fakesd: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* systemd's fdname_is_valid(): printable ASCII but ':', 1 to 255 characters. */
static bool fdname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > FAKESD_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] < ' ' || name[i] > '~' || name[i] == ':')
			return false;
	return true;
}

static bool same_file(int a, int b)
{
	pid_t pid = getpid();

	return syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b) == 0;
}

/* Keeps the order of the others: it is the order they are passed in. */
static void store_drop(struct fakesd *s, size_t i)
{
	close(s->fds[i].fd);
	memmove(&s->fds[i], &s->fds[i + 1], (s->n - i - 1) * sizeof(s->fds[0]));
	s->n--;
}

static void store_add(struct fakesd *s, int fd, const char *name, bool poll_it)
{
	for (size_t i = 0; i < s->n; i++) {
		if (same_file(s->fds[i].fd, fd)) {
			fakesd_log(s, "# %s: the same file is stored already (%s): closed", name,
				   s->fds[i].name);
			close(fd);
			return;
		}
	}
	if (s->n == FAKESD_FDS_MAX) {
		fakesd_log(s, "# %s: the store is full: closed", name);
		close(fd);
		return;
	}
	s->fds[s->n].fd = fd;
	s->fds[s->n].poll = poll_it;
	snprintf(s->fds[s->n].name, sizeof(s->fds[s->n].name), "%s", name);
	s->n++;
}

static void store_remove(struct fakesd *s, const char *name)
{
	for (size_t i = s->n; i-- > 0;)
		if (!strcmp(s->fds[i].name, name))
			store_drop(s, i);
}

/* Does the socket accept a connection now? For READY=1: it must. */
static const char *socket_state(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return "socket() failed";
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r == 0 ? "socket listening" : "socket not listening";
}

/* One line per message: its assignments, " | " between them. */
static bool msg_has(const char *msg, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = msg; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
			return true;
	}
	return false;
}

static void msg_value(const char *msg, const char *key, char *buf, size_t size)
{
	size_t n = strlen(key);

	buf[0] = '\0';
	for (const char *p = msg; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, n)) {
			size_t len = strcspn(p + n, "\n");

			snprintf(buf, size, "%.*s", (int)len, p + n);
		}
	}
}

/* How far MONOTONIC_USEC= is from this process's CLOCK_MONOTONIC, as systemd would compare it. */
static long long monotonic_skew_ms(const char *usec)
{
	struct timespec ts;
	long long now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	return (now - strtoll(usec, NULL, 10)) / 1000;
}

/* A message's newlines as " | ": one line of a log per message. */
static void flatten(const char *buf, size_t n, char *flat)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			memcpy(flat + o, " | ", 3);
			o += 3;
		} else {
			flat[o++] = buf[i];
		}
	}
	flat[o] = '\0';
}

/*
 * One entry of sd_journal_send(): "FIELD=value" lines (the binary form,
 * for a value with a newline, tapqd never sends: logged as it comes).
 */
static void on_journal(struct fakesd *s)
{
	char buf[FAKESD_MSG_MAX + 1], flat[3 * FAKESD_MSG_MAX + 1];
	ssize_t n = recv(s->journal_fd, buf, FAKESD_MSG_MAX, MSG_DONTWAIT);
	struct timespec ts;

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			die("recv journal");
		return;
	}
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	flatten(buf, (size_t)n, flat);
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(s->journal_log, "%lld.%06ld %s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000, flat);
	fflush(s->journal_log);
}

static void on_notify(struct fakesd *s)
{
	char buf[FAKESD_MSG_MAX + 1], flat[3 * FAKESD_MSG_MAX + 1], name[FAKESD_NAME_MAX + 2];
	char usec[32];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * FAKESD_FDS_PER_MSG) +
		       CMSG_SPACE(sizeof(struct ucred))];
	} cm;
	struct iovec iov = {.iov_base = buf, .iov_len = FAKESD_MSG_MAX};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cm,
			    .msg_controllen = sizeof(cm)};
	int fds[FAKESD_FDS_PER_MSG];
	size_t n_fds = 0;
	ssize_t n = recvmsg(s->notify_fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			die("recvmsg");
		return;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		for (size_t i = 0; i < k && n_fds < FAKESD_FDS_PER_MSG; i++)
			memcpy(&fds[n_fds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	buf[n] = '\0';
	flatten(buf, (size_t)n, flat);
	msg_value(buf, "MONOTONIC_USEC=", usec, sizeof(usec));
	if (s->check_sock && msg_has(buf, "READY=1"))
		fakesd_log(s, "%s [%s]", flat, socket_state(s->check_sock));
	else if (usec[0])
		fakesd_log(s, "%s [monotonic skew %lld ms]", flat, monotonic_skew_ms(usec));
	else if (n_fds)
		fakesd_log(s, "%s [fds %zu]", flat, n_fds);
	else
		fakesd_log(s, "%s", flat);

	msg_value(buf, "FDNAME=", name, sizeof(name));
	if (msg_has(buf, "FDSTOREREMOVE=1") && fdname_valid(name))
		store_remove(s, name);
	if (!n_fds)
		return;
	if (!msg_has(buf, "FDSTORE=1")) {
		fakesd_log(s, "# %zu fds without FDSTORE=1: closed", n_fds);
	} else if (!name[0] || fdname_valid(name)) {
		for (size_t i = 0; i < n_fds; i++)
			store_add(s, fds[i], name[0] ? name : "stored", !msg_has(buf, "FDPOLL=0"));
		return;
	} else {
		fakesd_log(s, "# invalid FDNAME \"%s\": %zu fds closed", name, n_fds);
	}
	for (size_t i = 0; i < n_fds; i++)
		close(fds[i]);
}

/* In the child: stored fds at 3.., nothing else open above, the environment systemd sets. */
static void __attribute__((noreturn)) exec_child(struct fakesd *s, int *tmp, char *names)
{
	sigset_t none;
	char num[32];

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		_exit(127);
	/* first above the target range, then into it: no stored fd is overwritten early */
	for (size_t i = 0; i < s->n; i++)
		if ((tmp[i] = fcntl(s->fds[s->n - 1 - i].fd, F_DUPFD_CLOEXEC, 3 + (int)s->n)) < 0)
			_exit(127);
	for (size_t i = 0; i < s->n; i++)
		if (dup2(tmp[i], 3 + (int)i) < 0) /* without FD_CLOEXEC: for CMD */
			_exit(127);
	if (close_range(3 + (unsigned int)s->n, ~0U, 0) < 0)
		_exit(127);
	setenv("NOTIFY_SOCKET", s->notify_path, 1);
	unsetenv("JOURNAL_STREAM");
	if (s->journal_fd >= 0) {
		char stream[48];
		struct stat st;

		if (fstat(2, &st) < 0)
			_exit(127);
		snprintf(stream, sizeof(stream), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", stream, 1);
	}
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	unsetenv("LISTEN_PID");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	/* as systemd: WATCHDOG_PID names the child, so a grandchild does not take it */
	if (s->watchdog_usec) {
		setenv("WATCHDOG_USEC", s->watchdog_usec, 1);
		snprintf(num, sizeof(num), "%d", (int)getpid());
		setenv("WATCHDOG_PID", num, 1);
	}
	if (s->n) {
		snprintf(num, sizeof(num), "%zu", s->n);
		setenv("LISTEN_FDS", num, 1);
		setenv("LISTEN_FDNAMES", names, 1);
		snprintf(num, sizeof(num), "%d", (int)getpid());
		setenv("LISTEN_PID", num, 1);
	}
	execvp(s->argv[0], s->argv);
	_exit(127);
}

static void start(struct fakesd *s)
{
	char *names = calloc(s->n ? s->n : 1, FAKESD_NAME_MAX + 1);
	int *tmp = calloc(s->n ? s->n : 1, sizeof(int));
	size_t o = 0;

	if (!names || !tmp)
		die("calloc");
	for (size_t i = 0; i < s->n; i++)
		o += (size_t)sprintf(names + o, "%s%s", i ? ":" : "", s->fds[s->n - 1 - i].name);
	s->child = fork();
	if (s->child < 0)
		die("fork");
	if (s->child == 0)
		exec_child(s, tmp, names);
	fakesd_log(s, "# start pid %d fds %zu names %s", (int)s->child, s->n, names);
	free(names);
	free(tmp);
}

/* Return: true when fakesd is done. */
static bool on_child_exit(struct fakesd *s, int *ret_status)
{
	bool failed;
	int st;
	pid_t pid = waitpid(s->child, &st, WNOHANG);

	if (pid <= 0)
		return false;
	if (WIFSIGNALED(st)) {
		fakesd_log(s, "# exit pid %d signal %d", (int)pid, WTERMSIG(st));
		failed = WTERMSIG(st) != SIGTERM;
		*ret_status = 128 + WTERMSIG(st);
	} else {
		fakesd_log(s, "# exit pid %d status %d", (int)pid, WEXITSTATUS(st));
		failed = WEXITSTATUS(st) != 0;
		*ret_status = WEXITSTATUS(st);
	}
	s->child = 0;
	if (s->restart_pending && !s->stopping) {
		s->restart_pending = false;
		start(s);
		return false;
	}
	if (!failed || s->stopping)
		return true;
	if (s->restarts == s->max_restarts) {
		fakesd_log(s, "# start limit hit after %u restarts", s->restarts);
		return true;
	}
	s->restarts++;
	start(s);
	return false;
}

/* Returns true when fakesd is done. */
static bool on_signal(struct fakesd *s, int *ret_status)
{
	struct signalfd_siginfo si;

	if (read(s->sig_fd, &si, sizeof(si)) != sizeof(si))
		die("read signalfd");
	switch (si.ssi_signo) {
	case SIGCHLD:
		return on_child_exit(s, ret_status);
	case SIGUSR1:
		s->restart_pending = true;
		fakesd_log(s, "# restart requested: SIGTERM to pid %d", (int)s->child);
		break;
	default:
		s->stopping = true;
		fakesd_log(s, "# stop requested: SIGTERM to pid %d", (int)s->child);
		break;
	}
	if (s->child > 0 && kill(s->child, SIGTERM) < 0)
		die("kill");
	return s->child <= 0 && s->stopping;
}

static void drop_hung_up(struct fakesd *s, const struct pollfd *pfd, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		if (!(pfd[i].revents & (POLLHUP | POLLERR)))
			continue;
		for (size_t k = 0; k < s->n; k++) {
			if (s->fds[k].fd == pfd[i].fd) {
				fakesd_log(s, "# %s: POLLHUP/POLLERR: dropped from the store",
					   s->fds[k].name);
				store_drop(s, k);
				break;
			}
		}
	}
}

static int run(struct fakesd *s)
{
	static struct pollfd pfd[FAKESD_FDS_MAX + 3];
	int status = 0;

	start(s);
	for (;;) {
		size_t n = 3;

		pfd[0] = (struct pollfd){.fd = s->notify_fd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = s->sig_fd, .events = POLLIN};
		/* poll() skips a negative fd: without -j, nothing */
		pfd[2] = (struct pollfd){.fd = s->journal_fd, .events = POLLIN};
		for (size_t i = 0; i < s->n; i++)
			if (s->fds[i].poll)
				pfd[n++] = (struct pollfd){.fd = s->fds[i].fd};
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		/* messages first: a dying child's last words come before its exit */
		if (pfd[0].revents & POLLIN) {
			on_notify(s);
			continue;
		}
		if (pfd[2].revents & POLLIN) {
			on_journal(s);
			continue;
		}
		drop_hung_up(s, pfd + 3, n - 3);
		if ((pfd[1].revents & POLLIN) && on_signal(s, &status))
			break;
	}
	while (s->n)
		store_drop(s, s->n - 1);
	fakesd_log(s, "# done, status %d", status);
	return status;
}

static void journal_open(struct fakesd *s, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = FAKESD_JOURNAL_SOCKET};

	s->journal_log = fopen(path, "ae");
	if (!s->journal_log)
		die(path);
	if (mkdir("/run/systemd", 0755) < 0 && errno != EEXIST)
		die("mkdir /run/systemd");
	if (mkdir(FAKESD_JOURNAL_DIR, 0755) < 0 && errno != EEXIST)
		die("mkdir " FAKESD_JOURNAL_DIR);
	s->journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->journal_fd < 0)
		die("socket");
	if (unlink(FAKESD_JOURNAL_SOCKET) < 0 && errno != ENOENT)
		die("unlink " FAKESD_JOURNAL_SOCKET);
	if (bind(s->journal_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind " FAKESD_JOURNAL_SOCKET);
}

int main(int argc, char **argv)
{
	static struct fakesd s;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *journal_log = NULL;
	int one = 1, opt;
	sigset_t mask;

	s.max_restarts = 3;
	s.journal_fd = -1;
	while ((opt = getopt(argc, argv, "+c:j:r:w:")) != -1) {
		if (opt == 'j')
			journal_log = optarg;
		else if (opt == 'c')
			s.check_sock = optarg;
		else if (opt == 'w')
			s.watchdog_usec = optarg;
		else if (opt == 'r')
			s.max_restarts = (unsigned int)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (argc - optind < 4 || strcmp(argv[optind + 2], "--")) {
		fprintf(stderr, "usage: fakesd [-c SOCKET] [-j JOURNAL_LOG] [-r RESTARTS] [-w WATCHDOG_USEC] "
				"NOTIFY_PATH LOG -- CMD [ARGS...]\n");
		return 2;
	}
	s.notify_path = argv[optind];
	s.argv = argv + optind + 3;
	s.log = fopen(argv[optind + 1], "ae");
	if (!s.log)
		die(argv[optind + 1]);
	if (strlen(s.notify_path) >= sizeof(sa.sun_path))
		die("NOTIFY_PATH too long");
	memcpy(sa.sun_path, s.notify_path, strlen(s.notify_path));
	s.notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s.notify_fd < 0)
		die("socket");
	if (unlink(s.notify_path) < 0 && errno != ENOENT)
		die("unlink NOTIFY_PATH");
	if (bind(s.notify_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind NOTIFY_PATH");
	/* as systemd: senders' credentials come with their messages */
	if (setsockopt(s.notify_fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		die("SO_PASSCRED");
	if (journal_log)
		journal_open(&s, journal_log);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		die("sigprocmask");
	s.sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (s.sig_fd < 0)
		die("signalfd");
	return run(&s);
}
