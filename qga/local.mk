# qga/: the guest agent, qemu-ga.
