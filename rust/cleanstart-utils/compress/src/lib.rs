//! What `gzip` and `tar` share of compression: which codec a name or a stream calls for, and
//! gzip itself (flate2 over zlib-rs). zstd, which only `tar` writes and reads, lives in `tar`.
//!
//! - [`Codec`]: which compression a file name or a stream's first bytes call for.
//! - [`gunzip`]: multi-member gzip decoding that tells GNU gzip's failure kinds apart.
//! - [`gzip_writer`]: a gzip encoder writing GNU gzip's header.
#![forbid(unsafe_code)]

use std::io::{self, BufRead, Read, Write};

/// A compression format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    None,
    Gzip,
    Zstd,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Codec {
    /// The codec a file name's suffix names, as `tar -a` reads it.
    pub fn from_name(name: &str) -> Codec {
        let suffixes: [(&str, Codec); 5] =
            [(".gz", Codec::Gzip), (".tgz", Codec::Gzip), (".taz", Codec::Gzip), (".zst", Codec::Zstd), (".tzst", Codec::Zstd)];
        suffixes.iter().find(|(s, _)| name.ends_with(s)).map_or(Codec::None, |&(_, c)| c)
    }

    /// The codec a stream's first bytes show.
    pub fn sniff(head: &[u8]) -> Codec {
        if head.starts_with(&GZIP_MAGIC) {
            Codec::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Codec::Zstd
        } else {
            Codec::None
        }
    }
}

/// How a gzip stream failed, in GNU gzip's words.
#[derive(Debug)]
pub enum GunzipError {
    NotGzip,
    UnexpectedEof,
    Crc,
    Corrupt,
    Io(io::Error),
}

impl std::fmt::Display for GunzipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GunzipError::NotGzip => f.write_str("not in gzip format"),
            GunzipError::UnexpectedEof => f.write_str("unexpected end of file"),
            GunzipError::Crc => f.write_str("invalid compressed data--crc error"),
            GunzipError::Corrupt => f.write_str("invalid compressed data--format violated"),
            GunzipError::Io(e) => f.write_str(&cleanstart_utils_core::messages::io_message(e)),
        }
    }
}

/// What a successful [`gunzip`] saw after the last member.
#[derive(Debug, PartialEq, Eq)]
pub enum Trailer {
    /// Nothing, or only zero bytes (padding that GNU gzip ignores silently).
    Clean,
    /// Bytes that are not another member: GNU warns "trailing garbage ignored".
    Garbage,
}

/// Decodes every gzip member of `input` into `output`.
pub fn gunzip(mut input: impl BufRead, output: &mut impl Write) -> Result<Trailer, GunzipError> {
    let mut first = true;
    loop {
        let head = input.fill_buf().map_err(GunzipError::Io)?;
        if head.is_empty() {
            return if first { Err(GunzipError::UnexpectedEof) } else { Ok(Trailer::Clean) };
        }
        // A buffer boundary may split the magic; the decoder checks the second byte then.
        let member = head[0] == GZIP_MAGIC[0] && head.get(1).is_none_or(|&b| b == GZIP_MAGIC[1]);
        if !member {
            if first {
                return Err(GunzipError::NotGzip);
            }
            return skip_trailer(input);
        }
        let mut member = flate2::bufread::GzDecoder::new(input);
        copy_decoded(&mut member, output)?;
        input = member.into_inner();
        first = false;
    }
}

fn copy_decoded(member: &mut impl Read, output: &mut impl Write) -> Result<(), GunzipError> {
    let mut buf = vec![0u8; 128 * 1024];
    loop {
        match member.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => output.write_all(&buf[..n]).map_err(GunzipError::Io)?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(GunzipError::UnexpectedEof),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput || e.kind() == io::ErrorKind::InvalidData => {
                // flate2 names a checksum mismatch in its message; everything else is a bad stream.
                let text = e.to_string().to_ascii_lowercase();
                return Err(if text.contains("checksum") || text.contains("crc") { GunzipError::Crc } else { GunzipError::Corrupt });
            }
            Err(e) => return Err(GunzipError::Io(e)),
        }
    }
}

fn skip_trailer(mut input: impl BufRead) -> Result<Trailer, GunzipError> {
    loop {
        let buf = input.fill_buf().map_err(GunzipError::Io)?;
        if buf.is_empty() {
            return Ok(Trailer::Clean);
        }
        if buf.iter().any(|&b| b != 0) {
            return Ok(Trailer::Garbage);
        }
        let n = buf.len();
        input.consume(n);
    }
}

/// A gzip encoder writing GNU gzip's header: the original name and time when given, OS Unix.
pub fn gzip_writer<W: Write>(inner: W, level: u32, name: Option<&[u8]>, mtime: u32) -> flate2::write::GzEncoder<W> {
    let mut builder = flate2::GzBuilder::new().mtime(mtime).operating_system(3);
    if let Some(name) = name {
        builder = builder.filename(name.to_vec());
    }
    builder.write(inner, flate2::Compression::new(level))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut w = gzip_writer(Vec::new(), 6, Some(b"name"), 7);
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn gunzip_reads_every_member_and_ignores_zero_padding() {
        let mut stream = [gz(b"hello "), gz(b"world")].concat();
        stream.extend_from_slice(&[0; 10]);
        let mut out = Vec::new();
        assert_eq!(gunzip(&stream[..], &mut out).unwrap(), Trailer::Clean);
        assert_eq!(out, b"hello world");
    }

    #[test]
    fn gunzip_names_failures_like_gnu() {
        let good = gz(b"some text that compresses some text");
        let mut out = Vec::new();
        assert!(matches!(gunzip(&b"plain text"[..], &mut out), Err(GunzipError::NotGzip)));
        assert!(matches!(gunzip(&good[..good.len() - 5], &mut out), Err(GunzipError::UnexpectedEof)));
        let mut bad_crc = good.clone();
        let at = bad_crc.len() - 6;
        bad_crc[at] ^= 1;
        assert!(matches!(gunzip(&bad_crc[..], &mut out), Err(GunzipError::Crc)));
        let mut garbage = good.clone();
        garbage.extend_from_slice(b"junk");
        out.clear();
        assert_eq!(gunzip(&garbage[..], &mut out).unwrap(), Trailer::Garbage);
        assert_eq!(out, b"some text that compresses some text");
    }

    #[test]
    fn header_carries_name_time_and_unix_os() {
        let data = gz(b"x");
        assert_eq!(&data[..4], &[0x1f, 0x8b, 8, 0x08]);
        assert_eq!(&data[4..8], &7u32.to_le_bytes());
        assert_eq!(data[9], 3);
        assert_eq!(&data[10..15], b"name\0");
    }

    #[test]
    fn codecs_from_names() {
        assert_eq!(Codec::from_name("a.tar.gz"), Codec::Gzip);
        assert_eq!(Codec::from_name("a.tgz"), Codec::Gzip);
        assert_eq!(Codec::from_name("a.tar.zst"), Codec::Zstd);
        assert_eq!(Codec::from_name("a.tar"), Codec::None);
    }
}
