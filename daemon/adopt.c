// SPDX-License-Identifier: MIT
/*
 * adopt.c - what a (re)started tapqd takes back from systemd: the control
 * socket of socket activation, and from the fd store the queue fds of its
 * devices, their holders' pidfds and the lease state. Stored fds come after
 * the sockets, in any order, and are matched by name (fdstore.h); each is
 * checked before use, and whatever matches nothing is closed and logged.
 * A device's fds come in one bundle (fdbundle.h), or, as tapqd up to 0.3
 * stored them, one fd per name: those are read, then stored as a bundle.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/kcmp.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "adopt.h"
#include "device.h"
#include "fdbundle.h"
#include "fdstore.h"
#include "lease.h"
#include "link.h"
#include "log.h"
#include "statefile.h"
#include "tap.h"
#include "topo.h"

/* How long a dropped device may take to go once the service manager closed its copies. */
#define ADOPT_GONE_WAIT_MS 2000
#define ADOPT_GONE_STEP_MS 20

/* The TUNSETIFF flags a queue must share with the config; the kernel adds others (IFF_PERSIST). */
#define ADOPT_TUN_MASK (IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE | IFF_VNET_HDR)

struct adopt_fd {
	int fd; /* -1 once taken */
	char *name; /* of a bundled fd: its bundle's */
	enum fdstore_kind kind;
	char dev[TAPQD_NAME_MAX];
	unsigned int queue;
	bool bundled; /* a QUEUE or HOLDER out of the bundle of generation gen */
	uint64_t gen; /* of a BUNDLE (0: unreadable), or of a bundled fd's bundle */
	bool used;    /* a BUNDLE of a declared device, adopted or dropped by adopt_device() */
};

struct adopt {
	size_t n;
	struct adopt_fd *fds;
	struct state state; /* from the fd store, or else from the state file */
	bool stored_state; /* a valid state came back from the fd store */
	bool any_state;    /* a state came back, valid or not */
	int n_passed;      /* fds the service manager passed, sockets included */
	size_t n_stored;   /* of them, fds from the fd store (a bundle counts one) */
};

static void adopt_free(struct adopt *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->fds[i].name);
	free(a->fds);
	state_free(&a->state);
	free(a);
}

/* The control socket must be what tapqd.socket declares: ListenSequentialPacket=. */
static int adopt_socket(struct tapqd *d, int fd, const char *name, char *what, size_t what_size)
{
	int r;

	if (d->listen_fd >= 0) {
		snprintf(what, what_size,
			 "the service manager passed a second socket (fd %d, %s): tapqd listens on one",
			 fd, name);
		return -EINVAL;
	}
	r = sd_is_socket_unix(fd, SOCK_SEQPACKET, 1, NULL, 0);
	if (r <= 0) {
		snprintf(what, what_size,
			 "fd %d (%s) from the service manager is not a listening AF_UNIX "
			 "SOCK_SEQPACKET socket (tapqd.socket needs ListenSequentialPacket=)",
			 fd, name);
		return r < 0 ? r : -ENOTSOCK;
	}
	d->listen_fd = fd;
	return 0;
}

static void adopt_free_names(char **names)
{
	for (char **p = names; p && *p; p++)
		free(*p);
	free(names);
}

/*
 * Of the states stored (two after a crash between storing the new one and
 * removing the old), the valid one of the highest generation counts. All are
 * closed: what counts is read. The others leave the store in adopt_leases(),
 * once this tapqd is the one that runs.
 */
static void adopt_stored_state(struct tapqd *d, struct adopt *a)
{
	uint64_t best = 0;

	for (size_t i = 0; i < a->n; i++) {
		struct adopt_fd *af = &a->fds[i];
		struct state st;
		int r;

		if (af->kind != FDSTORE_LEASES)
			continue;
		a->any_state = true;
		r = statefile_read_fd(af->fd, &st);
		close(af->fd);
		af->fd = -1;
		if (r < 0) {
			log_err(d, "fd store: the lease state %s is unreadable: %s", af->name,
				strerror(-r));
			continue;
		}
		if (st.generation <= best) {
			state_free(&st);
			continue;
		}
		state_free(&a->state);
		a->state = st;
		best = st.generation;
	}
	a->stored_state = best > 0;
	d->state_gen = best;
}

/* The stored states not read leave the store; the name of the one read stays (fdstore.c). */
static void adopt_stored_state_keep(struct tapqd *d, struct adopt *a)
{
	char keep[FDSTORE_NAME_MAX] = "";

	if (!a->any_state)
		return;
	if (a->stored_state) {
		fdstore_state_name(keep, sizeof(keep), d->state_gen);
		log_info(d, "fd store: lease state generation %llu, %zu leases",
			 (unsigned long long)d->state_gen, a->state.n_leases);
	} else {
		log_err(d, "fd store: no lease state is readable: no lease is restored, held "
			   "devices are refused");
	}
	for (size_t i = 0; i < a->n; i++)
		if (a->fds[i].kind == FDSTORE_LEASES && strcmp(a->fds[i].name, keep))
			fdstore_remove(d, a->fds[i].name);
}

/* Without a state from the fd store, the state file says which leases an earlier tapqd had. */
static void adopt_state_file(struct tapqd *d, struct adopt *a)
{
	uint64_t gen;
	int r;

	if (a->stored_state)
		return;
	state_free(&a->state);
	r = statefile_load(d, &a->state);
	if (r < 0) {
		log_err(d, "lease state %s is unreadable (%s): no lease is restored, held devices "
			   "are left alone",
			d->state_path, strerror(-r));
		return;
	}
	gen = a->state.generation;
	if (gen > d->state_gen)
		d->state_gen = gen;
	if (gen)
		log_info(d, "lease state %s: generation %llu, %zu leases", d->state_path,
			 (unsigned long long)gen, a->state.n_leases);
}

/* The fds of one bundle as entries of their own, named by it. */
static int adopt_unbundle_one(struct adopt *a, size_t at, const struct fdbundle *b)
{
	unsigned int n = b->queues + (b->holder >= 0);
	struct adopt_fd *more = reallocarray(a->fds, a->n + n, sizeof(*a->fds));
	const struct adopt_fd *bf;

	if (!more)
		return -ENOMEM;
	a->fds = more;
	bf = &a->fds[at];
	for (unsigned int i = 0; i < n; i++) {
		struct adopt_fd *af = &a->fds[a->n];

		*af = (struct adopt_fd){
			.fd = i < b->queues ? b->fds[i] : b->holder,
			.kind = i < b->queues ? FDSTORE_QUEUE : FDSTORE_HOLDER,
			.queue = i < b->queues ? i : 0,
			.bundled = true,
			.gen = b->gen,
		};
		memcpy(af->dev, bf->dev, sizeof(af->dev));
		af->name = strdup(bf->name);
		a->n++;
		if (!af->name)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Each bundle's fds are peeked out of it and its own fd closed: the
 * service manager keeps the bundle, so a device adopted as it was stored
 * is not stored again. An unreadable bundle is logged, and leaves the
 * store in adopt_leases().
 */
static int adopt_unbundle(struct tapqd *d, struct adopt *a, char *what, size_t what_size)
{
	struct log_ctx was = d->log_ctx;
	size_t n = a->n;
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		struct adopt_fd *bf = &a->fds[i];
		struct fdbundle b;

		if (bf->kind != FDSTORE_BUNDLE)
			continue;
		/* a bundle is one device's: what is said of it belongs to that device's story */
		log_device(d, bf->dev);
		r = fdbundle_unpack(bf->fd, &b);
		close(bf->fd);
		bf->fd = -1;
		if (r == 0 && ((b.gen & 1) != bf->queue || !b.gen)) {
			fdbundle_close(&b); /* the name's parity is the generation's */
			r = -EBADMSG;
		}
		if (r < 0) {
			log_err(d, "fd store: the bundle %s is unreadable: %s; its device is "
				   "created anew",
				bf->name, strerror(-r));
			r = 0;
			continue;
		}
		bf->gen = b.gen;
		r = adopt_unbundle_one(a, i, &b);
		if (r < 0) {
			/* a start-up failure: tapqd exits, and its fds close with it */
			snprintf(what, what_size, "allocating for the fds of %s", a->fds[i].name);
			break;
		}
	}
	d->log_ctx = was;
	return r;
}

int adopt_start(struct tapqd *d, char *what, size_t what_size)
{
	char **names = NULL;
	struct adopt *a;
	int n, r = 0;

	/* 0: fdlimit.c counts them too; adopt_leases() unsets them */
	n = sd_listen_fds_with_names(0, &names);
	if (n < 0) {
		snprintf(what, what_size, "reading LISTEN_FDS and LISTEN_FDNAMES");
		return n;
	}
	a = calloc(1, sizeof(*a));
	if (a && n > 0)
		a->fds = calloc((size_t)n, sizeof(*a->fds));
	if (!a || (n > 0 && !a->fds)) {
		free(a);
		adopt_free_names(names);
		snprintf(what, what_size, "allocating for %d passed fds", n);
		return -ENOMEM;
	}
	d->adopt = a;
	a->n_passed = n;
	for (int i = 0; i < n && r == 0; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		struct adopt_fd *af = &a->fds[a->n];
		const char *name = names && names[i] ? names[i] : "unknown";

		af->kind = fdstore_name_parse(name, af->dev, &af->queue);
		if (af->kind == FDSTORE_FOREIGN) {
			r = adopt_socket(d, fd, name, what, what_size);
			continue;
		}
		af->fd = fd;
		af->name = strdup(name);
		if (!af->name) {
			snprintf(what, what_size, "allocating for %d passed fds", n);
			r = -ENOMEM;
		}
		a->n++;
	}
	adopt_free_names(names);
	a->n_stored = a->n;
	if (r == 0)
		r = adopt_unbundle(d, a, what, what_size);
	if (r < 0)
		return r;
	adopt_stored_state(d, a);
	return 0;
}

char *adopt_take_conf(struct tapqd *d, size_t *ret_len)
{
	struct adopt *a = d->adopt;
	char *text = a->state.conf;

	*ret_len = a->state.conf_len;
	a->state.conf = NULL;
	a->state.conf_len = 0;
	return text;
}

void adopt_leases(struct tapqd *d)
{
	struct log_ctx was = d->log_ctx;
	struct adopt *a = d->adopt;

	/* what sd_listen_fds(1) unsets: nothing tapqd starts is meant to read them */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	adopt_stored_state_keep(d, a);
	adopt_state_file(d, a);
	/* their devices are created anew: the interfaces go as the store closes their queues */
	for (size_t i = 0; i < a->n; i++) {
		if (a->fds[i].kind != FDSTORE_BUNDLE || a->fds[i].gen)
			continue;
		log_device(d, a->fds[i].dev);
		fdstore_remove(d, a->fds[i].name);
	}
	d->log_ctx = was;
	if (a->n_passed > 0)
		log_info(d, "service manager passed %d fds: %s, %zu from the fd store, %zu leases",
			 a->n_passed, d->listen_fd >= 0 ? "the control socket" : "no socket",
			 a->n_stored,
			 a->state.n_leases);
}

/*
 * Drops a stored fd: closed here, and removed from the store, which would
 * pass it again. A bundled one stays in its bundle: adopt_device() stores
 * the device anew without it, or adopt_finish() removes an unused bundle.
 */
static void adopt_drop(struct tapqd *d, struct adopt_fd *af)
{
	if (af->fd >= 0)
		close(af->fd);
	af->fd = -1;
	if (!af->bundled)
		fdstore_remove(d, af->name);
}

/* dev's newest readable bundle; NULL: its fds, if any, are stored one per name (up to 0.3). */
static struct adopt_fd *adopt_bundle_of(struct adopt *a, const char *dev)
{
	struct adopt_fd *best = NULL;

	for (size_t i = 0; i < a->n; i++) {
		struct adopt_fd *af = &a->fds[i];

		if (af->kind == FDSTORE_BUNDLE && af->gen && !strcmp(af->dev, dev) &&
		    (!best || af->gen > best->gen))
			best = af;
	}
	return best;
}

/* af is one of dev's stored fds from where its device is adopted (bundle, or by name). */
static bool adopt_from(const struct adopt_fd *af, const char *dev, const struct adopt_fd *bundle)
{
	if (strcmp(af->dev, dev))
		return false;
	return bundle ? af->bundled && af->gen == bundle->gen : !af->bundled;
}

/*
 * What of dev is stored but not where it is adopted from goes: an older
 * bundle a crash left, or the fds of up to 0.3 beside a bundle.
 */
static void adopt_drop_others(struct tapqd *d, const char *dev, const struct adopt_fd *bundle)
{
	struct adopt *a = d->adopt;

	for (size_t i = 0; i < a->n; i++) {
		struct adopt_fd *af = &a->fds[i];

		if (strcmp(af->dev, dev) || af->kind == FDSTORE_LEASES || af == bundle ||
		    adopt_from(af, dev, bundle))
			continue;
		if (af->fd >= 0)
			close(af->fd);
		af->fd = -1;
		if (af->kind == FDSTORE_BUNDLE || !af->bundled)
			fdstore_remove(d, af->name);
	}
}

/* The names dev was stored under, once it is stored anew or not at all. */
static void adopt_forget_source(struct tapqd *d, const char *dev, const struct adopt_fd *bundle)
{
	struct adopt *a = d->adopt;

	if (bundle) {
		fdstore_remove(d, bundle->name);
		return;
	}
	for (size_t i = 0; i < a->n; i++)
		if (adopt_from(&a->fds[i], dev, NULL) &&
		    (a->fds[i].kind == FDSTORE_QUEUE || a->fds[i].kind == FDSTORE_HOLDER))
			fdstore_remove(d, a->fds[i].name);
}

/* One queue fd handed back (by "whose"): of this device, opened with the flags the config gives. */
static int adopt_check_fd(const struct conf_device *cd, int fd, const char *whose,
			  unsigned int queue, char *what, size_t what_size)
{
	unsigned int flags, want = device_tun_flags(cd);
	char name[16];
	int r;

	/*
	 * Before any ioctl: a tun fd at all (an fd on a FUSE file would block
	 * the loop in its ioctl), and of a device in tapqd's network namespace:
	 * TUNGETIFF names a device in its own namespace, and a holder could
	 * otherwise pass a same-named tap of a namespace it made, which the
	 * next client of the device would then be given.
	 */
	r = tap_queue_is_ours(fd);
	if (r < 0) {
		snprintf(what, what_size, "%s queue %u is no tap queue of this network namespace",
			 whose, queue);
		return r;
	}
	r = tap_queue_name(fd, name, &flags);
	if (r < 0) {
		snprintf(what, what_size, "%s queue %u: TUNGETIFF", whose, queue);
		return r; /* EBADFD: the device went away while tapqd was down */
	}
	if (strcmp(name, cd->name) || (flags & ADOPT_TUN_MASK) != want) {
		snprintf(what, what_size, "%s queue %u is of %s with flags 0x%x, the config wants 0x%x",
			 whose, queue, name, flags & ADOPT_TUN_MASK, want);
		return -ESTALE;
	}
	return 0;
}

/* One stored queue: in range, and of this device. */
static int adopt_check_queue(const struct conf_device *cd, const struct adopt_fd *af,
			     char *what, size_t what_size)
{
	if (af->queue >= cd->max_queues) {
		snprintf(what, what_size, "stored queue %u, the config has %u", af->queue,
			 cd->max_queues);
		return -ESTALE;
	}
	return adopt_check_fd(cd, af->fd, "stored", af->queue, what, what_size);
}

/*
 * The service manager closes its copies of dropped queues when it reads our
 * FDSTOREREMOVE; the interface goes then, unless a client holds it. Waiting
 * for that (bounded, at start-up only) lets the device be created afresh
 * instead of being refused as existing.
 */
static void adopt_wait_gone(const char *name)
{
	const struct timespec step = {.tv_nsec = ADOPT_GONE_STEP_MS * 1000000L};

	for (int ms = 0; ms < ADOPT_GONE_WAIT_MS && if_nametoindex(name); ms += ADOPT_GONE_STEP_MS)
		nanosleep(&step, NULL);
}

/* Moves the stored queues of cd into dev, in queue order, all of them checked. */
static int adopt_queues(struct tapqd *d, struct device *dev, const struct adopt_fd *bundle,
			char *what, size_t what_size)
{
	struct adopt *a = d->adopt;
	unsigned int found = 0;
	int r = 0;

	for (size_t i = 0; i < a->n; i++) {
		struct adopt_fd *af = &a->fds[i];

		if (af->fd < 0 || af->kind != FDSTORE_QUEUE || !adopt_from(af, dev->conf.name, bundle))
			continue;
		if (r == 0)
			r = adopt_check_queue(&dev->conf, af, what, what_size);
		if (r == 0 && dev->fds[af->queue] >= 0) {
			snprintf(what, what_size, "queue %u stored twice", af->queue);
			r = -ESTALE;
		}
		if (r < 0) {
			adopt_drop(d, af);
			continue;
		}
		dev->fds[af->queue] = af->fd;
		af->fd = -1;
		found++;
	}
	if (r == 0 && found && found != dev->conf.max_queues) {
		snprintf(what, what_size, "%u of %u queues stored", found, dev->conf.max_queues);
		r = -ESTALE;
	}
	if (r == 0)
		return found ? 0 : -ENOENT;
	/* nothing of a device that cannot be adopted stays, here or in the store */
	for (unsigned int q = 0; q < TAPQD_MAX_QUEUES; q++) {
		if (dev->fds[q] >= 0)
			close(dev->fds[q]);
		dev->fds[q] = -1;
	}
	adopt_forget_source(d, dev->conf.name, bundle);
	adopt_wait_gone(dev->conf.name);
	return r;
}

/* The lease of an earlier tapqd on dev, when the state names one and its holder lives. */
static void adopt_lease(struct tapqd *d, struct device *dev, struct adopt_fd *holder)
{
	struct log_ctx was = d->log_ctx;
	struct adopt *a = d->adopt;
	const struct state_lease *rec = NULL;
	int r;

	for (size_t i = 0; i < a->state.n_leases; i++)
		if (!strcmp(a->state.leases[i].name, dev->conf.name))
			rec = &a->state.leases[i];
	if (!rec)
		return; /* a holder pidfd without its lease is a stray, for adopt_finish() */
	/* no peer asked: the holder is the peer the lease's lines concern */
	log_peer(d, rec->pid, rec->uid);
	if (!holder) {
		log_err(d, "%s: the lease of pid %d has no holder pidfd in the fd store: not "
			   "restored",
			dev->conf.name, (int)rec->pid);
	} else if ((r = lease_adopt(d, dev, holder->fd, rec)) == 0) {
		holder->fd = -1; /* the lease's now */
		log_info(d, "%s: lease of pid %d restored, %s control", dev->conf.name,
			 (int)rec->pid, tapqd_control_name(rec->control));
	} else {
		if (r == -ESRCH)
			log_info(d, "%s: lease of pid %d ended: holder exited while tapqd was down",
				 dev->conf.name, (int)rec->pid);
		else
			log_err(d, "%s: lease of pid %d not restored: holder pidfd: %s",
				dev->conf.name, (int)rec->pid, strerror(-r));
		adopt_drop(d, holder);
	}
	d->log_ctx = was;
}

/* The stored holder pidfd of dev, from where its device is adopted. */
static struct adopt_fd *adopt_holder(struct adopt *a, const char *dev, const struct adopt_fd *bundle)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->fds[i].fd >= 0 && a->fds[i].kind == FDSTORE_HOLDER &&
		    adopt_from(&a->fds[i], dev, bundle))
			return &a->fds[i];
	return NULL;
}

/*
 * The store keeps an adopted device's bundle as it is, unless what it
 * holds is no longer so (a holder that left, a lease without its pidfd) or
 * the device came from the names of up to 0.3: then it is stored anew, as
 * a bundle, and the old names go.
 */
static void adopt_store(struct tapqd *d, struct device *dev, struct adopt_fd *bundle,
			bool had_holder)
{
	if (bundle) {
		dev->fdstore_gen = bundle->gen;
		if (had_holder == (dev->lease != NULL))
			return;
	}
	/* replaces the bundle of generation dev->fdstore_gen, if any */
	fdstore_put_device(d, dev, dev->lease ? lease_pidfd(dev->lease) : -1);
	if (!bundle && dev->fdstore_gen)
		adopt_forget_source(d, dev->conf.name, NULL);
}

int adopt_device(struct tapqd *d, const struct conf_device *cd, struct device **ret, char *what,
		 size_t what_size)
{
	struct adopt_fd *bundle, *holder;
	struct device *dev;
	bool had_holder;
	int r;

	if (!d->adopt->n)
		return -ENOENT;
	bundle = adopt_bundle_of(d->adopt, cd->name);
	adopt_drop_others(d, cd->name, bundle);
	/* adopted or dropped here: not a stray for adopt_finish() */
	if (bundle)
		bundle->used = true;
	dev = device_new(cd);
	if (!dev) {
		snprintf(what, what_size, "allocating the device");
		return -ENOMEM;
	}
	r = adopt_queues(d, dev, bundle, what, what_size);
	/* a holder alone (a device that waited for it): adopt_waiting() takes the lease anew */
	if (r == -ENOENT && bundle)
		adopt_forget_source(d, cd->name, bundle);
	if (r < 0) {
		device_free(d, dev);
		return r;
	}
	holder = adopt_holder(d->adopt, cd->name, bundle);
	had_holder = holder != NULL;
	adopt_lease(d, dev, holder);
	r = device_adopt(d, dev, dev->lease != NULL, what, what_size);
	if (r < 0) {
		adopt_forget_source(d, cd->name, bundle);
		if (dev->lease)
			lease_free(dev->lease);
		device_free(d, dev);
		return r;
	}
	adopt_store(d, dev, bundle, had_holder);
	*ret = dev;
	return 0;
}

const struct state_created *adopt_created(struct tapqd *d, size_t *ret_n)
{
	*ret_n = d->adopt ? d->adopt->state.n_created : 0;
	return d->adopt ? d->adopt->state.created : NULL;
}

int adopt_created_conf(const struct state_created *c, struct conf_device *ret, char *what,
		       size_t what_size)
{
	struct conf *cf = malloc(sizeof(*cf));
	struct conf_error err;
	int r;

	if (!cf) {
		snprintf(what, what_size, "out of memory");
		return -ENOMEM;
	}
	/* numeric ids only: no lookup, and nothing of the host's user database changes it */
	r = conf_parse_buffer(c->conf, c->conf_len, "its stored config", NULL, cf, &err);
	if (r == 0 && (cf->n_devices != 1 || strcmp(cf->devices[0].name, c->name))) {
		snprintf(err.msg, sizeof(err.msg), "it is not one [device %s] section", c->name);
		err.line = 0;
		r = -EBADMSG;
	}
	if (r < 0) {
		conf_error_format(&err, what, what_size);
		conf_free(cf);
		free(cf);
		return r;
	}
	*ret = cf->devices[0];
	snprintf(ret->template_name, sizeof(ret->template_name), "%s", c->template_name);
	ret->has_creator = true;
	ret->creator = c->creator;
	conf_free(cf);
	free(cf);
	return 0;
}

static const struct state_created *adopt_created_record(const struct adopt *a, const char *name)
{
	for (size_t i = 0; a && i < a->state.n_created; i++)
		if (!strcmp(a->state.created[i].name, name))
			return &a->state.created[i];
	return NULL;
}

int adopt_created_interface(struct tapqd *d, const struct conf_device *cd, struct device **ret,
			    char *what, size_t what_size)
{
	const struct state_created *c = adopt_created_record(d->adopt, cd->name);
	unsigned int ifindex = if_nametoindex(cd->name);
	struct link_tun tun;
	struct device *dev;
	int r;

	if (!c || !c->ifindex || !ifindex)
		return -ENOENT;
	/* another interface may have taken the name meanwhile: never take over that one */
	if ((int)ifindex != c->ifindex) {
		snprintf(what, what_size,
			 "an interface of that name exists, ifindex %u, not the %d tapqd created",
			 ifindex, c->ifindex);
		return -EEXIST;
	}
	r = link_get_tun(d->nl, (int)ifindex, &tun);
	if (r < 0) {
		snprintf(what, what_size, "reading its tun attributes");
		return r;
	}
	/* a multiqueue flag of another config makes TUNSETIFF fail below */
	if (!tun.is_tun || !tun.tap) {
		snprintf(what, what_size, "ifindex %u is not a tap", ifindex);
		return -EEXIST;
	}
	/* a queue open elsewhere would share the next holder's traffic */
	if (tun.num_queues + tun.num_disabled) {
		snprintf(what, what_size, "%u of its queue files are open outside tapqd",
			 tun.num_queues + tun.num_disabled);
		return -EBUSY;
	}
	dev = device_new(cd);
	if (!dev) {
		snprintf(what, what_size, "allocating the device");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < cd->max_queues; i++) {
		r = tap_queue_open(cd->name, dev->tun_flags);
		if (r < 0) {
			snprintf(what, what_size, "opening queue %u (TUNSETIFF)", i);
			device_free(d, dev);
			return r;
		}
		dev->fds[i] = r;
	}
	r = device_adopt(d, dev, false, what, what_size);
	if (r < 0) {
		device_free(d, dev);
		return r;
	}
	*ret = dev;
	return 0;
}

/* The record of an earlier tapqd's lease on a device, if the state has one. */
static const struct state_lease *adopt_record(const struct adopt *a, const char *name)
{
	for (size_t i = 0; i < a->state.n_leases; i++)
		if (!strcmp(a->state.leases[i].name, name))
			return &a->state.leases[i];
	return NULL;
}

/* The effective uid of a process, from /proc: a reused pid is most likely another user's. */
static int adopt_proc_uid(pid_t pid, uid_t *ret)
{
	char path[64], line[256];
	unsigned long real, eff;
	int r = -EBADMSG;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %lu %lu", &real, &eff) == 2) {
			*ret = (uid_t)eff;
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

int adopt_waiting(struct tapqd *d, const struct conf_device *cd, struct device **ret, char *what,
		  size_t what_size)
{
	const struct state_lease *rec = adopt_record(d->adopt, cd->name);
	unsigned int ifindex = if_nametoindex(cd->name);
	struct device *dev;
	uid_t uid = 0;
	int pidfd, r;

	if (!ifindex || !rec)
		return -ENOENT;
	snprintf(what, what_size, "the lease of pid %d uid %u", (int)rec->pid,
		 (unsigned int)rec->uid);
	pidfd = (int)syscall(SYS_pidfd_open, rec->pid, 0);
	if (pidfd < 0)
		return -errno; /* ESRCH: the holder is gone */
	/* after pidfd_open: the pidfd then tells whether this process is still the one read */
	r = adopt_proc_uid(rec->pid, &uid);
	if (r == 0 && uid != rec->uid) {
		snprintf(what, what_size, "the lease of pid %d uid %u: pid %d is now uid %u",
			 (int)rec->pid, (unsigned int)rec->uid, (int)rec->pid, (unsigned int)uid);
		r = -ESRCH;
	}
	dev = r == 0 ? device_new(cd) : NULL;
	if (r == 0 && !dev)
		r = -ENOMEM;
	if (r == 0)
		r = lease_adopt(d, dev, pidfd, rec);
	if (r < 0) {
		close(pidfd);
		if (dev)
			device_free(d, dev);
		return r == -ESTALE ? -ESRCH : r;
	}
	dev->ifindex = (int)ifindex;
	/* what status can show of it without a queue fd: the ring */
	r = link_get_txqueuelen(d->nl, dev->ifindex, &dev->txqueuelen);
	if (r < 0)
		log_warn(d, "%s: reading its txqueuelen: %s", cd->name, strerror(-r));
	*ret = dev;
	return 0;
}

/* Each fd a queue of its own: the same queue twice would leave another one unknown. */
static int adopt_distinct(const int *fds, size_t n, char *what, size_t what_size)
{
	pid_t self = getpid();

	for (size_t i = 1; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			long r = syscall(SYS_kcmp, self, self, KCMP_FILE, fds[i], fds[j]);

			if (r < 0) {
				snprintf(what, what_size, "comparing fds %zu and %zu (kcmp)", j, i);
				return -errno;
			}
			if (r == 0) {
				snprintf(what, what_size, "fds %zu and %zu are the same queue", j, i);
				return -EINVAL;
			}
		}
	return 0;
}

int adopt_holder_fds(struct tapqd *d, struct device *dev, const int *fds, size_t n, char *what,
		     size_t what_size)
{
	int r;

	if (n != dev->conf.max_queues) {
		snprintf(what, what_size, "%zu fds, the device has %u queues", n,
			 dev->conf.max_queues);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		r = adopt_check_fd(&dev->conf, fds[i], "resumed", (unsigned int)i, what, what_size);
		if (r < 0)
			return r;
	}
	r = adopt_distinct(fds, n, what, what_size);
	if (r < 0)
		return r;
	memcpy(dev->fds, fds, n * sizeof(*fds));
	r = device_adopt(d, dev, true, what, what_size);
	if (r < 0) {
		/* the caller closes them: the device waits on as it was */
		for (size_t i = 0; i < n; i++)
			dev->fds[i] = -1;
		memset(dev->attached, 0, sizeof(dev->attached));
		topo_unplace(d, dev);
	}
	return r;
}

void adopt_finish(struct tapqd *d)
{
	struct log_ctx was = d->log_ctx;
	struct adopt *a = d->adopt;

	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		struct adopt_fd *af = &a->fds[i];

		/* the stored name says whose it was: "" for one of no device */
		log_device(d, af->dev);
		log_queue(d, af->kind == FDSTORE_QUEUE ? (int)af->queue : -1);

		if (af->kind == FDSTORE_BUNDLE && af->gen && !af->used) {
			log_warn(d, "fd store: %s matches no declared device: removed", af->name);
			fdstore_remove(d, af->name);
		}
		/* a bundled fd left over: its bundle is stored anew, or removed above */
		if (af->fd >= 0 && !af->bundled)
			log_warn(d, "fd store: %s (fd %d) matches no declared device or lease: "
				    "closed",
				 af->name, af->fd);
		if (af->fd >= 0)
			adopt_drop(d, af);
	}
	d->log_ctx = was;
	/* the leases as they are now: without those whose holder or device is gone */
	statefile_save(d);
	adopt_free(a);
	d->adopt = NULL;
}
