// SPDX-License-Identifier: MIT
/*
 * tqnopass.c - integration-test launcher: runs a program as on a kernel
 * before Linux 6.16, which has no SO_PASSRIGHTS
 *
 *   tqnopass [--no-uring] PROGRAM [ARGS...]
 *
 * A seccomp filter makes setsockopt(SOL_SOCKET, SO_PASSRIGHTS) and its
 * getsockopt fail with ENOPROTOOPT, as such a kernel does; with --no-uring,
 * io_uring_setup() fails with EPERM too, as with kernel.io_uring_disabled=2
 * or a container's seccomp profile; everything else goes through. Then it
 * execs PROGRAM (the filter stays). Exit 2 when the filter cannot be
 * installed or PROGRAM cannot be run.
 */

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NOPASS_SO_PASSRIGHTS 83 /* the kernel's, whatever these headers say */

#if defined(__x86_64__)
#define NOPASS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NOPASS_ARCH AUDIT_ARCH_AARCH64
#else
#error "tqnopass: add this architecture's AUDIT_ARCH"
#endif

#define NOPASS_ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))

int main(int argc, char **argv)
{
	bool no_uring = argc > 1 && !strcmp(argv[1], "--no-uring");
	/* a number no system call has when io_uring stays allowed */
	__u32 refused_nr = no_uring ? __NR_io_uring_setup : 0xffffffffu;
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NOPASS_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, refused_nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_setsockopt, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getsockopt, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NOPASS_ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOL_SOCKET, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NOPASS_ARG_LO(2)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NOPASS_SO_PASSRIGHTS, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOPROTOOPT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (argc < 2 + no_uring) {
		fprintf(stderr, "usage: tqnopass [--no-uring] PROGRAM [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("tqnopass: seccomp");
		return 2;
	}
	execvp(argv[1 + no_uring], argv + 1 + no_uring);
	perror("tqnopass: exec");
	return 2;
}
