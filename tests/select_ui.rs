//! `select!` misuse is a compile error that points at the arm and says what is expected.
//!
//! Each file in `tests/ui/` is one mistake; its `.stderr` is the exact error users see. To
//! update them after changing a message: `TRYBUILD=overwrite cargo test --test select_ui`, then
//! read the diff.

#[test]
fn select_misuse_is_a_compile_error_that_teaches() {
    trybuild::TestCases::new().compile_fail("tests/ui/select_*.rs");
}
