#!/bin/sh
# Our NBD client (the nbd block driver, driven through our qemu-img) against
# Debian's qemu-nbd and nbdkit: info, map (equal to Debian's qemu-img map on
# the same URI), convert from and to NBD, compare, every way to name an
# export (URIs over unix and TCP, --image-opts, the legacy nbd: syntax), errors
# (read-only export, unknown export, refused options), and TLS (X.509, PSK).
. "$top_srcdir/tests/functional/common.sh"
[ -x "$QEMU_IMG" ] || skip_all "qemu-img not built"
need_ref_qemu_img
QEMU_NBD=/usr/bin/qemu-nbd
[ -x "$QEMU_NBD" ] || skip_all "Debian's qemu-nbd (qemu-utils) is not installed"
cd "$TMP"
Q=$QEMU_IMG
R=$REF_QEMU_IMG

PIDS=""
stop_servers() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    PIDS=""
}
trap 'stop_servers; rm -rf "$TMP"' EXIT

# qnbd SOCKET-OR-PORT ARGS...: start Debian's qemu-nbd in the background (it
# forks once the socket listens); a number means TCP on 127.0.0.1.
qnbd() {
    where=$1; shift
    case $where in
        [0-9]*) addr="-b 127.0.0.1 -p $where";;
        *) addr="-k $where";;
    esac
    pidf=$TMP/qnbd.$$.$(date +%s%N).pid
    # shellcheck disable=SC2086
    "$QEMU_NBD" $addr --fork --pid-file "$pidf" "$@" 2>"$TMP/qnbd.err" || return 1
    PIDS="$PIDS $(cat "$pidf")"
}

# A 4 MiB sparse image with data at a few places.
truncate -s 4M src.img
printf 'hello nbd' | dd of=src.img bs=1 seek=0 conv=notrunc 2>/dev/null
head -c 131072 /dev/urandom | dd of=src.img bs=65536 seek=20 conv=notrunc 2>/dev/null
head -c 4096 /dev/urandom | dd of=src.img bs=4096 seek=1000 conv=notrunc 2>/dev/null

S=$TMP/ro.sock
URI="nbd+unix:///exp?socket=$S"
qnbd "$S" -f raw -x exp -t -r src.img || skip_all "qemu-nbd did not start: $(cat qnbd.err)"

# ---- reading through the URI forms ----
check_eq "info equals Debian's" "$("$R" info "$URI" 2>&1)" "$("$Q" info "$URI" 2>&1)"
check_eq "map --output=json equals Debian's" "$("$R" map --output=json "$URI" 2>&1)" \
    "$("$Q" map --output=json "$URI" 2>&1)"
check_eq "map (human) equals Debian's" "$("$R" map "$URI" 2>&1)" "$("$Q" map "$URI" 2>&1)"
check "convert from nbd to qcow2" "$Q" convert -O qcow2 "$URI" out.qcow2
check "Debian compares the copy equal" "$R" compare -f raw -F qcow2 src.img out.qcow2
check "compare nbd with the file" "$Q" compare -F raw "$URI" src.img
check "nbd: legacy unix syntax" "$Q" compare -F raw "nbd:unix:$S:exportname=exp" src.img
check_eq "legacy name shown as a URI" "image: $URI" \
    "$("$Q" info "nbd:unix:$S:exportname=exp" | head -1)"
check "--image-opts server.*" "$Q" compare --image-opts \
    "driver=nbd,server.type=unix,server.path=$S,export=exp" \
    "driver=file,filename=src.img"
check "--image-opts legacy path=" "$Q" compare --image-opts \
    "driver=raw,file.driver=nbd,file.path=$S,file.export=exp" \
    "driver=file,filename=src.img"
check "json: file name" "$Q" compare -F raw \
    "json:{\"driver\":\"raw\",\"file\":{\"driver\":\"nbd\",\"export\":\"exp\",\"server\":{\"type\":\"unix\",\"path\":\"$S\"}}}" \
    src.img

# ---- errors ----
out=$("$Q" info "nbd+unix:///nosuch?socket=$S" 2>&1)
case $out in *"Requested export not available"*"nosuch"*) tap_result 0 "unknown export";;
    *) tap_result 1 "unknown export"; echo "# $out";; esac
truncate -s 4M other.img
out=$("$Q" convert -n -f raw -O raw other.img "$URI" 2>&1)
case $out in *"export is read-only"*) tap_result 0 "read-only export refuses writing";;
    *) tap_result 1 "read-only export refuses writing"; echo "# $out";; esac
check_fails "unknown URI parameter" "$Q" info "nbd+unix:///exp?socket=$S&x=1"
check_fails "query on a TCP URI" "$Q" info "nbd://127.0.0.1:1/exp?socket=$S"
check_fails "nbd+unix without socket" "$Q" info "nbd+unix:///exp"
check_fails "reconnect-delay other than 0" "$Q" info --image-opts \
    "driver=nbd,server.type=unix,server.path=$S,export=exp,reconnect-delay=5"
check "reconnect-delay=0 accepted" "$Q" info --image-opts \
    "driver=nbd,server.type=unix,server.path=$S,export=exp,reconnect-delay=0"
check_fails "x-dirty-bitmap refused" "$Q" info --image-opts \
    "driver=nbd,server.type=unix,server.path=$S,export=exp,x-dirty-bitmap=qemu:dirty-bitmap:b"
check_fails "file name and server.* naming different exports" "$Q" info --image-opts \
    "driver=nbd,filename=$URI,server.type=unix,server.path=$S"
check "file name and server.* naming the same export" "$Q" info --image-opts \
    "driver=nbd,filename=$URI,server.type=unix,server.path=$S,export=exp"
check_fails "nothing listening" "$Q" info "nbd+unix:///exp?socket=$TMP/none.sock"
stop_servers

# ---- writing, over TCP ----
cp src.img ref.img
truncate -s 4M tgt.img
port=""
for try in 1 2 3 4 5; do
    p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000 ))
    if qnbd "$p" -f raw -x "" -t tgt.img; then port=$p; break; fi
done
if [ -n "$port" ]; then
    T="nbd://127.0.0.1:$port"
    check "convert -n to nbd over TCP" "$Q" convert -n -f raw -O raw ref.img "$T"
    check "Debian reads the same back" "$R" compare -f raw -F raw ref.img "$T"
    check_eq "TCP name shown as QEMU does" "image: $T" "$("$Q" info "$T" | head -1)"
    check "nbd+tcp URI" "$Q" compare -f raw -F raw "nbd+tcp://127.0.0.1:$port/" ref.img
    check "legacy nbd:HOST:PORT" "$Q" compare -f raw -F raw "nbd:127.0.0.1:$port" ref.img
    check "--image-opts host= port=" "$Q" compare --image-opts \
        "driver=nbd,host=127.0.0.1,port=$port" "driver=file,filename=ref.img"
    check "convert to nbd as qcow2" "$Q" convert -f raw -O qcow2 ref.img "$T"
    check "Debian checks the qcow2 on nbd" "$R" check "$T"
    check "Debian compares the qcow2 on nbd" "$R" compare -F raw "$T" ref.img
    check "convert to nbd as raw again" "$Q" convert -f raw -O raw ref.img "$T"
    check "raw again reads back (old qcow2 cleared)" "$R" compare -f raw -F raw "$T" ref.img
    truncate -s 8M big.img
    check_fails "target bigger than the export" "$Q" convert -f raw -O raw big.img "$T"
    stop_servers
else
    skip "no free TCP port for qemu-nbd"
fi

# ---- nbdkit ----
if command -v nbdkit >/dev/null 2>&1; then
    K=$TMP/kit.sock
    nbdkit -U "$K" -P "$TMP/kit.pid" memory 4M
    PIDS="$PIDS $(cat "$TMP/kit.pid")"
    KU="nbd+unix://?socket=$K"
    check "nbdkit memory: convert -n" "$Q" convert -n -f raw -O raw src.img "$KU"
    check "nbdkit memory: compare" "$Q" compare -F raw "$KU" src.img
    check_eq "nbdkit memory: map equals Debian's" "$("$R" map --output=json "$KU" 2>&1)" \
        "$("$Q" map --output=json "$KU" 2>&1)"
    check_eq "nbdkit memory: info equals Debian's" "$("$R" info "$KU" 2>&1)" \
        "$("$Q" info "$KU" 2>&1)"
    K2=$TMP/kitf.sock
    nbdkit -U "$K2" -P "$TMP/kitf.pid" file src.img
    PIDS="$PIDS $(cat "$TMP/kitf.pid")"
    check_eq "nbdkit file: map equals Debian's" \
        "$("$R" map --output=json "nbd+unix://?socket=$K2" 2>&1)" \
        "$("$Q" map --output=json "nbd+unix://?socket=$K2" 2>&1)"
    check "nbdkit file: convert from" "$Q" convert -O raw "nbd+unix://?socket=$K2" kit.raw
    check "nbdkit file: copy identical" cmp src.img kit.raw
    stop_servers
    # Older handshakes and simple replies only. (nbdkit refuses zero writes
    # in oldstyle mode whatever it advertises, so that one is only read.)
    nbdkit --oldstyle -r -U "$TMP/old.sock" -P "$TMP/old.pid" file src.img
    PIDS="$PIDS $(cat "$TMP/old.pid")"
    check "nbdkit --oldstyle: compare" "$Q" compare -F raw "nbd+unix://?socket=$TMP/old.sock" src.img
    n=0
    for mode in --mask-handshake=0 --no-sr; do
        n=$((n + 1))
        nbdkit "$mode" -U "$TMP/old$n.sock" -P "$TMP/old$n.pid" memory 4M
        PIDS="$PIDS $(cat "$TMP/old$n.pid")"
        OU="nbd+unix://?socket=$TMP/old$n.sock"
        check "nbdkit $mode: convert -n" "$Q" convert -n -f raw -O raw src.img "$OU"
        check "nbdkit $mode: Debian compares equal" "$R" compare -F raw "$OU" src.img
        check "nbdkit $mode: compare" "$Q" compare -F raw "$OU" src.img
    done
    stop_servers
else
    skip "nbdkit is not installed"
fi

# ---- TLS ----
if command -v certtool >/dev/null 2>&1 && command -v psktool >/dev/null 2>&1; then
    mkdir -p pki/srv pki/cli psk
    cat > ca.info <<EOF
cn = Test CA
ca
cert_signing_key
expiration_days = 2
EOF
    cat > srv.info <<EOF
organization = Test
cn = localhost
dns_name = localhost
ip_address = 127.0.0.1
tls_www_server
encryption_key
signing_key
expiration_days = 2
EOF
    certtool --generate-privkey --key-type=ecdsa --outfile ca-key.pem >/dev/null 2>&1
    certtool --generate-self-signed --load-privkey ca-key.pem --template ca.info \
        --outfile pki/srv/ca-cert.pem >/dev/null 2>&1
    cp pki/srv/ca-cert.pem pki/cli/ca-cert.pem
    certtool --generate-privkey --key-type=ecdsa --outfile pki/srv/server-key.pem >/dev/null 2>&1
    certtool --generate-certificate --load-privkey pki/srv/server-key.pem \
        --load-ca-certificate pki/srv/ca-cert.pem --load-ca-privkey ca-key.pem \
        --template srv.info --outfile pki/srv/server-cert.pem >/dev/null 2>&1
    cat > cli.info <<EOF
organization = Test
cn = client
tls_www_client
encryption_key
signing_key
expiration_days = 2
EOF
    # The server checks client certificates (verify-peer defaults to on).
    certtool --generate-privkey --key-type=ecdsa --outfile pki/cli/client-key.pem >/dev/null 2>&1
    certtool --generate-certificate --load-privkey pki/cli/client-key.pem \
        --load-ca-certificate pki/srv/ca-cert.pem --load-ca-privkey ca-key.pem \
        --template cli.info --outfile pki/cli/client-cert.pem >/dev/null 2>&1
    psktool -u qemu -p psk/keys.psk >/dev/null 2>&1

    X=$TMP/x509.sock
    qnbd "$X" -f raw -x exp -t -r --object "tls-creds-x509,id=tls0,dir=$TMP/pki/srv,endpoint=server" \
        --tls-creds tls0 src.img
    XO="tls-creds-x509,id=tls0,dir=$TMP/pki/cli,endpoint=client"
    check "x509: compare over TLS" "$Q" compare --object "$XO" --image-opts \
        "driver=nbd,server.type=unix,server.path=$X,export=exp,tls-creds=tls0,tls-hostname=localhost" \
        "driver=file,filename=src.img"
    XI="driver=raw,file.driver=nbd,file.server.type=unix,file.server.path=$X,file.export=exp,file.tls-creds=tls0,file.tls-hostname=localhost"
    check_eq "x509: map equals Debian's" \
        "$("$R" map --output=json --object "$XO" --image-opts "$XI" 2>&1)" \
        "$("$Q" map --output=json --object "$XO" --image-opts "$XI" 2>&1)"
    out=$("$Q" info "nbd+unix:///exp?socket=$X" 2>&1)
    case $out in *"Server requires TLS"*) tap_result 0 "x509: plain client told TLS is required";;
        *) tap_result 1 "x509: plain client told TLS is required"; echo "# $out";; esac
    check_fails "x509: wrong host name refused" "$Q" info --object "$XO" --image-opts \
        "driver=nbd,server.type=unix,server.path=$X,export=exp,tls-creds=tls0,tls-hostname=other.example"
    stop_servers

    P=$TMP/psk.sock
    qnbd "$P" -f raw -x exp -t -r --object "tls-creds-psk,id=tls0,dir=$TMP/psk,endpoint=server" \
        --tls-creds tls0 src.img
    PO="tls-creds-psk,id=tls0,dir=$TMP/psk,endpoint=client,username=qemu"
    check "psk: compare over TLS" "$Q" compare --object "$PO" --image-opts \
        "driver=nbd,server.type=unix,server.path=$P,export=exp,tls-creds=tls0" \
        "driver=file,filename=src.img"
    mkdir -p badpsk
    psktool -u qemu -p badpsk/keys.psk >/dev/null 2>&1
    check_fails "psk: wrong key refused" "$Q" info \
        --object "tls-creds-psk,id=tls0,dir=$TMP/badpsk,endpoint=client" --image-opts \
        "driver=nbd,server.type=unix,server.path=$P,export=exp,tls-creds=tls0"
    stop_servers

    # A client with TLS against a server without it: a clear refusal.
    qnbd "$S" -f raw -x exp -t -r src.img
    out=$("$Q" info --object "$PO" --image-opts \
        "driver=nbd,server.type=unix,server.path=$S,export=exp,tls-creds=tls0" 2>&1)
    case $out in *STARTTLS*) tap_result 0 "TLS client, plain server: refused clearly";;
        *) tap_result 1 "TLS client, plain server: refused clearly"; echo "# $out";; esac
    stop_servers
else
    skip "certtool/psktool (gnutls-bin) not installed: TLS not tested"
fi

done_testing
