//! `gzip` against GNU gzip: files each one compresses the other decompresses back to the
//! original, in-place runs leave the same files, and failures give the same exit codes with no
//! partial output left behind.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const CSU: &str = env!("CARGO_BIN_EXE_gzip");
const GNU: &str = "/usr/bin/gzip";

fn run(ours: bool, dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut c = if ours { testkit::target_command(CSU) } else { Command::new(GNU) };
    let mut child = c.current_dir(dir).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // Fed from a thread while the output is read, so neither side waits on a full pipe.
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    // A failed write only means the program stopped reading, which its exit code shows.
    let feeder = std::thread::spawn(move || drop(input.write_all(&data)));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}


fn sample() -> Vec<u8> {
    let mut data = Vec::new();
    for i in 0..40_000u32 {
        data.extend_from_slice(format!("line {i} {}\n", i.wrapping_mul(2_654_435_761) % 1000).as_bytes());
    }
    data
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut entries: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap_or_default())
        })
        .collect();
    entries.sort();
    entries
}

#[test]
fn streams_round_trip_with_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = sample();
    for level in ["-1", "-6", "-9"] {
        let ours = run(true, dir.path(), &["-c", level], &data);
        assert_eq!(ours.status.code(), Some(0));
        assert!(ours.stdout.len() < data.len() / 2, "{level} compresses");
        let back = run(false, dir.path(), &["-dc"], &ours.stdout);
        assert_eq!(back.status.code(), Some(0));
        assert!(back.stdout == data, "GNU decompresses what we compressed at {level}");
        let gnu = run(false, dir.path(), &["-c", level], &data);
        let back = run(true, dir.path(), &["-dc"], &gnu.stdout);
        assert_eq!(back.status.code(), Some(0));
        assert!(back.stdout == data, "we decompress what GNU compressed at {level}");
    }
    let empty = run(true, dir.path(), &["-c"], b"");
    assert_eq!(run(false, dir.path(), &["-dc"], &empty.stdout).stdout, b"");
}

#[test]
fn multi_member_and_damaged_streams_like_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let one = run(false, dir.path(), &["-c"], b"first\n").stdout;
    let two = run(false, dir.path(), &["-c"], b"second\n").stdout;
    let mut truncated = two.clone();
    truncated.truncate(two.len() - 5);
    let mut bad_crc = two.clone();
    let at = bad_crc.len() - 6;
    bad_crc[at] ^= 0x55;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("two members", [one.clone(), two.clone()].concat()),
        ("zero padding", [one.clone(), vec![0; 100]].concat()),
        ("trailing garbage", [one.clone(), b"garbage".to_vec()].concat()),
        ("not gzip", b"plain text\n".to_vec()),
        ("truncated", truncated),
        ("bad crc", bad_crc),
        ("empty", Vec::new()),
    ];
    for (what, input) in cases {
        let (ours, gnu) = (run(true, dir.path(), &["-dc"], &input), run(false, dir.path(), &["-dc"], &input));
        // GNU may write a damaged member's data before noticing; only complete output must agree.
        if gnu.status.code() != Some(1) {
            assert_eq!(ours.stdout, gnu.stdout, "stdout for {what}");
        }
        assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {what}");
        assert_eq!(ours.stderr.is_empty(), gnu.stderr.is_empty(), "stderr presence for {what}");
    }
}

/// Runs the same command in two copies of a directory, one per implementation, and checks that
/// they leave the same files (decompressed contents compared for .gz files) and exit alike.
fn same_in_place(setup: &dyn Fn(&Path), args: &[&str]) {
    let (ours_dir, gnu_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    setup(ours_dir.path());
    setup(gnu_dir.path());
    let ours = run(true, ours_dir.path(), args, b"");
    let gnu = run(false, gnu_dir.path(), args, b"");
    assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {args:?}: ours said {}", String::from_utf8_lossy(&ours.stderr));
    assert_eq!(ours.stderr.is_empty(), gnu.stderr.is_empty(), "stderr presence for {args:?}");
    let decoded = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        listing(dir)
            .into_iter()
            .map(|(name, bytes)| {
                if name.ends_with(".gz") && bytes.starts_with(&[0x1f, 0x8b]) {
                    let plain = run(false, dir, &["-dc"], &bytes);
                    if plain.status.success() {
                        return (name, plain.stdout);
                    }
                }
                (name, bytes)
            })
            .collect()
    };
    assert_eq!(decoded(ours_dir.path()), decoded(gnu_dir.path()), "files left by {args:?}");
}

#[test]
fn in_place_runs_leave_the_same_files() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let data = sample();
    let plain = |d: &Path| {
        std::fs::write(d.join("data"), &data).unwrap();
        std::fs::write(d.join("other.txt"), b"other\n").unwrap();
    };
    same_in_place(&plain, &["data"]);
    same_in_place(&plain, &["-k", "data", "other.txt"]);
    same_in_place(&plain, &["data", "missing"]);
    let gz = |d: &Path| {
        std::fs::write(d.join("data"), &data).unwrap();
        let out = run(false, d, &["data"], b"");
        assert!(out.status.success());
        std::fs::write(d.join("bad.gz"), b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage!").unwrap();
        std::fs::write(d.join("text.gz"), b"not gzip at all\n").unwrap();
        std::fs::write(d.join("noext"), b"x").unwrap();
    };
    same_in_place(&gz, &["-d", "data.gz"]);
    same_in_place(&gz, &["-d", "data"]); // finds data.gz, as GNU does
    same_in_place(&gz, &["-d", "bad.gz"]);
    same_in_place(&gz, &["-d", "text.gz"]);
    same_in_place(&gz, &["-d", "noext"]);
    same_in_place(&gz, &["data.gz"]); // already has the suffix
    let both = |d: &Path| {
        std::fs::write(d.join("f"), b"new\n").unwrap();
        std::fs::write(d.join("f.gz"), b"existing\n").unwrap();
        std::fs::create_dir(d.join("sub")).unwrap();
    };
    same_in_place(&both, &["f"]);
    same_in_place(&both, &["-f", "f"]);
    same_in_place(&both, &["sub"]);
}

#[test]
fn keeps_name_time_and_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keep.txt");
    std::fs::write(&file, b"contents\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mtime = std::fs::metadata(&file).unwrap().mtime();
    assert!(run(true, dir.path(), &["keep.txt"], b"").status.success());
    let gz = dir.path().join("keep.txt.gz");
    let meta = std::fs::metadata(&gz).unwrap();
    assert_eq!((meta.mode() & 0o777, meta.mtime()), (0o600, mtime));
    let bytes = std::fs::read(&gz).unwrap();
    assert_eq!(&bytes[4..8], &(mtime as u32).to_le_bytes(), "header time");
    assert_eq!(&bytes[10..19], b"keep.txt\0", "header name");
}
