//! `demo-server`: the application of the CleanStart demo images. A small HTTP/1.1 service with
//! the standard library only: `GET /` greets, `GET /healthz` answers `ok`, anything else is 404.
//! One thread per connection, requests capped at 8 KiB of headers.
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

const MAX_HEADER_BYTES: u64 = 8 << 10;

fn main() {
    let addr = std::env::args().nth(1).or_else(|| std::env::var("LISTEN").ok()).unwrap_or_else(|| "0.0.0.0:8080".into());
    let listener = match TcpListener::bind(&addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("demo-server: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    eprintln!("demo-server: listening on {}", listener.local_addr().map_or(addr, |a| a.to_string()));
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let _ = serve(stream);
        });
    }
}

fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new((&stream).take(MAX_HEADER_BYTES));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers so the client sees a clean close.
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, body) = match (method, path) {
        ("GET", "/") => ("200 OK", "hello from a CleanStart image\n"),
        ("GET", "/healthz") => ("200 OK", "ok\n"),
        ("GET", _) => ("404 Not Found", "not found\n"),
        _ => ("405 Method Not Allowed", "method not allowed\n"),
    };
    let mut out = &stream;
    write!(out, "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())?;
    out.flush()
}
