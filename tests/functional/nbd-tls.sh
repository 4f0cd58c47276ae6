#!/bin/sh
# qemu-nbd with TLS: X.509 (a certtool-made CA, server and client
# certificates, client certificates checked) and PSK (psktool keys), served
# by our qemu-nbd to Debian's nbdinfo, nbdcopy and qemu-img, and our
# qemu-nbd -L --tls-creds against Debian's qemu-nbd (and the other way round).
# Plain-text clients, wrong keys and wrong host names are refused.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/nbd-lib.sh"
need_ref_qemu_img
command -v certtool >/dev/null || skip_all "certtool (gnutls-bin) is not installed"
command -v psktool >/dev/null || skip_all "psktool (gnutls-bin) is not installed"
command -v nbdinfo >/dev/null || skip_all "nbdinfo (libnbd-bin) is not installed"
[ -x "$REF_QEMU_NBD" ] || skip_all "Debian's qemu-nbd (qemu-utils) is not installed"
cd "$TMP"
R=$REF_QEMU_IMG

# ---- keys and certificates ----
mkdir -p pki/srv pki/cli psk badpsk
printf 'cn = NBD Test CA\nca\ncert_signing_key\nexpiration_days = 2\n' >ca.info
printf 'organization = NBD Test\ncn = localhost\ndns_name = localhost\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 2\n' >srv.info
printf 'organization = NBD Test\ncn = nbd-client\ntls_www_client\nencryption_key\nsigning_key\nexpiration_days = 2\n' >cli.info
gen() { certtool "$@" >/dev/null 2>&1; }
gen --generate-privkey --key-type=ecdsa --outfile ca-key.pem
gen --generate-self-signed --load-privkey ca-key.pem --template ca.info \
    --outfile pki/srv/ca-cert.pem
cp pki/srv/ca-cert.pem pki/cli/ca-cert.pem
gen --generate-privkey --key-type=ecdsa --outfile pki/srv/server-key.pem
gen --generate-certificate --load-privkey pki/srv/server-key.pem \
    --load-ca-certificate pki/srv/ca-cert.pem --load-ca-privkey ca-key.pem \
    --template srv.info --outfile pki/srv/server-cert.pem
gen --generate-privkey --key-type=ecdsa --outfile pki/cli/client-key.pem
gen --generate-certificate --load-privkey pki/cli/client-key.pem \
    --load-ca-certificate pki/srv/ca-cert.pem --load-ca-privkey ca-key.pem \
    --template cli.info --outfile pki/cli/client-cert.pem
psktool -u qemu -p psk/keys.psk >/dev/null 2>&1
psktool -u qemu -p badpsk/keys.psk >/dev/null 2>&1
[ -s pki/cli/client-cert.pem ] && [ -s psk/keys.psk ] || skip_all "could not make TLS keys"

$R create -q -f qcow2 img.qcow2 8M
qemu-io -f qcow2 -c 'write -P 0x5a 1M 1M' img.qcow2 >/dev/null 2>&1
SRV_X509="tls-creds-x509,id=tls0,dir=$TMP/pki/srv,endpoint=server"
CLI_X509="tls-creds-x509,id=tls0,dir=$TMP/pki/cli,endpoint=client"
SRV_PSK="tls-creds-psk,id=tls0,dir=$TMP/psk,endpoint=server"
CLI_PSK="tls-creds-psk,id=tls0,dir=$TMP/psk,endpoint=client"

# ---- X.509 ----
ours "$TMP/x.sock" -f qcow2 -r -t -x exp --object "$SRV_X509" --tls-creds tls0 img.qcow2 ||
    { sed 's/^/# /' start.err; skip_all "our qemu-nbd did not start with TLS"; }
XU="nbds+unix:///exp?socket=$TMP/x.sock&tls-certificates=$TMP/pki/cli"
out=$(nbdinfo --json "$XU" 2>&1)
case $out in *'"TLS": true'*'"export-size": 8388608'*) tap_result 0 "x509: nbdinfo over TLS";;
    *) tap_result 1 "x509: nbdinfo over TLS"; echo "$out" | sed 's/^/# /';; esac
check "x509: nbdcopy over TLS" nbdcopy "$XU" x509.raw
check "x509: the copy is the image" $R compare -F raw img.qcow2 x509.raw
check_fails "x509: a plain-text client is refused" nbdinfo --size "$(uri "$TMP/x.sock" exp)"
check_fails "x509: a client without a certificate is refused" \
    nbdinfo --size "nbds+unix:///exp?socket=$TMP/x.sock&tls-certificates=$TMP/pki/srv-none"
check "x509: Debian's qemu-img reads our export" $R compare --object "$CLI_X509" \
    --image-opts \
    "driver=nbd,server.type=unix,server.path=$TMP/x.sock,export=exp,tls-creds=tls0,tls-hostname=localhost" \
    "driver=qcow2,file.driver=file,file.filename=img.qcow2"
# Debian's qemu-nbd -L sees the same through ours as through itself. (Over a
# Unix socket QEMU's client needs the certificate's host name spelled out.)
theirs "$TMP/rx.sock" -f qcow2 -r -t -x exp --object "$SRV_X509" --tls-creds tls0 img.qcow2 ||
    sed 's/^/# /' start.err
ref_list=$("$REF_QEMU_NBD" -L -k "$TMP/rx.sock" --object "$CLI_X509" --tls-creds tls0 \
        --tls-hostname localhost 2>&1)
case $ref_list in *"export: 'exp'"*) tap_result 0 "x509: Debian's -L lists the export";;
    *) tap_result 1 "x509: Debian's -L lists the export"; echo "$ref_list" | sed 's/^/# /';; esac
check_eq "x509: our -L against Debian's server equals Debian's -L" "$ref_list" \
    "$("$QEMU_NBD" -L -k "$TMP/rx.sock" --object "$CLI_X509" --tls-creds tls0 \
        --tls-hostname localhost 2>&1)"
check_eq "x509: Debian's -L sees the same from both servers" \
    "$("$REF_QEMU_NBD" -L -k "$TMP/rx.sock" --object "$CLI_X509" --tls-creds tls0 \
        --tls-hostname localhost 2>&1)" \
    "$("$REF_QEMU_NBD" -L -k "$TMP/x.sock" --object "$CLI_X509" --tls-creds tls0 \
        --tls-hostname localhost 2>&1)"
check "x509: our -L with --tls-hostname=localhost" \
    "$QEMU_NBD" -L -k "$TMP/rx.sock" --object "$CLI_X509" --tls-creds tls0 \
    --tls-hostname localhost
check_fails "x509: our -L with a host name the certificate lacks" \
    "$QEMU_NBD" -L -k "$TMP/rx.sock" --object "$CLI_X509" --tls-creds tls0 \
    --tls-hostname elsewhere.example
check_fails "x509: our -L without TLS against a TLS server" "$QEMU_NBD" -L -k "$TMP/rx.sock"

# ---- PSK ----
ours "$TMP/p.sock" -f qcow2 -r -t -x exp --object "$SRV_PSK" --tls-creds tls0 img.qcow2 ||
    sed 's/^/# /' start.err
# (libnbd takes the PSK user name from the URI's user part)
PU="nbds+unix://qemu@/exp?socket=$TMP/p.sock&tls-psk-file=$TMP/psk/keys.psk"
check "psk: nbdinfo over TLS-PSK" nbdinfo --size "$PU"
check "psk: nbdcopy over TLS-PSK" nbdcopy "$PU" psk.raw
check "psk: the copy is the image" $R compare -F raw img.qcow2 psk.raw
check_fails "psk: a wrong key is refused" nbdinfo --size \
    "nbds+unix://qemu@/exp?socket=$TMP/p.sock&tls-psk-file=$TMP/badpsk/keys.psk"
check_fails "psk: a plain-text client is refused" nbdinfo --size "$(uri "$TMP/p.sock" exp)"
check "psk: Debian's qemu-img reads our export" $R compare --object "$CLI_PSK" \
    --image-opts "driver=nbd,server.type=unix,server.path=$TMP/p.sock,export=exp,tls-creds=tls0" \
    "driver=qcow2,file.driver=file,file.filename=img.qcow2"
theirs "$TMP/rp.sock" -f qcow2 -r -t -x exp --object "$SRV_PSK" --tls-creds tls0 img.qcow2 ||
    sed 's/^/# /' start.err
check_eq "psk: our -L against Debian's server equals Debian's -L" \
    "$("$REF_QEMU_NBD" -L -k "$TMP/rp.sock" --object "$CLI_PSK" --tls-creds tls0 2>&1)" \
    "$("$QEMU_NBD" -L -k "$TMP/rp.sock" --object "$CLI_PSK" --tls-creds tls0 2>&1)"

done_testing
