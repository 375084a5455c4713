//! `tar`: create, list and extract archives (GNU tar's common options) with the `tar` crate,
//! gzip through flate2 and zstd through ruzstd ([`codecs`]).
//!
//! Extraction is confined to the target directory: leading `/` and `../` are removed from member
//! names (as GNU does, with the same notice), names with `..` elsewhere are skipped with an
//! error, and every parent directory is checked, after resolving symlinks, to lie inside the
//! target before anything is written, so an archive cannot write through a symlink it planted.
//! Exit status as GNU: 0, or 2 after any error (non-fatal ones let the run go on first).

#![forbid(unsafe_code)]

pub mod codecs;

use cleanstart_utils_compress::Codec;
use cleanstart_utils_core::accounts::{Accounts, Credentials};
use cleanstart_utils_core::cmdline::{civil_date, print_version, usage_error, Cluster, LongOption};
use cleanstart_utils_core::messages::io_message;
use codecs::ZstdWriter;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

/// `anyhow` errors print their whole chain; those holding an I/O error keep GNU's wording.
fn error_chain(e: &anyhow::Error) -> String {
    e.chain()
        .map(|cause| match cause.downcast_ref::<io::Error>() {
            Some(io) => io_message(io),
            None => cause.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Extract,
    List,
}

#[derive(Debug, Default)]
struct Options {
    mode: Option<Mode>,
    file: Option<OsString>,
    directory: Option<PathBuf>,
    verbose: bool,
    codec: Option<Codec>,
    auto_compress: bool,
    preserve_permissions: bool,
    strip_components: usize,
    to_stdout: bool,
    operands: Vec<OsString>,
}

/// Non-fatal problems are printed as they happen; the run ends with exit status 2.
#[derive(Default)]
struct Run {
    failed: bool,
    told_leading_slash: bool,
    told_leading_dotdot: bool,
}

impl Run {
    fn error(&mut self, msg: impl std::fmt::Display) {
        eprintln!("tar: {msg}");
        self.failed = true;
    }
}

fn set_mode(o: &mut Options, mode: Mode) -> Result<(), String> {
    match o.mode {
        Some(m) if m != mode => Err("You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option".into()),
        _ => {
            o.mode = Some(mode);
            Ok(())
        }
    }
}

fn parse(args: Vec<OsString>) -> Result<Option<Options>, String> {
    let mut o = Options::default();
    let mut args = args.into_iter().peekable();
    // Old style: a first argument without '-' is a cluster of option letters ("tar xzf a.tgz").
    let mut pending: Vec<String> = Vec::new();
    if let Some(first) = args.peek() {
        let first = first.to_string_lossy();
        if !first.starts_with('-') && !first.is_empty() {
            pending.push(format!("-{first}"));
            args.next();
        }
    }
    let mut only_operands = false;
    let mut queue: Vec<OsString> = pending.into_iter().map(OsString::from).collect();
    queue.extend(args);
    let mut args = queue.into_iter();
    while let Some(arg) = args.next() {
        let s = arg.to_string_lossy().into_owned();
        if only_operands || !s.starts_with('-') || s == "-" {
            o.operands.push(arg);
            continue;
        }
        if let Some(long) = LongOption::parse(&s) {
            let arg_value = |args: &mut std::vec::IntoIter<OsString>| long.value_os(args);
            match long.name {
                "" => only_operands = true,
                "create" => set_mode(&mut o, Mode::Create)?,
                "extract" | "get" => set_mode(&mut o, Mode::Extract)?,
                "list" => set_mode(&mut o, Mode::List)?,
                "file" => o.file = Some(arg_value(&mut args)?),
                "directory" => o.directory = Some(PathBuf::from(arg_value(&mut args)?)),
                "verbose" => o.verbose = true,
                "gzip" | "gunzip" | "ungzip" => o.codec = Some(Codec::Gzip),
                "zstd" => o.codec = Some(Codec::Zstd),
                "auto-compress" => o.auto_compress = true,
                "preserve-permissions" | "same-permissions" => o.preserve_permissions = true,
                "no-same-permissions" => o.preserve_permissions = false,
                "to-stdout" => o.to_stdout = true,
                "strip-components" => {
                    let v = arg_value(&mut args)?;
                    o.strip_components = v
                        .to_string_lossy()
                        .parse()
                        .map_err(|_| format!("Invalid number of elements: '{}'", v.to_string_lossy()))?;
                }
                "help" => {
                    println!(
                        "Usage: tar [OPTION...] [FILE]...\n\
                         Create (-c), list (-t) or extract (-x) tar archives.\n\n  \
                         -f, --file=ARCHIVE         use archive file ARCHIVE ('-': standard input/output)\n  \
                         -C, --directory=DIR        change to directory DIR\n  \
                         -v, --verbose              list the files processed\n  \
                         -z, --gzip                 filter through gzip\n      \
                         --zstd                 filter through zstd\n  \
                         -a, --auto-compress        use the archive suffix to choose the compression\n  \
                         -p, --preserve-permissions extract permissions exactly as archived\n  \
                         -O, --to-stdout            extract files to standard output\n      \
                         --strip-components=N   strip N leading components from names on extraction"
                    );
                    return Ok(None);
                }
                "version" => {
                    print_version("tar");
                    return Ok(None);
                }
                _ => return Err(format!("unrecognized option '{s}'")),
            }
            continue;
        }
        let mut cluster = Cluster::new(&s[1..]);
        while let Some(c) = cluster.next() {
            match c {
                'c' => set_mode(&mut o, Mode::Create)?,
                'x' => set_mode(&mut o, Mode::Extract)?,
                't' => set_mode(&mut o, Mode::List)?,
                'f' => o.file = Some(cluster.value(c, &mut args)?.into()),
                'C' => o.directory = Some(PathBuf::from(cluster.value(c, &mut args)?)),
                'v' => o.verbose = true,
                'z' => o.codec = Some(Codec::Gzip),
                'a' => o.auto_compress = true,
                'p' => o.preserve_permissions = true,
                'O' => o.to_stdout = true,
                _ => return Err(format!("invalid option -- '{c}'")),
            }
        }
    }
    if o.mode.is_none() {
        return Err("You must specify one of the '-Acdtrux', '--delete' or '--test-label' options".into());
    }
    Ok(Some(o))
}

/// Entry point of `tar`.
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let o = match parse(args.collect()) {
        Ok(Some(o)) => o,
        Ok(None) => return ExitCode::SUCCESS,
        Err(msg) => return usage_error("tar", &msg, 2),
    };
    let mut run = Run::default();
    let result = match o.mode {
        Some(Mode::Create) => create(&o, &mut run),
        Some(Mode::Extract) | Some(Mode::List) => read_archive(&o, &mut run),
        None => Ok(()),
    };
    if let Err(e) = result {
        eprintln!("tar: {}", error_chain(&e));
        eprintln!("tar: Error is not recoverable: exiting now");
        return ExitCode::from(2);
    }
    if run.failed {
        eprintln!("tar: Exiting with failure status due to previous errors");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn archive_name(o: &Options) -> &OsStr {
    o.file.as_deref().unwrap_or(OsStr::new("-"))
}

fn codec_for(o: &Options) -> Codec {
    match o.codec {
        Some(c) => c,
        None if o.auto_compress => Codec::from_name(&archive_name(o).to_string_lossy()),
        None => Codec::None,
    }
}

// ---- create ----

/// The archive's byte sink: plain, or through a compressor that needs finishing.
enum Sink {
    Plain(Box<dyn Write + Send>),
    Gzip(flate2::write::GzEncoder<Box<dyn Write + Send>>),
    Zstd(ZstdWriter<Box<dyn Write + Send>>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
            Sink::Zstd(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
            Sink::Zstd(w) => w.flush(),
        }
    }
}

impl Sink {
    fn finish(self) -> io::Result<()> {
        let mut inner = match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        inner.flush()
    }
}

fn create(o: &Options, run: &mut Run) -> Result<()> {
    if o.operands.is_empty() {
        bail!("Cowardly refusing to create an empty archive");
    }
    let name = archive_name(o);
    let to_stdout = name.as_bytes() == b"-";
    if to_stdout && io::stdout().is_terminal() {
        bail!("Refusing to write archive contents to terminal (missing -f option?)");
    }
    // A regular output file is written under a temporary name and renamed when complete.
    let mut temp = None;
    let raw: Box<dyn Write + Send> = if to_stdout {
        Box::new(io::stdout())
    } else {
        let path = Path::new(name);
        let special = fs::metadata(path).is_ok_and(|m| !m.is_file());
        if special {
            Box::new(File::create(path).with_context(|| format!("{}: Cannot open", path.display()))?)
        } else {
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let t = tempfile::Builder::new()
                .prefix(".tar-")
                .tempfile_in(dir)
                .with_context(|| format!("{}: Cannot open", path.display()))?;
            let file = t.as_file().try_clone().with_context(|| format!("{}: Cannot open", path.display()))?;
            temp = Some(t);
            Box::new(file)
        }
    };
    let raw: Box<dyn Write + Send> = Box::new(io::BufWriter::with_capacity(256 * 1024, raw));
    let sink = match codec_for(o) {
        Codec::None => Sink::Plain(raw),
        Codec::Gzip => Sink::Gzip(cleanstart_utils_compress::gzip_writer(raw, 6, None, 0)),
        Codec::Zstd => Sink::Zstd(ZstdWriter::new(raw)),
    };
    let mut builder = tar::Builder::new(sink);
    builder.follow_symlinks(false);
    let mut walker = Walker {
        accounts: Accounts::load(),
        links: HashMap::new(),
        verbose: o.verbose,
        to_stdout,
        read_buffer: vec![0; 256 * 1024],
    };
    let base = o.directory.clone().unwrap_or_else(|| PathBuf::from("."));
    for operand in &o.operands {
        let (member, told) = member_name(operand.as_bytes());
        if told && !run.told_leading_slash {
            eprintln!("tar: Removing leading `/' from member names");
            run.told_leading_slash = true;
        }
        let source = base.join(operand);
        walker.add(&mut builder, &source, member, run).with_context(|| archive_name(o).to_string_lossy().into_owned())?;
    }
    let sink = builder.into_inner().with_context(|| archive_name(o).to_string_lossy().into_owned())?;
    sink.finish().with_context(|| archive_name(o).to_string_lossy().into_owned())?;
    if let Some(t) = temp {
        t.persist(Path::new(name)).map_err(|e| anyhow!("{}: Cannot rename: {}", Path::new(name).display(), io_message(&e.error)))?;
    }
    Ok(())
}

/// A member name for an operand: leading `/` removed (reported once), as GNU tar does.
fn member_name(operand: &[u8]) -> (Vec<u8>, bool) {
    let trimmed: &[u8] = {
        let mut s = operand;
        while s.len() > 1 && s.starts_with(b"/") {
            s = &s[1..];
        }
        if s == b"/" {
            b"."
        } else {
            s
        }
    };
    (trimmed.to_vec(), trimmed.len() != operand.len())
}

struct Walker {
    accounts: Accounts,
    /// (device, inode) of files with several links, to the first member name: later ones are
    /// stored as hard links, as GNU tar does.
    links: HashMap<(u64, u64), Vec<u8>>,
    verbose: bool,
    to_stdout: bool,
    /// Every member's content is read through this one buffer. A `BufReader` per file would
    /// allocate 256 KiB per file, which musl's allocator (the images' binaries are static musl)
    /// serves with an mmap and a munmap each: 45,000 of both for /usr/share.
    read_buffer: Vec<u8>,
}

impl Walker {
    fn header(&self, meta: &fs::Metadata) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_metadata_in_mode(meta, tar::HeaderMode::Complete);
        if let Some(u) = self.accounts.user_name(meta.uid()) {
            let _ = h.set_username(u);
        }
        if let Some(g) = self.accounts.group_name(meta.gid()) {
            let _ = h.set_groupname(g);
        }
        h
    }

    fn announce(&self, name: &[u8]) {
        if self.verbose {
            let line = [name, b"\n"].concat();
            // With the archive on stdout, the names go to stderr, as GNU does.
            let _ = if self.to_stdout { io::stderr().write_all(&line) } else { io::stdout().write_all(&line) };
        }
    }

    fn add<W: Write>(&mut self, b: &mut tar::Builder<W>, source: &Path, name: Vec<u8>, run: &mut Run) -> io::Result<()> {
        let meta = match fs::symlink_metadata(source) {
            Ok(m) => m,
            Err(e) => {
                run.error(format_args!("{}: Cannot stat: {}", String::from_utf8_lossy(&name), io_message(&e)));
                return Ok(());
            }
        };
        let mut header = self.header(&meta);
        let ft = meta.file_type();
        if ft.is_dir() {
            let mut dir_name = name.clone();
            if !dir_name.ends_with(b"/") {
                dir_name.push(b'/');
            }
            self.announce(&dir_name);
            header.set_size(0);
            b.append_data(&mut header, OsStr::from_bytes(&dir_name), io::empty())?;
            let mut children: Vec<OsString> = match fs::read_dir(source) {
                Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.file_name())).collect(),
                Err(e) => {
                    run.error(format_args!("{}: Cannot open: {}", String::from_utf8_lossy(&name), io_message(&e)));
                    return Ok(());
                }
            };
            children.sort();
            for child in children {
                let child_name = [&dir_name[..], child.as_bytes()].concat();
                self.add(b, &source.join(&child), child_name, run)?;
            }
            return Ok(());
        }
        self.announce(&name);
        if ft.is_symlink() {
            let target = match fs::read_link(source) {
                Ok(t) => t,
                Err(e) => {
                    run.error(format_args!("{}: Cannot readlink: {}", String::from_utf8_lossy(&name), io_message(&e)));
                    return Ok(());
                }
            };
            header.set_size(0);
            return b.append_link(&mut header, OsStr::from_bytes(&name), target);
        }
        if meta.nlink() > 1 {
            let key = (meta.dev(), meta.ino());
            if let Some(first) = self.links.get(&key) {
                header.set_entry_type(tar::EntryType::Link);
                header.set_size(0);
                return b.append_link(&mut header, OsStr::from_bytes(&name), OsStr::from_bytes(first));
            }
            self.links.insert(key, name.clone());
        }
        if ft.is_file() {
            match File::open(source) {
                Ok(file) => {
                    let content = BufferedFile { file, buffer: &mut self.read_buffer, start: 0, end: 0 };
                    b.append_data(&mut header, OsStr::from_bytes(&name), content)
                }
                Err(e) => {
                    run.error(format_args!("{}: Cannot open: {}", String::from_utf8_lossy(&name), io_message(&e)));
                    Ok(())
                }
            }
        } else {
            // Devices, FIFOs and sockets: the header says it all (sockets are skipped, as GNU does).
            use std::os::unix::fs::FileTypeExt;
            if ft.is_socket() {
                eprintln!("tar: {}: socket ignored", String::from_utf8_lossy(&name));
                return Ok(());
            }
            header.set_size(0);
            b.append_data(&mut header, OsStr::from_bytes(&name), io::empty())
        }
    }
}

/// A file read through a borrowed buffer, as `BufReader` reads through its own.
struct BufferedFile<'a> {
    file: File,
    buffer: &'a mut [u8],
    start: usize,
    end: usize,
}

impl Read for BufferedFile<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end {
            if out.len() >= self.buffer.len() {
                return self.file.read(out);
            }
            self.end = self.file.read(self.buffer)?;
            self.start = 0;
        }
        let n = out.len().min(self.end - self.start);
        out[..n].copy_from_slice(&self.buffer[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

// ---- list and extract ----

fn read_archive(o: &Options, run: &mut Run) -> Result<()> {
    let name = archive_name(o);
    let shown = name.to_string_lossy().into_owned();
    let mut input: Box<dyn BufRead> = if name.as_bytes() == b"-" {
        Box::new(BufReader::with_capacity(256 * 1024, io::stdin()))
    } else {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            File::open(name).with_context(|| format!("{shown}: Cannot open"))?,
        ))
    };
    // Reading, the compression is recognised from the data, as GNU tar does for files.
    let head = input.fill_buf().with_context(|| format!("{shown}: Cannot read"))?;
    let codec = match Codec::sniff(head) {
        Codec::None => o.codec.unwrap_or(Codec::None),
        seen => seen,
    };
    let decoded = codecs::decoder(codec, input).with_context(|| shown.clone())?;
    let mut archive = tar::Archive::new(decoded);
    archive.set_overwrite(true);
    let root = Credentials::current().map(|c| c.euid == 0).unwrap_or(false);
    let process_umask = current_umask();
    let umask = if root || o.preserve_permissions { 0 } else { process_umask };
    let extract_to = o.directory.clone().unwrap_or_else(|| PathBuf::from("."));
    archive.set_preserve_ownerships(root);
    let mut extractor = Extractor::new(extract_to, o.strip_components, root, umask, process_umask);
    let selection = Selection::new(&o.operands);
    let mut seen_any = false;
    let entries = archive.entries().with_context(|| shown.clone())?;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) if !seen_any => bail!("{shown}: This does not look like a tar archive ({})", io_message(&e)),
            Err(e) => bail!("{shown}: Unexpected EOF in archive ({})", io_message(&e)),
        };
        seen_any = true;
        let path = entry.path_bytes().into_owned();
        if !selection.matches(&path) {
            continue;
        }
        if o.mode == Some(Mode::List) {
            print_member(&entry, &path, o.verbose)?;
            continue;
        }
        if o.verbose {
            let line = [&path[..], b"\n"].concat();
            let _ = if o.to_stdout { io::stderr().write_all(&line) } else { io::stdout().write_all(&line) };
        }
        if o.to_stdout {
            if entry.header().entry_type().is_file() {
                io::copy(&mut entry, &mut io::stdout().lock()).context("stdout")?;
            }
            continue;
        }
        let Some(relative) = safe_relative(&path, o.strip_components, run) else { continue };
        if let Err(e) = extractor.unpack(&mut entry, &relative) {
            run.error(format_args!("{}: {}", String::from_utf8_lossy(&path), error_chain(&e)));
        }
    }
    if !seen_any && name.as_bytes() != b"-" {
        // An empty file is not an archive; GNU says so too.
        if fs::metadata(name).map(|m| m.len() == 0).unwrap_or(false) {
            run.error(format_args!("{shown}: This does not look like a tar archive"));
        }
    }
    extractor.finish_dirs(run);
    for missing in selection.unmatched() {
        run.error(format_args!("{}: Not found in archive", String::from_utf8_lossy(missing)));
    }
    io::stdout().flush().context("stdout")?;
    Ok(())
}

/// The process umask, from `/proc/self/status` (no system call needed).
fn current_umask() -> u32 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Umask:").and_then(|v| u32::from_str_radix(v.trim(), 8).ok())))
        .unwrap_or(0o022)
}

/// Member names given on the command line, and which of them were found.
struct Selection {
    names: Vec<Vec<u8>>,
    found: std::cell::RefCell<Vec<bool>>,
}

impl Selection {
    fn new(operands: &[OsString]) -> Self {
        let names: Vec<Vec<u8>> = operands.iter().map(|o| trim_slashes(o.as_bytes()).to_vec()).collect();
        let found = std::cell::RefCell::new(vec![false; names.len()]);
        Selection { names, found }
    }

    /// A member is selected when it is a named one or lies under a named directory.
    fn matches(&self, member: &[u8]) -> bool {
        if self.names.is_empty() {
            return true;
        }
        let member = trim_slashes(member);
        let mut any = false;
        for (i, n) in self.names.iter().enumerate() {
            if member == &n[..] || (member.starts_with(n) && member.get(n.len()) == Some(&b'/')) {
                self.found.borrow_mut()[i] = true;
                any = true;
            }
        }
        any
    }

    fn unmatched(&self) -> Vec<&[u8]> {
        let found = self.found.borrow();
        self.names.iter().zip(found.iter()).filter(|(_, f)| !**f).map(|(n, _)| &n[..]).collect()
    }
}

fn trim_slashes(mut s: &[u8]) -> &[u8] {
    while s.len() > 1 && s.ends_with(b"/") {
        s = &s[..s.len() - 1];
    }
    s
}

/// The path a member is extracted to, relative to the target directory, or None to skip it.
/// Leading `/` and `../` are removed with GNU's notices; any other `..` skips the member.
fn safe_relative(name: &[u8], strip: usize, run: &mut Run) -> Option<PathBuf> {
    let mut rest = name;
    let mut slash = false;
    let mut dotdot = false;
    loop {
        if let Some(r) = rest.strip_prefix(b"/") {
            rest = r;
            slash = true;
        } else if let Some(r) = rest.strip_prefix(b"../") {
            rest = r;
            dotdot = true;
        } else if rest == b".." {
            rest = b"";
            dotdot = true;
        } else {
            break;
        }
    }
    if slash && !dotdot && !run.told_leading_slash {
        eprintln!("tar: Removing leading `/' from member names");
        run.told_leading_slash = true;
    }
    if dotdot && !run.told_leading_dotdot {
        let prefix = String::from_utf8_lossy(&name[..name.len() - rest.len()]).into_owned();
        eprintln!("tar: Removing leading `{prefix}' from member names");
        run.told_leading_dotdot = true;
    }
    let path = Path::new(OsStr::from_bytes(rest));
    let mut out = PathBuf::new();
    let mut skipped = 0;
    for c in path.components() {
        match c {
            Component::Normal(part) => {
                if skipped < strip {
                    skipped += 1;
                } else {
                    out.push(part);
                }
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            Component::ParentDir => {
                run.error(format_args!("{}: Member name contains '..'", String::from_utf8_lossy(name)));
                return None;
            }
        }
    }
    if out.as_os_str().is_empty() {
        return None;
    }
    Some(out)
}

struct Extractor {
    dst: PathBuf,
    strip_components: usize,
    preserve_ownership: bool,
    /// Mode bits removed from archived modes (the umask, or none as root or with `-p`).
    umask: u32,
    /// The process umask, which the kernel applies to the mode files are created with.
    process_umask: u32,
    /// Directories extracted, with their archived mode and time, applied at the end (writing
    /// their contents would change the time, and a read-only mode would block the contents).
    dirs: Vec<ArchivedDir>,
    /// The target directory with symlinks resolved, found on first use.
    root: Option<PathBuf>,
    /// Directories (named as joined to the target) known to lie inside the target: resolved
    /// once, or created here under such a directory. Resolving every member's parent again
    /// cost a readlink per path component. Only replacing a symlink can change where a known
    /// name leads (directories are never removed), so that empties the set.
    inside: HashSet<PathBuf>,
    /// File data goes through this buffer: large writes, and reads that bypass the archive's
    /// own buffer once it is drained.
    buffer: Vec<u8>,
}

struct ArchivedDir {
    path: PathBuf,
    mode: u32,
    mtime: u64,
    owner: (u32, u32),
}

impl Extractor {
    fn new(dst: PathBuf, strip_components: usize, preserve_ownership: bool, umask: u32, process_umask: u32) -> Self {
        Extractor {
            dst,
            strip_components,
            preserve_ownership,
            umask,
            process_umask,
            dirs: Vec::new(),
            root: None,
            inside: HashSet::new(),
            buffer: Vec::new(),
        }
    }

    fn unpack<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>, relative: &Path) -> Result<()> {
        let target = self.dst.join(relative);
        let parent = target.parent().unwrap_or(&self.dst).to_path_buf();
        if !self.inside.contains(&parent) {
            self.create_parents(&parent)?;
            self.check_inside(&parent)?;
        }
        let kind = entry.header().entry_type();
        if kind == tar::EntryType::Regular {
            return self.write_file(entry, &target);
        }
        entry.set_preserve_mtime(true);
        entry.set_preserve_permissions(true);
        entry.set_mask(self.umask);
        entry.set_unpack_xattrs(false);
        let existing = fs::symlink_metadata(&target).ok();
        if existing.as_ref().is_some_and(|m| m.file_type().is_symlink()) {
            self.inside.clear();
        }
        if kind.is_dir() {
            // A symlink where a directory goes is replaced, never followed.
            if existing.as_ref().is_some_and(|m| !m.is_dir()) {
                fs::remove_file(&target).with_context(|| format!("{}: Cannot unlink", target.display()))?;
            }
            fs::create_dir_all(&target).with_context(|| format!("{}: Cannot mkdir", target.display()))?;
            // A real directory (lstat said so, or just made) in a directory inside the target.
            self.inside.insert(target.clone());
            let h = entry.header();
            let owner = (h.uid().unwrap_or(0) as u32, h.gid().unwrap_or(0) as u32);
            self.dirs.push(ArchivedDir { path: target, mode: h.mode().unwrap_or(0o755) & !self.umask, mtime: h.mtime().unwrap_or(0), owner });
            return Ok(());
        }
        if existing.as_ref().is_some_and(|m| m.is_dir()) && !kind.is_dir() {
            bail!("Cannot open: File exists");
        }
        if kind.is_hard_link() {
            let link = entry.link_name_bytes().ok_or_else(|| anyhow!("hard link without a target"))?.into_owned();
            // The target is named as in the archive, so it loses the same leading components.
            let mut quiet = Run::default();
            let Some(link_rel) = safe_relative(&link, self.strip_components, &mut quiet) else {
                bail!("Cannot hard link to '{}'", String::from_utf8_lossy(&link))
            };
            let source = self.dst.join(link_rel);
            let source_parent = source.parent().unwrap_or(&self.dst).to_path_buf();
            self.check_inside(&source_parent)?;
            if existing.is_some() {
                fs::remove_file(&target).with_context(|| format!("{}: Cannot unlink", target.display()))?;
            }
            fs::hard_link(&source, &target).with_context(|| format!("Cannot hard link to '{}'", source.display()))?;
            return Ok(());
        }
        entry.unpack(&target).with_context(|| format!("{}: Cannot open", target.display()))?;
        Ok(())
    }

    /// A regular file: created anew (never written through whatever was there), its data in
    /// large writes, then owner (as root), time and, when creating it did not already give
    /// it, mode: five system calls for a small file.
    fn write_file<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>, target: &Path) -> Result<()> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let h = entry.header();
        let archived = h.mode().unwrap_or(0o644) & 0o7777;
        let wanted = archived & !self.umask;
        let created = archived & 0o777 & !self.process_umask;
        let (mtime, owner) = (h.mtime().unwrap_or(0), (h.uid().unwrap_or(0) as u32, h.gid().unwrap_or(0) as u32));
        let open = || fs::OpenOptions::new().write(true).create_new(true).mode(archived & 0o777).open(target);
        let mut file = match open() {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let meta = fs::symlink_metadata(target).with_context(|| format!("{}: Cannot open", target.display()))?;
                if meta.is_dir() {
                    bail!("Cannot open: File exists");
                }
                if meta.file_type().is_symlink() {
                    self.inside.clear();
                }
                fs::remove_file(target).with_context(|| format!("{}: Cannot unlink", target.display()))?;
                open().with_context(|| format!("{}: Cannot open", target.display()))?
            }
            Err(e) => return Err(e).with_context(|| format!("{}: Cannot open", target.display())),
        };
        if self.buffer.is_empty() {
            self.buffer = vec![0; 1024 * 1024];
        }
        let size = entry.size();
        let mut written = 0u64;
        loop {
            let mut filled = 0;
            while filled < self.buffer.len() {
                match entry.read(&mut self.buffer[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e).context("Cannot read archive"),
                }
            }
            if filled == 0 {
                break;
            }
            file.write_all(&self.buffer[..filled]).with_context(|| format!("{}: Cannot write", target.display()))?;
            written += filled as u64;
        }
        if written != size {
            bail!("Unexpected EOF in archive");
        }
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime);
        file.set_times(fs::FileTimes::new().set_modified(time).set_accessed(time)).with_context(|| format!("{}: Cannot utime", target.display()))?;
        // Owner before mode: changing the owner clears set-id bits.
        if self.preserve_ownership {
            std::os::unix::fs::fchown(&file, Some(owner.0), Some(owner.1)).with_context(|| format!("{}: Cannot change ownership", target.display()))?;
        }
        if wanted != created {
            file.set_permissions(fs::Permissions::from_mode(wanted)).with_context(|| format!("{}: Cannot change mode", target.display()))?;
        }
        Ok(())
    }

    fn create_parents(&mut self, parent: &Path) -> Result<()> {
        let mut missing = Vec::new();
        let mut at = parent;
        while !self.inside.contains(at) && fs::symlink_metadata(at).is_err() {
            missing.push(at.to_path_buf());
            match at.parent() {
                Some(p) => at = p,
                None => break,
            }
        }
        for dir in missing.into_iter().rev() {
            if let Some(p) = dir.parent() {
                self.check_inside(p)?;
            }
            match fs::create_dir(&dir) {
                // Made here, in a directory inside the target.
                Ok(()) => {
                    self.inside.insert(dir);
                }
                Err(_) if dir.is_dir() => {}
                Err(e) => return Err(e).with_context(|| format!("{}: Cannot mkdir", dir.display())),
            }
        }
        Ok(())
    }

    /// Refuses a directory that, symlinks resolved, lies outside the target.
    fn check_inside(&mut self, dir: &Path) -> Result<()> {
        if self.inside.contains(dir) {
            return Ok(());
        }
        let root = match &self.root {
            Some(root) => root,
            None => {
                let root = self.dst.canonicalize().with_context(|| format!("{}: Cannot open", self.dst.display()))?;
                self.root.insert(root)
            }
        };
        let real = dir.canonicalize().with_context(|| format!("{}: Cannot open", dir.display()))?;
        if !real.starts_with(root) {
            bail!("Cannot extract through a symlink leading outside {} (to {})", self.dst.display(), real.display());
        }
        self.inside.insert(dir.to_path_buf());
        Ok(())
    }

    fn finish_dirs(&mut self, run: &mut Run) {
        use std::os::unix::fs::PermissionsExt;
        for dir in self.dirs.drain(..).rev() {
            let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(dir.mtime);
            let preserve_ownership = self.preserve_ownership;
            let result = File::open(&dir.path).and_then(|f| {
                if preserve_ownership {
                    std::os::unix::fs::fchown(&f, Some(dir.owner.0), Some(dir.owner.1))?;
                }
                f.set_times(fs::FileTimes::new().set_modified(time).set_accessed(time))?;
                f.set_permissions(fs::Permissions::from_mode(dir.mode & 0o7777))
            });
            if let Err(e) = result {
                run.error(format_args!("{}: Cannot change mode, owner or time: {}", dir.path.display(), io_message(&e)));
            }
        }
    }
}

fn print_member<R: Read>(entry: &tar::Entry<'_, R>, path: &[u8], verbose: bool) -> Result<()> {
    let mut out = io::stdout().lock();
    if !verbose {
        return out.write_all(&[path, b"\n"].concat()).context("stdout");
    }
    let h = entry.header();
    let kind = h.entry_type();
    let type_char = match kind {
        tar::EntryType::Directory => 'd',
        tar::EntryType::Symlink => 'l',
        tar::EntryType::Link => 'h',
        tar::EntryType::Char => 'c',
        tar::EntryType::Block => 'b',
        tar::EntryType::Fifo => 'p',
        _ => '-',
    };
    let mode = h.mode().unwrap_or(0);
    let owner = |name: Option<Vec<u8>>, id: u64| match name {
        Some(n) if !n.is_empty() => String::from_utf8_lossy(&n).into_owned(),
        _ => id.to_string(),
    };
    let user = owner(h.username_bytes().map(<[u8]>::to_vec), h.uid().unwrap_or(0));
    let group = owner(h.groupname_bytes().map(<[u8]>::to_vec), h.gid().unwrap_or(0));
    let size = match kind {
        tar::EntryType::Char | tar::EntryType::Block => {
            format!("{},{}", h.device_major().ok().flatten().unwrap_or(0), h.device_minor().ok().flatten().unwrap_or(0))
        }
        _ => entry.size().to_string(),
    };
    // GNU lines up "user/group size" in at least 18 columns.
    let pad = (user.len() + 1 + group.len() + size.len()).max(18);
    let size_width = pad - user.len() - 1 - group.len();
    let mut line = format!(
        "{}{} {user}/{group} {size:>size_width$} {} ",
        type_char,
        mode_string(mode),
        utc_minutes(h.mtime().unwrap_or(0))
    )
    .into_bytes();
    line.extend_from_slice(path);
    if let Some(link) = entry.link_name_bytes() {
        match kind {
            tar::EntryType::Symlink => line.extend_from_slice(&[b" -> ", &link[..]].concat()),
            tar::EntryType::Link => line.extend_from_slice(&[b" link to ", &link[..]].concat()),
            _ => {}
        }
    }
    line.push(b'\n');
    out.write_all(&line).context("stdout")
}

/// `rwxr-xr-x` with set-id and sticky bits, as `ls -l` writes them.
fn mode_string(mode: u32) -> String {
    String::from_utf8_lossy(&cleanstart_utils_core::modes::permissions(mode)).into_owned()
}

/// `YYYY-MM-DD HH:MM` in UTC. GNU tar prints local time, which is UTC in images and CI (no
/// time zone set).
fn utc_minutes(secs: u64) -> String {
    let (year, month, day) = civil_date(secs);
    let rem = secs % 86_400;
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_chains_keep_gnu_wording() {
        let e = std::fs::File::open("/nonexistent/x").unwrap_err();
        let chained = anyhow::Error::new(e).context("/nonexistent/x");
        assert_eq!(error_chain(&chained), "/nonexistent/x: No such file or directory");
    }

    fn opts(args: &[&str]) -> Options {
        parse(args.iter().map(OsString::from).collect()).unwrap().unwrap()
    }

    #[test]
    fn old_style_and_clustered_options() {
        let o = opts(&["xzvf", "a.tgz", "-C", "out", "member"]);
        assert_eq!(o.mode, Some(Mode::Extract));
        assert_eq!(o.codec, Some(Codec::Gzip));
        assert_eq!(o.file.as_deref(), Some(OsStr::new("a.tgz")));
        assert_eq!(o.directory.as_deref(), Some(Path::new("out")));
        assert_eq!(o.operands, vec![OsString::from("member")]);
        let o = opts(&["-cf", "a.tar.zst", "--auto-compress", "--strip-components=2", "d"]);
        assert_eq!((o.mode, codec_for(&o), o.strip_components), (Some(Mode::Create), Codec::Zstd, 2));
        let o = opts(&["-tfa.tar"]);
        assert_eq!(o.file.as_deref(), Some(OsStr::new("a.tar")));
        assert!(parse(vec!["-cx".into()]).is_err());
        assert!(parse(vec!["-v".into()]).is_err());
    }

    #[test]
    fn member_paths_are_confined() {
        let mut run = Run::default();
        assert_eq!(safe_relative(b"/etc/passwd", 0, &mut run), Some(PathBuf::from("etc/passwd")));
        assert_eq!(safe_relative(b"../../x", 0, &mut run), Some(PathBuf::from("x")));
        assert_eq!(safe_relative(b"a/b/c", 1, &mut run), Some(PathBuf::from("b/c")));
        assert_eq!(safe_relative(b"a/", 1, &mut run), None);
        assert!(!run.failed);
        assert_eq!(safe_relative(b"a/../../x", 0, &mut run), None);
        assert!(run.failed);
    }

    #[test]
    fn modes_and_times_print_like_ls() {
        assert_eq!(mode_string(0o755), "rwxr-xr-x");
        assert_eq!(mode_string(0o4755), "rwsr-xr-x");
        assert_eq!(mode_string(0o1777), "rwxrwxrwt");
        assert_eq!(mode_string(0o2640), "rw-r-S---");
        assert_eq!(utc_minutes(0), "1970-01-01 00:00");
        assert_eq!(utc_minutes(951_782_400 + 3661), "2000-02-29 01:01");
        assert_eq!(utc_minutes(1_790_000_000), "2026-09-21 14:13");
    }

    #[test]
    fn selection_matches_directories_and_reports_missing() {
        let s = Selection::new(&[OsString::from("dir/"), OsString::from("nope")]);
        assert!(s.matches(b"dir/"));
        assert!(s.matches(b"dir/file"));
        assert!(!s.matches(b"dirt"));
        assert_eq!(s.unmatched(), vec![&b"nope"[..]]);
    }

    #[test]
    fn extraction_refuses_to_write_through_a_planted_symlink() {
        let outside = tempfile::tempdir().unwrap();
        let dst = tempfile::tempdir().unwrap();
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_mode(0o777);
        b.append_link(&mut h, "evil", outside.path()).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        b.append_data(&mut h, "evil/owned", &b"bad"[..]).unwrap();
        let data = b.into_inner().unwrap();
        let mut ex = Extractor::new(dst.path().to_path_buf(), 0, false, 0, 0o022);
        let mut archive = tar::Archive::new(&data[..]);
        let mut errors = 0;
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let path = entry.path_bytes().into_owned();
            let rel = safe_relative(&path, 0, &mut Run::default()).unwrap();
            if ex.unpack(&mut entry, &rel).is_err() {
                errors += 1;
            }
        }
        assert_eq!(errors, 1);
        assert!(!outside.path().join("owned").exists());
        assert!(fs::symlink_metadata(dst.path().join("evil")).unwrap().file_type().is_symlink());
    }
}
