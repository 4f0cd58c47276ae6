#!/bin/sh
# qemu-ga command line and configuration file: help, version, -D dump, file
# versus command line, block/allow lists, bad options, daemon mode, logging.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/qga-common.sh"

: > "$TMP/empty.conf"
GA="$QEMU_GA -c $TMP/empty.conf"

check "--help" sh -c "$GA --help | grep -q -- '--block-rpcs'"
check "-h lists the methods" sh -c "$GA -h | grep -q vsock-listen"
check_eq "-V" "QEMU Guest Agent 7.2.0" "$($GA -V)"

check_eq "-D with defaults" "[general]
daemon=false
method=virtio-serial
pidfile=/var/run/qemu-ga.pid
statedir=/var/run
verbose=false
block-rpcs=
allow-rpcs=" "$($GA -D)"

cat > "$TMP/t.conf" <<'EOF'
# a comment
[general]
daemon=true
method=unix-listen
path=/tmp/from-file.sock
logfile=/tmp/from-file.log
verbose=1
block-rpcs=guest-ping,guest-exec
fsfreeze-hook=/etc/hook
EOF
check_eq "-D shows the config file, command line wins, lists accumulate" "[general]
daemon=true
method=isa-serial
path=/tmp/from-file.sock
logfile=/tmp/from-file.log
pidfile=/tmp/p.pid
fsfreeze-hook=/tmp/h
statedir=/tmp
verbose=true
block-rpcs=guest-ping,guest-exec,guest-info,guest-get-time
allow-rpcs=guest-ping" \
    "$($QEMU_GA -c "$TMP/t.conf" -m isa-serial -f /tmp/p.pid -F/tmp/h -t /tmp \
        -b guest-info -b guest-get-time -a guest-ping -D)"
check_eq "QGA_CONF names the config file" "method=unix-listen" \
    "$(QGA_CONF="$TMP/t.conf" "$QEMU_GA" -D | grep '^method=')"
check_eq "-F without a path uses the default hook" "fsfreeze-hook=/etc/qemu/fsfreeze-hook" \
    "$($GA -F -D | grep '^fsfreeze-hook=')"
check_fails "missing -c file is an error" "$QEMU_GA" -c "$TMP/nope.conf" -D
printf '[general]\ndaemon=perhaps\n' > "$TMP/bad.conf"
check_fails "bad boolean in the config file" "$QEMU_GA" -c "$TMP/bad.conf" -D
check "error names the config file" sh -c "\"$QEMU_GA\" -c \"$TMP/bad.conf\" -D 2>&1 | grep -q 'error loading configuration from path: $TMP/bad.conf'"

check "-b ? lists the commands" sh -c "$GA -b '?' | grep -qx guest-get-osinfo"
check "-a help lists the commands" sh -c "$GA -a help | grep -qx guest-sync"
check_fails "unknown option" $GA --no-such-option
check_fails "unknown method" $GA -m carrier-pigeon
check "unknown method is named" sh -c "$GA -m carrier-pigeon 2>&1 | grep -q 'invalid channel method: carrier-pigeon'"
check_fails "unix-listen needs a path" $GA -m unix-listen
check_fails "relative state directory" $GA -m unix-listen -p "$TMP/x.sock" -t relative/dir
check_fails "missing serial device" $GA -m virtio-serial -p "$TMP/no-such-port" -t "$TMP"
check_fails "bad vsock address" $GA -m vsock-listen -p "nonsense" -t "$TMP"
check_fails "stray argument" $GA -m unix-listen -p "$TMP/x.sock" -t "$TMP" extra

# Block and allow lists.
start_agent lists -b guest-get-time,guest-ping -b guest-info -a guest-ping,guest-get-time,guest-sync,guest-sync-delimited,guest-file-open
cat > "$TMP/lists.py" <<EOF
from qga_client import *
a = Agent("$TMP/lists.sock")
a.sync()
r = a.cmd("guest-get-time")
check("blocked command refused", err_desc(r) ==
      "The command guest-get-time has been disabled for this instance", r)
r = a.cmd("guest-info")
check("-b given twice accumulates", err_class(r) == "GenericError" and "disabled" in err_desc(r), r)
r = a.cmd("guest-get-osinfo")
check("command outside the allow list refused", "disabled" in (err_desc(r) or ""), r)
r = a.cmd("guest-sync", {"id": 3})
check("allowed command works", r == {"return": 3}, r)
EOF
run_client "$TMP/lists.py"
stop_agent "$QGA_PID"

printf '[general]\nblock-rpcs=guest-get-osinfo\n' > "$TMP/block.conf"
mkdir -p "$TMP/b.state"
"$QEMU_GA" -c "$TMP/block.conf" -m unix-listen -p "$TMP/b.sock" -t "$TMP/b.state" &
QGA_PID=$!; QGA_PIDS="$QGA_PIDS $QGA_PID"
cat > "$TMP/block.py" <<EOF
from qga_client import *
a = Agent("$TMP/b.sock")
a.sync()
r = a.cmd("guest-get-osinfo")
check("block-rpcs from the config file", "disabled" in (err_desc(r) or ""), r)
info = {c["name"]: c["enabled"] for c in a.cmd("guest-info")["return"]["supported_commands"]}
check("guest-info reports it disabled", info["guest-get-osinfo"] is False and info["guest-ping"], info)
EOF
run_client "$TMP/block.py"
stop_agent "$QGA_PID"

# Daemon mode with a pid file; logging with -v.
mkdir -p "$TMP/d.state"
check "-d returns once the agent is ready" $GA -d -m unix-listen -p "$TMP/d.sock" \
    -t "$TMP/d.state" -f "$TMP/d.pid" -l "$TMP/d.log" -v
i=0
while [ ! -s "$TMP/d.pid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
DPID=$(cat "$TMP/d.pid" 2>/dev/null)
QGA_PIDS="$QGA_PIDS $DPID"
check "pid file names a running agent" kill -0 "$DPID"
check_fails "a second agent cannot take the same pid file" $GA -m unix-listen \
    -p "$TMP/d2.sock" -t "$TMP/d.state" -f "$TMP/d.pid"
cat > "$TMP/daemon.py" <<EOF
from qga_client import *
a = Agent("$TMP/d.sock")
r = a.sync(5)
check("daemonized agent answers", r == {"return": 5}, r)
EOF
run_client "$TMP/daemon.py"
kill "$DPID"
i=0
while [ -e "$TMP/d.pid" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
check_fails "pid file removed on SIGTERM" test -e "$TMP/d.pid"
check "verbose log records commands" grep -q 'debug: executing command guest-sync-delimited' "$TMP/d.log"
done_testing
