//! The archive's stream codecs: gzip from `cleanstart-utils-compress`, and zstd, which only
//! `tar` reads and writes, through ruzstd.
//!
//! [`ZstdWriter`] is a `Write` front for ruzstd's pull-based encoder (its fastest level, the only
//! one it implements), which panics on I/O errors; the wrapper hands it sources and sinks that
//! cannot fail and reports their errors itself.

use cleanstart_utils_compress::Codec;
use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// A reader decoding `input` with `codec`.
pub fn decoder<'a>(codec: Codec, input: impl BufRead + 'a) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match codec {
        Codec::None => Box::new(input),
        Codec::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Codec::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(input)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}")))?,
        ),
    })
}

/// Streams written data through ruzstd's encoder, which runs on its own thread and pulls its
/// input through a channel.
pub struct ZstdWriter<W: Write + Send + 'static> {
    chunks: Option<mpsc::SyncSender<Vec<u8>>>,
    pending: Vec<u8>,
    worker: Option<JoinHandle<(W, io::Result<()>)>>,
}

const ZSTD_CHUNK: usize = 128 * 1024;

impl<W: Write + Send + 'static> ZstdWriter<W> {
    pub fn new(inner: W) -> Self {
        let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(4);
        let worker = std::thread::spawn(move || {
            let mut sink = FallibleSink { inner, error: None };
            let source = ChannelSource { chunks: rx, current: Vec::new(), at: 0 };
            ruzstd::encoding::compress(source, &mut sink, ruzstd::encoding::CompressionLevel::Fastest);
            let result = match sink.error.take() {
                Some(e) => Err(e),
                None => sink.inner.flush(),
            };
            (sink.inner, result)
        });
        ZstdWriter { chunks: Some(tx), pending: Vec::with_capacity(ZSTD_CHUNK), worker: Some(worker) }
    }

    fn send_pending(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(ZSTD_CHUNK));
        let sender = self.chunks.as_ref().ok_or_else(|| io::Error::other("zstd encoder already finished"))?;
        // The worker only hangs up after an output error, which finish() reports.
        sender.send(chunk).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "zstd encoder stopped"))
    }

    /// Ends the frame and returns the inner writer, or the first error of the output.
    pub fn finish(mut self) -> io::Result<W> {
        let sent = if self.pending.is_empty() { Ok(()) } else { self.send_pending() };
        self.chunks = None;
        let worker = self.worker.take().ok_or_else(|| io::Error::other("zstd encoder already finished"))?;
        let (inner, result) = worker.join().map_err(|_| io::Error::other("zstd encoder failed"))?;
        result?;
        sent?;
        Ok(inner)
    }
}

impl<W: Write + Send + 'static> Write for ZstdWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = ZSTD_CHUNK - self.pending.len();
        let n = room.min(buf.len());
        self.pending.extend_from_slice(&buf[..n]);
        if self.pending.len() == ZSTD_CHUNK {
            self.send_pending()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The encoder's input: chunks from the channel, then end of input when the sender hangs up.
struct ChannelSource {
    chunks: mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl Read for ChannelSource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            match self.chunks.recv() {
                Ok(chunk) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The encoder's output: never fails towards the encoder; the first error is kept and later
/// writes are dropped.
struct FallibleSink<W> {
    inner: W,
    error: Option<io::Error>,
}

impl<W: Write> Write for FallibleSink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.error.is_none() {
            if let Err(e) = self.inner.write_all(buf) {
                self.error = Some(e);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zstd_writer_round_trips_through_ruzstd() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8 ^ (i / 4096) as u8).collect();
        let mut w = ZstdWriter::new(Vec::new());
        for chunk in data.chunks(10_000) {
            w.write_all(chunk).unwrap();
        }
        let encoded = w.finish().unwrap();
        assert_eq!(Codec::sniff(&encoded), Codec::Zstd);
        assert!(encoded.len() < data.len() / 2);
        let mut back = Vec::new();
        decoder(Codec::Zstd, &encoded[..]).unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
        let empty = ZstdWriter::new(Vec::new()).finish().unwrap();
        let mut back = Vec::new();
        decoder(Codec::Zstd, &empty[..]).unwrap().read_to_end(&mut back).unwrap();
        assert!(back.is_empty());
    }

    #[test]
    fn zstd_writer_reports_output_errors() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = ZstdWriter::new(Full);
        w.write_all(b"data").unwrap();
        assert_eq!(w.finish().err().map(|e| e.kind()), Some(io::ErrorKind::StorageFull));
    }
}
