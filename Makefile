# fouloader: FOU/GUE tunnels in BPF. Every output goes under $(BUILD).
#
#   make          build the BPF objects, skeletons and build/fouloader
#   make check    all tests (unit + end to end), TAP through prove
#   make demo     a two-namespace demo that cleans up after itself
#   make bench    benchmarks (figures beside baselines, never pass/fail)

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
BPF_HDRS   := $(wildcard bpf/lib/*.h) $(wildcard include/*.h)
LOADER_SRCS := $(wildcard loader/*.c)
LOADER_HDRS := $(wildcard loader/*.h) $(wildcard include/*.h)
# The tests configure ports through the loader's own port-state code.
TESTLIB_SRCS := $(wildcard selftests/lib/*.c) loader/portstate.c
TESTLIB_HDRS := $(wildcard selftests/lib/*.h) loader/portstate.h
UNIT_BINS  := $(patsubst selftests/unit/%.c,$(BUILD)/selftests/%,$(wildcard selftests/unit/test_*.c))
BENCH_BINS := $(patsubst selftests/bench/%.c,$(BUILD)/selftests/%,$(wildcard selftests/bench/bench_*.c))

vpath %.bpf.c bpf selftests/bench

# Keep the BPF objects: they are products too, not just skeleton inputs.
.SECONDARY:

.PHONY: all deps check unit e2e demo bench clean
all: $(BUILD)/fouloader $(UNIT_BINS) $(BENCH_BINS)

deps:
	./scripts/deps.sh

# CO-RE types from the running kernel's BTF; the committed copy is the fallback
# for machines without /sys/kernel/btf/vmlinux.
$(BUILD)/vmlinux.h: | $(BUILD)
	@if [ -r /sys/kernel/btf/vmlinux ] && $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp 2>/dev/null; \
	then mv $@.tmp $@; echo "  GEN      $@ (from /sys/kernel/btf/vmlinux)"; \
	else rm -f $@.tmp; cp vmlinux/vmlinux.h $@; echo "  CP       $@ (committed fallback)"; fi

$(BUILD)/%.bpf.o: %.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h | $(BUILD)
	@echo "  BPF      $@"
	@$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	@echo "  SKEL     $@"
	@$(BPFTOOL) gen skeleton $< name $(subst -,_,$*_bpf) > $@.tmp && mv $@.tmp $@

$(BUILD)/fouloader: $(LOADER_SRCS) $(LOADER_HDRS) $(SKELS) | $(BUILD)
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $(LOADER_SRCS) -o $@ $(LDLIBS)

$(BUILD)/selftests/%: selftests/unit/%.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(SKELS) | $(BUILD)/selftests
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $< $(TESTLIB_SRCS) -o $@ $(LDLIBS)

$(BUILD)/selftests/%: selftests/bench/%.c $(TESTLIB_SRCS) $(TESTLIB_HDRS) $(SKELS) | $(BUILD)/selftests
	@echo "  CC       $@"
	@$(CC) $(CFLAGS) $< $(TESTLIB_SRCS) -o $@ $(LDLIBS)

$(BUILD) $(BUILD)/selftests:
	@mkdir -p $@

# The test and demo targets need root (BPF, namespaces) and install their own
# dependencies first, so they work on a fresh machine.
check: deps
	$(MAKE) all
	prove -r --timer selftests/

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

clean:
	rm -rf $(BUILD)
