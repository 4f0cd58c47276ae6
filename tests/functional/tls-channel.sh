#!/bin/sh
# TLS channels and tls-creds-* objects: x509 (with and without client
# certificates), psk, anon, and the failures users hit (wrong CA, wrong host
# name, wrong key, missing files), through tests/unit/tls-echo; plus a client
# against gnutls-serv when it is installed.
. "$top_srcdir/tests/functional/common.sh"

ECHO=$top_builddir/tests/unit/tls-echo
[ -x "$ECHO" ] || skip_all "tests/unit/tls-echo is not built (make check builds it)"
command -v certtool >/dev/null 2>&1 || skip_all "certtool (gnutls-bin) is not installed"
command -v psktool >/dev/null 2>&1 || skip_all "psktool (gnutls-bin) is not installed"

# ---- credentials ----
mkdir -p "$TMP/ca" "$TMP/ca2" "$TMP/srv" "$TMP/srv-open" "$TMP/cli" "$TMP/cli-nocert" \
    "$TMP/cli-wrongca" "$TMP/cli-wrongca-mix" "$TMP/cli-badca" "$TMP/psk" "$TMP/psk-bad" "$TMP/empty"

key() { certtool --generate-privkey --key-type=ecdsa --outfile "$1" >/dev/null 2>&1; }

make_ca() { # DIR NAME
    key "$1/ca-key.pem"
    printf 'cn = %s\nca\ncert_signing_key\nexpiration_days = 30\n' "$2" >"$1/ca.info"
    certtool --generate-self-signed --load-privkey "$1/ca-key.pem" \
        --template "$1/ca.info" --outfile "$1/ca-cert.pem" >/dev/null 2>&1
}

make_cert() { # CA-DIR OUT-PREFIX TEMPLATE-LINES
    key "$2-key.pem"
    printf '%b' "$3" >"$2.info"
    certtool --generate-certificate --load-privkey "$2-key.pem" \
        --load-ca-certificate "$1/ca-cert.pem" --load-ca-privkey "$1/ca-key.pem" \
        --template "$2.info" --outfile "$2-cert.pem" >/dev/null 2>&1
}

make_ca "$TMP/ca" "Test CA"
make_ca "$TMP/ca2" "Other CA"
make_cert "$TMP/ca" "$TMP/srv/server" \
    'cn = localhost\ndns_name = localhost\nip_address = 127.0.0.1\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 30\n'
make_cert "$TMP/ca" "$TMP/cli/client" \
    'cn = test client\ntls_www_client\nsigning_key\nencryption_key\nexpiration_days = 30\n'
for d in srv srv-open cli cli-nocert; do cp "$TMP/ca/ca-cert.pem" "$TMP/$d/"; done
cp "$TMP/srv/server-cert.pem" "$TMP/srv/server-key.pem" "$TMP/srv-open/"
cp "$TMP/ca2/ca-cert.pem" "$TMP/cli-wrongca/"
cp "$TMP/ca2/ca-cert.pem" "$TMP/cli/client-cert.pem" "$TMP/cli/client-key.pem" "$TMP/cli-wrongca-mix/"
cp "$TMP/srv/server-cert.pem" "$TMP/cli-badca/ca-cert.pem"   # not a CA
check "certificates generated" test -s "$TMP/srv/server-cert.pem" -a -s "$TMP/cli/client-cert.pem"

psktool -u qemu -p "$TMP/psk/keys.psk" >/dev/null 2>&1
psktool -u alice -p "$TMP/psk/keys.psk" >/dev/null 2>&1
psktool -u qemu -p "$TMP/psk-bad/keys.psk" >/dev/null 2>&1
check "psk keys generated" grep -q '^alice:' "$TMP/psk/keys.psk"

X509=tls-creds-x509
SRV_OPEN="$X509,id=srv,endpoint=server,dir=$TMP/srv-open,verify-peer=off"
SRV_AUTH="$X509,id=srv,endpoint=server,dir=$TMP/srv"

# expect_pair DESC EXPECTED-GREP tls-echo-args...: the output must contain the line
expect_pair() {
    desc=$1; want=$2; shift 2
    out=$("$ECHO" pair "$@" 2>&1)
    if printf '%s\n' "$out" | grep -qF -- "$want"; then tap_result 0 "$desc"
    else tap_result 1 "$desc"; printf '%s\n' "$out" | sed 's/^/# /'; fi
}

# ---- x509 ----
check "x509: server without client auth, host name checked" \
    "$ECHO" pair "$SRV_OPEN" "$X509,id=cli,dir=$TMP/cli-nocert" localhost
check "x509: IP address matched against the certificate" \
    "$ECHO" pair "$SRV_OPEN" "$X509,id=cli,dir=$TMP/cli-nocert" 127.0.0.1
check "x509: no host name still checks the chain" \
    "$ECHO" pair "$SRV_OPEN" "$X509,id=cli,dir=$TMP/cli-nocert"
check "x509: verify-peer server accepts a client certificate" \
    "$ECHO" pair "$SRV_AUTH" "$X509,id=cli,dir=$TMP/cli" localhost
check "x509: priority string honoured (TLS 1.2 only)" \
    "$ECHO" pair "$SRV_OPEN,priority=NORMAL:-VERS-ALL:+VERS-TLS1.2" \
    "$X509,id=cli,dir=$TMP/cli-nocert" localhost
check_fails "x509: verify-peer server refuses a client without certificate" \
    "$ECHO" pair "$SRV_AUTH" "$X509,id=cli,dir=$TMP/cli-nocert" localhost
expect_pair "x509: wrong CA is not trusted" "client: error: The peer certificate is not trusted" \
    "$SRV_OPEN" "$X509,id=cli,dir=$TMP/cli-wrongca" localhost
expect_pair "x509: wrong host name" "client: error: Certificate does not match the hostname otherhost" \
    "$SRV_OPEN" "$X509,id=cli,dir=$TMP/cli-nocert" otherhost
check "x509: verify-peer=off client ignores the host name" \
    "$ECHO" pair "$SRV_OPEN" "$X509,id=cli,dir=$TMP/cli-wrongca,verify-peer=off" otherhost
expect_pair "x509: bad priority string" "Unable to set TLS session priority" \
    "$SRV_OPEN,priority=BOGUS" "$X509,id=cli,dir=$TMP/cli-nocert" localhost
expect_pair "x509: endpoint must match the use" \
    "server: error: Expecting TLS credentials with a server endpoint" \
    "$X509,id=srv,dir=$TMP/cli-nocert" "$X509,id=cli,dir=$TMP/cli-nocert"

# A server key encrypted with a password given as a secret object.
mkdir -p "$TMP/srv-pw"
cp "$TMP/srv/server-cert.pem" "$TMP/srv/ca-cert.pem" "$TMP/srv-pw/"
certtool --load-privkey "$TMP/srv/server-key.pem" --to-p8 --password=hunter2 \
    --outfile "$TMP/srv-pw/server-key.pem" >/dev/null 2>&1
check "x509: encrypted server key with passwordid" \
    "$ECHO" --object secret,id=pw,data=hunter2 pair \
    "$X509,id=srv,endpoint=server,dir=$TMP/srv-pw,verify-peer=off,passwordid=pw" \
    "$X509,id=cli,dir=$TMP/cli-nocert" localhost
out=$("$ECHO" --object secret,id=pw,data=wrong create \
    "$X509,id=srv,endpoint=server,dir=$TMP/srv-pw,verify-peer=off,passwordid=pw" 2>&1)
check_eq "x509: wrong key password" \
    "error: Unable to load certificate $TMP/srv-pw/server-cert.pem and key $TMP/srv-pw/server-key.pem" \
    "${out%%: Decryption*}"

# ---- x509 object creation ----
expect_create() {
    desc=$1; want=$2; shift 2
    check_eq "$desc" "$want" "$("$ECHO" create "$1" 2>&1)"
}
expect_create "x509: missing CA file" \
    "error: Unable to access credentials $TMP/empty/ca-cert.pem: No such file or directory" \
    "$X509,id=x,dir=$TMP/empty"
expect_create "x509: server needs its key" \
    "error: Unable to access credentials $TMP/cli/server-cert.pem: No such file or directory" \
    "$X509,id=x,endpoint=server,dir=$TMP/cli"
expect_create "x509: dir is required" "error: Missing 'dir' property value" "$X509,id=x"
expect_create "x509: sanity check rejects a CA file that is no CA" \
    "error: The certificate $TMP/cli-badca/ca-cert.pem basic constraints do not show a CA" \
    "$X509,id=x,dir=$TMP/cli-badca"
expect_create "x509: sanity-check=off loads it anyway" ok \
    "$X509,id=x,dir=$TMP/cli-badca,sanity-check=off"
out=$("$ECHO" create "$X509,id=x,dir=$TMP/cli-wrongca-mix" 2>&1)
check_eq "x509: client certificate from another CA fails the sanity check" \
    "error: The certificate $TMP/cli-wrongca-mix/client-cert.pem is not valid against the CA $TMP/cli-wrongca-mix/ca-cert.pem" \
    "${out%%: The certificate is NOT trusted*}"
expect_create "bad endpoint" "error: Parameter 'endpoint' does not accept value 'peer'" \
    "$X509,id=x,dir=$TMP/cli,endpoint=peer"
expect_create "loaded is read-only" "error: Property 'tls-creds-anon.loaded' is read-only" \
    "tls-creds-anon,id=x,loaded=on"
expect_create "the parent type is abstract" "error: Parameter 'qom-type' does not accept value 'tls-creds'" \
    "tls-creds,id=x"

# ---- psk ----
check "psk: default username" \
    "$ECHO" pair "tls-creds-psk,id=srv,endpoint=server,dir=$TMP/psk" "tls-creds-psk,id=cli,dir=$TMP/psk"
check "psk: other username" \
    "$ECHO" pair "tls-creds-psk,id=srv,endpoint=server,dir=$TMP/psk" \
    "tls-creds-psk,id=cli,dir=$TMP/psk,username=alice"
expect_pair "psk: wrong key fails the handshake" "client: error: TLS handshake failed" \
    "tls-creds-psk,id=srv,endpoint=server,dir=$TMP/psk" "tls-creds-psk,id=cli,dir=$TMP/psk-bad"
expect_create "psk: unknown username" \
    "error: Username bob not found in pre-shared key file $TMP/psk/keys.psk" \
    "tls-creds-psk,id=x,dir=$TMP/psk,username=bob"
expect_create "psk: missing key file" \
    "error: Unable to access credentials $TMP/empty/keys.psk: No such file or directory" \
    "tls-creds-psk,id=x,dir=$TMP/empty"
mkdir -p "$TMP/psk-junk"
printf 'qemu:00ff\nnot a key line\n' >"$TMP/psk-junk/keys.psk"
expect_create "psk: malformed key file refused when loaded" \
    "error: Line 2 of $TMP/psk-junk/keys.psk is not 'username:hexkey'" \
    "tls-creds-psk,id=x,endpoint=server,dir=$TMP/psk-junk"
expect_create "psk: server takes no username" \
    "error: username should not be set when endpoint=server" \
    "tls-creds-psk,id=x,endpoint=server,dir=$TMP/psk,username=qemu"

# ---- anon ----
check "anon: handshake and echo" \
    "$ECHO" pair "tls-creds-anon,id=srv,endpoint=server" "tls-creds-anon,id=cli"
check "shutdown wakes a reader blocked in TLS (x509)" \
    "$ECHO" shutdown "$SRV_OPEN" "$X509,id=cli,dir=$TMP/cli-nocert"
check "shutdown wakes a reader blocked in TLS (anon)" \
    "$ECHO" shutdown "tls-creds-anon,id=srv,endpoint=server" "tls-creds-anon,id=cli"
expect_pair "anon client cannot talk to an x509 server" "client: error: TLS handshake failed" \
    "$SRV_OPEN" "tls-creds-anon,id=cli"

# ---- our server against Python's ssl module (OpenSSL) ----
cat >"$TMP/client.py" <<'PYEOF'
import socket, ssl, sys
port, ca, host = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
if len(sys.argv) > 4:
    ctx.load_cert_chain(sys.argv[4] + "-cert.pem", sys.argv[4] + "-key.pem")
msg = bytes(range(256)) * 64
with socket.create_connection(("127.0.0.1", port)) as raw:
    with ctx.wrap_socket(raw, server_hostname=host) as s:
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
sys.exit(0 if got == msg else 1)
PYEOF

# serve_python DESC SERVER-OBJECT CLIENT-ARGS...: one echo session
serve_python() {
    desc=$1; obj=$2; shift 2
    rm -f "$TMP/port"
    "$ECHO" serve "$obj" >"$TMP/port" 2>&1 &
    pid=$!
    i=0
    until [ -s "$TMP/port" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
    port=$(head -1 "$TMP/port")
    check "$desc (client)" python3 "$TMP/client.py" "$port" "$@"
    wait "$pid"
    check_eq "$desc (server)" "server: ok" "$(tail -1 "$TMP/port")"
}
if command -v python3 >/dev/null 2>&1 && python3 -c 'import ssl' 2>/dev/null; then
    serve_python "python ssl: x509 server" "$SRV_OPEN" "$TMP/ca/ca-cert.pem" localhost
    serve_python "python ssl: x509 server with client certificate" "$SRV_AUTH" \
        "$TMP/ca/ca-cert.pem" localhost "$TMP/cli/client"
else
    for i in 1 2 3 4; do skip "python3 with ssl is not installed"; done
fi

# ---- against GnuTLS's own server ----
if command -v gnutls-serv >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    gnutls-serv --echo -p "$port" -a --x509cafile "$TMP/ca/ca-cert.pem" \
        --x509certfile "$TMP/srv/server-cert.pem" --x509keyfile "$TMP/srv/server-key.pem" \
        --pskpasswd "$TMP/psk/keys.psk" >"$TMP/serv.log" 2>&1 &
    serv=$!
    # Readiness, not timing: wait until it accepts (bounded).
    i=0
    until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" \
        2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
    check "gnutls-serv: x509 client" \
        "$ECHO" connect "$X509,id=cli,dir=$TMP/cli-nocert" "$port" localhost
    check "gnutls-serv: psk client" \
        "$ECHO" connect "tls-creds-psk,id=cli,dir=$TMP/psk" "$port"
    kill "$serv" 2>/dev/null
    wait "$serv" 2>/dev/null
else
    skip "gnutls-serv is not installed"
    skip "gnutls-serv is not installed"
fi

done_testing
