//! # gort-macros
//!
//! The procedural macros of gort. Use them through the facade crate — `#[gort::main]`,
//! `#[gort::test]` and `gort::select!` — never by depending on this crate directly: the
//! code they generate names `::gort`, so it only compiles in a crate that depends on `gort`.
//!
//! | macro | file | what it does |
//! |---|---|---|
//! | [`#[main]`](macro@main) | `entry.rs` | runs an `async fn main` on a fresh gort runtime |
//! | [`#[test]`](macro@test) | `entry.rs` | the same, for an `async fn` test |
//! | [`select!`](macro@select) | `select/{parse,expand}.rs` | Go's `select` over channel operations and futures |
//!
//! The examples below run as doctests through the facade (`gort` is a dev-dependency of this
//! crate). The `gort` crate's integration tests, `tests/macros_entry.rs` and `tests/select.rs`,
//! cover many more uses and check every compile error with trybuild (`tests/ui/`). The
//! expansions and error messages are also unit-tested here, in `entry.rs` and `select/`.
//!
//! ```
//! #[gort::main]
//! async fn main() {
//!     let (tx, rx) = gort::chan::bounded(0);
//!     gort::go(async move { tx.send("hello").await.unwrap() });
//!     let got = gort::select! {
//!         msg = recv(rx) => msg,
//!         _ = gort::time::sleep(gort::time::Duration::from_secs(5)) => None,
//!     };
//!     assert_eq!(got, Some("hello"));
//! }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod entry;
mod select;

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
///   Without it the runtime takes the builder's default: `GORT_WORKERS` workers when that
///   variable is set (Go's `GOMAXPROCS`), else one per core.
///
/// # Examples
///
/// ```
/// #[gort::main]
/// async fn main() {
///     let answer = gort::spawn(async { 6 * 7 });
///     assert_eq!(answer.await.unwrap(), 42);
/// }
/// ```
///
/// With two workers, and returning an error like any `main` may:
///
/// ```
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
/// ```
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
/// * `workers = N` — run `N` worker threads (`N >= 1`). Without it the runtime takes the
///   builder's default: `GORT_WORKERS` workers when set, else one per core.
///
/// # Examples
///
/// ```
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

/// Waits on several channel operations and futures at once; exactly one of them happens. Go's
/// `select` statement.
///
/// ```text
/// gort::select! {
///     biased;                                  // optional: try the arms in source order
///     v   = recv(rx)                => { … }   // v: Option<T> (None: closed and drained)
///     res = send(tx, value)         => { … }   // res: Result<(), SendError<T>>
///     out = some_future, if cond    => { … }   // any future; `, if GUARD` works on every arm
///     default                       => { … }   // optional: runs when no arm is ready right now
/// }
/// ```
///
/// It is an expression used inside `async` code (it `.await`s); its value is the value of the
/// body that ran. The rules are Go's:
///
/// * **Exactly one arm completes.** A channel operation of an arm that does not complete never
///   takes effect: no message is taken from, or given to, any channel by a losing arm — also on
///   unbuffered channels where a counterpart arrives while the select waits. The value of a
///   losing `send` arm is dropped; a losing future is dropped.
///
///   That guarantee belongs to `recv(..)` and `send(..)` arms. A future arm is an ordinary
///   future: a losing one is dropped, with whatever its own cancellation rule says — a
///   `tx.send(v)` *future* used as an arm may already have been paired with a receiver (even with
///   this select's own `recv` arm). Write channel operations as `recv(..)`/`send(..)` arms.
/// * **Fair.** When several arms are ready, one is chosen uniformly at random; with `biased;`,
///   the first ready one in source order.
/// * **`default`** runs only when no enabled arm is ready at the moment `select!` is entered.
/// * **Nil channels.** `recv(X)` takes `&Receiver<T>`, a place of type `Receiver<T>` (borrowed,
///   never moved), or an `Option` of either; `send(X, v)` likewise with `Sender<T>`. `None` is
///   Go's nil channel: the arm is never ready.
/// * **Evaluation.** Every expression — channels, values, futures, guards — is evaluated once, in
///   source order, when `select!` is entered (also those of arms whose guard is false, as Go
///   evaluates every case). A false guard disables its arm. With no enabled arm and no `default`
///   the select waits forever (Go's `select {}`).
/// * **Bodies** are a block, or an expression followed by a comma, as in `match` (a block-like
///   expression such as `if … { } else { }` or `match` needs no comma). They run in the
///   enclosing code: `break`, `continue`, `return`, `?` and `.await` act on it.
/// * **Patterns** must be irrefutable (`v`, `_`, `(a, b)`): the arm's operation has already
///   happened when its pattern is matched.
/// * **Cancellation.** Dropping a waiting select loses nothing: no receive arm consumes a
///   message, and at most one send arm can have been taken by a receiver.
/// * A select never pairs with itself: a `send(tx, v)` and a `recv(rx)` arm on one unbuffered
///   channel in one select block, as in Go.
/// * Ready arms spend the cooperative budget (`gort::coop`), so a loop of selects that are
///   always ready still lets other tasks run.
/// * It works on any executor and inside `block_on`; futures need not be `Unpin` or
///   `FusedFuture`. The future it is part of is `Send` when everything it holds is.
///
/// `recv` and `send` are keywords here: to use a future returned by your own function named
/// `recv` or `send`, write its path (`self::recv(x)`) or put it in parentheses.
///
/// # Examples
///
/// A worker that handles jobs until told to quit:
///
/// ```
/// use gort::chan;
///
/// async fn worker(jobs: chan::Receiver<u32>, quit: chan::Receiver<()>) -> u32 {
///     let mut done = 0;
///     loop {
///         gort::select! {
///             job = recv(jobs) => match job {
///                 Some(job) => done += job,
///                 None => return done, // closed: no more jobs
///             },
///             _ = recv(quit) => return done,
///         }
///     }
/// }
///
/// # gort::block_on(async {
/// let (jobs_tx, jobs) = chan::bounded(3);
/// let (_quit_tx, quit) = chan::bounded(0);
/// for job in [1, 2, 3] {
///     jobs_tx.send(job).await.unwrap();
/// }
/// drop(jobs_tx); // close(jobs)
/// assert_eq!(worker(jobs, quit).await, 6);
/// # });
/// ```
///
/// A non-blocking send, Go's `select { case ch <- v: … default: … }`:
///
/// ```
/// # gort::block_on(async {
/// let (tx, rx) = gort::chan::bounded(1);
/// for i in 0..3 {
///     gort::select! {
///         res = send(tx, i) => res.unwrap(),
///         default => println!("dropped {i}: the buffer is full"),
///     }
/// }
/// assert_eq!(rx.try_recv(), Ok(0));
/// # });
/// ```
///
/// A timeout through a future arm, and a nil channel turning an arm off:
///
/// ```
/// # gort::block_on(async {
/// let maybe_rx: Option<&gort::chan::Receiver<u32>> = None; // nil: never ready
/// let got = gort::select! {
///     v = recv(maybe_rx) => v,
///     _ = gort::time::sleep(std::time::Duration::from_millis(10)) => None,
/// };
/// assert_eq!(got, None);
/// # });
/// ```
///
/// # Errors
///
/// A misuse is a compile error pointing at the arm: an arm that is not one of the forms above,
/// two `default` arms, `biased;` anywhere but first, a missing `=>`, `recv`/`send` with the wrong
/// number of arguments, or something that is not a receiver (sender) in `recv(..)`
/// (`send(..)`).
#[proc_macro]
pub fn select(input: TokenStream) -> TokenStream {
    select::expand(input.into()).into()
}
