#!/bin/sh
# qemu-ga system commands. Read-only ones run against this machine; the ones
# that change it (vCPUs, memory, suspend, shutdown, clock, passwords, ssh keys,
# fs freeze, fstrim) run against a fake root (QGA_TEST_ROOT) with fake sysfs
# files and fake helper programs, so the test machine is never touched.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/qga-common.sh"

# ---- read-only commands on the real system ----
start_agent real || { tap_result 1 "agent starts"; done_testing; exit 1; }
cat > "$TMP/real.py" <<EOF
from qga_client import *
import glob, re
a = Agent("$TMP/real.sock")
a.sync()

r = a.cmd("guest-get-osinfo")["return"]
check("osinfo kernel-release is uname -r", r.get("kernel-release") == os.uname().release, r)
check("osinfo machine is uname -m", r.get("machine") == os.uname().machine, r)
osrel = {}
for path in ("/etc/os-release", "/usr/lib/os-release"):
    if os.path.exists(path):
        for l in open(path):
            m = re.match(r'^([A-Z_]+)=(.*)$', l.strip())
            if m:
                osrel[m.group(1)] = m.group(2).strip('"').strip("'")
        break
check("osinfo id from os-release", r.get("id") == osrel.get("ID"), (r, osrel.get("ID")))

r = a.cmd("guest-get-host-name")
check("host name", r == {"return": {"host-name": socket.gethostname()}}, r)
r = a.cmd("guest-get-time")["return"]
check("guest time is the system time (within 5 minutes)", abs(r / 1e9 - time.time()) < 300, r)
r = a.cmd("guest-get-timezone")["return"]
check("time zone offset", r.get("offset") == time.localtime().tm_gmtoff, r)
r = a.cmd("guest-get-users")["return"]
check("users is a list of user/login-time", isinstance(r, list) and all(
    isinstance(u.get("user"), str) and isinstance(u.get("login-time"), (int, float)) for u in r), r)

cpus = [d for d in os.listdir("/sys/devices/system/cpu") if re.match(r"^cpu[0-9]+$", d)]
r = a.cmd("guest-get-vcpus")["return"]
check("one vcpu entry per sysfs cpu", sorted(c["logical-id"] for c in r) ==
      sorted(int(c[3:]) for c in cpus), r)
r = a.cmd("guest-get-load")["return"]
check("load averages", all(isinstance(r.get(k), (int, float)) and r[k] >= 0
                           for k in ("load1m", "load5m", "load15m")), r)
statcpus = [l.split()[0] for l in open("/proc/stat") if re.match(r"^cpu[0-9]+ ", l)]
r = a.cmd("guest-get-cpustats")["return"]
check("one cpustats entry per /proc/stat cpu line", len(r) == len(statcpus) and
      all(c["type"] == "linux" and "user" in c and "idle" in c for c in r), r[:2])
def diskstat_names():
    return [l.split()[2] for l in open("/proc/diskstats") if len(l.split()) >= 14]
before = diskstat_names()
r = a.cmd("guest-get-diskstats")["return"]
# Other programs may add block devices meanwhile: match the list before or after.
check("diskstats names", [d["name"] for d in r] in (before, diskstat_names()), r[:2])
r = a.cmd("guest-network-get-interfaces")["return"]
lo = [i for i in r if i["name"] == "lo"]
check("loopback interface with 127.0.0.1/8", lo and {"ip-address": "127.0.0.1",
      "ip-address-type": "ipv4", "prefix": 8} in lo[0].get("ip-addresses", []), lo)
check("interface statistics", lo and "rx-bytes" in lo[0].get("statistics", {}), lo)
mounts = set(l.split()[4] for l in open("/proc/self/mountinfo"))
r = a.cmd("guest-get-fsinfo")["return"]
mounts |= set(l.split()[4] for l in open("/proc/self/mountinfo"))
check("fsinfo entries are mounted filesystems", isinstance(r, list) and all(
    f["mountpoint"] in mounts and isinstance(f["disk"], list) and f["type"] for f in r), r[:2])
r = a.cmd("guest-get-disks")["return"]
check("disks are /dev nodes", isinstance(r, list) and all(
    d["name"].startswith("/dev/") and isinstance(d["partition"], bool) for d in r), r[:2])
if os.path.exists("/sys/devices/system/memory/block_size_bytes"):
    r = a.cmd("guest-get-memory-block-info")
    want = int(open("/sys/devices/system/memory/block_size_bytes").read(), 16)
    check("memory block size", r == {"return": {"size": want}}, r)
r = a.cmd("guest-fsfreeze-status")
check("filesystems are thawed", r == {"return": "thawed"}, r)
r = a.cmd("guest-shutdown", {"mode": "sideways"})
check("bad shutdown mode refused before anything runs",
      err_desc(r) == "Parameter 'mode' expects 'halt', 'powerdown' or 'reboot'", r)
r = a.cmd("guest-set-time", {"time": "now"})
check("mistyped time", err_desc(r) == "Invalid parameter type for 'time', expected: integer", r)
r = a.cmd("guest-set-user-password", {"username": "root", "password": "x"})
check("password without crypted", err_desc(r) == "Parameter 'crypted' is missing", r)
r = a.cmd("guest-ssh-get-authorized-keys", {"username": "no-such-user-qga"})
check("ssh keys of an unknown user", err_desc(r) == "failed to lookup user 'no-such-user-qga'", r)
EOF
run_client "$TMP/real.py"
stop_agent "$QGA_PID"

# ---- a fake root for everything that changes the machine ----
R=$TMP/root
mkdir -p "$R/sys/devices/system/cpu/cpu0" "$R/sys/devices/system/cpu/cpu1" \
    "$R/sys/devices/system/cpu/cpu2" "$R/sys/devices/system/memory/memory0" \
    "$R/sys/devices/system/memory/memory1" "$R/sys/devices/system/memory/memory2" \
    "$R/sys/power" "$R/sbin" "$R/usr/sbin" "$R/proc/self" "$R/etc"
echo 1 > "$R/sys/devices/system/cpu/cpu1/online"
echo 0 > "$R/sys/devices/system/cpu/cpu2/online"
echo 8000000 > "$R/sys/devices/system/memory/block_size_bytes"
echo online > "$R/sys/devices/system/memory/memory0/state"
echo 0 > "$R/sys/devices/system/memory/memory0/removable"
echo online > "$R/sys/devices/system/memory/memory1/state"
echo 1 > "$R/sys/devices/system/memory/memory1/removable"
echo "freeze mem" > "$R/sys/power/state"
cat > "$R/etc/os-release" <<'EOF'
NAME="Fake OS"
ID=fakeos
PRETTY_NAME="Fake OS 1.0 \"Test\""
VERSION_ID='1.0'
EOF
echo "36 1 8:1 / /qga-test-no-such-mount rw - ext4 /dev/sdz1 rw" > "$R/proc/self/mountinfo"
for prog in sbin/shutdown sbin/hwclock usr/sbin/chpasswd; do
    cat > "$R/$prog" <<EOF
#!/bin/sh
[ -e "$R/fail" ] && exit 1
echo "\$*" > "$R/$(basename $prog).args"
cat > "$R/$(basename $prog).stdin"
exit 0
EOF
    chmod +x "$R/$prog"
done
cat > "$TMP/hook.sh" <<EOF
#!/bin/sh
echo "\$1" >> "$TMP/hook.log"
EOF
chmod +x "$TMP/hook.sh"

export QGA_TEST_ROOT="$R"
start_agent fake "-F$TMP/hook.sh" || tap_result 1 "agent with a fake root starts"
unset QGA_TEST_ROOT

cat > "$TMP/fake.py" <<EOF
from qga_client import *
a = Agent("$TMP/fake.sock")
a.sync()
R = "$R"
def rd(p):
    try:
        return open(R + p).read()
    except OSError:
        return None

r = a.cmd("guest-get-osinfo")["return"]
check("os-release values unquoted", r.get("id") == "fakeos" and r.get("pretty-name") ==
      'Fake OS 1.0 "Test"' and r.get("version-id") == "1.0" and r.get("name") == "Fake OS", r)

r = a.cmd("guest-get-vcpus")
check("vcpus from sysfs", r == {"return": [
    {"logical-id": 0, "online": True, "can-offline": False},
    {"logical-id": 1, "online": True, "can-offline": True},
    {"logical-id": 2, "online": False, "can-offline": True}]}, r)
r = a.cmd("guest-set-vcpus", {"vcpus": [{"logical-id": 2, "online": True}]})
check("vcpu onlined", r == {"return": 1} and rd("/sys/devices/system/cpu/cpu2/online").strip() == "1", r)
r = a.cmd("guest-set-vcpus", {"vcpus": [{"logical-id": 1, "online": False},
                                        {"logical-id": 0, "online": False}]})
check("partial success counts processed nodes",
      r == {"return": 1} and rd("/sys/devices/system/cpu/cpu1/online").strip() == "0", r)
r = a.cmd("guest-set-vcpus", {"vcpus": [{"logical-id": 0, "online": False}]})
check("failure on the first node is an error",
      err_desc(r) == "logical processor #0 can't be offlined", r)
r = a.cmd("guest-set-vcpus", {"vcpus": [{"logical-id": 9, "online": True}]})
check("unknown vcpu", err_desc(r) == "logical processor #9 does not exist", r)
r = a.cmd("guest-set-vcpus", {"vcpus": []})
check("empty vcpu list", r == {"return": 0}, r)
r = a.cmd("guest-set-vcpus", {"vcpus": [{"logical-id": 1, "online": True}, {"logical-id": "x", "online": True}]})
check("nested type error", err_desc(r) ==
      "Invalid parameter type for 'vcpus[1].logical-id', expected: integer", r)
check("nothing changed on a bad request", rd("/sys/devices/system/cpu/cpu1/online").strip() == "0")
r = a.cmd("guest-set-vcpus", {"vcpus": [{"logical-id": 1}]})
check("nested missing member", err_desc(r) == "Parameter 'vcpus[0].online' is missing", r)
r = a.cmd("guest-set-vcpus", {"vcpus": [3]})
check("list element type", err_desc(r) == "Invalid parameter type for 'vcpus[0]', expected: object", r)

r = a.cmd("guest-get-memory-blocks")
check("memory blocks", r == {"return": [
    {"phys-index": 0, "online": True, "can-offline": False},
    {"phys-index": 1, "online": True, "can-offline": True},
    {"phys-index": 2, "online": True, "can-offline": False}]}, r)
r = a.cmd("guest-set-memory-blocks", {"mem-blks": [{"phys-index": 1, "online": False},
    {"phys-index": 7, "online": True}, {"phys-index": 2, "online": False}]})
check("memory block responses", r == {"return": [
    {"phys-index": 1, "response": "success"}, {"phys-index": 7, "response": "not-found"},
    {"phys-index": 2, "response": "operation-not-supported"}]}, r)
check("memory block offlined", rd("/sys/devices/system/memory/memory1/state").strip() == "offline")
r = a.cmd("guest-set-memory-blocks", {"mem-blks": [{"phys-index": -1, "online": True}]})
check("negative phys-index refused", err_desc(r) ==
      "Invalid parameter type for 'mem-blks[0].phys-index', expected: integer", r)
r = a.cmd("guest-get-memory-block-info")
check("memory block size from hex", r == {"return": {"size": 134217728}}, r)

for mode in ("disk", "hybrid"):
    r = a.cmd("guest-suspend-" + mode)
    check("suspend-%s unsupported" % mode, err_class(r) == "GenericError" and
          err_desc(r) == "the requested suspend mode is not supported by the guest", r)
a.send({"execute": "guest-suspend-ram"})
r = a.cmd("guest-sync", {"id": 11})
check("suspend-ram sends no reply", r == {"return": 11}, r)
check("suspend-ram writes mem to /sys/power/state", rd("/sys/power/state") == "mem")

a.send({"execute": "guest-shutdown"})
r = a.cmd("guest-sync", {"id": 12})
check("shutdown sends no reply", r == {"return": 12}, r)
check("shutdown powers down", rd("/shutdown.args") == "-P +0 hypervisor initiated shutdown\n",
      rd("/shutdown.args"))
for mode, flag in (("reboot", "-r"), ("halt", "-H"), ("powerdown", "-P")):
    a.send({"execute": "guest-shutdown", "arguments": {"mode": mode}})
    a.sync()
    check("shutdown mode " + mode, (rd("/shutdown.args") or "").startswith(flag + " +0"),
          rd("/shutdown.args"))
open(R + "/fail", "w").close()
r = a.cmd("guest-shutdown", {"mode": "reboot"})
check("failed shutdown is reported", err_desc(r) == "child process has failed to shutdown", r)
r = a.cmd("guest-set-user-password", {"username": "root", "password": b64("x"), "crypted": False})
check("failed chpasswd is reported", err_desc(r) == "child process has failed to set user password", r)

r = a.cmd("guest-set-time", {"time": 1700000000123456789})
check("set-time with hwclock failing", err_desc(r) ==
      "hwclock failed to set hardware clock to system time", r)
os.unlink(R + "/fail")
r = a.cmd("guest-set-time", {"time": 1700000000123456789})
check("set-time succeeds", r == {"return": {}}, r)
check("time recorded instead of set", rd("/settimeofday") == "1700000000123456789\n",
      rd("/settimeofday"))
check("hwclock -w after setting the time", rd("/hwclock.args") == "-w\n", rd("/hwclock.args"))
r = a.cmd("guest-set-time")
check("set-time without time reads the RTC", r == {"return": {}} and rd("/hwclock.args") == "-s\n", r)

r = a.cmd("guest-set-user-password", {"username": "root", "password": b64("s3cr3t"), "crypted": False})
check("set-user-password", r == {"return": {}} and rd("/chpasswd.stdin") == "root:s3cr3t\n"
      and rd("/chpasswd.args") == "\n", (r, rd("/chpasswd.stdin"), rd("/chpasswd.args")))
r = a.cmd("guest-set-user-password", {"username": "root", "password": b64("\$6\$x"), "crypted": True})
check("crypted password uses chpasswd -e", r == {"return": {}} and rd("/chpasswd.args") == "-e\n", r)
r = a.cmd("guest-set-user-password", {"username": "root", "password": b64("a\nb"), "crypted": False})
check("newline in password refused", err_desc(r) == "forbidden characters in raw password", r)
r = a.cmd("guest-set-user-password", {"username": "ro:ot", "password": b64("x"), "crypted": False})
check("colon in user name refused", err_desc(r) == "forbidden characters in username", r)
r = a.cmd("guest-set-user-password", {"username": "root", "password": "%%%", "crypted": False})
check("bad base64 password refused", err_desc(r) == "Base64 data contains invalid characters", r)

import pwd
home = R + pwd.getpwnam("root").pw_dir
k1, k2, k3 = "ssh-rsa AAAAB3 one@host", "ssh-ed25519 AAAAC3 two@host", "ssh-ed25519 AAAAC4 three"
r = a.cmd("guest-ssh-get-authorized-keys", {"username": "root"})
check("no authorized_keys file yet", "failed to read" in (err_desc(r) or ""), r)
r = a.cmd("guest-ssh-add-authorized-keys", {"username": "root", "keys": [k1, k2]})
check("add keys", r == {"return": {}}, r)
path = home + "/.ssh/authorized_keys"
check("authorized_keys written", open(path).read() == k1 + "\n" + k2 + "\n")
check("authorized_keys mode 0600", (os.stat(path).st_mode & 0o777) == 0o600, oct(os.stat(path).st_mode))
check(".ssh mode 0700", (os.stat(home + "/.ssh").st_mode & 0o777) == 0o700)
with open(path, "a") as f:
    f.write("# a comment\n")
r = a.cmd("guest-ssh-add-authorized-keys", {"username": "root", "keys": [k2, k3]})
r = a.cmd("guest-ssh-get-authorized-keys", {"username": "root"})
check("duplicates not added, comments not listed", r == {"return": {"keys": [k1, k2, k3]}}, r)
r = a.cmd("guest-ssh-remove-authorized-keys", {"username": "root", "keys": [k2, "ssh-rsa notthere"]})
check("remove keys", r == {"return": {}} and open(path).read() ==
      k1 + "\n# a comment\n" + k3 + "\n", open(path).read())
r = a.cmd("guest-ssh-add-authorized-keys", {"username": "root", "keys": [k2], "reset": True})
check("reset replaces every key", r == {"return": {}} and open(path).read() == k2 + "\n")
r = a.cmd("guest-ssh-add-authorized-keys", {"username": "root", "keys": [""]})
check("empty key refused", err_desc(r) == "invalid OpenSSH public key: ''", r)
r = a.cmd("guest-ssh-add-authorized-keys", {"username": "root", "keys": ["a\nb"]})
check("multi-line key refused", (err_desc(r) or "").startswith("invalid OpenSSH public key"), r)
r = a.cmd("guest-ssh-add-authorized-keys", {"username": "root", "keys": "k"})
check("keys must be a list", err_desc(r) == "Invalid parameter type for 'keys', expected: array", r)

r = a.cmd("guest-get-fsinfo")
check("fsinfo from mountinfo", r == {"return": [{"name": "sdz1", "mountpoint":
      "/qga-test-no-such-mount", "type": "ext4", "disk": []}]}, r)
r = a.cmd("guest-fsfreeze-freeze")
check("freeze error names the mount point", err_desc(r) ==
      "failed to open /qga-test-no-such-mount: No such file or directory", r)
r = a.cmd("guest-fsfreeze-status")
check("still thawed after a failed freeze", r == {"return": "thawed"}, r)
check("hook ran for freeze and thaw", open("$TMP/hook.log").read() == "freeze\nthaw\n",
      open("$TMP/hook.log").read())
r = a.cmd("guest-fsfreeze-freeze-list", {"mountpoints": ["/not-a-mount"]})
check("freeze-list of unknown mount points freezes nothing", r == {"return": 0}, r)
r = a.cmd("guest-fsfreeze-status")
check("thawed when nothing was frozen", r == {"return": "thawed"}, r)
r = a.cmd("guest-fsfreeze-freeze-list", {"mountpoints": [1]})
check("freeze-list element type", err_desc(r) ==
      "Invalid parameter type for 'mountpoints[0]', expected: string", r)
r = a.cmd("guest-fsfreeze-thaw")
check("thaw with nothing frozen", r == {"return": 0}, r)
r = a.cmd("guest-fstrim", {"minimum": 4096})
check("fstrim reports per path", r == {"return": {"paths": [{"path": "/qga-test-no-such-mount",
      "error": "failed to open: No such file or directory"}]}}, r)
EOF
run_client "$TMP/fake.py"
stop_agent "$QGA_PID"

# An agent that finds the freeze marker starts frozen: only the whitelist works.
mkdir -p "$TMP/frozen.state"
: > "$TMP/frozen.state/qga.state.isfrozen"
export QGA_TEST_ROOT="$R"
start_agent frozen
unset QGA_TEST_ROOT
cat > "$TMP/frozen.py" <<EOF
from qga_client import *
a = Agent("$TMP/frozen.sock")
a.sync()
r = a.cmd("guest-fsfreeze-status")
check("starts frozen when the marker exists", r == {"return": "frozen"}, r)
r = a.cmd("guest-get-time")
check("non-whitelisted command disabled while frozen",
      err_desc(r) == "The command guest-get-time has been disabled for this instance", r)
info = {c["name"]: c["enabled"] for c in a.cmd("guest-info")["return"]["supported_commands"]}
check("guest-info shows the disabled commands", info["guest-get-time"] is False and
      info["guest-ping"] is True and info["guest-fsfreeze-thaw"] is True, info)
r = a.cmd("guest-fsfreeze-thaw")
check("thaw", r == {"return": 0}, r)
r = a.cmd("guest-get-time")
check("commands enabled again after thaw", isinstance(r.get("return"), int), r)
check("freeze marker removed", not os.path.exists("$TMP/frozen.state/qga.state.isfrozen"))
EOF
run_client "$TMP/frozen.py"
stop_agent "$QGA_PID"
done_testing
