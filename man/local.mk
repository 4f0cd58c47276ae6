# man/: one page per installed program.
