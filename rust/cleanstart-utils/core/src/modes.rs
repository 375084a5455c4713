//! File modes as `ls -l` writes them, shared by `ls`, `find -printf %M`/`-ls` and `tar tv`.

/// The nine permission characters of a mode (`rwxr-xr-x`), set-id and sticky bits included
/// (`s`/`S`, `t`/`T`).
pub fn permissions(mode: u32) -> [u8; 9] {
    let bit = |mask: u32, c: u8| if mode & mask != 0 { c } else { b'-' };
    let special = |exec: u32, set_bit: u32, set: u8, unset: u8| match (mode & exec != 0, mode & set_bit != 0) {
        (true, true) => set,
        (false, true) => unset,
        (true, false) => b'x',
        (false, false) => b'-',
    };
    [
        bit(0o400, b'r'),
        bit(0o200, b'w'),
        special(0o100, 0o4000, b's', b'S'),
        bit(0o040, b'r'),
        bit(0o020, b'w'),
        special(0o010, 0o2000, b's', b'S'),
        bit(0o004, b'r'),
        bit(0o002, b'w'),
        special(0o001, 0o1000, b't', b'T'),
    ]
}

#[cfg(test)]
mod tests {
    use super::permissions;

    #[test]
    fn set_id_and_sticky_bits() {
        let text = |mode| String::from_utf8(permissions(mode).to_vec()).unwrap();
        assert_eq!(text(0o644), "rw-r--r--");
        assert_eq!(text(0o4755), "rwsr-xr-x");
        assert_eq!(text(0o2644), "rw-r-Sr--");
        assert_eq!(text(0o1777), "rwxrwxrwt");
        assert_eq!(text(0o1776), "rwxrwxrwT");
    }
}
