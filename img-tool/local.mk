# img-tool/: qemu-img.
