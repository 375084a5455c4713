//! Findings and how they are printed.

use crate::elf::ElfInfo;
use serde::Serialize;
use std::io::{self, Write};

/// One violation: a stable rule id, the path inside the image, a message and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub path: String,
    pub message: String,
    pub evidence: String,
}

impl Finding {
    pub fn new(rule: &'static str, path: &str, message: &str, evidence: String) -> Finding {
        Finding { rule, path: path.to_owned(), message: message.to_owned(), evidence }
    }

    /// `dynamic-elf`: the file needs a program interpreter or shared libraries.
    pub fn dynamic_elf(path: &str, info: &ElfInfo) -> Finding {
        let mut evidence = Vec::new();
        if let Some(interp) = &info.interpreter {
            evidence.push(format!("PT_INTERP {interp}"));
        }
        if !info.needed.is_empty() {
            evidence.push(format!("DT_NEEDED {}", info.needed.join(", ")));
        }
        Finding::new("dynamic-elf", path, "dynamically linked ELF file", evidence.join("; "))
    }
}

/// The JSON report: `{"image": ..., "violations": [...], "entries": N, "elf_files": N}`.
#[derive(Serialize)]
pub struct Report<'a> {
    pub image: &'a str,
    pub violations: &'a [Finding],
    pub entries: u64,
    pub elf_files: u64,
}

impl Report<'_> {
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        for f in self.violations {
            writeln!(out, "{}: {}: {} ({})", f.rule, f.path, f.message, f.evidence)?;
        }
        let verdict = if self.violations.is_empty() { "PASS" } else { "FAIL" };
        writeln!(
            out,
            "{verdict}: {}: {} violation(s) in {} entries ({} ELF files)",
            self.image,
            self.violations.len(),
            self.entries,
            self.elf_files
        )
    }

    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}
