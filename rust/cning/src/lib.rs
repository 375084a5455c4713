//! cning: the build-time policy checker of CleanStart images.
//!
//! It reads the filesystem that will become an image (the compiled files themselves, not package
//! metadata) and reports what the policy forbids.
//!
//! - [`elf`]: what an ELF file is: machine, interpreter, needed libraries, static or dynamic.
//! - [`scan`]: walks an image root and inspects every regular file.
//! - [`report`]: findings with stable rule ids, as text or JSON.
#![forbid(unsafe_code)]

pub mod elf;
pub mod report;
pub mod scan;
