// SPDX-License-Identifier: MIT
/*
 * replay.c - runs any libFuzzer target over files or directories of inputs without
 * libFuzzer, so that make check replays every corpus with a plain compiler
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* optional in a target, as with libFuzzer */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Reads a whole file into a buffer of exactly its size, so ASan sees any overread. */
static int replay_read(const char *path, uint8_t **ret, size_t *ret_size)
{
	size_t len = 0, cap = 0;
	uint8_t *buf = NULL;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *nbuf;

			cap = cap ? cap * 2 : 4096;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				r = -ENOMEM;
				break;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	/* read-only: a failing close() loses nothing */
	(void)close(fd);
	if (r == 0) {
		uint8_t *exact = malloc(len ? len : 1);

		if (exact) {
			memcpy(exact, buf, len);
			*ret = exact;
			*ret_size = len;
		} else {
			r = -ENOMEM;
		}
	}
	free(buf);
	return r;
}

static int replay_file(const char *path)
{
	uint8_t *data = NULL;
	size_t size = 0;
	int r = replay_read(path, &data, &size);

	if (r < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(-r));
		return -1;
	}
	/* libFuzzer allows 0, and -1 for "keep out of the corpus" */
	r = LLVMFuzzerTestOneInput(data, size);
	free(data);
	if (r != 0 && r != -1) {
		fprintf(stderr, "replay: %s: the target returned %d\n", path, r);
		return -1;
	}
	return 0;
}

/* Runs every file of a directory, in name order so that runs repeat exactly. */
static int replay_dir(const char *path, unsigned int *count)
{
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort), failed = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char file[4096];
		struct stat st;

		if (names[i]->d_name[0] != '.' &&
		    snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name) <
			    (int)sizeof(file) &&
		    stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(file) < 0)
				failed = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return failed;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize && LLVMFuzzerInitialize(&argc, &argv) != 0) {
		fprintf(stderr, "replay: LLVMFuzzerInitialize failed\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				failed = 1;
		} else if (replay_file(argv[i]) < 0) {
			failed = 1;
		} else {
			count++;
		}
	}
	fprintf(stderr, "replay: %u inputs%s\n", count, failed ? ", some failed" : "");
	return failed;
}
