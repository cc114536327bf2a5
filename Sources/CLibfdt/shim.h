#pragma once
#include <stdint.h>
#include <stddef.h>
#include <libfdt.h>

/* libfdt's header accessors are macros, which Swift cannot import. */
static inline uint32_t CLibfdt_magic(const void *fdt) { return fdt_magic(fdt); }
static inline uint32_t CLibfdt_totalsize(const void *fdt) { return fdt_totalsize(fdt); }
static inline uint32_t CLibfdt_off_dt_struct(const void *fdt) { return fdt_off_dt_struct(fdt); }
static inline uint32_t CLibfdt_off_dt_strings(const void *fdt) { return fdt_off_dt_strings(fdt); }
static inline uint32_t CLibfdt_off_mem_rsvmap(const void *fdt) { return fdt_off_mem_rsvmap(fdt); }
static inline uint32_t CLibfdt_version(const void *fdt) { return fdt_version(fdt); }
static inline uint32_t CLibfdt_last_comp_version(const void *fdt) { return fdt_last_comp_version(fdt); }
static inline uint32_t CLibfdt_boot_cpuid_phys(const void *fdt) { return fdt_boot_cpuid_phys(fdt); }
static inline uint32_t CLibfdt_size_dt_strings(const void *fdt) { return fdt_size_dt_strings(fdt); }
static inline uint32_t CLibfdt_size_dt_struct(const void *fdt) { return fdt_size_dt_struct(fdt); }
