# tapqd - one GNU Makefile, no configure step.
#
#   make            build tapqd, tapqctl and libtapqd (.a and .so) into build/
#   make deps       install the missing Debian packages (build, test, bench)
#   make run        deps, build, then tapqd -f -c tapqd.conf.example
#   make check      deps, build, the layers of daemon/, unit tests (plain and ASan+UBSan),
#                   fuzz corpus replay, libtapqd from C++ and through pkg-config,
#                   make valgrind, integration tests in network namespaces
#   make bench      deps, build, benchmarks against their baselines
#   make fuzz       libFuzzer on every target in test/fuzz/ for FUZZ_SECONDS each
#   make valgrind   one integration scenario with tapqd under valgrind's memcheck
#   make man        the manual pages tapqd(8), tapqctl(8), tapqd.conf(5) from man/*.scd
#   make man-check  the pages against tapqd.conf.example, config/conf.c, the JSON of
#                   tools/tapqctl.c and the --help of tapqctl and tapqd (test/man.sh);
#                   make check runs it too
#   make install    PREFIX=/usr/local LIBDIR=$(PREFIX)/lib DESTDIR=
#   make check-systemd  tapqd.service under Debian 12's systemd 252 in a container
#                   (test/systemd/check.sh): start, restart, SIGKILL, reload, stop at
#                   SD_DEVICES="10 1000" devices; minutes, so not part of make check
#   make deb       the Debian packages into build/deb/ (debian/), lintian-clean
#   make deb-check  make deb, then installs them, runs them and purges them (test/deb/check.sh)
#   make guest      the QEMU guest of the integration tests: Debian's kernel and
#                   virtio modules (downloaded once into build/guest/), a busybox initramfs

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
DESTDIR ?=
BUILD ?= build
FUZZ_SECONDS ?= 60

# Everything the Makefile needs from Debian, by what it is for.
# scdoc: the manual pages (make man, make install)
DEPS_BUILD := gcc make pkg-config libevent-dev libsystemd-dev libnl-3-dev \
	libnl-route-3-dev libinih-dev libhwloc-dev libjson-c-dev check scdoc
# qemu-system-x86 and busybox-static: the QEMU tests boot a small guest; g++: tapqd.h as C++;
# universal-ctags: test/layers.sh reads the call graph of daemon/ with it; valgrind: make valgrind;
# groff-base: test/man.sh renders the manual pages to catch groff's warnings
# prometheus: t_metrics checks tapqctl metrics with its promtool
DEPS_TEST := iproute2 iputils-ping util-linux procps jq clang libclang-rt-14-dev systemd \
	qemu-system-x86 busybox-static g++ universal-ctags valgrind groff-base prometheus
DEPS_BENCH := qemu-system-common
DEPS := $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_BENCH)

PKGS := libevent_core libsystemd libnl-3.0 libnl-route-3.0 inih hwloc json-c
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
JSONC_CFLAGS = $(shell pkg-config --cflags json-c 2>/dev/null)
JSONC_LIBS = $(shell pkg-config --libs json-c 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

CC ?= cc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	$(CFLAGS) $(SAN_FLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS) -Wl,-z,relro,-z,now

# What each directory may include, by the directory of the source: config/, lib/ and
# tools/ never see a daemon header. lib/ is built once, position-independent, for both
# the archive and the shared object, which exports only what tapqd.h declares; its
# internal headers (holder.h) are for tapqd and tapqctl, which link the archive.
DIR_CFLAGS_config = -Iinclude -Iconfig
DIR_CFLAGS_lib = -Iinclude -fPIC -fvisibility=hidden
DIR_CFLAGS_tools = -Iinclude -Ilib -Itools $(JSONC_CFLAGS)
DIR_CFLAGS_daemon = -Iinclude -Ilib -Iconfig -Idaemon $(PKG_CFLAGS)
DIR_CFLAGS_test = -Iinclude -Ilib -Iconfig -Idaemon -Itools $(PKG_CFLAGS) $(CHECK_CFLAGS)
DIR_CFLAGS_test/integration = -Iinclude
DIR_CFLAGS_test/fuzz = -Iinclude -Ilib -Iconfig -Idaemon $(PKG_CFLAGS)
DIR_CFLAGS_bench = -Iinclude -Idaemon
dir_cflags = $(DIR_CFLAGS_$(patsubst %/,%,$(dir $(1))))

CONF_SRC := $(wildcard config/*.c)
LIB_SRC := $(wildcard lib/*.c)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
UNIT_SRC := $(wildcard test/test_*.c)
ITEST_SRC := $(wildcard test/integration/*.c)
BENCH_SRC := $(wildcard bench/*.c)
FUZZ_SRC := $(wildcard test/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
CONF_A := $(BUILD)/libtapqdconf.a
LIB_A := $(BUILD)/libtapqd.a
# A new LIB_MAJOR whenever a struct or a signature of the API changes.
LIB_MAJOR := 2
LIB_VERSION := $(LIB_MAJOR).0.0
LIB_SONAME := libtapqd.so.$(LIB_MAJOR)
LIB_SO := $(BUILD)/libtapqd.so.$(LIB_VERSION)
DAEMON_A := $(BUILD)/libtapqd-daemon.a
TAPQD := $(BUILD)/tapqd
TAPQCTL := $(BUILD)/tapqctl
UNITS := $(patsubst test/%.c,$(BUILD)/test/%,$(UNIT_SRC))
ITESTS := $(patsubst test/integration/%.c,$(BUILD)/test/integration/%,$(ITEST_SRC))
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
FUZZ_REPLAY := $(patsubst test/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
# man/NAME.SECTION.scd -> build/man/NAME.SECTION
MAN_PAGES := $(patsubst man/%.scd,$(BUILD)/man/%,$(wildcard man/*.scd))

.PHONY: all deps run check unit unit-san integration fuzz-replay fuzz fuzz-build valgrind bench install clean tools-test \
	verify-units guest layers lib-test check-systemd unit-bin fuzz-replay-bin man man-check
.DEFAULT_GOAL := all
# keep objects built through pattern chains (tests, probes): no rebuild on every run
.SECONDARY:

all: $(TAPQD) $(TAPQCTL) $(LIB_A) $(LIB_SO)

deps:
	@missing=""; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(call dir_cflags,$<) -MMD -MP -c $< -o $@

$(CONF_A): $(call obj,$(CONF_SRC))
	ar rcs $@ $^
$(LIB_A): $(call obj,$(LIB_SRC))
	ar rcs $@ $^
# with the links a program finds it by: the SONAME at run time, libtapqd.so at link time
$(LIB_SO): $(call obj,$(LIB_SRC))
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(LIB_SONAME) -Wl,--no-undefined -o $@ $^
	ln -sf $(notdir $@) $(BUILD)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(BUILD)/libtapqd.so
$(DAEMON_A): $(call obj,$(DAEMON_SRC))
	ar rcs $@ $^

$(TAPQD): $(call obj,daemon/main.c) $(DAEMON_A) $(CONF_A) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
# qmp-add/qmp-del speak QMP with json-c; the rest is libtapqd's (holder.c among it)
$(TAPQCTL): $(call obj,$(wildcard tools/*.c)) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(JSONC_LIBS)

$(BUILD)/test/%: $(BUILD)/test/%.o $(DAEMON_A) $(CONF_A) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)
# the one piece of tapqctl with a unit test of its own: pure formatting
$(BUILD)/test/test_promtext: $(BUILD)/tools/promtext.o
$(BUILD)/test/integration/%: $(BUILD)/test/integration/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^
# the daemon archive lends a bench the code it compares against (frame.o): nothing else is pulled in
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(DAEMON_A) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lpthread
# The replay build runs each fuzz target over its corpus without libFuzzer.
$(BUILD)/fuzz/%: $(BUILD)/test/fuzz/%.o $(BUILD)/test/fuzz/replay.o $(DAEMON_A) $(CONF_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# through a temporary file, so that a failed scdoc leaves no page behind
$(BUILD)/man/%: man/%.scd
	@mkdir -p $(@D)
	scdoc <$< >$@.tmp && mv $@.tmp $@

man: $(MAN_PAGES)

run: deps all
	$(TAPQD) -f -c tapqd.conf.example

unit: $(UNITS)
	@set -e; for t in $(UNITS); do echo "== $$t"; CK_FORK=yes $$t; done

# the test programs alone, built and not run
unit-bin: $(UNITS)
fuzz-replay-bin: $(FUZZ_REPLAY)

unit-san:
	$(MAKE) BUILD=build-san SAN_FLAGS="$(SAN)" unit fuzz-replay

# libtapqd as a program outside the tree uses it: from C++, and through pkg-config once installed
lib-test: all
	@BUILD=$(abspath $(BUILD)) LIB_SO=$(abspath $(LIB_SO)) MAKE="$(MAKE)" CC="$(CC)" sh test/lib/check.sh

fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for f in $(FUZZ_REPLAY); do \
		n=$$(basename $$f); echo "== $$f test/fuzz/corpus/$${n#fuzz_}"; \
		$$f test/fuzz/corpus/$${n#fuzz_}/*; done

tools-test: all $(ITESTS)

# one scenario with tapqd under memcheck (test/integration/valgrind.sh), the plain build;
# about 10 s, so make check runs it too
valgrind: deps
	$(MAKE) tools-test
	@BUILD=$(abspath $(BUILD)) sh test/integration/valgrind.sh

integration: tools-test guest
	@BUILD=$(abspath $(BUILD)) GUEST=$(abspath $(GUEST_DIR)) sh test/integration/run.sh

# The guest the QEMU tests boot: Debian's own kernel (the package linux-image-amd64
# points at, resolved now, not a version written here), taken out of its .deb with
# dpkg-deb -x and never installed (no postinst, nothing in /boot), plus the virtio
# modules virtio-net needs (Debian builds virtio and virtio_pci as modules too), in
# load order. Always under build/, whatever BUILD is, so the sanitizer build and
# repeated runs share the one download. apt-get update only when the package lists
# do not know the package or the file they name is gone from the mirror.
GUEST_DIR := build/guest
GUEST_MODULES := virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
	failover net_failover virtio_net
GUEST_KERNEL_PKG = apt-cache depends linux-image-amd64 2>/dev/null | \
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$$/\1/p' | head -n 1

guest: $(GUEST_DIR)/vmlinuz $(GUEST_DIR)/initramfs.gz

$(GUEST_DIR)/vmlinuz:
	@set -e; mkdir -p $(GUEST_DIR)/dl; cd $(GUEST_DIR)/dl; rm -rf ./*; \
	pkg=$$($(GUEST_KERNEL_PKG)); \
	if [ -z "$$pkg" ]; then apt-get update -q; pkg=$$($(GUEST_KERNEL_PKG)); fi; \
	[ -n "$$pkg" ] || { echo "guest: no linux-image-*-amd64 behind linux-image-amd64"; exit 1; }; \
	echo "guest: downloading $$pkg"; \
	apt-get -q -o APT::Sandbox::User=root download "$$pkg" || \
		{ apt-get update -q && apt-get -q -o APT::Sandbox::User=root download "$$pkg"; }; \
	dpkg-deb -x "$$pkg"_*.deb root; \
	rm -rf ../modules; mkdir ../modules; \
	for m in $(GUEST_MODULES); do \
		f=$$(find root/lib/modules -name "$$m.ko*" | head -n 1); \
		[ -n "$$f" ] || { echo "guest: $$pkg has no module $$m"; exit 1; }; \
		case $$f in \
		*.ko) cp "$$f" ../modules/$$m.ko ;; \
		*.ko.xz) xz -dc "$$f" >../modules/$$m.ko ;; \
		*.ko.zst) zstd -qdc "$$f" >../modules/$$m.ko ;; \
		*) echo "guest: cannot decompress $$f"; exit 1 ;; \
		esac; \
	done; \
	echo "$(GUEST_MODULES)" >../modules/order; \
	echo "$$pkg $$(dpkg-deb -f "$$pkg"_*.deb Version)" >../kernel-package; \
	cp root/boot/vmlinuz-* ../vmlinuz.tmp; \
	cd ..; rm -rf dl; mv vmlinuz.tmp vmlinuz; echo "guest: $$(cat kernel-package)"

# cpio newc, gzip: busybox (static), /init, the modules in build/guest/modules
$(GUEST_DIR)/initramfs.gz: test/integration/guest-init.sh $(GUEST_DIR)/vmlinuz
	@set -e; r=$(GUEST_DIR)/initramfs; rm -rf $$r; \
	mkdir -p $$r/bin $$r/proc $$r/sys $$r/dev $$r/lib/modules; \
	cp /bin/busybox $$r/bin/busybox; \
	cp test/integration/guest-init.sh $$r/init; chmod 755 $$r/init; \
	cp $(GUEST_DIR)/modules/* $$r/lib/modules/; \
	(cd $$r && find . | sort | busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -9 >$@.tmp; \
	rm -rf $$r; mv $@.tmp $@; echo "guest: $@ ($$(wc -c <$@) bytes)"

# The builds of make check use every core; the steps after them run one at a time.
JOBS := $(shell nproc 2>/dev/null || echo 1)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

check: deps
	$(MAKE) -j$(JOBS) all tools-test unit-bin fuzz-replay-bin
	$(MAKE) -j$(JOBS) BUILD=build-san SAN_FLAGS="$(SAN)" all tools-test unit-bin fuzz-replay-bin
	$(MAKE) layers
	$(MAKE) man-check
	$(MAKE) verify-units
	$(MAKE) unit
	$(MAKE) fuzz-replay
	$(MAKE) lib-test
	$(MAKE) valgrind
	$(MAKE) unit-san
	$(MAKE) BUILD=build-san SAN_FLAGS="$(SAN)" integration

# calls in daemon/ go down, and no files call each other in a loop
layers:
	@sh test/layers.sh daemon

# the pages, then the check itself on copies of the sources broken on purpose
man-check: all man
	@BUILD=$(abspath $(BUILD)) sh test/man.sh
	@BUILD=$(abspath $(BUILD)) sh test/man-selftest.sh

verify-units: all
	@BUILD=$(abspath $(BUILD)) sh test/verify-units.sh

# every bench/*.sh, each printing its figures next to its baselines
bench: deps all $(BENCHES)
	@set -e; for b in $(filter-out bench/lib.sh,$(wildcard bench/*.sh)); do \
		echo "== $$b"; BUILD=$(abspath $(BUILD)) sh $$b; done

# libFuzzer builds of the targets, from the sources (qmp.c comes in through fuzz_qmp.c),
# with UBSan stopping at the first report so that libFuzzer keeps the input
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CODE := $(CONF_SRC) $(LIB_SRC) daemon/state.c
FUZZ_BIN := $(patsubst test/fuzz/%.c,$(BUILD)/libfuzzer/%,$(FUZZ_SRC))

$(BUILD)/libfuzzer/%: test/fuzz/%.c $(FUZZ_CODE) daemon/qmp.c $(wildcard include/*.h config/*.h daemon/*.h)
	@mkdir -p $(@D)
	clang -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 $(FUZZ_SAN) $(DIR_CFLAGS_test/fuzz) \
		$< $(FUZZ_CODE) -o $@ $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)

# New inputs go to build/libfuzzer/fuzz_NAME.corpus, a crash to build/libfuzzer/NAME-crash-*;
# test/fuzz/NAME.dict, where there is one, gives the words of the format. To keep
# what is worth it: fuzz_NAME -merge=1 test/fuzz/corpus/NAME build/libfuzzer/fuzz_NAME.corpus
fuzz: deps
	$(MAKE) fuzz-build
	@set -e; for f in $(FUZZ_BIN); do \
		n=$$(basename $$f); n=$${n#fuzz_}; mkdir -p $$f.corpus; echo "== $$f $(FUZZ_SECONDS) s"; \
		dict=; [ ! -f test/fuzz/$$n.dict ] || dict=-dict=test/fuzz/$$n.dict; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$dict \
			-artifact_prefix=$(BUILD)/libfuzzer/$$n- $$f.corpus test/fuzz/corpus/$$n; \
	done

# debootstrap builds the container's root once (build/sdroot), systemd-nspawn boots it
check-systemd: deps
	$(MAKE) all
	@for p in debootstrap systemd-container; do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi
	BUILD=$(abspath $(BUILD)) sh test/systemd/check.sh

# The Debian packages tapqd, libtapqd2 and libtapqd-dev (debian/) into build/deb/,
# built from a copy of the tree (build/deb/src): dpkg-buildpackage writes its .debs
# next to the tree it builds and its work into debian/. First what it needs:
# dpkg-dev, fakeroot and lintian, and debian/control's Build-Depends (apt-get
# build-dep on the tree). lintian fails it on any error or warning tag not
# explained in debian/*.lintian-overrides. make deb-check installs the packages,
# runs what they installed, and purges them (test/deb/check.sh, about a minute).
DEB_DIR := build/deb
.PHONY: deb deb-check
deb:
	@missing=""; for p in dpkg-dev fakeroot lintian; do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@dpkg-checkbuilddeps 2>/dev/null || { export DEBIAN_FRONTEND=noninteractive; \
		apt-get build-dep -y -q --no-install-recommends ./ || \
		{ apt-get update -q && apt-get build-dep -y -q --no-install-recommends ./; }; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	tar -c --exclude=./.git --exclude=./build --exclude=./build-san . | tar -x -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b --jobs=$(JOBS)
	rm -rf $(DEB_DIR)/src
	lintian --fail-on error,warning --info $(DEB_DIR)/*.changes

deb-check:
	$(MAKE) deps
	$(MAKE) deb
	sh test/deb/check.sh $(DEB_DIR)

install: all man
	install -D -m 0755 $(TAPQD) $(DESTDIR)$(PREFIX)/sbin/tapqd
	install -D -m 0755 $(TAPQCTL) $(DESTDIR)$(PREFIX)/bin/tapqctl
	install -D -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libtapqd.a
	install -D -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/$(notdir $(LIB_SO))
	ln -sf $(notdir $(LIB_SO)) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libtapqd.so
	@mkdir -p $(DESTDIR)$(LIBDIR)/pkgconfig
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
		lib/tapqd.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/tapqd.pc
	install -D -m 0644 include/tapqd.h $(DESTDIR)$(PREFIX)/include/tapqd.h
	install -D -m 0644 tapqd.conf.example $(DESTDIR)$(PREFIX)/share/doc/tapqd/tapqd.conf.example
	install -D -m 0644 completion/tapqctl.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/tapqctl
	install -D -m 0644 README.md $(DESTDIR)$(PREFIX)/share/doc/tapqd/README.md
	for p in $(MAN_PAGES); do \
		s=$${p##*.}; install -D -m 0644 $$p $(DESTDIR)$(PREFIX)/share/man/man$$s/$$(basename $$p) || exit 1; \
	done
	@mkdir -p $(DESTDIR)$(PREFIX)/lib/systemd/system
	for u in tapqd.service tapqd.socket; do \
		sed 's|/usr/local/|$(PREFIX)/|g' units/$$u >$(DESTDIR)$(PREFIX)/lib/systemd/system/$$u; \
		chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/$$u; done

clean:
	rm -rf build build-san

# the object dependencies only: not the container root of check-systemd (build/sdroot)
-include $(shell find $(BUILD) -path '$(BUILD)/sdroot*' -prune -o -type f -name '*.d' -print 2>/dev/null)
