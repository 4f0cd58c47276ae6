# tests/functional: TAP shell scripts that drive the built programs.
EXTRA_DIST += tests/functional/common.sh

# qemu-ga: protocol, commands, files/exec, options (qga-common.sh is a sourced helper).
TESTS += tests/functional/qga-protocol.sh tests/functional/qga-commands.sh \
	tests/functional/qga-files.sh tests/functional/qga-options.sh
EXTRA_DIST += tests/functional/qga-common.sh tests/functional/qga-protocol.sh \
	tests/functional/qga-commands.sh tests/functional/qga-files.sh \
	tests/functional/qga-options.sh
