// SPDX-License-Identifier: MIT
/*
 * closer.c - the thread that closes fds clients sent, and the fds held while
 * it is stuck in a close (a TCP socket that lingers, a FUSE file whose server
 * never answers), so that the main loop never closes one of them itself
 */

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "closer.h"
#include "log.h"

#define CLOSER_STACK (256u << 10) /* room for the sanitizers too */
/*
 * fds held while the thread is stuck: past this tapqd stops reading from
 * peers that could send more, rather than close one on the loop or hold
 * them without end
 */
#define CLOSER_HELD_MAX 4096

struct closer {
	struct tapqd *d;
	closer_room_fn on_room;
	int fd;             /* the pipe to the thread, non-blocking; -1 until it runs */
	struct event *room_ev; /* the pipe has room again: the held fds go */
	int *held;
	size_t n_held, held_cap;
	size_t held_total; /* since holding began, for the one line that says so */
};

struct closer *closer_new(struct tapqd *d, closer_room_fn on_room)
{
	struct closer *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->d = d;
	c->on_room = on_room;
	c->fd = -1;
	return c;
}

/* The thread: closes what the main thread gives it, until the pipe closes. */
static void *closer_main(void *arg)
{
	int rfd = (int)(intptr_t)arg, fd;

	while (read(rfd, &fd, sizeof(fd)) == sizeof(fd))
		close(fd);
	close(rfd);
	return NULL;
}

bool closer_full(const struct closer *c, size_t n)
{
	return c->n_held + n > CLOSER_HELD_MAX;
}

static void closer_on_room(evutil_socket_t fd, short what, void *arg)
{
	struct closer *c = arg;
	size_t i = 0;

	(void)what;
	while (i < c->n_held && write(fd, &c->held[i], sizeof(int)) == sizeof(int))
		i++;
	memmove(c->held, c->held + i, (c->n_held - i) * sizeof(int));
	c->n_held -= i;
	if (i)
		c->on_room(c->d);
	if (c->n_held)
		return;
	event_del(c->room_ev);
	log_notice(c->d, "the thread that closes fds clients sent is moving again: the %zu fds "
			 "held meanwhile are handed to it",
		   c->held_total);
}

/*
 * Detached, signals blocked, a small stack: it only ever sits in read() or
 * close(). The loop's end of the pipe does not block: a close that hangs
 * fills the pipe, and the loop then holds what it cannot hand over.
 */
int closer_start(struct closer *c)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if (fcntl(p[1], F_SETFL, O_NONBLOCK) < 0) {
		r = errno;
		goto fail;
	}
	c->room_ev = event_new(c->d->base, p[1], EV_WRITE | EV_PERSIST, closer_on_room, c);
	if (!c->room_ev) {
		r = ENOMEM;
		goto fail;
	}
	r = pthread_attr_init(&attr);
	if (r == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, CLOSER_STACK);
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = pthread_create(&t, &attr, closer_main, (void *)(intptr_t)p[0]);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_attr_destroy(&attr);
	}
	if (r) {
		event_free(c->room_ev);
		c->room_ev = NULL;
		goto fail;
	}
	c->fd = p[1];
	/* what came before the thread goes now */
	if (c->n_held)
		event_add(c->room_ev, NULL);
	return 0;
fail:
	close(p[0]);
	close(p[1]);
	return -r;
}

int closer_give(struct closer *c, int fd)
{
	if (!c->n_held && c->fd >= 0 && write(c->fd, &fd, sizeof(fd)) == sizeof(fd))
		return 0;
	if (c->n_held == c->held_cap) {
		size_t cap = c->held_cap ? 2 * c->held_cap : 64;
		int *p = realloc(c->held, cap * sizeof(*p));

		if (!p) {
			/* nowhere to keep it: the one case left where the loop risks the wait */
			log_err(c->d, "out of memory holding fd %d a client sent: closing it here", fd);
			close(fd);
			return 1;
		}
		c->held = p;
		c->held_cap = cap;
	}
	if (!c->n_held) {
		c->held_total = 0;
		log_warn(c->d, "the thread that closes fds clients sent is stuck in a close (a file "
			       "whose close waits on someone): holding such fds meanwhile and "
			       "dropping the clients that send them");
		if (c->room_ev)
			event_add(c->room_ev, NULL);
	}
	c->held[c->n_held++] = fd;
	c->held_total++;
	return 1;
}

void closer_free(struct closer *c)
{
	if (!c)
		return;
	if (c->room_ev)
		event_free(c->room_ev);
	if (c->fd >= 0)
		close(c->fd);
	free(c->held);
	free(c);
}
