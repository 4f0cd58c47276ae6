# targets/riscv/: the RISC-V guest: CPU state, decoder -> IR, helpers.
