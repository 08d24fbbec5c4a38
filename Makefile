# fouloader: FOU/GUE tunnels in BPF. Every output goes under $(BUILD).
#
#   make          build the BPF objects, skeletons and build/fouloader
#   make check    all tests (unit + end to end), TAP through prove
#   make demo     a two-namespace demo that cleans up after itself
#   make bench    benchmarks (figures beside baselines, never pass/fail)
#   make vmcheck  the guest tier: Debian's 6.1 and 6.12 kernels under qemu

BUILD    ?= build
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= gcc
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

BPF_CFLAGS := -O2 -g -target bpf -fno-strict-aliasing -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	-I$(BUILD) -Iinclude -Ibpf
CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Werror=implicit-function-declaration -std=gnu11 \
	-I$(BUILD) -Iinclude -Iloader -Iselftests/lib
LDLIBS   := -lxdp -lbpf -lelf -lz

BPF_SRCS   := $(wildcard bpf/*.bpf.c) $(wildcard selftests/bench/*.bpf.c)
BPF_OBJS   := $(patsubst %.bpf.c,$(BUILD)/%.bpf.o,$(notdir $(BPF_SRCS)))
SKELS      := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(notdir $(BPF_SRCS)))
BPF_HDRS   := $(wildcard bpf/lib/*.h) $(wildcard bpf/lib/ctx/*.h) $(wildcard selftests/bench/*.h) \
	      $(wildcard include/*.h) $(BUILD)/crc32c_table.h
LOADER_SRCS := $(wildcard loader/*.c)
LOADER_HDRS := $(wildcard loader/*.h) $(wildcard include/*.h)
# The tests configure ports, tunnels and routes through the loader's own state code
# (and test its JSON writer).
TESTLIB_SRCS := $(wildcard selftests/lib/*.c) loader/portstate.c loader/tunstate.c loader/json.c
TESTLIB_HDRS := $(wildcard selftests/lib/*.h) loader/portstate.h loader/tunstate.h loader/json.h $(wildcard selftests/unit/*.h)
UNIT_BINS  := $(patsubst selftests/unit/%.c,$(BUILD)/selftests/%,$(wildcard selftests/unit/test_*.c))
# The receive and transmit unit tests once more against the nocast builds
# (kernels before 6.2): test_rx_nocast, test_tx_nocast.
UNIT_BINS  += $(BUILD)/selftests/test_rx_nocast $(BUILD)/selftests/test_tx_nocast
BENCH_BINS := $(patsubst selftests/bench/%.c,$(BUILD)/selftests/%,$(wildcard selftests/bench/bench_*.c))
# Test-only tools of the SCTP end-to-end tests: a peer on libusrsctp and the
# loader of the path mangler (selftests/bench/sctp_mangle.bpf.c).
TOOL_BINS  := $(BUILD)/selftests/sctp_peer $(BUILD)/selftests/sctp_mangle

vpath %.bpf.c bpf selftests/bench

# Keep the BPF objects: they are products too, not just skeleton inputs.
.SECONDARY:

.PHONY: all deps check unit e2e demo bench clean vmcheck
all: $(BUILD)/fouloader $(UNIT_BINS) $(BENCH_BINS) $(TOOL_BINS) $(BUILD)/fouloader.8

deps:
	./scripts/deps.sh

# CO-RE types from the running kernel's BTF; the committed copy is the fallback
# for machines without /sys/kernel/btf/vmlinux.
$(BUILD)/vmlinux.h: | $(BUILD)
	@if [ -r /sys/kernel/btf/vmlinux ] && $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp 2>/dev/null; \
	then mv $@.tmp $@; echo "  GEN      $@ (from /sys/kernel/btf/vmlinux)"; \
	else rm -f $@.tmp; cp vmlinux/vmlinux.h $@; echo "  CP       $@ (committed fallback)"; fi

# CRC32c slicing tables for bpf/lib/crc32c.h (32; 16 works too), generated, never committed.
CRC32C_TABLES ?= 32
$(BUILD)/crc32c_table.h: scripts/gen-crc32c-table.c | $(BUILD)
	@echo "  GEN      $@"
	@$(CC) -O2 -Wall -o $(BUILD)/gen-crc32c-table $< && \
		$(BUILD)/gen-crc32c-table $(CRC32C_TABLES) > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: %.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h | $(BUILD)
	@echo "  BPF      $@"
	@$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# bench_rx's baselines include a program of bpf/ (built without the monitor hook).
$(BUILD)/fou_rx_xdp_nomon.bpf.o $(BUILD)/fou_rx_tc_nomon.bpf.o: $(wildcard bpf/*.bpf.c)
# Variants built from another program's source (#include "fou_rx_tc.bpf.c"
# under a build switch): rebuilt when that source changes.
$(BUILD)/fou_rx_tc_nocast.bpf.o: bpf/fou_rx_tc.bpf.c
$(BUILD)/fou_tx_tc_nocast.bpf.o: bpf/fou_tx_tc.bpf.c
$(BUILD)/fou_rx_xdp_rxhash.bpf.o $(BUILD)/fou_rx_xdp_nocast.bpf.o: bpf/fou_rx_xdp.bpf.c

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	@echo "  SKEL     $@"
	@$(BPFTOOL) gen skeleton $< name $(subst -,_,$*_bpf) > $@.tmp && mv $@.tmp $@

$(BUILD)/fouloader: $(LOADER_SRCS) $(LOADER_HDRS) $(SKELS) | $(BUILD)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $(LOADER_SRCS) -o $@ $(LDLIBS) -lmicrohttpd

$(BUILD)/selftests/%: selftests/unit/%.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(SKELS) | $(BUILD)/selftests
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $< $(TESTLIB_SRCS) -o $@ $(LDLIBS)

# The word tables' unit test: the loader's parsing engine alone, no BPF.
$(BUILD)/selftests/test_opts: selftests/unit/test_opts.c loader/opts.c loader/util.c \
		selftests/lib/tap.c $(LOADER_HDRS) | $(BUILD)/selftests
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $< loader/opts.c loader/util.c selftests/lib/tap.c -o $@

$(BUILD)/selftests/%_nocast: selftests/unit/%.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(SKELS) | $(BUILD)/selftests
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) -DFOU_TEST_NOCAST $< $(TESTLIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/selftests/%: selftests/bench/%.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(SKELS) | $(BUILD)/selftests
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $< $(TESTLIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/selftests/sctp_peer: selftests/tools/sctp_peer.c | $(BUILD)/selftests
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $< -o $@ -lusrsctp -lpthread

$(BUILD)/selftests/sctp_mangle: selftests/tools/sctp_mangle.c $(BUILD)/sctp_mangle.skel.h | $(BUILD)/selftests
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $< -o $@ $(LDLIBS)

$(BUILD) $(BUILD)/selftests:
	@mkdir -p $@

# The test and demo targets need root (BPF, namespaces) and install their own
# dependencies first, so they work on a fresh machine.
# Everything but the guest tier (selftests/vm: make vmcheck).
CHECK_DIRS := $(filter-out selftests/vm/,$(wildcard selftests/*/))
check: deps
	$(MAKE) all
	prove -r --timer $(CHECK_DIRS)

unit: all
	prove -r --timer selftests/unit/

e2e: all
	prove -r --timer selftests/e2e/

demo: deps
	$(MAKE) all
	./scripts/demo.sh

bench: deps
	$(MAKE) all
	./scripts/bench.sh

# The guest tier (selftests/vm): boots Debian's kernels under qemu and runs
# fouloader inside. Kernels and initramfs are cached in $(VMCACHE), which
# 'make clean' leaves alone (delete it to download again).
VMCACHE ?= /var/cache/fouloader-vm
vmcheck: deps
	$(MAKE) all
	VMCACHE=$(VMCACHE) prove -r --timer selftests/vm/

clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------- fuzzing
# make fuzz: the packet fuzzer (fuzz-packets, this block) and the config-parser
# fuzzer (fuzz-config). fuzz-packets runs selftests/fuzz/fuzz_run (the BPF
# programs through BPF_PROG_TEST_RUN) against the reference model
# selftests/fuzz/model.py: FUZZ_CASES per program from FUZZ_SEED, after the
# saved corpus selftests/fuzz/corpus/packets/. A short run of it is
# selftests/fuzz/test_fuzz_packets.t in make check.
FUZZ_CASES ?= 100000
FUZZ_SEED  ?= 1
FUZZ_BIN   := $(BUILD)/selftests/fuzz_run

.PHONY: fuzz fuzz-packets
all: $(FUZZ_BIN)

$(FUZZ_BIN): selftests/fuzz/fuzz_run.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(SKELS) | $(BUILD)/selftests
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $< $(TESTLIB_SRCS) -o $@ $(LDLIBS)

fuzz: fuzz-packets fuzz-config

fuzz-packets: $(FUZZ_BIN)
	/usr/bin/python3 selftests/fuzz/fuzz_packets.py --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) --build $(BUILD)

# make fuzz-kernel [KDIFF_CASES=20000] [KDIFF_SEED=1]: the differential check
# against the kernel's own fou/gue receive path in a guest (Debian's 6.12,
# selftests/vm/kdiff.sh) as a long run: the saved corpus and KDIFF_CASES
# generated frames; selftests/vm/test_kdiff_6.12.t is its short run in make
# vmcheck. Needs what make vmcheck needs (root, qemu, $(VMCACHE)).
KDIFF_CASES ?= 20000
KDIFF_SEED  ?= 1
.PHONY: fuzz-kernel
fuzz-kernel: deps
	$(MAKE) all
	KDIFF_CASES=$(KDIFF_CASES) KDIFF_SEED=$(KDIFF_SEED) KDIFF_SECS=7200 VMCACHE=$(VMCACHE) \
		prove -v selftests/vm/test_kdiff_6.12.t

# ---------------------------------------------------------------- man page, install
# fouloader(8) from doc/fouloader.8.md; its COUNTERS list comes from
# include/fou_stats.h (scripts/man-counters.sh) and the commands' SYNOPSIS
# from the binary's word tables (scripts/man-synopsis.sh), so neither can drift.
GO_MD2MAN ?= go-md2man

$(BUILD)/fouloader.8: doc/fouloader.8.md include/fou_stats.h scripts/man-counters.sh \
		scripts/man-synopsis.sh $(BUILD)/fouloader | $(BUILD)
	@echo "  MAN      $@"
	@command -v $(GO_MD2MAN) >/dev/null || { echo "$(GO_MD2MAN) not found: run 'make deps' (Debian package go-md2man)" >&2; exit 1; }
	@./scripts/man-counters.sh include/fou_stats.h < $< | \
		./scripts/man-synopsis.sh $(BUILD)/fouloader > $@.md.tmp
	@$(GO_MD2MAN) -in $@.md.tmp -out $@.tmp && rm -f $@.md.tmp && mv $@.tmp $@

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary (the BPF objects are
# inside it), the man page, the systemd units (fouloader@.service and the
# optional fouloader-metrics.service/.timer), and
# /etc/fouloader/example.conf.example (never over an existing file). The unit
# goes to $(PREFIX)/lib/systemd/system, which systemd searches for /usr/local
# and /usr alike. The unit names /usr/local paths; install rewrites them to
# the ones below.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
CONFDIR    ?= /etc/fouloader
INSTALL    ?= install
# The units: fouloader@.service, and the optional metrics timer for
# node_exporter's textfile collector (enabled by nobody but the admin).
UNITS      := fouloader@.service fouloader-metrics.service fouloader-metrics.timer
INSTALL_SED = sed -e 's|/usr/local/sbin/fouloader|$(SBINDIR)/fouloader|g' \
	-e 's|/etc/fouloader/|$(CONFDIR)/|g'

.PHONY: install uninstall
install: $(BUILD)/fouloader $(BUILD)/fouloader.8
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(CONFDIR)
	$(INSTALL) -m 0755 $(BUILD)/fouloader $(DESTDIR)$(SBINDIR)/fouloader
	$(INSTALL) -m 0644 $(BUILD)/fouloader.8 $(DESTDIR)$(MANDIR)/man8/fouloader.8
	@for u in $(UNITS); do \
		echo "$(INSTALL) -m 0644 scripts/$$u $(DESTDIR)$(UNITDIR)/$$u"; \
		$(INSTALL_SED) scripts/$$u > $(DESTDIR)$(UNITDIR)/$$u.tmp && \
		$(INSTALL) -m 0644 $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u && \
		rm -f $(DESTDIR)$(UNITDIR)/$$u.tmp || exit 1; \
	done
	@if [ -e $(DESTDIR)$(CONFDIR)/example.conf.example ]; then \
		echo "  KEEP     $(DESTDIR)$(CONFDIR)/example.conf.example (exists)"; \
	else \
		echo "$(INSTALL) -m 0644 scripts/example.conf.example $(DESTDIR)$(CONFDIR)/example.conf.example"; \
		$(INSTALL) -m 0644 scripts/example.conf.example $(DESTDIR)$(CONFDIR)/example.conf.example; \
	fi

# Removes what install put there; the example config only while it is the
# one shipped (an edited copy stays), and $(CONFDIR) only when empty.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/fouloader $(DESTDIR)$(MANDIR)/man8/fouloader.8 \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	@if cmp -s scripts/example.conf.example $(DESTDIR)$(CONFDIR)/example.conf.example; then \
		echo "rm -f $(DESTDIR)$(CONFDIR)/example.conf.example"; \
		rm -f $(DESTDIR)$(CONFDIR)/example.conf.example; \
	elif [ -e $(DESTDIR)$(CONFDIR)/example.conf.example ]; then \
		echo "  KEEP     $(DESTDIR)$(CONFDIR)/example.conf.example (edited)"; \
	fi
	rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null || true

# ---------------------------------------------------------------- fuzzing: the config parsers
# make fuzz-config [FUZZ_SECONDS=600] [FUZZ_RUNS=N]: libFuzzer (clang,
# -fsanitize=fuzzer,address,undefined) on what 'apply FILE' parses and on
# the commands' argument parsers (selftests/fuzz/fuzz_config.c: the
# loader's code without its main), from the seeds in
# selftests/fuzz/corpus/config/; new finds go to $(BUILD)/fuzz/config/corpus,
# crash, leak and timeout inputs to $(BUILD)/fuzz/config/. Stops at
# FUZZ_SECONDS or after FUZZ_RUNS cases (-1: no limit) and prints the cases
# run and the findings. selftests/fuzz/test_fuzz_config.t is its short
# fixed-seed run in make check. Built by 'all' only where clang's libFuzzer
# runtime is installed (Debian: libclang-rt-14-dev); the test SKIPs without.
FUZZ_SECONDS ?= 600
FUZZ_RUNS    ?= -1
FUZZ_CONFIG  := $(BUILD)/fuzz/fuzz_config
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wno-for-loop-analysis -std=gnu11 -I$(BUILD) -Iinclude -Iloader
FUZZ_LOADER  := $(filter-out loader/main.c,$(LOADER_SRCS))
HAVE_LIBFUZZER := $(shell printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' | \
	$(CLANG) -x c - -fsanitize=fuzzer,address,undefined -o /dev/null 2>/dev/null && echo yes)

ifeq ($(HAVE_LIBFUZZER),yes)
all: $(FUZZ_CONFIG)
endif

$(FUZZ_CONFIG): selftests/fuzz/fuzz_config.c $(FUZZ_LOADER) $(LOADER_HDRS) $(SKELS)
	@mkdir -p $(@D)
	@echo "  FUZZ     $@"
	@$(CLANG) $(FUZZ_CFLAGS) $< $(FUZZ_LOADER) -o $@ $(LDLIBS) -lmicrohttpd

.PHONY: fuzz-config
fuzz-config: $(FUZZ_CONFIG)
	./selftests/fuzz/run-config.sh $(FUZZ_CONFIG) $(BUILD)/fuzz/config \
		-max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS)
