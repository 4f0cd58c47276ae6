# tests/functional: TAP shell scripts that drive the built programs.
EXTRA_DIST += tests/functional/common.sh
