#!/bin/sh
# qemu-ga wire protocol: sync and delimited sync, resync after garbage and 0xFF,
# request envelope and argument errors, "id", guest-info, reconnecting clients.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/qga-common.sh"

start_agent proto || { tap_result 1 "agent starts"; done_testing; exit 1; }
tap_result 0 "agent starts on a unix socket"

cat > "$TMP/proto.py" <<EOF
from qga_client import *
a = Agent("$TMP/proto.sock")

r = a.cmd("guest-sync", {"id": 1234567890123})
check("guest-sync echoes the id", r == {"return": 1234567890123}, r)

a.send({"execute": "guest-sync-delimited", "arguments": {"id": 77}})
raw = a.line()
check("guest-sync-delimited reply starts with 0xFF", raw == b'\xff{"return": 77}', raw)
r = a.cmd("guest-ping")
check("only that reply is delimited", r == {"return": {}}, r)

# Garbage, then a half-sent request, then the 0xFF reset and a sync.
a.send(b"}}} nonsense {\"execute\": \"guest-pi")
a.send(b"\xff")
r = a.sync(99)
check("resync after garbage and 0xFF", r == {"return": 99}, r)
r = a.cmd("guest-ping")
check("agent answers normally after resync", r == {"return": {}}, r)

a.send(b'{"execute": bogus}\n')
r = a.reply()
check("bad JSON gets a GenericError reply", err_class(r) == "GenericError" and "JSON" in err_desc(r), r)
r = a.cmd("guest-ping")
check("agent continues after bad JSON", r == {"return": {}}, r)

a.send(b"[1, 2]")
r = a.reply()
check("non-object request refused", err_desc(r) == "QMP input must be a JSON object", r)
a.send({"arguments": {}})
r = a.reply()
check("request without execute refused", err_desc(r) == "QMP input lacks member 'execute'", r)
a.send({"execute": "guest-ping", "bogus": 1})
r = a.reply()
check("unknown envelope member refused", err_desc(r) == "QMP input member 'bogus' is unexpected", r)
a.send({"exec-oob": "guest-ping"})
r = a.reply()
check("exec-oob refused", err_desc(r) == "QMP input member 'exec-oob' is unexpected", r)
a.send({"execute": "guest-ping", "arguments": [1]})
r = a.reply()
check("non-object arguments refused", err_desc(r) == "QMP input member 'arguments' must be an object", r)

r = a.cmd("guest-no-such-command")
check("unknown command class", err_class(r) == "CommandNotFound", r)
check("unknown command text", err_desc(r) == "The command guest-no-such-command has not been found", r)
r = a.cmd("guest-sync")
check("missing argument", err_desc(r) == "Parameter 'id' is missing", r)
r = a.cmd("guest-sync", {"id": "12"})
check("mistyped argument", err_desc(r) == "Invalid parameter type for 'id', expected: integer", r)
r = a.cmd("guest-sync", {"id": 1.5})
check("float for an integer", err_desc(r) == "Invalid parameter type for 'id', expected: integer", r)
r = a.cmd("guest-sync", {"id": 1, "other": 2})
check("unexpected argument", err_desc(r) == "Parameter 'other' is unexpected", r)
r = a.cmd("guest-ping", {"x": 1})
check("argument to a command without any", err_desc(r) == "Parameter 'x' is unexpected", r)

r = a.cmd("guest-ping", id="req-1")
check("id is echoed on success", r == {"return": {}, "id": "req-1"}, r)
r = a.cmd("nope", id=[1, {"a": 2}])
check("id is echoed on error", r.get("id") == [1, {"a": 2}], r)

# Several requests in one write, answered in order.
a.send(b'{"execute":"guest-sync","arguments":{"id":1}}{"execute":"guest-sync","arguments":{"id":2}}'
       b'\n{"execute":"guest-sync","arguments":{"id":3}}')
got = [a.reply()["return"] for _ in range(3)]
check("pipelined requests answered in order", got == [1, 2, 3], got)

# A request split across many writes.
req = json.dumps({"execute": "guest-sync", "arguments": {"id": 5}}).encode()
for i in range(len(req)):
    a.send(req[i:i+1])
r = a.reply()
check("request split byte by byte", r == {"return": 5}, r)

# Deep nesting and non-ASCII never crash the agent.
a.send(b"[" * 5000 + b"]" * 5000)
r = a.sync(6)
check("deeply nested input survives", r == {"return": 6}, r)
a.send('{"execute": "guest-\u00e9\u4e2d"}'.encode())
r = a.reply()
check("non-ASCII command name", err_class(r) == "CommandNotFound", r)
a.send(b'{"execute": "\xc3\x28\xfe"}')
r = a.sync(7)
check("invalid UTF-8 survives", r == {"return": 7}, r)

r = a.cmd("guest-info")
info = r.get("return", {})
names = [c["name"] for c in info.get("supported_commands", [])]
check("guest-info has a version", isinstance(info.get("version"), str) and info["version"], r)
want = ["guest-sync", "guest-sync-delimited", "guest-ping", "guest-info", "guest-exec",
        "guest-exec-status", "guest-file-open", "guest-file-read", "guest-shutdown",
        "guest-get-osinfo", "guest-fsfreeze-status", "guest-ssh-get-authorized-keys",
        "guest-get-cpustats", "guest-get-diskstats", "guest-get-load", "guest-get-disks",
        "guest-network-get-interfaces", "guest-set-user-password", "guest-get-users",
        "guest-get-memory-blocks", "guest-get-memory-block-info", "guest-set-vcpus"]
check("guest-info lists the commands", all(w in names for w in want),
      [w for w in want if w not in names])
flags = {c["name"]: c for c in info.get("supported_commands", [])}
check("guest-shutdown has no success response",
      flags.get("guest-shutdown", {}).get("success-response") is False, flags.get("guest-shutdown"))
check("guest-ping has a success response and is enabled",
      flags.get("guest-ping") == {"name": "guest-ping", "enabled": True, "success-response": True},
      flags.get("guest-ping"))

# Reconnect: a new client after the first leaves, partial input discarded.
a.send(b'{"execute": "guest-sy')
a.close()
b = Agent("$TMP/proto.sock")
r = b.cmd("guest-sync", {"id": 8})
check("second client served after the first disconnects", r == {"return": 8}, r)
b.close()
c = Agent("$TMP/proto.sock")
r = c.sync(9)
check("third client served", r == {"return": 9}, r)
c.close()
EOF
run_client "$TMP/proto.py"

# A serial transport: the agent on a pseudo-terminal, as on isa-serial.
cat > "$TMP/serial.py" <<EOF
from qga_client import *
import subprocess, select, tty
master, slave = os.openpty()
tty.setraw(slave)   # no echo even before the agent configures the line
p = subprocess.Popen(["$QEMU_GA", "-c", "$TMP/empty.conf", "-m", "isa-serial",
                      "-p", os.ttyname(slave), "-t", "$TMP/proto.state"])
def reply():
    buf = b""
    while not buf.endswith(b"\n"):
        r, _, _ = select.select([master], [], [], 20)
        if not r:
            break
        buf += os.read(master, 4096)
    return buf
try:
    os.write(master, b'\xff{"execute": "guest-sync-delimited", "arguments": {"id": 31}}')
    got = reply()
    check("isa-serial: delimited sync over a serial line", got == b'\xff{"return": 31}\n', got)
    os.write(master, b'{"execute": "guest-get-time"}')
    got = reply()
    check("isa-serial: raw mode, one reply per request",
          got.startswith(b'{"return": ') and got.count(b"\n") == 1, got)
finally:
    p.terminate()
    p.wait()
    os.close(slave)
    check("isa-serial: agent exits on SIGTERM", p.returncode == 0, p.returncode)
EOF
run_client "$TMP/serial.py"

check "agent still running after the protocol tests" kill -0 "$QGA_PID"
stop_agent "$QGA_PID"
check_eq "no crash report in the log" "" "$(grep -iE 'sanitizer|runtime error|critical' "$TMP/proto.log")"
done_testing
