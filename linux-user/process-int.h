/*
 * Internals shared by the "process" modules of linux-user: start-up of the guest
 * address space, the ELF image loader and the initial stack, and the hooks the
 * execution core calls for code pages. Not for other modules (they use user.h).
 */
#ifndef LINUX_USER_PROCESS_INT_H
#define LINUX_USER_PROCESS_INT_H

#include "linux-user/user.h"

/* Address space set-up (mmap.c). want_base: -B value; has_base: -B given;
 * reserve: -R size (0: none). Checks the host page size too. */
bool mmap_init(uintptr_t want_base, bool has_base, abi_ulong reserve, Error **errp);
/* Page flags storage for guest_addr_max bytes (pageflags.c). */
bool page_flags_init(Error **errp);
/* Top of the area mmap_find_vma searches downwards from (below the stack). */
void mmap_set_base(abi_ulong base);
/* Initial brk area just above the program image (elfload.c sets it). */
void mmap_set_brk(abi_ulong start);
/* Unmap guest [start, start+len) without any checks (host + flags). */
void mmap_release(abi_ulong start, abi_ulong len);

/* TCGExecConfig hooks (mmap.c). */
void code_page_added(void *opaque, uint64_t page_addr);
bool guest_code_fetch(void *opaque, uint64_t addr, void *buf, size_t len);

/* The ELF program loader (elfload.c): maps the program (and its interpreter),
 * builds the stack, fills user_proc. envp/argv are the guest's. */
bool elf_load_program(const char *filename, int fd, char **argv, char **envp,
                      CPUArchState *env, Error **errp);

/* The CPU model of this target (linux-user/<arch>/cpu_loop.c): -cpu parsing
 * (NULL: the default model), the -cpu help text, and a reset CPU state with
 * the chosen extensions. */
bool target_cpu_parse(const char *spec, uint32_t *ext, Error **errp);
char *target_cpu_list(void);
CPUArchState *target_cpu_new(uint32_t ext);

#endif
