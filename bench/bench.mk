# Benchmark guests (see bench/run.sh): the workload, an empty kernel whose Bochs boot
# cost is subtracted, and the VMX benchmark (one phase per boot, chosen on the command
# line). Built with the guest runtime's GUEST_KERNEL template. Also the reference
# hypervisor (guest/guest.mk) and its CPUID-loop guest, for the hv round-trip row.
BENCH_KERNELS := $(BUILD)/bench/workload.elf $(BUILD)/bench/idle.elf $(BUILD)/bench/vmxbench.elf
$(eval $(call GUEST_KERNEL,workload,bench,$(BUILD)/bench/workload.elf))
$(eval $(call GUEST_KERNEL,idle,bench,$(BUILD)/bench/idle.elf))
$(eval $(call GUEST_KERNEL,vmxbench,bench,$(BUILD)/bench/vmxbench.elf))
.PHONY: bench-kernels
bench-kernels: $(BENCH_KERNELS) $(HV_KERNEL) $(HV_OUT)/cpuidloop.bin
