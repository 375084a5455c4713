//! Findings and their reports: text for people, JSON for scripts, SARIF 2.1.0 for code-scanning
//! dashboards, JUnit XML for test runners (`bazel test` reads it from `$XML_OUTPUT_FILE`).

use crate::findings::{Finding, Rule};
use serde::Serialize;
use serde_json::json;
use std::io::{self, Write};
use std::time::SystemTime;

/// What was checked, per platform.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub platform: String,
    pub entries: u64,
}

/// Output formats of `cning check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
}

/// A check's result, ready to be written in any [`Format`].
#[derive(Debug, Serialize)]
pub struct Report {
    pub image: String,
    pub policy: String,
    pub passed: bool,
    pub checked: Vec<Checked>,
    pub violations: Vec<Finding>,
}

impl Report {
    pub fn new(image: String, policy: String, checked: Vec<Checked>, violations: Vec<Finding>) -> Report {
        Report { image, policy, passed: violations.is_empty(), checked, violations }
    }

    pub fn write(&self, format: Format, out: &mut impl Write) -> io::Result<()> {
        match format {
            Format::Text => self.write_text(out),
            Format::Json => {
                serde_json::to_writer_pretty(&mut *out, self)?;
                writeln!(out)
            }
            Format::Sarif => {
                serde_json::to_writer_pretty(&mut *out, &self.sarif())?;
                writeln!(out)
            }
            Format::Junit => self.write_junit(out),
        }
    }

    fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        for f in &self.violations {
            writeln!(out, "{} [{}] {}: {} ({})", f.rule, f.platform, f.path, f.message, f.evidence)?;
        }
        let entries: u64 = self.checked.iter().map(|c| c.entries).sum();
        let platforms: Vec<&str> = self.checked.iter().map(|c| c.platform.as_str()).collect();
        writeln!(
            out,
            "{}: {} against policy {}: {} violation(s) in {entries} entries ({})",
            if self.passed { "PASS" } else { "FAIL" },
            self.image,
            self.policy,
            self.violations.len(),
            platforms.join(", ")
        )
    }

    fn sarif(&self) -> serde_json::Value {
        let rules: Vec<_> = Rule::ALL
            .iter()
            .map(|r| {
                json!({
                    "id": r.id(),
                    "name": r.id(),
                    "shortDescription": {"text": r.summary()},
                    "fullDescription": {"text": r.help()},
                    "help": {"text": r.help()},
                    "defaultConfiguration": {"level": "error"},
                })
            })
            .collect();
        let results: Vec<_> = self
            .violations
            .iter()
            .map(|f| {
                json!({
                    "ruleId": f.rule,
                    "ruleIndex": f.rule.index(),
                    "level": "error",
                    "message": {"text": format!("{}: {} ({}) [{}]", f.path, f.message, f.evidence, f.platform)},
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.path.trim_start_matches('/'), "uriBaseId": "IMAGEROOT"}
                        }
                    }],
                    "partialFingerprints": {"cningFinding/v1": format!("{}:{}:{}", f.rule, f.platform, f.path)},
                    "properties": {"platform": f.platform, "evidence": f.evidence},
                })
            })
            .collect();
        json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "cning", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
                "originalUriBaseIds": {"IMAGEROOT": {"description": {"text": format!("the root filesystem of {}", self.image)}}},
                "results": results,
                "properties": {"image": self.image, "policy": self.policy},
            }]
        })
    }

    /// One test suite per platform, one test case per rule: a rule with findings fails, listing
    /// them; a rule without passes. Every attribute the common JUnit schema defines is present.
    fn write_junit(&self, out: &mut impl Write) -> io::Result<()> {
        let stamp = timestamp();
        let failures_total: usize = self.checked.iter().map(|c| Rule::ALL.iter().filter(|r| self.has(&c.platform, **r)).count()).sum();
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="cning" tests="{}" failures="{failures_total}" errors="0" skipped="0" time="0">"#,
            self.checked.len() * Rule::ALL.len()
        )?;
        for (i, checked) in self.checked.iter().enumerate() {
            let failures = Rule::ALL.iter().filter(|r| self.has(&checked.platform, **r)).count();
            writeln!(
                out,
                r#"  <testsuite name="cning {}" tests="{}" failures="{failures}" errors="0" skipped="0" time="0" timestamp="{stamp}" hostname="localhost" id="{i}" package="cning">"#,
                xml(&checked.platform),
                Rule::ALL.len()
            )?;
            writeln!(out, "    <properties>")?;
            for (name, value) in [("image", self.image.as_str()), ("policy", self.policy.as_str()), ("entries", &checked.entries.to_string())] {
                writeln!(out, r#"      <property name="{name}" value="{}"/>"#, xml(value))?;
            }
            writeln!(out, "    </properties>")?;
            for rule in Rule::ALL {
                let found: Vec<&Finding> = self.violations.iter().filter(|f| f.platform == checked.platform && f.rule == rule).collect();
                write!(out, r#"    <testcase name="{}" classname="cning.{}" time="0""#, rule.id(), xml(&checked.platform))?;
                if found.is_empty() {
                    writeln!(out, "/>")?;
                    continue;
                }
                writeln!(out, ">")?;
                let body: Vec<String> = found.iter().map(|f| format!("{}: {} ({})", f.path, f.message, f.evidence)).collect();
                writeln!(
                    out,
                    r#"      <failure message="{} violation(s): {}" type="{}">{}</failure>"#,
                    found.len(),
                    xml(rule.summary()),
                    rule.id(),
                    xml(&body.join("\n"))
                )?;
                writeln!(out, "    </testcase>")?;
            }
            writeln!(out, "    <system-out/>\n    <system-err/>\n  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }

    fn has(&self, platform: &str, rule: Rule) -> bool {
        self.violations.iter().any(|f| f.platform == platform && f.rule == rule)
    }
}

/// RFC 3339 UTC time: `SOURCE_DATE_EPOCH` when set (reproducible reports), else now.
pub fn timestamp() -> String {
    let time = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or_else(SystemTime::now, |secs| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs));
    humantime::format_rfc3339_seconds(time).to_string()
}

/// Escapes text for XML attributes and character data; drops characters XML 1.0 forbids.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let mut f = Finding::new(Rule::Busybox, "/bin/x<y>", "BusyBox multi-call binary", "banner \"a&b\"".into());
        f.platform = "linux/amd64".into();
        Report::new("img".into(), "prod".into(), vec![Checked { platform: "linux/amd64".into(), entries: 3 }], vec![f])
    }

    #[test]
    fn json_has_the_documented_shape() {
        let mut out = Vec::new();
        sample().write(Format::Json, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["image"], "img");
        assert_eq!(v["passed"], false);
        assert_eq!(v["violations"][0]["rule"], "busybox");
        assert_eq!(v["violations"][0]["path"], "/bin/x<y>");
        assert!(v["violations"][0]["evidence"].is_string());
        assert!(v["violations"][0]["message"].is_string());
    }

    #[test]
    fn sarif_lists_every_rule_and_points_results_at_them() {
        let mut out = Vec::new();
        sample().write(Format::Sarif, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), Rule::ALL.len());
        let result = &run["results"][0];
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], result["ruleId"]);
        assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "bin/x<y>");
    }

    #[test]
    fn junit_is_well_formed_and_escaped() {
        let mut out = Vec::new();
        sample().write(Format::Junit, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&format!(r#"<testsuites name="cning" tests="{}" failures="1""#, Rule::ALL.len())));
        assert!(text.contains(r#"<failure message="1 violation(s): BusyBox binary" type="busybox">/bin/x&lt;y&gt;"#));
        assert!(text.contains("banner &quot;a&amp;b&quot;"));
        assert_eq!(text.matches("<testcase ").count(), Rule::ALL.len());
        assert!(!text.contains("<y>"));
    }

    #[test]
    fn xml_escaping_drops_control_characters() {
        assert_eq!(xml("a\u{1}b&"), "a\u{fffd}b&amp;");
    }
}
