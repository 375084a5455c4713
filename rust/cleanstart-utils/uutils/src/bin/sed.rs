//! `sed`, from uutils sed (the `sed` crate).
#![forbid(unsafe_code)]

use sed::sed as uu_sed;

uucore::bin!(uu_sed);
