/* SPDX-License-Identifier: MIT */
/* fdlimit.h - FileDescriptorStoreMax=, and a ledger of what tapqd keeps in the fd store */
#ifndef TAPQD_FDLIMIT_H
#define TAPQD_FDLIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct conf;
struct fdlimit;
struct tapqd;

/*
 * The ledger, pure: per name the fds systemd keeps and those it closed for
 * want of room (it answers no FDSTORE=1, so a full store is otherwise
 * silent). It mirrors the store only as long as no open file is stored
 * twice, which systemd would keep once: tapqd never does that.
 */
struct fdlimit *fdlimit_new(unsigned int max);
void fdlimit_free(struct fdlimit *l);
/*
 * An FDSTORE=1 of one fd under name. Return 1 when it did not fit and is the
 * first since everything tapqd wants kept last fitted (the one time to say
 * so), 0 otherwise, -ENOMEM (the ledger is then no longer the store's).
 */
int fdlimit_put(struct fdlimit *l, const char *name);
/* An fd the store held before tapqd started (passed back): kept, fitting or not. */
int fdlimit_passed(struct fdlimit *l, const char *name);
/* An FDSTOREREMOVE=1: every fd of the name goes; a name never stored changes nothing. */
void fdlimit_remove(struct fdlimit *l, const char *name);
size_t fdlimit_kept(const struct fdlimit *l);
/* Kept, and closed by systemd but still wanted. */
size_t fdlimit_wanted(const struct fdlimit *l);
unsigned int fdlimit_max(const struct fdlimit *l);
/* What cf can make tapqd store: a bundle per device and one being replaced, two lease states. */
size_t fdlimit_conf_need(const struct conf *cf);
/* What cf's devices keep open in tapqd at most: their queues, a holder pidfd and a bundle each. */
size_t fdlimit_conf_open(const struct conf *cf);
/* $FDSTORE (systemd >= 254): a decimal count that fits an unsigned int. */
int fdlimit_parse(const char *s, unsigned int *ret);

/*
 * Under a service manager (d->fdstore), before adopt_start(): reads the
 * unit's FileDescriptorStoreMax= once ($FDSTORE, else over D-Bus, at most
 * FDLIMIT_BUS_TIMEOUT_MS), logs it, and from then on keeps the ledger.
 * Without it, every fdlimit_note_* does nothing.
 */
#define FDLIMIT_BUS_TIMEOUT_MS 1000
void fdlimit_start(struct tapqd *d);
/*
 * After an FDSTORE=1 / FDSTOREREMOVE=1 was sent; logs a store that overflows.
 * Return: 0 when the fd fits (or the size is not known), -ENOSPC when the
 * service manager closed it.
 */
int fdlimit_note_put(struct tapqd *d, const char *name);
void fdlimit_note_remove(struct tapqd *d, const char *name);
void fdlimit_stop(struct tapqd *d);
/*
 * Whether systemd stops tapqd's unit for good: its job is a "stop", and
 * systemd 252 empties the fd store once tapqd exits, closing the stored
 * devices one after another (about 20 ms each). A restart, a signal sent
 * without a job, or any failure to ask (bounded, logged): false.
 */
bool fdlimit_unit_stopping(struct tapqd *d);

#endif
