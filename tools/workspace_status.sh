#!/bin/sh
# Bazel's workspace status command: the source revision, stamped into image annotations
# (org.opencontainers.image.revision). Reads .git directly: the offline environment has no git.
top=$(pwd)
git_dir=$top/.git
[ -f "$git_dir" ] && git_dir=$top/$(sed -n 's/^gitdir: //p' "$git_dir")
[ -d "$git_dir" ] || exit 0
head=$(cat "$git_dir/HEAD" 2>/dev/null) || exit 0
case "$head" in
  "ref: "*)
    ref=${head#ref: }
    commit=$(cat "$git_dir/$ref" 2>/dev/null || sed -n "s|^\([0-9a-f]*\) $ref\$|\1|p" "$git_dir/packed-refs" 2>/dev/null)
    ;;
  *) commit=$head ;;
esac
[ -n "$commit" ] && echo "STABLE_GIT_COMMIT $commit"
exit 0
