//! Relationship fields (`Depends`, `Pre-Depends`, `Provides`): comma-separated groups of
//! `|`-separated alternatives, each a package name, an optional architecture qualifier
//! (`:any`, `:native`, `:amd64`) and an optional version constraint (`(>= 1.2)`).

use crate::version::Version;

/// A version constraint's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Earlier,
    EarlierOrEqual,
    Equal,
    LaterOrEqual,
    Later,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "<<" => Op::Earlier,
            "<=" | "<" => Op::EarlierOrEqual,
            "=" => Op::Equal,
            ">=" | ">" => Op::LaterOrEqual,
            ">>" => Op::Later,
            _ => return None,
        })
    }

    /// Whether `have` satisfies `have OP want`.
    pub fn holds(self, have: &Version, want: &Version) -> bool {
        let order = have.cmp(want);
        match self {
            Op::Earlier => order.is_lt(),
            Op::EarlierOrEqual => order.is_le(),
            Op::Equal => order.is_eq(),
            Op::LaterOrEqual => order.is_ge(),
            Op::Later => order.is_gt(),
        }
    }
}

/// One alternative of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub name: String,
    /// `any`, `native` or an architecture.
    pub arch: Option<String>,
    pub version: Option<(Op, Version)>,
}

impl Relation {
    /// Whether a package or virtual package of `version` (`None`: a provide without version)
    /// satisfies this relation's constraint.
    pub fn accepts(&self, version: Option<&Version>) -> bool {
        match (&self.version, version) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((op, want)), Some(have)) => op.holds(have, want),
        }
    }
}

/// A field's groups; each group is satisfied by any one of its alternatives.
pub fn parse(field: &str) -> Result<Vec<Vec<Relation>>, String> {
    let mut groups = Vec::new();
    for group in field.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        let mut alternatives = Vec::new();
        for alt in group.split('|').map(str::trim) {
            alternatives.push(relation(alt).map_err(|e| format!("{alt:?}: {e}"))?);
        }
        groups.push(alternatives);
    }
    Ok(groups)
}

fn relation(text: &str) -> Result<Relation, String> {
    // Architecture lists and build profiles (source packages' fields only) follow the name and
    // the constraint; a `<` inside the constraint is its operator.
    let end = match text.find(')') {
        Some(close) => close + 1,
        None => text.find(['[', '<']).unwrap_or(text.len()),
    };
    let text = text[..end].trim();
    let (head, constraint) = match text.split_once('(') {
        Some((head, rest)) => (head.trim(), Some(rest.strip_suffix(')').ok_or("unclosed version constraint")?.trim())),
        None => (text, None),
    };
    if head.is_empty() || head.contains(char::is_whitespace) {
        return Err("not a package name".into());
    }
    let (name, arch) = match head.split_once(':') {
        Some((n, a)) => (n, Some(a.to_string())),
        None => (head, None),
    };
    let version = match constraint {
        None => None,
        Some(c) => {
            let split = c.find(|ch: char| !"<>=".contains(ch)).unwrap_or(c.len());
            let op = Op::parse(&c[..split]).ok_or_else(|| format!("unknown operator {:?}", &c[..split]))?;
            Some((op, c[split..].trim().parse::<Version>()?))
        }
    };
    Ok(Relation { name: name.to_string(), arch, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_alternatives_constraints_and_qualifiers() {
        let groups = parse("libc6 (>= 2.36), debconf (>= 0.5) | debconf-2.0, python3:any (<< 3.12),\n perl:native").unwrap();
        assert_eq!(groups.len(), 4);
        assert_eq!(groups[1].len(), 2);
        assert_eq!(groups[1][1].name, "debconf-2.0");
        assert_eq!(groups[2][0].arch.as_deref(), Some("any"));
        let (op, v) = groups[0][0].version.clone().unwrap();
        assert_eq!((op, v.to_string()), (Op::LaterOrEqual, "2.36".to_string()));
        assert!(groups[0][0].accepts(Some(&"2.36-9+deb12u13".parse().unwrap())));
        assert!(!groups[0][0].accepts(Some(&"2.35".parse().unwrap())));
        assert!(!groups[0][0].accepts(None), "an unversioned provide satisfies no versioned need");
        assert!(parse("a (>= 1").is_err());
        assert!(parse("a (~ 1)").is_err());
    }
}
