# Vanderpool build. `make` builds the emulator; `make demo` boots a small guest;
# `make check` installs what the tests need and runs the whole suite; `make bench`
# times Vanderpool against Bochs. MODE=asan builds with AddressSanitizer and UBSan.

MODE ?= rel
CC ?= cc
BUILD ?= build/$(MODE)

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers
CFLAGS_COMMON := -std=gnu11 -g $(WARN) -Iinclude -MMD -MP -fno-strict-aliasing
ifeq ($(MODE),asan)
CFLAGS_MODE := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer
LDFLAGS_MODE := -fsanitize=address,undefined
else
CFLAGS_MODE := -O2
LDFLAGS_MODE :=
endif
CFLAGS += $(CFLAGS_COMMON) $(CFLAGS_MODE)
LDFLAGS += $(LDFLAGS_MODE)
LDLIBS += -lm

LIB_SRCS := $(sort $(wildcard src/*.c src/cpu/*.c src/vmx/*.c src/dev/*.c src/machine/*.c src/fpu/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
TOOL_SRCS := $(sort $(wildcard src/tool/*.c))
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libvanderpool.a
VP := $(BUILD)/vanderpool

# Optional libraries: Zydis for disassembly in -d exec traces, when $(CC) can link it (a
# cross compiler sees the host's /usr/include but not its libraries). ZYDIS=0|1 overrides.
ifeq ($(origin ZYDIS),undefined)
ZYDIS := $(if $(wildcard /usr/include/Zydis/Zydis.h),$(shell t=$$(mktemp) && \
    echo 'int main(void){return 0;}' | $(CC) -x c - -lZydis -o $$t 2>/dev/null && echo 1; rm -f $$t))
endif
ifeq ($(ZYDIS),1)
CFLAGS += -DHAVE_ZYDIS
LDLIBS += -lZydis
endif

.PHONY: all demo demo-linux check bench clean
all: $(VP)

# arm64 cross-build (Debian's gcc-aarch64-linux-gnu); tests/arm64/run.sh runs it under qemu-user.
.PHONY: arm64
arm64:
	$(MAKE) CC=aarch64-linux-gnu-gcc BUILD=build/arm64 build/arm64/vanderpool

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(VP): $(TOOL_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(TOOL_OBJS) $(LIB) $(TOOL_LDLIBS) $(LDLIBS)

# Guest programs, host tests and benchmarks describe themselves in their own fragments.
-include guest/guest.mk
-include tests/tests.mk
-include bench/bench.mk
-include tests/fuzz/fuzz.mk

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d)

# The README's two commands. Scripts install what they need (Debian packages) when missing.
demo: $(VP)
	./scripts/demo.sh
demo-linux: $(VP)
	./scripts/demo-linux.sh
check:
	./tests/check.sh
bench: $(VP)
	./bench/run.sh
