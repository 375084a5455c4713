//! The standard library of the static platforms unwinds: a panic is caught where Rust promises
//! it is, so a failing test is reported instead of aborting the whole test binary.
//!
//! Offline, that standard library is built for musl from Debian's rust-src, and it unwinds through
//! gcc's libgcc_eh with a `_dl_find_object` written for musl (tools/offline/recipe.sh). If that
//! function cannot find a binary's unwind tables, every test here aborts.
#![forbid(unsafe_code)]

use std::panic;
use std::sync::atomic::{AtomicBool, Ordering};

#[test]
fn catch_unwind_catches_a_panic_of_the_standard_library() {
    let index = std::hint::black_box(3);
    let payload = panic::catch_unwind(|| Vec::<u8>::new()[index]).expect_err("indexing past the end must panic");
    let message = payload.downcast_ref::<String>().map(String::as_str).unwrap_or_default();
    assert!(message.contains("index out of bounds"), "unexpected panic message: {message:?}");
}

#[test]
fn a_panicking_thread_reports_to_join() {
    let handle = std::thread::spawn(|| -> u32 { panic!("panic in a thread") });
    let payload = handle.join().expect_err("the thread panicked");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"panic in a thread"));
}

#[test]
fn values_are_dropped_while_unwinding() {
    struct SetOnDrop<'a>(&'a AtomicBool);
    impl Drop for SetOnDrop<'_> {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let dropped = AtomicBool::new(false);
    let result = panic::catch_unwind(|| {
        let _guard = SetOnDrop(&dropped);
        panic!("unwind through the guard");
    });
    assert!(result.is_err());
    assert!(dropped.load(Ordering::SeqCst), "the guard was not dropped during unwinding");
}

#[test]
#[should_panic(expected = "seen by should_panic")]
fn should_panic_sees_the_panic() {
    panic!("seen by should_panic");
}
