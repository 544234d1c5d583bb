//! `#[gort::main]` and `#[gort::test]`, used as a user would use them.
//!
//! Each `#[gort::test]` below is itself the test: if the attribute expanded wrongly, this file
//! would not compile or the test would not run on a gort runtime. The unit tests of the expansion
//! itself (and of its error messages) are in `select-macro/src/entry.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gort::runtime::Handle;

#[gort::test]
async fn spawned_task_runs_and_is_awaited() {
    // The body runs inside the runtime that the attribute built.
    assert!(Handle::try_current().is_some());

    let handle = gort::spawn(async { 6 * 7 });
    assert_eq!(handle.await.unwrap(), 42);
}

#[gort::test(workers = 1)]
async fn one_worker() {
    assert_eq!(Handle::current().metrics().workers, 1);

    // Many tasks on one worker still all run to completion.
    let counter = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..100)
        .map(|_| {
            let counter = Arc::clone(&counter);
            gort::spawn(async move {
                gort::yield_now().await;
                counter.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    assert_eq!(counter.load(Ordering::Relaxed), 100);
}

#[gort::test(workers = 3)]
async fn workers_sets_the_number_of_worker_threads() {
    assert_eq!(Handle::current().metrics().workers, 3);
}

#[gort::test]
async fn returns_a_result() -> Result<(), String> {
    // `?` in the body acts on the test's `Result`, as it would in an `async fn`.
    let value = gort::spawn(async { 7 })
        .await
        .map_err(|error| error.to_string())?;
    if value != 7 {
        return Err(format!("expected 7, got {value}"));
    }
    Ok(())
}

#[gort::test]
async fn question_mark_converts_errors() -> Result<(), Box<dyn std::error::Error>> {
    let n: u32 = "12".parse()?;
    let doubled = gort::spawn(async move { n * 2 }).await?;
    assert_eq!(doubled, 24);
    Ok(())
}

#[gort::test]
#[should_panic(expected = "boom")]
async fn a_panicking_body_fails_the_test() {
    gort::yield_now().await;
    panic!("boom");
}

#[gort::test]
#[ignore = "checks that #[ignore] is kept: this test must never run"]
async fn other_attributes_are_kept() {
    panic!("an #[ignore]d #[gort::test] ran");
}

/// `#[gort::main]` does not care about the function's name: this is a `main` that a test can
/// call, and it shows that the visibility, the return type and `return` survive the expansion.
#[gort::main(workers = 2)]
pub(crate) async fn main_like() -> Result<usize, String> {
    let workers = Handle::current().metrics().workers;
    if workers != 2 {
        return Err(format!("expected 2 workers, got {workers}"));
    }
    gort::spawn(async { 40 + 2 })
        .await
        .map_err(|error| error.to_string())
}

#[test]
fn main_builds_a_runtime_and_returns_the_body_s_value() {
    // Called from a plain thread, outside any runtime: `main_like` builds its own.
    assert!(Handle::try_current().is_none());
    assert_eq!(main_like(), Ok(42));
    // Its runtime is gone once it returns.
    assert!(Handle::try_current().is_none());
}
