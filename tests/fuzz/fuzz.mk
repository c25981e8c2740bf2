# libFuzzer targets, built with clang into their own tree (the library is rebuilt with
# coverage instrumentation, ASan and UBSan). `make fuzz` builds them; `make fuzz-smoke`
# runs each for a bounded time from a generated seed corpus (for the test suite);
# `make fuzz-run` fuzzes fuzz_exec until stopped (FUZZ_TIME=seconds to bound it).
FUZZ_CC ?= clang
FUZZ_BUILD ?= build/libfuzzer
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := $(CFLAGS_COMMON) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
               -fsanitize-coverage-ignorelist=tests/fuzz/coverage_ignore.txt
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_LIB := $(FUZZ_BUILD)/libvanderpool.a
FUZZ_TARGETS := $(FUZZ_BUILD)/fuzz_exec $(FUZZ_BUILD)/fuzz_multiboot
FUZZ_TIME ?= 0
FUZZ_SMOKE_TIME ?= 60

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB) $(wildcard tests/unit/*.h tests/fuzz/*.h)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Isrc -Itests/unit -o $@ $< $(FUZZ_LIB) -lm

# Seed corpora come from a script, not from committed binaries.
$(FUZZ_BUILD)/seeds/.done: tests/fuzz/make_seeds.py
	rm -rf $(FUZZ_BUILD)/seeds && python3 tests/fuzz/make_seeds.py $(FUZZ_BUILD)/seeds && touch $@

.PHONY: fuzz fuzz-smoke fuzz-run
fuzz: $(FUZZ_TARGETS) $(FUZZ_BUILD)/seeds/.done

# -timeout: a REP string instruction runs up to 4096 iterations per counted instruction,
# each maybe a page walk to open bus, so a legitimate input can take several seconds under
# the sanitizers; 30 s means a real hang. -rss_limit_mb: leaks and runaway allocations.
FUZZ_OPTS := -timeout=30 -rss_limit_mb=4096 -print_final_stats=1
# A fresh corpus each time so the run is the same with -seed=1 and bounded by the time.
fuzz-smoke: fuzz
	rm -rf $(FUZZ_BUILD)/smoke && mkdir -p $(FUZZ_BUILD)/smoke/exec $(FUZZ_BUILD)/smoke/multiboot
	$(FUZZ_BUILD)/fuzz_exec $(FUZZ_OPTS) -seed=1 -max_total_time=$(FUZZ_SMOKE_TIME) \
		-artifact_prefix=$(FUZZ_BUILD)/smoke/ $(FUZZ_BUILD)/smoke/exec $(FUZZ_BUILD)/seeds/exec
	$(FUZZ_BUILD)/fuzz_multiboot $(FUZZ_OPTS) -seed=1 -max_total_time=$$(( $(FUZZ_SMOKE_TIME) / 4 + 1 )) \
		-artifact_prefix=$(FUZZ_BUILD)/smoke/ $(FUZZ_BUILD)/smoke/multiboot $(FUZZ_BUILD)/seeds/multiboot

fuzz-run: fuzz
	@mkdir -p $(FUZZ_BUILD)/corpus/exec
	$(FUZZ_BUILD)/fuzz_exec $(FUZZ_OPTS) -max_total_time=$(FUZZ_TIME) -jobs=$$(nproc) -workers=$$(nproc) \
		-artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/corpus/exec $(FUZZ_BUILD)/seeds/exec

-include $(FUZZ_LIB_OBJS:.o=.d)

# VM entry with fuzzed VMCS contents and EPT (fuzz_vmentry.c, fuzz_ept.h): `make
# fuzz-vmentry` runs it for FUZZ_VMENTRY_TIME seconds from the generated seeds (EPT
# violations, misconfigurations, PML, #VE, VMFUNC...) with a fixed seed (make check does).
FUZZ_VMENTRY_TIME ?= 60
.PHONY: fuzz-vmentry
fuzz-vmentry: $(FUZZ_BUILD)/fuzz_vmentry $(FUZZ_BUILD)/seeds/.done
	rm -rf $(FUZZ_BUILD)/smoke/vmentry && mkdir -p $(FUZZ_BUILD)/smoke/vmentry
	$(FUZZ_BUILD)/fuzz_vmentry $(FUZZ_OPTS) -seed=1 -max_len=1024 -len_control=20 -max_total_time=$(FUZZ_VMENTRY_TIME) \
		-artifact_prefix=$(FUZZ_BUILD)/smoke/vmentry/ $(FUZZ_BUILD)/smoke/vmentry $(FUZZ_BUILD)/seeds/vmentry

# The gdb stub's packet parser and dispatcher (fuzz_gdb.c): the stub's objects besides the
# library. `make fuzz-gdb` runs it for FUZZ_GDB_TIME seconds from the generated seeds.
FUZZ_GDB_TIME ?= 20
FUZZ_GDB_OBJS := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(wildcard src/tool/gdbstub*.c))
$(FUZZ_BUILD)/fuzz_gdb: tests/fuzz/fuzz_gdb.c $(FUZZ_LIB) $(FUZZ_GDB_OBJS) src/tool/gdbstub.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Isrc -Iinclude -o $@ $< $(FUZZ_GDB_OBJS) $(FUZZ_LIB) -lm
.PHONY: fuzz-gdb
fuzz-gdb: $(FUZZ_BUILD)/fuzz_gdb $(FUZZ_BUILD)/seeds/.done
	rm -rf $(FUZZ_BUILD)/smoke/gdb && mkdir -p $(FUZZ_BUILD)/smoke/gdb
	$(FUZZ_BUILD)/fuzz_gdb $(FUZZ_OPTS) -seed=1 -max_len=2048 -max_total_time=$(FUZZ_GDB_TIME) \
		-artifact_prefix=$(FUZZ_BUILD)/smoke/gdb/ $(FUZZ_BUILD)/smoke/gdb $(FUZZ_BUILD)/seeds/gdb
