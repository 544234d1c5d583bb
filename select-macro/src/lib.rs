//! # gort-macros
//!
//! The procedural macros of gort. Use them through the facade crate — `#[gort::main]`,
//! `#[gort::test]` and (later) `gort::select!` — never by depending on this crate directly: the
//! code they generate names `::gort`, so it only compiles in a crate that depends on `gort`.
//!
//! | macro | file | what it does |
//! |---|---|---|
//! | [`#[main]`](macro@main) | `entry.rs` | runs an `async fn main` on a fresh gort runtime |
//! | [`#[test]`](macro@test) | `entry.rs` | the same, for an `async fn` test |
//! | `select!` | `select/{parse,expand}.rs` | not written yet |
//!
//! Because a proc-macro crate cannot link the crate its output names, the examples below are not
//! run here (they are marked `ignore`); the `gort` crate compiles and runs the same uses in its
//! integration tests, `tests/macros_entry.rs`. The expansion itself, and every error message, is
//! unit-tested in `entry.rs`.

#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod entry;

// `select!` goes here: `mod select;` (with `select/parse.rs` and `select/expand.rs`) and a
// `#[proc_macro] pub fn select(input: TokenStream) -> TokenStream` entry point that forwards to it,
// in the same way `main` and `test` forward to `entry`.

/// Runs an `async fn main` on a gort runtime.
///
/// The function keeps its name, visibility, attributes and return type, but becomes a plain
/// `fn`: its body builds a runtime with `gort::runtime::Builder` and `block_on`s the original body.
/// Inside it, `gort::spawn` and `gort::go` use that runtime, which is shut down (every task still
/// alive is dropped) when `main` returns.
///
/// # Arguments
///
/// * `workers = N` — run `N` worker threads (`N >= 1`; it calls `Builder::worker_threads(N)`).
///   Without it the runtime has one worker per core, like the builder's default.
///
/// # Examples
///
/// (Not run here: this crate cannot depend on `gort`. The `gort` crate compiles and runs this code.)
///
/// ```ignore
/// #[gort::main]
/// async fn main() {
///     let answer = gort::spawn(async { 6 * 7 });
///     assert_eq!(answer.await.unwrap(), 42);
/// }
/// ```
///
/// With two workers, and returning an error like any `main` may:
///
/// ```ignore
/// #[gort::main(workers = 2)]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "42".parse()?;
///     assert_eq!(n, 42);
///     Ok(())
/// }
/// ```
///
/// This is what the second example expands to (the names starting with `__gort` are hygienic):
///
/// ```ignore
/// fn main() -> Result<(), std::num::ParseIntError> {
///     let __gort_body = async move {
///         #[allow(clippy::diverging_sub_expression)]
///         let __gort_output: Result<(), std::num::ParseIntError> = {
///             let n: u32 = "42".parse()?;
///             assert_eq!(n, 42);
///             Ok(())
///         };
///         #[allow(unreachable_code)]
///         return __gort_output;
///     };
///     #[allow(clippy::expect_used)]
///     let __gort_runtime = {
///         let mut __gort_builder = ::gort::runtime::Builder::new();
///         __gort_builder.worker_threads(2);
///         __gort_builder.build().expect("gort: failed to build the runtime for #[gort::main]")
///     };
///     __gort_runtime.block_on(__gort_body)
/// }
/// ```
///
/// # Errors
///
/// It is a compile error, pointing at the offending token, to use it on anything but an
/// `async fn` without parameters, or with an argument other than `workers = N` (`N` an integer
/// literal of at least 1).
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Main, args.into(), item.into()).into()
}

/// Runs an `async fn` test on its own gort runtime.
///
/// It expands to a `#[test] fn` with the same name, attributes (`#[should_panic]`, `#[ignore]`,
/// doc comments, …) and return type, whose body builds a runtime and `block_on`s the original
/// body, exactly as [`#[gort::main]`](macro@main) does. Every test gets a runtime of its own, so
/// tests running in parallel do not share workers; it is dropped, with every task still alive on
/// it, when the test returns.
///
/// # Arguments
///
/// * `workers = N` — run `N` worker threads (`N >= 1`). Without it the runtime has one worker per
///   core.
///
/// # Examples
///
/// (Not run here: this crate cannot depend on `gort`. The `gort` crate compiles and runs the same
/// tests in `tests/macros_entry.rs`.)
///
/// ```ignore
/// #[gort::test]
/// async fn spawned_task_runs() {
///     let handle = gort::spawn(async { 1 + 1 });
///     assert_eq!(handle.await.unwrap(), 2);
/// }
///
/// #[gort::test(workers = 1)]
/// async fn returns_a_result() -> Result<(), String> {
///     gort::yield_now().await;
///     Ok(())
/// }
///
/// #[gort::test]
/// #[should_panic(expected = "boom")]
/// async fn panics() {
///     panic!("boom");
/// }
/// ```
///
/// # Errors
///
/// It is a compile error, pointing at the offending token, to use it on anything but an
/// `async fn` without parameters, on a function that already has a test attribute, or with an
/// argument other than `workers = N` (`N` an integer literal of at least 1).
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Test, args.into(), item.into()).into()
}
