# nbd-tool/: qemu-nbd, a small main over libcore's NBD server and block layer.
