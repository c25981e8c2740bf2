/* What the hypervisor promises its guests: the image header, where the command line is,
 * the hypercalls and the "hypervisor info" MMIO device. Shared by guest/hv and
 * guest/hv/guests. */
#ifndef HV_HVABI_H
#define HV_HVABI_H

/* A guest image starts with this header: "HVG1", entry mode (16, 32 or 64), the
 * guest-physical address it is loaded at, and its entry point. A 16-bit image is
 * 64 KiB loaded at 0xf0000 and starts at its reset vector (CS 0xf000 with base
 * 0xffff0000, IP 0xfff0), as a processor leaves reset. */
#define HV_IMAGE_MAGIC 0x31475648
#define HV_GUEST_MEM 0x200000 /* 2 MiB of RAM per guest, from guest-physical 0 */
#define HV_CMDLINE_GPA 0x1000 /* the module's command line, NUL-terminated */
#define HV_CMDLINE_MAX 128
#define HV_GDT_GPA 0x1800 /* the GDT a 32/64-bit guest is entered with */
#define HV_TSS_GPA 0x1900
#define HV_PML4_GPA 0x2000 /* a 64-bit guest's identity map of 4 GiB */
#define HV_RM_BASE 0xf0000
#define HV_STACK_TOP 0x200000
/* Without unrestricted guest a real-mode guest runs in virtual-8086 mode on a TSS whose
 * I/O permission bitmap allows every port (so I/O reaches the VMM's I/O bitmaps); it
 * lives in the guest's memory above what real-mode addressing reaches (1 MiB + 64 KiB). */
#define HV_V86_TSS_GPA 0x1f0000
/* EPT without unrestricted guest: an unpaged guest runs with paging on, on an identity
 * page directory the hypervisor maps at this guest-physical address (outside its RAM). */
#define HV_IDMAP_GPA 0xfeffc000
/* Selectors in HV_GDT_GPA */
#define HV_SEL_CODE32 0x08
#define HV_SEL_DATA 0x10
#define HV_SEL_CODE64 0x18
#define HV_SEL_TSS 0x20

/* VMCALL: RAX = number, RBX = argument. */
#define HC_PRINT 0 /* RBX = linear address of a NUL-terminated string */
#define HC_YIELD 1
#define HC_EXIT 2 /* RBX = exit code */

/* The "hypervisor info" device: one MMIO page, 32-bit registers. */
#define HV_INFO_GPA 0xfeb00000
#define HV_INFO_MAGIC 0x00   /* reads "VPHV" */
#define HV_INFO_ID 0x04      /* this guest's number, from 1 */
#define HV_INFO_COUNT 0x08   /* guests started */
#define HV_INFO_SCRATCH 0x0c /* read/write */
#define HV_INFO_MAGIC_VALUE 0x56485056
#endif
