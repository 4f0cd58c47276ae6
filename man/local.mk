# man/: one page per installed program.
dist_man_MANS += man/qemu-ga.8
dist_man_MANS += man/qemu-img.1
dist_man_MANS += man/qemu-nbd.8
dist_man_MANS += man/qemu-user.1 man/qemu-riscv64.1
