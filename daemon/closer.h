/* SPDX-License-Identifier: MIT */
/* closer.h - the thread that closes fds clients sent, and the fds held while it is stuck */
#ifndef TAPQD_CLOSER_H
#define TAPQD_CLOSER_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"

struct closer;

/* The thread has room again, and no more than the bound waits: read who was stalled. */
typedef void (*closer_room_fn)(struct tapqd *d);

/* Without a thread yet: what it is given is held until closer_start(). NULL: out of memory. */
struct closer *closer_new(struct tapqd *d, closer_room_fn on_room);
/* Starts the thread (after daemon(): threads do not survive fork). Return: 0 or -errno. */
int closer_start(struct closer *c);
/*
 * Hands fd to the thread, never closing it here: a close that waits on
 * someone would stall every client. Return: 0 handed over, 1 held (the
 * thread is stuck or not there; the caller drops whoever sent it).
 */
int closer_give(struct closer *c, int fd);
/* Whether holding n more would pass the bound (stop reading who could send them). */
bool closer_full(const struct closer *c, size_t n);
/* The thread ends once it has closed what it has; held fds stay open until the exit. */
void closer_free(struct closer *c);

#endif
