# Run by run_dev.sh with the dev image's /usr/bin/sh, inside the image: a small day of work with
# the CleanStart utilities only (the image holds nothing else). Each step compares its result with
# the expected one; the first mismatch ends the script with status 1.
set -eu
fails=0
check() { # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected [$2], got [$3]"; fails=$((fails + 1)); fi
}

work=$(mktemp -d /tmp/smoke.XXXXXX)
cd "$work"
check pwd "$work" "$(pwd)"
check "id -u" 65532 "$(id -u)"
check whoami nonroot "$(whoami)"
check uname Linux "$(uname -s)"
check nproc yes "$( [ "$(nproc)" -ge 1 ] && echo yes)"

mkdir -p src/sub
printf 'banana\napple\ncherry\napple\n' > src/fruit.txt
echo 'hello world' > src/sub/hello.txt
check "cat|wc -l" 4 "$(cat src/fruit.txt | wc -l)"
check "sort -u" "apple banana cherry" "$(sort -u src/fruit.txt | tr '\n' ' ' | sed 's/ $//')"
check "sort|uniq -c" "2 apple" "$(sort src/fruit.txt | uniq -c | head -n 1 | sed 's/^ *//')"
check "cut -c" "ban" "$(head -n 1 src/fruit.txt | cut -c1-3)"
check "tail -n" "apple" "$(tail -n 1 src/fruit.txt)"
check "grep -c" 2 "$(grep -c apple src/fruit.txt)"
check "grep -v -n" "1:banana" "$(grep -vn 'apple\|cherry' src/fruit.txt)"
check "sed s" "hello CleanStart" "$(sed 's/world/CleanStart/' src/sub/hello.txt)"
check "tr upper" "HELLO WORLD" "$(tr a-z A-Z < src/sub/hello.txt)"
check "seq|paste-free sum" 55 "$(seq 1 10 | { s=0; while read -r n; do s=$((s + n)); done; echo $s; })"
check "printf" "007 x" "$(printf '%03d %s' 7 x)"
check "base64 round trip" "hello world" "$(base64 src/sub/hello.txt | base64 -d)"
check "sha256sum" "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447" "$(sha256sum src/sub/hello.txt | cut -d' ' -f1)"
check "md5sum" "6f5902ac237024bdd0c176cb93063dc4" "$(md5sum src/sub/hello.txt | cut -d' ' -f1)"
check "date -d" "2024-02-29" "$(TZ=UTC date -d @1709164800 +%F)"

cp -r src copy
mv copy/fruit.txt copy/fruits.txt
ln -s fruits.txt copy/link
check "readlink" "fruits.txt" "$(readlink copy/link)"
check "realpath" "$work/copy/fruits.txt" "$(realpath copy/link)"
check "basename/dirname" "hello.txt $work/src/sub" "$(basename "$work/src/sub/hello.txt") $(dirname "$work/src/sub/hello.txt")"
check "diff same" "" "$(diff src/fruit.txt copy/fruits.txt)"
echo extra >> copy/fruits.txt
check "diff status" 1 "$(diff src/fruit.txt copy/fruits.txt > /dev/null; echo $?)"
chmod 600 copy/fruits.txt
check "stat -c %a" 600 "$(stat -c %a copy/fruits.txt)"
touch -d '2020-01-01 00:00:00' copy/old
check "find -newer" "./copy/fruits.txt ./copy/link ./copy/sub/hello.txt" "$(find ./copy -newer copy/old ! -type d | sort | tr '\n' ' ' | sed 's/ $//')"
check "find|xargs wc" 1 "$(find src -name 'hello*' -print0 | xargs -0 cat | wc -l)"
check "ls" "fruit.txt sub" "$(ls src | tr '\n' ' ' | sed 's/ $//')"
check "du -s" yes "$( [ "$(du -s src | cut -f1)" -ge 1 ] && echo yes)"
check "df" yes "$(df / > /dev/null && echo yes)"
check "tee" "hello world hello world" "$(tee copy/tee.txt < src/sub/hello.txt) $(cat copy/tee.txt)"
check "env" "VALUE" "$(env CHECK_VAR=VALUE sh -c 'echo $CHECK_VAR')"
check "test/[" "yes" "$(if test -d src && [ -f src/fruit.txt ]; then echo yes; fi)"
check "/usr/bin/[" "yes no" "$(/usr/bin/[ -d src ] && echo yes) $(/usr/bin/[ -d src/fruit.txt ] || echo no)"
check "yes|head" "y y" "$(yes | head -n 2 | tr '\n' ' ' | sed 's/ $//')"

tar -czf src.tar.gz src
tar --zstd -cf src.tar.zst src
mkdir out
tar -C out -xzf src.tar.gz
tar -C out --zstd -tf src.tar.zst > listed
check "tar gzip round trip" "" "$(diff src/sub/hello.txt out/src/sub/hello.txt)"
check "tar zstd list" yes "$(grep -q 'src/sub/hello.txt' listed && echo yes)"
gzip -k src/fruit.txt
check "gzip/zcat" "banana" "$(zcat src/fruit.txt.gz | head -n 1)"
gunzip -c src/fruit.txt.gz > unzipped.txt
check "gunzip -c" "" "$(diff src/fruit.txt unzipped.txt)"

# brush does not set $! for a background command yet, so find the sleeper with ps.
sleep 30 &
sleeper=$(ps -o pid= -o args= | while read -r pid args; do [ "$args" = "sleep 30" ] && echo "$pid"; done | head -n 1)
check "ps sees sleep" yes "$( [ -n "$sleeper" ] && echo yes)"
kill "$sleeper"
wait || true
check "kill" no "$(ps -p "$sleeper" > /dev/null 2>&1 && echo yes || echo no)"
check "hostname" yes "$( [ -n "$(hostname)" ] && echo yes)"

rm -r copy out
rmdir src/sub 2>/dev/null || rm -r src/sub
check "rm/rmdir" "fruit.txt fruit.txt.gz" "$(ls src | tr '\n' ' ' | sed 's/ $//')"
cd /
rm -rf "$work"
if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
echo "all checks passed"
