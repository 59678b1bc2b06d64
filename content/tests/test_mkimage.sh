#!/usr/bin/env bash
# Tests of content/mkimage and content/check-site (host only: needs mtools, dosfstools, gzip).
#
#   content/tests/test_mkimage.sh
#
# Builds FAT16 images from content/site/ and from generated trees, reads them back with mdir
# and mcopy and compares every file byte for byte (and its modification time), checks the
# --gzip siblings, the refusals (bad names, special files, too big) and check-site's warnings.
# Prints one line per check and a final "N passed, M failed"; exits 1 when any failed.
set -uo pipefail

self=$(readlink -f -- "${BASH_SOURCE[0]}")
content=$(dirname -- "$(dirname -- "$self")")
mkimage="$content/mkimage"
checksite="$content/check-site"
site="$content/site"

export LC_ALL=C TZ=UTC MTOOLS_SKIP_CHECK=1
export PATH="$PATH:/usr/sbin:/sbin"

for tool in mkfs.fat mcopy mdir gzip cmp; do
    command -v "$tool" >/dev/null || { echo "test_mkimage: $tool not found (needs mtools, dosfstools, gzip)" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

passed=0 failed=0
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
not_ok() {
    failed=$((failed + 1))
    printf 'FAIL  %s\n' "$1"
    shift
    (($# == 0)) || printf '      %s\n' "$@"
}
# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# Paths of the regular files under DIR (symlinks to files count as files), sorted.
tree_files() { (cd -- "$1" && find -L . -type f -printf '%P\n' | sort); }
# Paths of the files in IMAGE, sorted (mdir -/ -b prints folders with a trailing slash).
image_files() { mdir -/ -b -a -i "$1" ::/ | sed -n 's|^::/||; /\/$/d; /./p' | sort; }
image_dirs() { mdir -/ -b -a -i "$1" ::/ | sed -n 's|^::/||; s|/$||p' | sort; }
# Extracts the whole IMAGE into folder OUT (mcopy -m: with the stored modification times).
extract() { mkdir -p -- "$2" && mcopy -s -m -n -i "$1" '::*' "$2/"; }

# same_tree NAME DIR IMAGE [EXTRA]: the image holds exactly DIR's files (plus the files listed in
# the file EXTRA), each byte-identical, with DIR's modification time (FAT keeps 2 seconds).
same_tree() {
    local name=$1 dir=$2 img=$3 extra=${4:-/dev/null} out="$tmp/extract.$RANDOM$RANDOM" f bad=0
    local expect="$tmp/expect.lst" got="$tmp/got.lst"
    { tree_files "$dir"; cat -- "$extra"; } | sort >"$expect"
    image_files "$img" >"$got"
    if ! diff -u "$expect" "$got" >"$tmp/diff.txt"; then
        not_ok "$name: file list" "$(head -n 20 "$tmp/diff.txt")"
        return
    fi
    ok "$name: mdir lists the $(wc -l <"$got") files"
    if ! extract "$img" "$out" 2>"$tmp/mcopy.err"; then
        not_ok "$name: mcopy extracts the image" "$(head -n 5 "$tmp/mcopy.err")"
        return
    fi
    while IFS= read -r f; do
        [[ -e $dir/$f ]] || continue # an EXTRA file (checked by the caller)
        if ! cmp -s -- "$dir/$f" "$out/$f"; then
            bad=$((bad + 1))
            ((bad > 3)) || echo "      differs: $f"
        fi
    done <"$got"
    if ((bad == 0)); then ok "$name: every file byte-identical"; else not_ok "$name: $bad file(s) differ"; fi
    bad=0
    while IFS= read -r f; do
        [[ -e $dir/$f ]] || continue
        local a b
        a=$(stat -L -c %Y -- "$dir/$f") b=$(stat -c %Y -- "$out/$f")
        if ((a - b > 2 || b - a > 2)); then
            bad=$((bad + 1))
            ((bad > 3)) || echo "      mtime of $f: $a on the host, $b in the image"
        fi
    done <"$got"
    if ((bad == 0)); then ok "$name: modification times kept"; else not_ok "$name: $bad modification time(s) differ"; fi
    rm -rf -- "$out"
}

# expect_fail NAME PATTERN COMMAND...: COMMAND exits 1 and its stderr matches PATTERN (grep -E).
expect_fail() {
    local name=$1 pattern=$2 rc
    shift 2
    "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
    rc=$?
    if ((rc == 1)) && grep -qE -- "$pattern" "$tmp/err.txt"; then
        ok "$name"
    else
        not_ok "$name" "exit status $rc; stderr: $(head -n 3 "$tmp/err.txt")"
    fi
}

# --- 1. the sample site --------------------------------------------------------------------
img="$tmp/site.img"
if "$mkimage" "$site" "$img" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
    ok "mkimage content/site"
    if grep -qE '^mkimage: .*: [0-9]+ files, [0-9]+ bytes, [0-9]+ folders; image [0-9.]+ MiB \(FAT16, ' "$tmp/out.txt" &&
        (($(wc -l <"$tmp/out.txt") == 1)); then
        ok "mkimage prints a one-line summary"
    else
        not_ok "mkimage prints a one-line summary" "$(cat "$tmp/out.txt")"
    fi
    check "mkimage content/site: no warnings" test ! -s "$tmp/err.txt"
    same_tree "content/site" "$site" "$img"
    # Unpartitioned FAT16: the boot sector is at offset 0.
    check "content/site image: unpartitioned FAT16 volume" \
        test "$(dd if="$img" bs=1 skip=54 count=8 2>/dev/null)" = "FAT16   " -a \
        "$(od -An -tx1 -j510 -N2 "$img" | tr -d ' ')" = "55aa"
else
    not_ok "mkimage content/site" "$(cat "$tmp/err.txt")"
fi

# The sample site is what make run serves first: small, ASCII names, no stray .gz files.
check "content/site: under 100 KB" test "$(du -sb --apparent-size "$site" | cut -f1)" -lt 102400
check "content/site: no .gz files committed" test -z "$(find "$site" -name '*.gz')"
check "content/site: has index.html and 404.html" test -f "$site/index.html" -a -f "$site/404.html"

# --- 2. a generated tree ---------------------------------------------------------------------
gen="$tmp/gen"
mkdir -p "$gen/a/b/c/d/e" "$gen/with space/and.dots.dir" "$gen/many" "$gen/EMPTYDIR"
printf '<!DOCTYPE html>\n<title>t</title>\n%0500d\n' 0 >"$gen/index.html"
: >"$gen/empty.txt"
head -c $((1048576 + 7)) /dev/urandom >"$gen/a/big.bin"
echo "deep" >"$gen/a/b/c/d/e/deep.css"
echo "spaces and dots" >"$gen/with space/my notes.v2.final.html"
echo "dir with dots" >"$gen/with space/and.dots.dir/x.y.z"
echo "hidden" >"$gen/.hidden"
echo "upper" >"$gen/README.TXT"
echo "mixed" >"$gen/MixedCase.Html"
echo "tilde" >"$gen/x~1.txt"
printf 'brackets' >"$gen/br[1] (copy).txt"
printf '%s' "a long name" >"$gen/$(printf 'n%.0s' {1..120}).html"
for i in $(seq 1 300); do printf 'file %d\n' "$i" >"$gen/many/f$i.txt"; done
# Names of 250 characters in a subfolder: 21 directory entries each, more than a 512-byte
# cluster holds (mtools cannot place them there).
mkdir -p "$gen/long names"
long=$(printf 'l%.0s' {1..243})
for i in $(seq 10 40); do printf '%d' "$i" >"$gen/long names/$i-$long.html"; done
touch -d '2001-02-03 04:05:06 UTC' "$gen/README.TXT"
touch -d '2099-12-31 23:59:58 UTC' "$gen/empty.txt"
img="$tmp/gen.img"
if "$mkimage" "$gen" "$img" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
    ok "mkimage generated tree"
    same_tree "generated tree" "$gen" "$img"
    image_dirs "$img" >"$tmp/dirs.txt"
    check "generated tree: empty folder kept" grep -qx 'EMPTYDIR' "$tmp/dirs.txt"
else
    not_ok "mkimage generated tree" "$(cat "$tmp/err.txt")"
fi

# --- 2b. dates FAT cannot store --------------------------------------------------------------
dates="$tmp/dates"
mkdir -p "$dates"
echo old >"$dates/old.txt"
echo future >"$dates/future.txt"
touch -d '1970-01-02 03:04:05 UTC' "$dates/old.txt"
touch -d '2200-01-01 00:00:00 UTC' "$dates/future.txt"
img="$tmp/dates.img"
if "$mkimage" "$dates" "$img" >/dev/null 2>"$tmp/err.txt"; then
    ok "mkimage files dated 1970 and 2200"
    check "dates FAT cannot store: warned" grep -q 'dated before 1980' "$tmp/err.txt"
    rm -rf "$tmp/dates-out" && extract "$img" "$tmp/dates-out"
    check "a 1970 date becomes 1980-01-01 in the image" \
        test "$(stat -c %Y "$tmp/dates-out/old.txt")" = "$(date -d '1980-01-01 00:00:00 UTC' +%s)"
    # (Read with mdir: mcopy -m gets dates after 2100 a day late, taking 2100 for a leap year.)
    check "a 2200 date becomes 2107-12-31 23:59 in the image" \
        grep -q '^future *txt .* 2107-12-31  23:59' <(mdir -i "$img" ::/future.txt)
    check "the source files keep their own dates" \
        test "$(stat -c %Y "$dates/old.txt")" = "$(date -d '1970-01-02 03:04:05 UTC' +%s)"
else
    not_ok "mkimage files dated 1970 and 2200" "$(cat "$tmp/err.txt")"
fi
cs_dates=$("$checksite" "$dates" 2>&1)
check "check-site: warns about dates FAT cannot store" grep -q 'dated before 1980' <<<"$cs_dates"

# --- 3. 300 files in the top folder (more than QEMU's vfat can hold) --------------------------
root300="$tmp/root300"
mkdir -p "$root300"
for i in $(seq 1 300); do printf '%d\n' "$i" >"$root300/page-number-$i.html"; done
img="$tmp/root300.img"
if "$mkimage" "$root300" "$img" >/dev/null 2>"$tmp/err.txt"; then
    ok "mkimage 300 files in the top folder"
    same_tree "300 files in the top folder" "$root300" "$img"
else
    not_ok "mkimage 300 files in the top folder" "$(cat "$tmp/err.txt")"
fi

# --- 4. a bigger site: larger clusters ------------------------------------------------------
bigsite="$tmp/bigsite"
mkdir -p "$bigsite"
head -c $((40 * 1048576 + 3)) /dev/urandom >"$bigsite/video.bin"
echo small >"$bigsite/small.txt"
img="$tmp/bigsite.img"
if "$mkimage" "$bigsite" "$img" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
    ok "mkimage 40 MiB site"
    check "40 MiB site: clusters larger than 512 B" grep -q 'clusters of [0-9]* KiB' "$tmp/out.txt"
    same_tree "40 MiB site" "$bigsite" "$img"
else
    not_ok "mkimage 40 MiB site" "$(cat "$tmp/err.txt")"
fi
rm -f -- "$img"

# --- 5. --gzip -------------------------------------------------------------------------------
gz="$tmp/gz"
mkdir -p "$gz/css" "$gz/docs"
cp -- "$site/index.html" "$gz/index.html"
for i in $(seq 1 40); do echo ".c$i { color: red; margin: 0 auto; }"; done >"$gz/css/site.css"
for i in $(seq 1 40); do echo "line $i of the text"; done >"$gz/docs/README.txt"
for i in $(seq 1 40); do echo "<p>$i</p>"; done >"$gz/docs/page.HTM"
printf '{"k": [%s0]}\n' "$(printf '1, %.0s' {1..200})" >"$gz/data.json"
printf '<svg xmlns="http://www.w3.org/2000/svg">%s</svg>\n' "$(printf '<rect width="1" height="1"/>%.0s' {1..50})" >"$gz/logo.svg"
head -c 5000 /dev/urandom >"$gz/photo.png"
echo hi >"$gz/tiny.html"
# A .gz the folder already has is kept as it is.
for i in $(seq 1 40); do echo "var a$i = $i;"; done >"$gz/app.js"
printf 'not really gzip, but the user'"'"'s own file\n' >"$gz/app.js.gz"
find "$gz" -printf '%P %s %T@\n' | sort >"$tmp/gz-before.txt"
img="$tmp/gz.img"
if "$mkimage" --gzip "$gz" "$img" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
    ok "mkimage --gzip"
    find "$gz" -printf '%P %s %T@\n' | sort >"$tmp/gz-after.txt"
    check "--gzip leaves the source folder untouched" cmp -s "$tmp/gz-before.txt" "$tmp/gz-after.txt"
    printf '%s\n' index.html.gz css/site.css.gz docs/README.txt.gz docs/page.HTM.gz data.json.gz \
        logo.svg.gz | sort >"$tmp/gz-extra.txt"
    same_tree "--gzip image" "$gz" "$img" "$tmp/gz-extra.txt"
    out="$tmp/gz-out"
    extract "$img" "$out"
    bad=0
    while IFS= read -r f; do
        if ! gunzip -t "$out/$f" 2>/dev/null; then
            bad=$((bad + 1)); echo "      not valid gzip: $f"
        elif ! gunzip -c "$out/$f" | cmp -s - "$gz/${f%.gz}"; then
            bad=$((bad + 1)); echo "      does not expand to its original: $f"
        elif (($(stat -c %Y "$out/$f") != $(stat -c %Y "$out/${f%.gz}"))); then
            bad=$((bad + 1)); echo "      modification time differs from its original: $f"
        fi
    done <"$tmp/gz-extra.txt"
    if ((bad == 0)); then ok "--gzip siblings are valid gzip of their originals, same mtime"; else not_ok "--gzip siblings ($bad bad)"; fi
    check "--gzip: none for binary types (photo.png)" test ! -e "$out/photo.png.gz"
    check "--gzip: none when not smaller (tiny.html)" test ! -e "$out/tiny.html.gz"
    check "--gzip: the folder's own app.js.gz kept" cmp -s "$gz/app.js.gz" "$out/app.js.gz"
    check "--gzip: summary counts the siblings" grep -q '(6 .gz siblings added)' "$tmp/out.txt"
else
    not_ok "mkimage --gzip" "$(cat "$tmp/err.txt")"
fi

# --- 6. symlinks -----------------------------------------------------------------------------
ln_dir="$tmp/links"
mkdir -p "$ln_dir/real/sub" "$tmp/outside"
echo "inside" >"$ln_dir/real/sub/page.html"
echo "secret" >"$tmp/outside/secret.txt"
ln -s real/sub/page.html "$ln_dir/alias.html"
ln -s real "$ln_dir/latest"
ln -s "$tmp/outside/secret.txt" "$ln_dir/escape.txt"
ln -s .. "$ln_dir/real/up"
ln -s nowhere "$ln_dir/dangling"
img="$tmp/links.img"
if "$mkimage" "$ln_dir" "$img" >/dev/null 2>"$tmp/err.txt"; then
    ok "mkimage with symlinks"
    image_files "$img" >"$tmp/got.lst"
    printf '%s\n' alias.html latest/sub/page.html real/sub/page.html >"$tmp/expect.lst"
    check "symlinks inside followed, outside, dangling and looping ones left out" \
        cmp -s "$tmp/expect.lst" "$tmp/got.lst"
    check "symlink out of the folder: warned" grep -q 'escape.txt: skipped.*outside' "$tmp/err.txt"
    check "symlink loop: warned" grep -q 'real/up: skipped.*loop' "$tmp/err.txt"
    check "dangling symlink: warned" grep -q 'dangling: skipped' "$tmp/err.txt"
    rm -rf "$tmp/links-out" && extract "$img" "$tmp/links-out"
    check "symlink to a file: the image holds its content" cmp -s "$ln_dir/real/sub/page.html" "$tmp/links-out/alias.html"
else
    not_ok "mkimage with symlinks" "$(cat "$tmp/err.txt")"
fi

# --- 7. refusals -----------------------------------------------------------------------------
bad_tree() { rm -rf -- "$tmp/bad" && mkdir -p "$tmp/bad/sub" && echo ok >"$tmp/bad/index.html"; }
bad_tree; echo x >"$tmp/bad/sub/caf$(printf '\xc3\xa9').html"
expect_fail "refuses a non-ASCII name, naming it" 'sub/caf.*\.html: non-ASCII' "$mkimage" "$tmp/bad" "$tmp/bad.img"
check "no image left behind after an error" test ! -e "$tmp/bad.img"
bad_tree; echo x >"$tmp/bad/sub/a:b.html"
expect_fail "refuses a name with ':'" 'sub/a:b.html: FAT names cannot contain' "$mkimage" "$tmp/bad" "$tmp/bad.img"
bad_tree; echo x >"$tmp/bad/trailing."
expect_fail "refuses a name ending in a dot" 'trailing\.: FAT drops' "$mkimage" "$tmp/bad" "$tmp/bad.img"
bad_tree; echo x >"$tmp/bad/sub/Index.html"; echo y >"$tmp/bad/sub/index.HTML"
expect_fail "refuses names differing only in case" 'ignore case' "$mkimage" "$tmp/bad" "$tmp/bad.img"
bad_tree; mkfifo "$tmp/bad/sub/pipe"
expect_fail "refuses a fifo" 'sub/pipe: a fifo' "$mkimage" "$tmp/bad" "$tmp/bad.img"
expect_fail "refuses a missing folder" 'no such folder' "$mkimage" "$tmp/nope" "$tmp/bad.img"
expect_fail "refuses a file as the folder" 'not a folder' "$mkimage" "$site/index.html" "$tmp/bad.img"
bad_tree
expect_fail "refuses an image inside the folder" 'must not be written inside' "$mkimage" "$tmp/bad" "$tmp/bad/x.img"
expect_fail "refuses an unknown option" 'unknown option' "$mkimage" --zip "$tmp/bad" "$tmp/bad.img"
bad_tree; truncate -s 2100M "$tmp/bad/huge.bin"
expect_fail "refuses content over FAT16's limit, saying the size" 'too big for FAT16: .*2202009[0-9]* bytes' \
    "$mkimage" "$tmp/bad" "$tmp/bad.img"
bad_tree; mkdir "$tmp/bad/full"
long=$(printf 'f%.0s' {1..245})
for i in $(seq 1000 4200); do : >"$tmp/bad/full/$i-$long"; done
expect_fail "refuses a folder over FAT's 65536 entries, naming it" \
    '^mkimage: error: full: too many files for one FAT folder' "$mkimage" "$tmp/bad" "$tmp/bad.img"
rm -rf -- "$tmp/bad"

# --- 8. check-site ---------------------------------------------------------------------------
cs_run() { "$checksite" "$@" >"$tmp/cs.out" 2>"$tmp/cs.err"; echo $? >"$tmp/cs.rc"; }
cs_run "$site"
check "check-site content/site: quiet, exit 0" test "$(cat "$tmp/cs.rc")" = 0 -a ! -s "$tmp/cs.err" -a ! -s "$tmp/cs.out"
cs_run "$gen"
check "check-site generated tree: quiet, exit 0" test "$(cat "$tmp/cs.rc")" = 0 -a ! -s "$tmp/cs.err"
cs_run "$root300"
check "check-site 300 files in the top folder: exit 0" test "$(cat "$tmp/cs.rc")" = 0
check "check-site 300 files in the top folder: warns, advises a subfolder" grep -q 'subfolder' "$tmp/cs.err"
nonascii="$tmp/nonascii"
mkdir -p "$nonascii/img"
echo x >"$nonascii/img/caf$(printf '\xc3\xa9').png"
echo x >"$nonascii/index.html"
cs_run "$nonascii"
check "check-site non-ASCII name: exit 0" test "$(cat "$tmp/cs.rc")" = 0
check "check-site non-ASCII name: warns naming the file" grep -q 'img/caf.*\.png: non-ASCII' "$tmp/cs.err"
cs_run "$ln_dir"
check "check-site: warns about a symlink out of the folder" grep -q 'escape.txt: a symlink to .*outside' "$tmp/cs.err"
cs_run "$site/index.html"
check "check-site on a file: exit 1" test "$(cat "$tmp/cs.rc")" = 1
cs_run "$tmp/nope"
check "check-site on a missing folder: exit 1" test "$(cat "$tmp/cs.rc")" = 1
vbig="$tmp/vfat-big"
mkdir -p "$vbig/d"
truncate -s $((64470 * 8192)) "$vbig/d/big.bin" # one cluster over what QEMU 7.2's vfat holds
cs_run "$vbig"
check "check-site: warns when vfat's FAT16 is too small" grep -q 'QEMU will refuse to start' "$tmp/cs.err"
truncate -s $((64469 * 8192)) "$vbig/d/big.bin" # exactly what it holds
cs_run "$vbig"
check "check-site: quiet at exactly vfat's limit" test ! -s "$tmp/cs.err"
rm -rf -- "$vbig"

echo "$passed passed, $failed failed"
((failed == 0))
