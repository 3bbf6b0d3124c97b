// SPDX-License-Identifier: MIT
/*
 * fuzz_qmp.c - libFuzzer target: what a QEMU monitor sends, through the QMP
 * client's own read path (qmp_feed, qmp_handle, the vCPU list) from the
 * greeting on, cut into reads where the input's first byte says; and the
 * same bytes through qmp_parse_vcpus(). Whatever reaches the owner is a sorted list of
 * distinct vCPUs with real threads.
 */

#include <sys/socket.h>

/* the read path is static to qmp.c: the target sees it by including the file */
#include "../../daemon/qmp.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sock[2] = {-1, -1};
static struct qmp q;

static void vcpus_check(const struct qmp_vcpu *v, size_t n)
{
	if (n > QMP_VCPUS_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (v[i].index >= QMP_VCPUS_MAX || v[i].thread <= 0 ||
		    (i > 0 && v[i].index <= v[i - 1].index))
			abort();
}

static void fuzz_vcpus(void *arg, const struct qmp_vcpu *v, size_t n)
{
	(void)arg;
	vcpus_check(v, n);
}

static void fuzz_down(void *arg, const char *what, int err)
{
	(void)arg;
	(void)what;
	(void)err;
}

static const struct qmp_ops fuzz_ops = {fuzz_vcpus, fuzz_down};

/* What the client sent (qmp_capabilities, queries) is read and dropped, so sends never fill up. */
static void drain(void)
{
	char buf[4096];

	while (recv(sock[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qmp_vcpu v[QMP_VCPUS_MAX];
	const char *what = NULL;
	size_t cut, off;
	int n;

	if (sock[0] < 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
		abort();
	if (size == 0)
		return 0;
	/* the first byte says how many bytes each recv() returns: a message may be cut anywhere */
	cut = data[0];
	data++;
	size--;
	if (cut == 0)
		cut = size; /* all at once */
	n = qmp_parse_vcpus((const char *)data, size, v, QMP_VCPUS_MAX);
	if (n >= 0)
		vcpus_check(v, (size_t)n);
	else if (n != -EPROTO && n != -E2BIG && n != -ENOMEM)
		abort();
	memset(&q, 0, sizeof(q));
	q.ops = &fuzz_ops;
	q.fd = sock[0];
	q.state = QMP_GREETING;
	q.retry_ms = QMP_RETRY_MIN_MS;
	q.tok = json_tokener_new_ex(QMP_DEPTH);
	if (!q.tok)
		abort();
	for (off = 0; off < size; off += cut) {
		size_t len = size - off < cut ? size - off : cut;

		if (qmp_feed(&q, (const char *)data + off, len, &what) < 0) {
			if (!what || !what[0])
				abort();
			break;
		}
		drain();
	}
	drain();
	json_tokener_free(q.tok);
	return 0;
}
