#!/usr/bin/env python3
"""A minimal raw NBD client for the qemu-nbd functional tests: the cases
the packaged clients cannot stage (holding a connection open while the
server goes away, requests past the end of the export).

Usage: nbd-pyclient.py SOCKET EXPORT ACTION [ARGS]
  hold                 handshake, print "ready", wait for the server to close
  write OFF LEN BYTE   write LEN bytes of BYTE (hex) at OFF, print "ready",
                       then wait for the server to close
  pastend              check that reads/writes past the end fail with an
                       error reply and that the connection still works
  rowrite              check that a write to a read-only export gets EPERM
Exit status 0 when every expectation held.
"""
import socket
import struct
import sys

NBD_MAGIC = 0x4E42444D41474943
OPTS_MAGIC = 0x49484156454F5054
REP_MAGIC = 0x0003E889045565A9
REQ_MAGIC = 0x25609513
SIMPLE_REPLY = 0x67446698
OPT_GO = 7
REP_ACK = 1
REP_INFO = 3
CMD_READ, CMD_WRITE, CMD_DISC, CMD_FLUSH = 0, 1, 2, 3


def recv_all(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("server closed the connection")
        buf += chunk
    return buf


def handshake(path, name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    magic, opts, _flags = struct.unpack(">QQH", recv_all(s, 18))
    if magic != NBD_MAGIC or opts != OPTS_MAGIC:
        raise RuntimeError("not a fixed newstyle server")
    s.sendall(struct.pack(">I", 3))       # fixed newstyle, no zeroes
    data = struct.pack(">I", len(name)) + name + struct.pack(">H", 0)
    s.sendall(struct.pack(">QII", OPTS_MAGIC, OPT_GO, len(data)) + data)
    size = None
    while True:
        magic, _opt, rtype, rlen = struct.unpack(">QIII", recv_all(s, 20))
        payload = recv_all(s, rlen)
        if magic != REP_MAGIC:
            raise RuntimeError("bad option reply magic")
        if rtype & 0x80000000:
            raise RuntimeError("server refused NBD_OPT_GO: type 0x%x" % rtype)
        if rtype == REP_INFO and struct.unpack(">H", payload[:2])[0] == 0:
            size = struct.unpack(">Q", payload[2:10])[0]
        if rtype == REP_ACK:
            return s, size


def request(s, cmd, cookie, off, length, data=b""):
    s.sendall(struct.pack(">IHHQQI", REQ_MAGIC, 0, cmd, cookie, off, length) + data)
    magic, err, rcookie = struct.unpack(">IIQ", recv_all(s, 16))
    if magic != SIMPLE_REPLY or rcookie != cookie:
        raise RuntimeError("bad reply")
    payload = recv_all(s, length) if cmd == CMD_READ and err == 0 else b""
    return err, payload


def wait_close(s):
    print("ready", flush=True)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    return 0


def pastend(s, size):
    failures = 0
    for cmd, off, n in ((CMD_READ, size, 512), (CMD_READ, size - 512, 1024),
                        (CMD_WRITE, size, 512), (CMD_READ, 2 ** 63, 512)):
        err, _ = request(s, cmd, 7, off, n, b"\0" * n if cmd == CMD_WRITE else b"")
        if err == 0:
            print("request %d at %d+%d past the end succeeded" % (cmd, off, n))
            failures += 1
    err, data = request(s, CMD_READ, 8, 0, 512)
    if err != 0 or len(data) != 512:
        print("the connection did not survive the bad requests")
        failures += 1
    request_disc(s)
    return 1 if failures else 0


def request_disc(s):
    s.sendall(struct.pack(">IHHQQI", REQ_MAGIC, 0, CMD_DISC, 9, 0, 0))


def main(argv):
    path, name, action = argv[1], argv[2].encode(), argv[3]
    s, size = handshake(path, name)
    if action == "hold":
        return wait_close(s)
    if action == "write":
        off, n, byte = int(argv[4]), int(argv[5]), int(argv[6], 16)
        err, _ = request(s, CMD_WRITE, 1, off, n, bytes([byte]) * n)
        if err:
            print("write failed: error %d" % err)
            return 1
        return wait_close(s)
    if action == "pastend":
        return pastend(s, size)
    if action == "rowrite":
        err, _ = request(s, CMD_WRITE, 1, 0, 512, b"x" * 512)
        request_disc(s)
        if err != 1:
            print("write to a read-only export: error %d, expected EPERM (1)" % err)
            return 1
        return 0
    raise SystemExit("unknown action " + action)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
