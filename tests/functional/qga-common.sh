# Helpers for the qemu-ga functional tests (sourced after common.sh, not a test
# itself): start and stop an agent on a unix socket in $TMP, and run Python
# client scripts that talk to it as a host tool does.
QEMU_GA=$top_builddir/qga/qemu-ga
[ -x "$QEMU_GA" ] || skip_all "qemu-ga is not built"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

QGA_PIDS=""
trap 'for p in $QGA_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# start_agent NAME [ARGS...]: agent on $TMP/NAME.sock with state in $TMP/NAME.state;
# sets QGA_PID. An empty config file keeps /etc/qemu/qemu-ga.conf out of the way.
start_agent() {
    name=$1; shift
    mkdir -p "$TMP/$name.state"
    [ -f "$TMP/empty.conf" ] || : > "$TMP/empty.conf"
    rm -f "$TMP/$name.sock"
    "$QEMU_GA" -c "$TMP/empty.conf" -m unix-listen -p "$TMP/$name.sock" \
        -t "$TMP/$name.state" -l "$TMP/$name.log" "$@" &
    QGA_PID=$!
    QGA_PIDS="$QGA_PIDS $QGA_PID"
    i=0
    while [ ! -S "$TMP/$name.sock" ] && [ $i -lt 200 ]; do
        kill -0 "$QGA_PID" 2>/dev/null || break
        sleep 0.05; i=$((i + 1))
    done
    [ -S "$TMP/$name.sock" ]
}

stop_agent() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# Python prelude: Agent(path) with send(), reply(), cmd(), sync(); and
# check(desc, cond, detail) printing "PASS desc" / "FAIL desc: detail".
cat > "$TMP/qga_client.py" <<'EOF'
import base64, json, os, socket, sys, time

class Agent:
    def __init__(self, path):
        self.path = path
        self.connect()

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        for _ in range(200):
            try:
                self.sock.connect(self.path)
                break
            except OSError:
                time.sleep(0.05)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        if not isinstance(data, bytes):
            data = json.dumps(data).encode()
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("agent closed the connection")
            self.buf += chunk
        l, self.buf = self.buf.split(b"\n", 1)
        return l

    def reply(self):
        l = self.line()
        if l.startswith(b"\xff"):
            l = l[1:]
        return json.loads(l)

    def cmd(self, name, args=None, **extra):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        req.update(extra)
        self.send(req)
        return self.reply()

    def sync(self, n=4242):
        self.send(b"\xff")
        r = self.cmd("guest-sync-delimited", {"id": n})
        while r.get("return") != n:
            r = self.reply()
        return r

failures = 0
def check(desc, cond, detail=""):
    global failures
    if cond:
        print("PASS " + desc)
    else:
        failures += 1
        print("FAIL " + desc + ": " + str(detail).replace("\n", " ")[:500])
    sys.stdout.flush()

def err_desc(r):
    return r.get("error", {}).get("desc")

def err_class(r):
    return r.get("error", {}).get("class")

def b64(s):
    return base64.b64encode(s if isinstance(s, bytes) else s.encode()).decode()

def unb64(s):
    return base64.b64decode(s)
EOF

# run_client SCRIPT-FILE: run a client script; turn its PASS/FAIL lines into TAP.
run_client() {
    out=$(PYTHONPATH="$TMP" python3 "$1" 2>&1)
    rc=$?
    saw=0
    while IFS= read -r line; do
        case $line in
            PASS\ *) tap_result 0 "${line#PASS }"; saw=1 ;;
            FAIL\ *) tap_result 1 "${line#FAIL }"; saw=1 ;;
            *) echo "# $line" ;;
        esac
    done <<EOT
$out
EOT
    if [ $rc -ne 0 ]; then
        tap_result 1 "client script $(basename "$1") exited with status $rc"
    elif [ $saw -eq 0 ]; then
        tap_result 1 "client script $(basename "$1") reported nothing"
    fi
}
