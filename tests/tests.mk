# Host-side tests: every tests/unit/test_*.c is a program that prints one
# "PASS name" / "FAIL name: why" line per check and exits non-zero on failure.
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB) $(wildcard tests/unit/*.h tests/diff/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -Itests/unit $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

.PHONY: unit
unit: $(UNIT_BINS)

# docs/vmx-entry-checks.md's coverage table from src/vmx/entry_checks.h (the unit test
# test_vmx_entry_doc fails when the committed doc differs from it).
.PHONY: docs-vmx
docs-vmx: $(BUILD)/tests/unit/test_vmx_entry_doc
	$< --write docs/vmx-entry-checks.md
