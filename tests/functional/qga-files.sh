#!/bin/sh
# qemu-ga guest-file-* and guest-exec*: data round trips, handle misuse, count
# limits, handle numbering kept across restarts, process output capture.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/qga-common.sh"

start_agent files || { tap_result 1 "agent starts"; done_testing; exit 1; }
printf 'hello, agent\n' > "$TMP/in.txt"

cat > "$TMP/files.py" <<EOF
from qga_client import *
a = Agent("$TMP/files.sock")
a.sync()
T = "$TMP"

r = a.cmd("guest-file-open", {"path": T + "/in.txt"})
h = r.get("return")
check("open for reading gives an integer handle", isinstance(h, int) and h >= 1000, r)
r = a.cmd("guest-file-read", {"handle": h})
check("read returns the content", r.get("return", {}).get("buf-b64") == b64("hello, agent\n")
      and r["return"]["count"] == 13 and r["return"]["eof"] is True, r)
r = a.cmd("guest-file-seek", {"handle": h, "offset": 7, "whence": "set"})
check("seek by name", r == {"return": {"position": 7, "eof": False}}, r)
r = a.cmd("guest-file-read", {"handle": h, "count": 5})
check("read after seek", r.get("return", {}).get("buf-b64") == b64("agent")
      and r["return"]["eof"] is False, r)
r = a.cmd("guest-file-seek", {"handle": h, "offset": -3, "whence": 2})
check("seek by number from the end", r.get("return", {}).get("position") == 10, r)
r = a.cmd("guest-file-seek", {"handle": h, "offset": 0, "whence": 7})
check("bad whence number", err_desc(r) == "invalid whence code 7", r)
r = a.cmd("guest-file-seek", {"handle": h, "offset": 0, "whence": "middle"})
check("bad whence name", err_desc(r) == "Parameter 'whence' does not accept value 'middle'", r)
r = a.cmd("guest-file-read", {"handle": h, "count": 48 * 1024 * 1024 + 1})
check("read over 48 MiB refused", err_desc(r) == "value '50331649' is invalid for argument count", r)
r = a.cmd("guest-file-read", {"handle": h, "count": -1})
check("negative read count refused", err_desc(r) == "value '-1' is invalid for argument count", r)
r = a.cmd("guest-file-write", {"handle": h, "buf-b64": b64("x")})
check("write to a read-only handle fails", "failed to write to file" in (err_desc(r) or ""), r)
r = a.cmd("guest-file-close", {"handle": h})
check("close", r == {"return": {}}, r)
for c, extra in (("guest-file-read", {}), ("guest-file-close", {}), ("guest-file-flush", {}),
                 ("guest-file-write", {"buf-b64": ""}),
                 ("guest-file-seek", {"offset": 0, "whence": 0})):
    args = {"handle": h}
    args.update(extra)
    r = a.cmd(c, args)
    check(c + " on a closed handle", err_desc(r) == "handle '%d' has not been found" % h, r)
r = a.cmd("guest-file-read", {"handle": 123456})
check("unknown handle", err_desc(r) == "handle '123456' has not been found", r)

r = a.cmd("guest-file-open", {"path": T + "/out.bin", "mode": "w+"})
w = r.get("return")
check("open for writing", isinstance(w, int) and w > h, r)
data = bytes(range(256)) * 40
r = a.cmd("guest-file-write", {"handle": w, "buf-b64": b64(data)})
check("write binary data", r == {"return": {"count": len(data), "eof": False}}, r)
r = a.cmd("guest-file-write", {"handle": w, "buf-b64": b64("abcdef"), "count": 3})
check("write a prefix with count", r.get("return", {}).get("count") == 3, r)
r = a.cmd("guest-file-write", {"handle": w, "buf-b64": b64("ab"), "count": 3})
check("count beyond the data refused", err_desc(r) == "value '3' is invalid for argument count", r)
r = a.cmd("guest-file-write", {"handle": w, "buf-b64": "not base64!"})
check("invalid base64 refused", err_desc(r) == "Base64 data contains invalid characters", r)
r = a.cmd("guest-file-write", {"handle": w, "buf-b64": "QQ==\u0000"})
check("NUL inside base64 refused", err_desc(r) == "Base64 data contains embedded NUL characters", r)
r = a.cmd("guest-file-flush", {"handle": w})
check("flush", r == {"return": {}}, r)
r = a.cmd("guest-file-seek", {"handle": w, "offset": 0, "whence": "set"})
r = a.cmd("guest-file-read", {"handle": w, "count": 100000})
check("read back what was written", r.get("return", {}).get("buf-b64") == b64(data + b"abc"), r.get("return", {}).get("count"))
a.cmd("guest-file-close", {"handle": w})
check("file content on disk", open(T + "/out.bin", "rb").read() == data + b"abc")

r = a.cmd("guest-file-open", {"path": T + "/app.txt", "mode": "a"})
ah = r["return"]
a.cmd("guest-file-write", {"handle": ah, "buf-b64": b64("one\n")})
a.cmd("guest-file-close", {"handle": ah})
ah = a.cmd("guest-file-open", {"path": T + "/app.txt", "mode": "ab"})["return"]
a.cmd("guest-file-write", {"handle": ah, "buf-b64": b64("two\n")})
a.cmd("guest-file-close", {"handle": ah})
check("append mode appends", open(T + "/app.txt").read() == "one\ntwo\n")

r = a.cmd("guest-file-open", {"path": T + "/missing/file"})
check("open of a missing file", (err_desc(r) or "").startswith("failed to open file '" + T + "/missing/file' (mode: 'r')"), r)
r = a.cmd("guest-file-open", {"path": T + "/in.txt", "mode": "rw"})
check("invalid open mode", err_desc(r) == "invalid file open mode 'rw'", r)
r = a.cmd("guest-file-open", {"path": 5})
check("mistyped path", err_desc(r) == "Invalid parameter type for 'path', expected: string", r)
open("$TMP/last_handle", "w").write(str(a.cmd("guest-file-open", {"path": T + "/in.txt"})["return"]))

# guest-exec
def wait_exec(pid):
    for _ in range(400):
        r = a.cmd("guest-exec-status", {"pid": pid})
        if r.get("return", {}).get("exited"):
            return r
        time.sleep(0.025)
    return r

r = a.cmd("guest-exec", {"path": "/bin/sh", "arg": ["-c", "echo out; echo err >&2; exit 3"],
                         "capture-output": True})
pid = r.get("return", {}).get("pid")
check("guest-exec returns a pid", isinstance(pid, int) and pid > 0, r)
r = wait_exec(pid)["return"]
check("exit code", r.get("exitcode") == 3, r)
check("stdout captured", unb64(r.get("out-data", "")) == b"out\n", r)
check("stderr captured", unb64(r.get("err-data", "")) == b"err\n", r)
check("no truncation flags", "out-truncated" not in r and "err-truncated" not in r, r)
r = a.cmd("guest-exec-status", {"pid": pid})
check("status of a reaped process", err_desc(r) == "Invalid parameter 'pid'", r)

r = a.cmd("guest-exec", {"path": "cat", "input-data": b64("from stdin"), "capture-output": "stdout"})
r = wait_exec(r["return"]["pid"])["return"]
check("input-data reaches stdin", unb64(r.get("out-data", "")) == b"from stdin" and "err-data" not in r, r)

r = a.cmd("guest-exec", {"path": "/bin/sh", "arg": ["-c", "echo \$FOO; echo e >&2"],
                         "env": ["FOO=bar"], "capture-output": "merged"})
r = wait_exec(r["return"]["pid"])["return"]
check("env and merged output", unb64(r.get("out-data", "")) == b"bar\ne\n", r)

r = a.cmd("guest-exec", {"path": "/bin/sh", "arg": ["-c", "kill -9 \$\$"]})
r = wait_exec(r["return"]["pid"])["return"]
check("killed process reports the signal", r.get("signal") == 9 and "exitcode" not in r
      and "out-data" not in r, r)

r = a.cmd("guest-exec", {"path": "/bin/sh", "arg": ["-c", "head -c 17000000 /dev/zero"],
                         "capture-output": True})
r = wait_exec(r["return"]["pid"])["return"]
check("output over 16 MiB is truncated", r.get("out-truncated") is True
      and len(unb64(r["out-data"])) == 16 * 1024 * 1024, {k: v for k, v in r.items() if k != "out-data"})

r = a.cmd("guest-exec", {"path": T + "/no/such/program"})
check("missing program", (err_desc(r) or "").startswith("Guest agent command failed"), r)
r = a.cmd("guest-exec", {"path": "true", "arg": ["ok", 3]})
check("mistyped arg element", err_desc(r) == "Invalid parameter type for 'arg[1]', expected: string", r)
r = a.cmd("guest-exec", {"path": "true", "capture-output": "all"})
check("bad capture mode", err_desc(r) == "Parameter 'capture-output' does not accept value 'all'", r)
r = a.cmd("guest-exec", {"path": "true", "input-data": "@@@"})
check("bad input-data", err_desc(r) == "Base64 data contains invalid characters", r)
r = a.cmd("guest-exec-status", {"pid": 999999999})
check("unknown pid", err_desc(r) == "Invalid parameter 'pid'", r)
EOF
run_client "$TMP/files.py"
stop_agent "$QGA_PID"

# Handles are never reused, even across restarts (counter kept in the state dir).
start_agent files
cat > "$TMP/files2.py" <<EOF
from qga_client import *
a = Agent("$TMP/files.sock")
a.sync()
last = int(open("$TMP/last_handle").read())
r = a.cmd("guest-file-open", {"path": "$TMP/in.txt"})
check("handle numbers continue after a restart", r.get("return") == last + 1, (last, r))
EOF
run_client "$TMP/files2.py"
check "state file records the counter" grep -q '^fd_counter=' "$TMP/files.state/qga.state"
stop_agent "$QGA_PID"
done_testing
