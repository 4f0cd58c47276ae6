#!/bin/sh
# qemu-img: global options, usage errors, create and info (raw and qcow2),
# compared with Debian's qemu-img where it is installed.
. "$top_srcdir/tests/functional/common.sh"
. "$top_srcdir/tests/functional/img-lib.sh"
[ -x "$QEMU_IMG" ] || skip_all "qemu-img not built"
cd "$TMP"
Q=$QEMU_IMG
R=$REF_QEMU_IMG

check "--version exits 0" "$Q" --version
check_eq "version line" "qemu-img version" "$("$Q" -V | head -1 | cut -d' ' -f1-2)"
check "-h exits 0" "$Q" -h
check "help command works" "$Q" help
"$Q" -h | grep -q '^Supported formats:.* raw' ; tap_result $? "help lists raw among formats"
"$Q" -h | grep -q '^  convert \[' ; tap_result $? "help lists the convert syntax"

out=$("$Q" 2>&1); rc=$?
check_eq "no arguments: exit 1" 1 "$rc"
check_eq "no arguments: message" "qemu-img: Not enough arguments" "$(echo "$out" | head -1)"
out=$("$Q" frobnicate 2>&1); rc=$?
check_eq "unknown command: exit 1" 1 "$rc"
check_eq "unknown command: message" "qemu-img: Command not found: frobnicate" "$(echo "$out" | head -1)"
out=$("$Q" info -Z x 2>&1)
check_eq "unknown option message" "qemu-img: unrecognized option '-Z'" "$(echo "$out" | head -1)"
out=$("$Q" info -f 2>&1)
check_eq "missing argument message" "qemu-img: missing argument for option '-f'" "$(echo "$out" | head -1)"
out=$("$Q" info 2>&1)
echo "$out" | grep -q "^Usage: qemu-img info \[" ; tap_result $? "usage error shows the command's syntax"
out=$("$Q" -T help info x 2>&1); rc=$?
check_eq "-T refused" 1 "$rc"
out=$("$Q" info nonexist.img 2>&1); rc=$?
check_eq "missing file: exit 1" 1 "$rc"
echo "$out" | grep -q "^qemu-img: Could not open 'nonexist.img': .*No such file or directory" ; tap_result $? "missing file: message"
out=$("$Q" create -f raw bad.img 12Q 2>&1); rc=$?
check_eq "bad size: exit 1" 1 "$rc"
check_eq "bad size: message" "qemu-img: Invalid image size specified. You may use k, M, G, T, P or E suffixes for" "$(echo "$out" | head -1)"
out=$("$Q" create -f nosuchfmt x.img 1M 2>&1); rc=$?
check_eq "unknown format refused" "1 qemu-img: x.img: Unknown file format 'nosuchfmt'" "$rc $out"
out=$("$Q" create -f raw x.img 2>&1); rc=$?
check_eq "create without size refused" "1 qemu-img: x.img: Image creation needs a size parameter" "$rc $out"
out=$("$Q" create -f raw -o nosuchopt=1 x.img 1M 2>&1); rc=$?
check_eq "unknown -o option refused" "1 qemu-img: x.img: Invalid parameter 'nosuchopt'" "$rc $out"
out=$("$Q" info --output=xml x.img 2>&1); rc=$?
check_eq "bad --output refused" "1 qemu-img: --output must be used with human or json as argument." "$rc $out"

# create + info, raw
out=$("$Q" create -f raw r.img 1M)
check_eq "raw create line" "Formatting 'r.img', fmt=raw size=1048576" "$out"
check_eq "raw create -q is silent" "" "$("$Q" create -q -f raw rq.img 64k)"
check_eq "raw size" 1048576 "$(stat -c %s r.img)"
"$Q" info r.img > ours.txt
printf 'image: r.img\nfile format: raw\nvirtual size: 1 MiB (1048576 bytes)\n' > want.txt
check_eq "raw info head" "$(cat want.txt)" "$(head -3 ours.txt)"

need_ref() { [ -x "$R" ]; }
if need_ref; then
    check_eq "raw -o help lists the options Debian's does" "$("$R" create -f raw -o help x 2>&1 | opt_names)" "$("$Q" create -f raw -o help x 2>&1 | opt_names)"
    check_eq "raw info human same as Debian" "$("$R" info r.img)" "$("$Q" info r.img)"
    check_json_eq "raw info json same as Debian" "$("$Q" info --output=json r.img)" "$("$R" info --output=json r.img)"
    "$R" create -q -f raw big.img 100G
    check_eq "sparse 100G raw info" "$("$R" info big.img)" "$("$Q" info big.img)"
else
    skip "Debian qemu-img not installed (raw comparisons)"
fi

if have_fmt qcow2 && need_ref; then
    for o in "" "-o cluster_size=4k" "-o compat=0.10" "-o lazy_refcounts=on,refcount_bits=8" "-o lazy_refcounts" \
             "-o compression_type=zstd" "-o cluster_size=32k,extended_l2=on"; do
        outq=$("$Q" create -f qcow2 $o q.qcow2 64M 2>&1)
        outr=$("$R" create -f qcow2 $o ref.qcow2 64M 2>&1 | sed 's/ref.qcow2/q.qcow2/')
        check_eq "qcow2 create line ($o)" "$outr" "$outq"
        check "Debian check accepts our qcow2 ($o)" "$R" check q.qcow2
        check_eq "qcow2 info human same ($o)" "$("$R" info q.qcow2)" "$("$Q" info q.qcow2)"
        check_json_eq "qcow2 info json same ($o)" "$("$Q" info --output=json q.qcow2)" "$("$R" info --output=json q.qcow2)"
        check_json_eq "info of Debian's image same ($o)" "$("$Q" info --output=json ref.qcow2)" "$("$R" info --output=json ref.qcow2)"
    done
    check_eq "qcow2 -o help lists the options Debian's does" "$("$R" create -f qcow2 -o help x 2>&1 | opt_names)" "$("$Q" create -f qcow2 -o help x 2>&1 | opt_names)"
    # backing chains
    "$Q" create -q -f qcow2 base.qcow2 32M
    mkdir sub
    out=$("$Q" create -f qcow2 -b ../base.qcow2 -F qcow2 sub/top.qcow2 2>&1)
    check_eq "create takes the size from the backing file" "$("$R" create -f qcow2 -u -b ../base.qcow2 -F qcow2 sub/x.qcow2 32M | sed 's/x.qcow2/top.qcow2/')" "$out"
    check_eq "info with backing same" "$("$R" info sub/top.qcow2)" "$("$Q" info sub/top.qcow2)"
    check_json_eq "info --backing-chain json same" "$("$Q" info --backing-chain --output=json sub/top.qcow2)" "$("$R" info --backing-chain --output=json sub/top.qcow2)"
    check_eq "info --backing-chain human same" "$("$R" info --backing-chain sub/top.qcow2)" "$("$Q" info --backing-chain sub/top.qcow2)"
    out=$("$Q" create -f qcow2 -b base.qcow2 nofmt.qcow2 2>&1); rc=$?
    check_eq "backing without -F refused" "1" "$rc"
    echo "$out" | grep -q "Backing file specified without backing format" ; tap_result $? "backing without -F message"
    out=$("$Q" create -f qcow2 -b missing.qcow2 -F qcow2 m.qcow2 2>&1); rc=$?
    check_eq "missing backing refused" 1 "$rc"
    check "-u creates with a missing backing file" "$Q" create -q -f qcow2 -u -b missing.qcow2 -F qcow2 m.qcow2 1M
    check "--image-opts info" "$Q" info --image-opts driver=qcow2,file.filename=base.qcow2
    check_eq "-o help lists qcow2 options" "yes" "$("$Q" create -f qcow2 -o '?' | grep -q '^  cluster_size=<size>' && echo yes)"
else
    skip "qcow2 driver or Debian qemu-img missing (qcow2 create/info)"
fi
done_testing
