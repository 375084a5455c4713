"""Compares the closures of one root filesystem's programs as lddtree, cning and the real loader
give them (rust/cning/bench/linking.sh writes the inputs):

  linking_agree.py ROOT PROGRAMS LDDTREE_OUT CNING_SPDX LDSO_OUT CNING_CHECK_JSON LDSO_LIBS_OUT

A closure is the set of files a program loads (its interpreter included, the program left out),
each path resolved inside ROOT (symlinks followed as in a chroot; glibc-hwcaps/LEVEL/NAME counted
as NAME), plus the set of needed names found nowhere. Prints how many programs each pair agrees
on, what differs most often, and a few programs for each difference. Then the libraries cning
reports as library-unused: none may be in a closure the loader printed, and what each brings in
when loaded alone (as dlopen would; LDSO_LIBS_OUT) is compared between cning and the loader.
"""

import collections
import json
import os
import re
import sys

root, programs_file, lddtree_file, spdx_file, ldso_file, check_file, ldso_libs_file = sys.argv[1:]
root = root.rstrip("/")
programs = [line.rstrip("\n") for line in open(programs_file)]


def resolve(path):
    """`path` with every symlink followed inside `root`, as in a chroot (None on a loop)."""
    todo = [c for c in path.split("/") if c not in ("", ".")]
    done = []
    links = 0
    while todo:
        c = todo.pop(0)
        if c == "..":
            done = done[:-1]
            continue
        full = root + "/" + "/".join(done + [c])
        if os.path.islink(full):
            links += 1
            if links > 40:
                return None
            target = os.readlink(full)
            if target.startswith("/"):
                done = []
            todo = [t for t in target.split("/") if t not in ("", ".")] + todo
        else:
            done.append(c)
    return re.sub(r"/glibc-hwcaps/[^/]+/", "/", "/" + "/".join(done))


def unroot(path):
    return path[len(root):] if path.startswith(root + "/") else path


class Closure:
    def __init__(self):
        self.files = set()
        self.missing = set()
        self.notes = []

    def key(self):
        return (frozenset(self.files), frozenset(self.missing))


def read_lddtree(path):
    """lddtree's tree: "ROOT/PROG (interpreter => ROOT/INTERP)", then "    NAME => ROOT/PATH"
    (None when not found) for each library, every name once."""
    closures = {}
    current = None
    for line in open(path):
        line = line.rstrip("\n")
        m = re.match(r"^(\S.*) \(interpreter => (.*)\)$", line)
        if m:
            current = closures.setdefault(unroot(m.group(1)), Closure())
            if m.group(2) != "None":
                current.files.add(resolve(unroot(m.group(2))))
            continue
        m = re.match(r"^\s+(\S+) => (.*)$", line)
        if not m or current is None:
            continue
        name, target = m.groups()
        if target == "None":
            current.missing.add(name)
        elif not target.startswith("!!!"):
            current.files.add(resolve(unroot(target)))
    return closures


def read_needs(path):
    """cning's inventory: each dynamic file's direct needs, "needs=[PT_INTERP X -> FILE; NAME ->
    FILE | FILE2; NAME -> not found]" (several files when programs with different search paths
    load the object)."""
    needs = {}
    for f in json.load(open(path))["files"]:
        m = re.search(r" needs=\[(.*)\]$", f["comment"])
        if not m:
            continue
        edges = []
        for part in m.group(1).split("; "):
            name, _, targets = part.rpartition(" -> ")
            edges.append((name, targets.split(" | ")))
        needs[f["fileName"][1:]] = edges
    return needs


def walk(needs, start):
    """The closure cning's needs reach from `start`."""
    closure = Closure()
    todo, seen = [start], {start}
    while todo:
        for name, targets in needs.get(todo.pop(), []):
            if len(targets) > 1:
                closure.notes.append(f"{name} -> {' | '.join(targets)}")
            for t in targets:
                if t == "not found":
                    closure.missing.add(name)
                elif t not in seen:
                    seen.add(t)
                    closure.files.add(t)
                    todo.append(t)
    return closure


def read_ldso(path):
    """ld.so --list: "== PROG", then "\tNAME => PATH (0x...)", "\tNAME => not found", "\tPATH
    (0x...)" (the interpreter), "\tlinux-vdso.so.1 (0x...)"; "PROG: error while loading shared
    libraries: NAME: ..." where it gives up on a missing library (as it does for a library loaded
    alone), the name kept as missing; any other line is kept as a note."""
    closures = {}
    current = None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("== "):
            current = closures.setdefault(line[3:], Closure())
            continue
        m = re.match(r"^\t(\S+) => (.*?)(?: \(0x[0-9a-f]+\))?$", line)
        if m:
            name, target = m.groups()
            if target == "not found":
                current.missing.add(name)
            else:
                current.files.add(resolve(target))
            continue
        m = re.match(r"^\t(/\S+) \(0x[0-9a-f]+\)$", line)
        if m:
            current.files.add(resolve(m.group(1)))
            continue
        m = re.match(r"^\S+: error while loading shared libraries: ([^:]+): cannot open shared object file", line)
        if m:
            current.missing.add(m.group(1))
            current.notes.append("gave up")
        elif not re.match(r"^\t(linux-vdso\.so\.1 |statically linked$)", line):
            current.notes.append(line.strip())
    return closures


lddtree = read_lddtree(lddtree_file)
needs = read_needs(spdx_file)
cning = {p: walk(needs, p) for p, edges in needs.items() if any(n.startswith("PT_INTERP ") for n, _ in edges)}
ldso = read_ldso(ldso_file)

tools = {"lddtree": lddtree, "cning": cning, "ld.so --list": ldso}
print(f"programs found by scanelf: {len(programs)}; closures from lddtree {len(lddtree)}, "
      f"cning {len(cning)}, ld.so {len(ldso)}")
only_cning = sorted(set(cning) - set(programs))
only_found = sorted(set(programs) - set(cning))
if only_cning or only_found:
    print(f"programs cning has and scanelf's list not: {only_cning[:10]}; the reverse: {only_found[:10]}")
alternatives = sum(bool(c.notes) for c in cning.values())
if alternatives:
    print(f"cning closures walked through an object whose needs resolved differently in other closures: {alternatives}")
odd = [(p, c.notes) for p, c in ldso.items() if c.notes]
if odd:
    print(f"ld.so --list printed something else for {len(odd)} programs, e.g. {odd[:3]}")
for name, closures in tools.items():
    missing = sum(len(c.missing) for c in closures.values())
    broken = sum(bool(c.missing) for c in closures.values())
    files = sum(len(c.files) for c in closures.values())
    print(f"{name}: {files} loaded files over all closures, {missing} names not found in {broken} programs")

violations = json.load(open(check_file))["violations"]
rules = collections.Counter(v["rule"] for v in violations)
print("cning check findings: " + ", ".join(f"{r} {n}" for r, n in sorted(rules.items())))

print()
print("| pair | programs compared | same closure | differ |")
print("| --- | --- | --- | --- |")
diffs = {}
for a, b in (("cning", "ld.so --list"), ("lddtree", "ld.so --list"), ("cning", "lddtree")):
    both = [p for p in programs if p in tools[a] and p in tools[b]]
    differ = [p for p in both if tools[a][p].key() != tools[b][p].key()]
    diffs[(a, b)] = differ
    print(f"| {a} / {b} | {len(both)} | {len(both) - len(differ)} | {len(differ)} |")

for (a, b), differ in diffs.items():
    if not differ:
        continue
    print(f"\n{a} against {b}: {len(differ)} programs differ")
    kinds = collections.Counter()
    for p in differ:
        x, y = tools[a][p], tools[b][p]
        kinds.update(f"only {a}: {f}" for f in x.files - y.files)
        kinds.update(f"only {b}: {f}" for f in y.files - x.files)
        kinds.update(f"not found by {a}: {n}" for n in x.missing - y.missing)
        kinds.update(f"not found by {b}: {n}" for n in y.missing - x.missing)
    for kind, n in kinds.most_common(8):
        print(f"  {n:4} programs: {kind}")
    if len(kinds) > 8:
        print(f"  ... {len(kinds) - 8} more kinds")
    for p in differ[:3]:
        x, y = tools[a][p], tools[b][p]
        print(f"  e.g. {p}: only {a} {sorted(x.files - y.files)}, only {b} {sorted(y.files - x.files)}"
              + (f", not found {a} {sorted(x.missing)} {b} {sorted(y.missing)}" if x.missing or y.missing else ""))

# library-unused against the loader: no library it reports may be in a closure ld.so printed
# (files compared by inode, a hard link being one library).
def inode(path):
    return os.stat(root + path)[1:3]


loaded = {inode(f) for c in ldso.values() for f in c.files}
unused = [v["path"] for v in violations if v["rule"] == "library-unused"]
wrong = [p for p in unused if inode(p) in loaded]
print(f"\nlibrary-unused: {len(unused)} libraries, {len(wrong)} of them in a closure ld.so --list printed {wrong[:5]}; "
      f"{len(loaded)} files are loaded by some program")

# Each of them loaded alone (as dlopen would), the loader against cning's needs from that library.
# The loader itself is left out of both: `ld.so --list` always loads it.
loader = {f for c in ldso.values() for f in c.files if re.search(r"/ld-[^/]*\.so", f)}
libs = read_ldso(ldso_libs_file)
same, differ, gave_up = 0, [], 0
for lib, y in libs.items():
    x = walk(needs, lib)
    x.files -= loader
    y.files -= loader
    if "gave up" in y.notes:
        # The loader stops at the first name it cannot find: that name must be missing for cning.
        gave_up += 1
        if not y.missing <= x.missing:
            differ.append((lib, x, y))
    elif x.key() == y.key():
        same += 1
    else:
        differ.append((lib, x, y))
print(f"the same libraries loaded alone: {len(libs)}; cning's closure equals ld.so --list for {same}; the loader "
      f"gave up on a missing library for {gave_up}, which cning finds missing too for {gave_up - sum('gave up' in y.notes for _, _, y in differ)}; "
      f"differ: {len(differ)}")
for lib, x, y in differ[:5]:
    print(f"  e.g. {lib}: only cning {sorted(x.files - y.files)}, only ld.so {sorted(y.files - x.files)}, "
          f"not found cning {sorted(x.missing)} ld.so {sorted(y.missing)}")
