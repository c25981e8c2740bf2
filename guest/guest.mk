# Guest programs: freestanding multiboot kernels that run inside Vanderpool (and Bochs).
# A program NAME in a directory D is D/NAME.c (32-bit C, defines test_main) plus
# optional parts: D/NAME.*.S (32-bit asm, e.g. NAME.16.S for real-mode code) and
# D/NAME.64.c / D/NAME.64.S (the 64-bit half, defines main64). Kernels are ELF32
# (what multiboot loaders accept); a 64-bit half is linked on its own at 4 MiB,
# flattened and carried inside the kernel.
GUEST_OUT := $(BUILD)/guest
GOBJ := $(GUEST_OUT)/obj
GUEST_LD ?= ld
GUEST_OBJCOPY ?= objcopy

GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -ffreestanding \
    -nostdlib -fno-pic -fno-pie -fno-stack-protector -mno-red-zone -mgeneral-regs-only \
    -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
    -fno-strict-aliasing -fcf-protection=none -Iguest/lib -MMD -MP
GUEST_CFLAGS32 := $(GUEST_CFLAGS) -m32 -march=i686
GUEST_CFLAGS64 := $(GUEST_CFLAGS) -m64 -mcmodel=small -Iguest/vmx

GUEST_LIB32 := $(addprefix $(GOBJ)/lib32/,entry32.o kstart32.o serial.o printf.o string.o \
    report.o exit.o trap.o setjmp32.o idt32.o gdt.o lm.o lm32.o udivdi3.o cmdline.o)
GUEST_LIB64 := $(addprefix $(GOBJ)/lib64/,entry64.o kstart64.o serial.o printf.o string.o \
    report.o exit.o trap.o setjmp64.o idt64.o)

# The VMX library (guest/vmx/, 64-bit only), an archive on every 64-bit half's link
# line: only the tests that call it pull it in.
GUEST_VMX64 := $(GOBJ)/vmx64/libvmx.a
$(GUEST_VMX64): $(patsubst guest/vmx/%,$(GOBJ)/vmx64/%.o,$(basename $(wildcard guest/vmx/*.c guest/vmx/*.S)))
	rm -f $@ && ar rcs $@ $^
$(GOBJ)/vmx64/%.o: guest/vmx/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@
$(GOBJ)/vmx64/%.o: guest/vmx/%.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@

$(GOBJ)/lib32/%.o: guest/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS32) -c $< -o $@
$(GOBJ)/lib32/%.o: guest/lib/%.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS32) -c $< -o $@
$(GOBJ)/lib64/%.o: guest/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@
$(GOBJ)/lib64/%.o: guest/lib/%.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@
# Program objects mirror their source path; make prefers the rule with the shortest
# stem, so *.64.c picks the 64-bit rule.
$(GOBJ)/%.64.o: %.64.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@
$(GOBJ)/%.64.o: %.64.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@
$(GOBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS32) -c $< -o $@
$(GOBJ)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS32) -c $< -o $@

# $(call GUEST_KERNEL,NAME,SRCDIR,OUTFILE)
define GUEST_KERNEL
$(3): $(patsubst %,$(GOBJ)/%.o,$(basename $(filter-out %.64.c %.64.S,$(wildcard $(2)/$(1).c $(2)/$(1).*.c $(2)/$(1).*.S)))) \
      $(if $(wildcard $(2)/$(1).64.c $(2)/$(1).64.S),$(GOBJ)/$(2)/$(1).blob.o) \
      $(GUEST_LIB32) guest/lib/kernel32.ld
	@mkdir -p $$(dir $$@)
	$(GUEST_LD) -m elf_i386 -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments --build-id=none -T guest/lib/kernel32.ld -o $$@ $$(filter %.o,$$^)
$(GOBJ)/$(2)/$(1).64.elf: $(patsubst %,$(GOBJ)/%.o,$(basename $(wildcard $(2)/$(1).64.c $(2)/$(1).64.S))) \
      $(GUEST_LIB64) $(GUEST_VMX64) guest/lib/blob64.ld
	$(GUEST_LD) -m elf_x86_64 -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments --build-id=none -T guest/lib/blob64.ld -o $$@ $$(filter %.o %.a,$$^)
$(GOBJ)/$(2)/$(1).64.bin: $(GOBJ)/$(2)/$(1).64.elf
	$(GUEST_OBJCOPY) -O binary $$< $$@
$(GOBJ)/$(2)/$(1).blob.o: $(GOBJ)/$(2)/$(1).64.bin guest/lib/blob_incbin.S
	$(CC) $(GUEST_CFLAGS32) -DBLOB_FILE='"$$<"' -c guest/lib/blob_incbin.S -o $$@
endef

# Test programs: every guest/tests/NAME.c whose NAME has no dot.
GUEST_TEST_NAMES := $(foreach f,$(basename $(notdir $(wildcard guest/tests/*.c))),$(if $(findstring .,$(f)),,$(f)))
GUEST_TESTS := $(GUEST_TEST_NAMES:%=$(GUEST_OUT)/tests/%.elf)
$(foreach t,$(GUEST_TEST_NAMES),$(eval $(call GUEST_KERNEL,$(t),guest/tests,$(GUEST_OUT)/tests/$(t).elf)))

GUEST_DEMO := $(GUEST_OUT)/demo/demo.elf
$(eval $(call GUEST_KERNEL,demo,guest/demo,$(GUEST_DEMO)))

.PHONY: guest guest-tests
guest: guest-tests $(GUEST_DEMO)
guest-tests: $(GUEST_TESTS)

-include $(shell find $(GOBJ) -name '*.d' 2>/dev/null)

# The reference hypervisor (guest/hv/, issue 8): hv.c is the 32-bit multiboot entry and
# every guest/hv/*.64.c / *.64.S is the 64-bit hypervisor, carried as its blob. Its
# test guests (guest/hv/guests/) are flat images with an hvabi.h header, given to it as
# multiboot modules: rm (real mode, 64 KiB at the reset vector), pm32 (32-bit paged),
# lm64 (64-bit), bad (misbehaves as its command line says) and cpuidloop (64-bit, CPUID
# in a loop: bench/run.sh's VM-exit round trips).
HV_OUT := $(GUEST_OUT)/hv
HV_KERNEL := $(HV_OUT)/hv.elf
HV_GDIR := guest/hv/guests
HV_GUESTS := $(addprefix $(HV_OUT)/,rm.bin pm32.bin lm64.bin bad.bin cpuidloop.bin)
HV_LDFLAGS := -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments --build-id=none
HV_OBJS64 := $(patsubst %,$(GOBJ)/%.o,$(basename $(wildcard guest/hv/*.64.c guest/hv/*.64.S)))
$(GOBJ)/guest/hv/hv.64.elf: $(HV_OBJS64) $(GUEST_LIB64) $(GUEST_VMX64) guest/lib/blob64.ld
	$(GUEST_LD) -m elf_x86_64 $(HV_LDFLAGS) -T guest/lib/blob64.ld -o $@ $(filter %.o %.a,$^)
$(GOBJ)/guest/hv/hv.64.bin: $(GOBJ)/guest/hv/hv.64.elf
	$(GUEST_OBJCOPY) -O binary $< $@
$(GOBJ)/guest/hv/hv.blob.o: $(GOBJ)/guest/hv/hv.64.bin guest/lib/blob_incbin.S
	$(CC) $(GUEST_CFLAGS32) -DBLOB_FILE='"$<"' -c guest/lib/blob_incbin.S -o $@
$(HV_KERNEL): $(GOBJ)/guest/hv/hv.o $(GOBJ)/guest/hv/hv.blob.o $(GUEST_LIB32) guest/lib/kernel32.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(HV_LDFLAGS) -T guest/lib/kernel32.ld -o $@ $(filter %.o,$^)

HV_G32 := $(addprefix $(GOBJ)/$(HV_GDIR)/,crt.o common.o) $(addprefix $(GOBJ)/lib32/,serial.o printf.o string.o udivdi3.o)
HV_G64 := $(addprefix $(GOBJ)/$(HV_GDIR)/,crt.64.o common.64.o) $(addprefix $(GOBJ)/lib64/,serial.o printf.o string.o)
$(HV_OUT)/pm32.elf: $(HV_G32) $(GOBJ)/$(HV_GDIR)/pm32.o $(HV_GDIR)/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(HV_LDFLAGS) -T $(HV_GDIR)/guest.ld -o $@ $(filter %.o,$^)
$(HV_OUT)/bad.elf: $(HV_G32) $(GOBJ)/$(HV_GDIR)/bad.o $(HV_GDIR)/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(HV_LDFLAGS) -T $(HV_GDIR)/guest.ld -o $@ $(filter %.o,$^)
$(HV_OUT)/lm64.elf: $(HV_G64) $(GOBJ)/$(HV_GDIR)/lm.64.o $(HV_GDIR)/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_x86_64 $(HV_LDFLAGS) -T $(HV_GDIR)/guest.ld -o $@ $(filter %.o,$^)
$(HV_OUT)/cpuidloop.elf: $(HV_G64) $(GOBJ)/$(HV_GDIR)/cpuidloop.64.o $(HV_GDIR)/guest.ld
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_x86_64 $(HV_LDFLAGS) -T $(HV_GDIR)/guest.ld -o $@ $(filter %.o,$^)
# Real mode: linked at offset 0 of its 64 KiB segment.
$(HV_OUT)/rm.elf: $(GOBJ)/$(HV_GDIR)/rm.o
	@mkdir -p $(dir $@)
	$(GUEST_LD) -m elf_i386 $(HV_LDFLAGS) -Ttext=0 -e 0 -o $@ $<
$(HV_OUT)/%.bin: $(HV_OUT)/%.elf
	$(GUEST_OBJCOPY) -O binary $< $@

.PHONY: hv
hv: $(HV_KERNEL) $(HV_GUESTS)
guest: hv
