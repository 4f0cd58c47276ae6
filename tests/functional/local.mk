# tests/functional: TAP shell scripts that drive the built programs.
EXTRA_DIST += tests/functional/common.sh

# qemu-ga: protocol, commands, files/exec, options (qga-common.sh is a sourced helper).
TESTS += tests/functional/qga-protocol.sh tests/functional/qga-commands.sh \
	tests/functional/qga-files.sh tests/functional/qga-options.sh
EXTRA_DIST += tests/functional/qga-common.sh tests/functional/qga-protocol.sh \
	tests/functional/qga-commands.sh tests/functional/qga-files.sh \
	tests/functional/qga-options.sh

# qemu-img: options and create/info, convert/compare, the other commands, crash safety
# (img-lib.sh is a sourced helper).
TESTS += tests/functional/img-basic.sh tests/functional/img-convert.sh \
	tests/functional/img-ops.sh tests/functional/img-crash.sh
EXTRA_DIST += tests/functional/img-lib.sh tests/functional/img-basic.sh \
	tests/functional/img-convert.sh tests/functional/img-ops.sh \
	tests/functional/img-crash.sh

# qcow2 maintenance (qcow2m): check/repair, snapshots, measure, amend, each
# against Debian's qemu-img (qcow2-maint-lib.sh and qcow2-poke.py are helpers).
TESTS += tests/functional/qcow2-maint-check.sh tests/functional/qcow2-maint-snapshot.sh \
	tests/functional/qcow2-maint-measure.sh tests/functional/qcow2-maint-amend.sh
EXTRA_DIST += tests/functional/qcow2-maint-lib.sh tests/functional/qcow2-poke.py \
	tests/functional/qcow2-maint-check.sh tests/functional/qcow2-maint-snapshot.sh \
	tests/functional/qcow2-maint-measure.sh tests/functional/qcow2-maint-amend.sh

# qcow2 driver core (qcow2): create/convert/info/map against Debian's qemu-img.
TESTS += tests/functional/qcow2-basic.sh
EXTRA_DIST += tests/functional/qcow2-basic.sh

# make install with DESTDIR.
TESTS += tests/functional/install.sh
EXTRA_DIST += tests/functional/install.sh

# TLS channels and tls-creds-* objects (driver: tests/unit/tls-echo).
TESTS += tests/functional/tls-channel.sh
EXTRA_DIST += tests/functional/tls-channel.sh

# NBD client: our qemu-img on nbd:// against Debian's qemu-nbd and nbdkit.
TESTS += tests/functional/nbd-client.sh
EXTRA_DIST += tests/functional/nbd-client.sh

# qemu-nbd: options, server behaviour against Debian's qemu-nbd and
# libnbd tools, TLS, and a load test (nbd-lib.sh and nbd-pyclient.py are helpers).
TESTS += tests/functional/nbd-options.sh tests/functional/nbd-server.sh \
	tests/functional/nbd-tls.sh tests/functional/nbd-stress.sh
EXTRA_DIST += tests/functional/nbd-lib.sh tests/functional/nbd-pyclient.py \
	tests/functional/nbd-options.sh tests/functional/nbd-server.sh \
	tests/functional/nbd-tls.sh tests/functional/nbd-stress.sh

# qemu-riscv64: command line and start-up; -strace and the file calls; every guest
# program of tests/guest/riscv64 against Debian's qemu-riscv64 (see the README there);
# gdb-multiarch through -g; the binfmt_misc registration script.
USER_TESTS = tests/functional/user-cmdline.sh tests/functional/user-strace.sh \
	tests/functional/user-files.sh tests/functional/user-riscv64.sh \
	tests/functional/user-gdb.sh tests/functional/user-binfmt.sh
TESTS += $(USER_TESTS)
EXTRA_DIST += $(USER_TESTS) tests/guest/riscv64
# Run by scripts/test.sh in its --enable-static-user build only.
EXTRA_DIST += tests/functional/user-static.sh
