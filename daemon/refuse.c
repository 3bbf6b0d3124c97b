// SPDX-License-Identifier: MIT
/*
 * refuse.c - the one place a refusal is counted and logged. The log is
 * limited per uid, not per pid: a pid is one fork() away, a uid takes
 * another account. A hostile peer thus cannot push real messages out of
 * the journal's own rate limit, and the counters still see every refusal.
 * The info lines that a non-root uid's requests cause are limited the same
 * way (log.c asks through d->log_gate), since acquiring and releasing in a
 * loop writes them as fast as refusals.
 */

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "ratelimit.h"
#include "refuse.h"

struct refuse {
	uint64_t counts[TAPQD_REFUSAL_COUNT];
	struct ratelimit rl;
	struct ratelimit acts; /* info lines of requests, per uid */
	struct event *timer; /* says what was suppressed once its window is over */
};

static uint64_t refuse_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Says what rl suppressed in a window now over: "<whose> of uid U: N more
 * <what>not logged" (what: "" or words and a space). One function for both limiters, whose lines differ in
 * those two words and in rl's own bounds.
 */
static void refuse_say_suppressed(const struct tapqd *d, const struct ratelimit *rl,
				  const struct ratelimit_flush *f, const char *whose,
				  const char *what)
{
	if (!f->suppressed)
		return;
	if (f->key == RATELIMIT_OTHERS)
		log_notice(d, "%s of uids past the first %d: %llu more %snot logged", whose,
			   RATELIMIT_SLOTS, (unsigned long long)f->suppressed, what);
	else
		log_notice(d, "%s of uid %llu: %llu more %snot logged (at most %u every %llu s)",
			   whose, (unsigned long long)f->key, (unsigned long long)f->suppressed,
			   what, rl->burst, (unsigned long long)(rl->interval_ms / 1000));
}

/* Says every window over by now_ms, of both limiters. */
static void refuse_expire(const struct tapqd *d, uint64_t now_ms)
{
	struct refuse *r = d->refuse;
	struct ratelimit_flush f;

	while (ratelimit_expire(&r->rl, now_ms, &f))
		refuse_say_suppressed(d, &r->rl, &f, "refusals", "");
	while (ratelimit_expire(&r->acts, now_ms, &f))
		refuse_say_suppressed(d, &r->acts, &f, "requests", "info lines ");
}

/* The earlier of the two limiters' deadlines: 0 when neither has one. */
static uint64_t refuse_deadline(const struct refuse *r)
{
	uint64_t a = ratelimit_deadline(&r->rl), b = ratelimit_deadline(&r->acts);

	return !a ? b : !b ? a : a < b ? a : b;
}

static void refuse_arm(const struct tapqd *d)
{
	uint64_t end = refuse_deadline(d->refuse), now = refuse_now_ms();
	struct timeval tv = {0};

	if (!end)
		return;
	if (end > now) {
		tv.tv_sec = (time_t)((end - now) / 1000);
		tv.tv_usec = (suseconds_t)((end - now) % 1000 * 1000);
	}
	evtimer_add(d->refuse->timer, &tv);
}

static void refuse_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct tapqd *d = arg;

	(void)fd;
	(void)what;
	refuse_expire(d, refuse_now_ms());
	refuse_arm(d);
}

/* log.c's gate: an info line a non-root request causes counts against its uid. */
static bool refuse_log_gate(const struct tapqd *d, int prio)
{
	struct refuse *r = d->refuse;
	struct ratelimit_flush f;
	bool say;

	if (prio < LOG_INFO || !d->request_uid_set || d->request_uid == 0)
		return true;
	say = ratelimit_check(&r->acts, d->request_uid, refuse_now_ms(), &f);
	refuse_say_suppressed(d, &r->acts, &f, "requests", "info lines ");
	if (!say && !evtimer_pending(r->timer, NULL))
		refuse_arm(d);
	return say;
}

int refuse_init(struct tapqd *d)
{
	struct refuse *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	ratelimit_init(&r->rl, REFUSE_INTERVAL_MS, REFUSE_BURST);
	ratelimit_init(&r->acts, ACTS_INTERVAL_MS, ACTS_BURST);
	r->timer = evtimer_new(d->base, refuse_on_timer, d);
	if (!r->timer) {
		free(r);
		return -ENOMEM;
	}
	d->refuse = r;
	d->log_gate = refuse_log_gate;
	return 0;
}

/* What is still suppressed is said: a stop must not lose the count. */
void refuse_fini(struct tapqd *d)
{
	if (!d->refuse)
		return;
	refuse_expire(d, UINT64_MAX / 2);
	d->log_gate = NULL;
	event_free(d->refuse->timer);
	free(d->refuse);
	d->refuse = NULL;
}

void refuse_note(struct tapqd *d, pid_t pid, uid_t uid, enum tapqd_refusal why, const char *msg)
{
	struct refuse *r = d->refuse;
	struct ratelimit_flush f;
	bool say;

	r->counts[why]++;
	say = ratelimit_check(&r->rl, uid, refuse_now_ms(), &f);
	refuse_say_suppressed(d, &r->rl, &f, "refusals", "");
	if (say) {
		/* the refused peer, which need not be the one whose request is served */
		struct log_ctx was = d->log_ctx;

		log_peer(d, pid, uid);
		log_notice(d, "refused pid %d uid %u (%s): %s", (int)pid, (unsigned int)uid,
			   tapqd_refusal_name(why), msg);
		d->log_ctx = was;
	} else if (!evtimer_pending(r->timer, NULL))
		refuse_arm(d);
}

const uint64_t *refuse_counts(const struct tapqd *d)
{
	return d->refuse->counts;
}
