# tests/fuzz: libFuzzer targets (./configure --enable-fuzzers CC=clang).
