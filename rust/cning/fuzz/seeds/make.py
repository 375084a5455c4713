#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs into seeds/<target>/ beside this script.

Seeds are valid inputs of each format, so a short fuzz run starts past the magic numbers, tar
checksums and digests that random bytes never get right. They are made here rather than copied
from real images so that they are small and the repository holds nothing third-party. Rerun it
(python3 seeds/make.py; needs the zstd command) when a format changes; the output does not depend
on the time or the user, so unchanged seeds give no diff.
"""
import gzip
import hashlib
import io
import json
import pathlib
import struct
import subprocess
import tarfile

HERE = pathlib.Path(__file__).resolve().parent
# The layout target's input format (fuzz_targets/layout.rs).
SEPARATOR = b"\n%%\n"


def write(target, name, data):
    d = HERE / target
    d.mkdir(exist_ok=True)
    (d / name).write_bytes(data)


def tar(entries):
    """A tar of (name, type, data or link target, mode), in order, with nothing from this machine."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, payload, mode in entries:
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = kind, mode, 0
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = payload
                t.addfile(info)
            else:
                info.size = len(payload)
                t.addfile(info, io.BytesIO(payload))
        end = t.offset
    # The two zero blocks that end a tar, without tarfile's padding to 10 KiB: smaller seeds
    # mean faster runs and a smaller -max_len.
    return out.getvalue()[:end] + bytes(1024)


def zstd(data):
    return subprocess.run(["zstd", "-q", "-19", "-c"], input=data, capture_output=True, check=True).stdout


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def elf():
    """A small x86-64 shared object: PT_INTERP, PT_DYNAMIC with DT_NEEDED and DT_SONAME, and a
    section header table, laid out so that virtual addresses equal file offsets."""
    interp = b"/lib64/ld-linux-x86-64.so.2\0"
    dynstr = b"\0libc.so.6\0libfuzz.so.1\0"
    text = b"\x90" * 15 + b"\xc3"
    shstrtab = b"\0.interp\0.dynstr\0.dynamic\0.text\0.shstrtab\0"
    ph_off, ph_count = 64, 3
    interp_off = ph_off + 56 * ph_count
    dynstr_off = interp_off + len(interp)
    dynamic_off = (dynstr_off + len(dynstr) + 7) & ~7
    dynamic = b"".join(struct.pack("<qQ", tag, val) for tag, val in [
        (1, 1),  # DT_NEEDED libc.so.6
        (14, 11),  # DT_SONAME libfuzz.so.1
        (5, dynstr_off),  # DT_STRTAB
        (10, len(dynstr)),  # DT_STRSZ
        (0, 0),  # DT_NULL
    ])
    text_off = dynamic_off + len(dynamic)
    shstrtab_off = text_off + len(text)
    sh_off = (shstrtab_off + len(shstrtab) + 7) & ~7
    size = sh_off + 64 * 6
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8) + struct.pack(
        "<HHIQQQIHHHHHH", 3, 62, 1, text_off, ph_off, sh_off, 0, 64, 56, ph_count, 64, 6, 5)

    def ph(kind, flags, off, filesz, align):
        return struct.pack("<IIQQQQQQ", kind, flags, off, off, off, filesz, filesz, align)

    phdrs = ph(1, 5, 0, size, 0x1000) + ph(3, 4, interp_off, len(interp), 1) + ph(2, 6, dynamic_off, len(dynamic), 8)

    def sh(name, kind, flags, off, length, link=0, entsize=0):
        return struct.pack("<IIQQQQIIQQ", shstrtab.index(name), kind, flags, off, off, length, link, 0, 1, entsize)

    sections = (bytes(64) + sh(b".interp", 1, 2, interp_off, len(interp)) + sh(b".dynstr", 3, 2, dynstr_off, len(dynstr))
                + sh(b".dynamic", 6, 3, dynamic_off, len(dynamic), link=2, entsize=16) + sh(b".text", 1, 6, text_off, len(text))
                + struct.pack("<IIQQQQIIQQ", shstrtab.index(b".shstrtab"), 3, 0, 0, shstrtab_off, len(shstrtab), 0, 0, 1, 0))
    out = bytearray(size)
    for off, part in [(0, header), (ph_off, phdrs), (interp_off, interp), (dynstr_off, dynstr), (dynamic_off, dynamic),
                      (text_off, text), (shstrtab_off, shstrtab), (sh_off, sections)]:
        out[off:off + len(part)] = part
    return bytes(out)


def main():
    so = elf()
    # Every kind of entry cning treats apart: directories, files (an ELF file, a script, setuid),
    # links, whiteouts, and the names it refuses.
    base = tar([
        ("etc", tarfile.DIRTYPE, b"", 0o755),
        ("etc/passwd", tarfile.REGTYPE, b"root:x:0:0:root:/root:/bin/sh\n", 0o644),
        ("usr/lib/libfuzz.so.1", tarfile.REGTYPE, so, 0o755),
        ("usr/bin/run", tarfile.REGTYPE, b"#!/bin/sh\nexec /usr/bin/tool\n", 0o4755),
        ("usr/bin/tool", tarfile.SYMTYPE, "../lib/libfuzz.so.1", 0o777),
        ("usr/bin/again", tarfile.LNKTYPE, "usr/bin/run", 0o755),
        ("tmp", tarfile.DIRTYPE, b"", 0o1777),
        ("../escape", tarfile.REGTYPE, b"x", 0o644),
        ("/absolute", tarfile.REGTYPE, b"y", 0o644),
    ])
    upper = tar([
        ("etc/.wh.passwd", tarfile.REGTYPE, b"", 0o644),
        ("tmp/.wh..wh..opq", tarfile.REGTYPE, b"", 0o644),
        ("usr/bin/new", tarfile.REGTYPE, b"new\n", 0o777),
    ])
    write("layer", "base.tar", base)
    write("layer", "base.tar.gz", gzip.compress(base, mtime=0))
    write("layer", "upper.tar.zst", zstd(upper))
    write("elf", "shared-object", so[4:])  # the target puts the ELF magic back in front
    # Every key, and globs of each kind globset compiles differently.
    write("policy", "every-key.toml", b"""name = "fuzz"
description = "every key"
linking = "resolved"
dlopen = ["/usr/lib/*/gconv/*.so", "/opt/plugins/**"]
allow_setuid = true
allow_world_writable = false
multicall_max_names = 3

[[allow]]
path = "/usr/bin/x"
sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

[[allow]]
path = "/usr/{bin,sbin}/[a-z]*"

[[allow]]
path = "/opt/**/lib?.so"
""")

    layers = [gzip.compress(base, mtime=0), upper]
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [
        "sha256:" + sha256(base), "sha256:" + sha256(upper)]}}).encode()
    manifest = json.dumps({"schemaVersion": 2, "config": {"digest": "sha256:" + sha256(config), "size": len(config)},
                           "layers": [{"digest": "sha256:" + sha256(l), "size": len(l)} for l in layers]}).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [{"digest": "sha256:" + sha256(manifest), "size": len(manifest),
                                                           "platform": {"os": "linux", "architecture": "amd64"}}]}).encode()
    oci = [("oci-layout", tarfile.REGTYPE, b'{"imageLayoutVersion":"1.0.0"}', 0o644), ("index.json", tarfile.REGTYPE, index, 0o644)]
    oci += [("blobs/sha256/" + sha256(b), tarfile.REGTYPE, b, 0o644) for b in [manifest, config, *layers]]
    write("archive", "oci.tar", tar(oci))
    docker_manifest = json.dumps([{"Config": sha256(config) + ".json", "RepoTags": ["fuzz:latest"], "Layers": ["0/layer.tar", "1/layer.tar"]}])
    write("archive", "docker.tar", tar([
        (sha256(config) + ".json", tarfile.REGTYPE, config, 0o644),
        ("0/layer.tar", tarfile.REGTYPE, base, 0o644),
        ("1/layer.tar", tarfile.REGTYPE, upper, 0o644),
        ("manifest.json", tarfile.REGTYPE, docker_manifest.encode(), 0o644),
    ]))

    # For the layout target, descriptors are written #N and layout.rs fills in digest and size.
    manifest_type = '"mediaType":"application/vnd.oci.image.manifest.v1+json"'
    image = [
        b'{"schemaVersion":2,"manifests":[{' + manifest_type.encode() + b',#1,"platform":{"os":"linux","architecture":"amd64"}}]}',
        b'{"schemaVersion":2,"config":{#2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",#3},{#4}]}',
        config,
        *layers,
    ]
    # An index of indexes whose manifest names no platform: the config's is used.
    nested = [
        b'{"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json",#1}]}',
        b'{"manifests":[{#2}]}',
        b'{"config":{#3},"layers":[{#4}]}',
        json.dumps({"architecture": "arm64", "os": "linux", "variant": "v8"}).encode(),
        zstd(base),
    ]
    for layer in [*layers, nested[-1]]:
        # Layer bytes must not read as the format: no stray separator or #N in them.
        assert SEPARATOR not in layer and not any(layer[i] == ord("#") and layer[i + 1:i + 2].isdigit() for i in range(len(layer)))
    write("layout", "image", SEPARATOR.join(image))
    write("layout", "nested-index", SEPARATOR.join(nested))
    resolve()


def resolve():
    """The resolve target reads its input through `arbitrary`, which takes any bytes: these are
    fixed pseudo-random ones (an LCG, so they never change), long enough to describe a few dozen
    files, links and needs."""
    state = 0x2545F4914F6CDD1D
    for name, length in (("small", 512), ("large", 4096)):
        out = bytearray()
        for _ in range(length):
            state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
            out.append(state >> 56)
        write("resolve", name, bytes(out))


if __name__ == "__main__":
    main()
