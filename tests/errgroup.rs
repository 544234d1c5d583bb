//! `gort::errgroup` as Go's `errgroup` is used: fan out, fail fast, limits, panics.

use gort::context::{Context, ContextError};
use gort::errgroup::Group;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn wait_returns_after_every_task_with_the_first_error() {
    gort::block_on(async {
        let (group, ctx) = Group::with_context(&Context::background());
        let finished = Arc::new(AtomicUsize::new(0));
        // The others fail only once the group's context is cancelled, which happens after the
        // first failure was recorded: so "first" is well defined.
        for _ in 0..50 {
            let (finished, ctx) = (finished.clone(), ctx.clone());
            group.spawn(async move {
                ctx.done().await;
                finished.fetch_add(1, SeqCst);
                Err("later")
            });
        }
        let f = finished.clone();
        group.spawn(async move {
            f.fetch_add(1, SeqCst);
            Err("first")
        });
        assert_eq!(group.wait().await, Err("first"));
        assert_eq!(
            finished.load(SeqCst),
            51,
            "wait returns only after every task finished"
        );
    });
}

#[test]
fn the_first_error_cancels_the_context_and_siblings_see_it() {
    gort::block_on(async {
        let (group, ctx) = Group::with_context(&Context::background());
        let stopped = Arc::new(AtomicUsize::new(0));
        for _ in 0..8 {
            let (ctx, stopped) = (ctx.clone(), stopped.clone());
            group.spawn(async move {
                ctx.done().await;
                assert_eq!(ctx.err(), Some(ContextError::Canceled));
                stopped.fetch_add(1, SeqCst);
                Ok(())
            });
        }
        group.spawn(async { Err(std::io::Error::other("disk full")) });
        let err = group.wait().await.unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(stopped.load(SeqCst), 8);
    });
}

#[test]
fn success_cancels_the_context_when_wait_returns() {
    gort::block_on(async {
        let (group, ctx) = Group::<()>::with_context(&Context::background());
        group.spawn(async { Ok(()) });
        assert_eq!(group.wait().await, Ok(()));
        assert!(ctx.is_done(), "Go's Wait cancels the group's context too");
    });
}

#[test]
fn a_limit_bounds_how_many_run_at_once() {
    gort::block_on(async {
        let group = Group::<()>::new();
        group.set_limit(3);
        let (now, peak, ran) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        for _ in 0..200 {
            let (now, peak, ran) = (now.clone(), peak.clone(), ran.clone());
            group.spawn(async move {
                peak.fetch_max(now.fetch_add(1, SeqCst) + 1, SeqCst);
                for _ in 0..3 {
                    gort::yield_now().await;
                }
                now.fetch_sub(1, SeqCst);
                ran.fetch_add(1, SeqCst);
                Ok(())
            });
        }
        group.wait().await.unwrap();
        assert_eq!(ran.load(SeqCst), 200);
        assert!(
            peak.load(SeqCst) <= 3,
            "peak {} > limit 3",
            peak.load(SeqCst)
        );
    });
}

#[test]
fn a_panicking_task_panics_wait_and_cancels_the_context() {
    let (group, ctx) = Group::<()>::with_context(&Context::background());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gort::block_on(async {
            group.spawn(async { panic!("task exploded") });
            group.spawn(async { Ok(()) });
            group.wait().await
        })
    }));
    let payload = result.expect_err("wait must resume the task's panic");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"task exploded"));
    assert!(ctx.is_done());
}

#[test]
#[should_panic(expected = "set_limit called while 1 tasks of the group are still running")]
fn changing_the_limit_while_tasks_run_panics() {
    let group = Group::<()>::new();
    let (_tx, rx) = gort::chan::bounded::<()>(0);
    group.spawn(async move {
        let _ = rx.recv().await;
        Ok(())
    });
    group.set_limit(2);
}

#[test]
fn tasks_can_spawn_into_their_own_group() {
    gort::block_on(async {
        let group = Group::<()>::new();
        let count = Arc::new(AtomicUsize::new(0));
        let inner = group.clone();
        let c = count.clone();
        group.spawn(async move {
            for _ in 0..10 {
                let c = c.clone();
                inner.spawn(async move {
                    c.fetch_add(1, SeqCst);
                    Ok(())
                });
            }
            Ok(())
        });
        group.wait().await.unwrap();
        assert_eq!(count.load(SeqCst), 10);
    });
}

#[test]
fn a_panic_is_not_hidden_behind_an_earlier_error() {
    let group = Group::<&str>::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gort::block_on(async {
            let (tx, rx) = gort::chan::bounded::<()>(0);
            group.spawn(async move {
                drop(tx);
                Err("an ordinary error")
            });
            group.spawn(async move {
                assert_eq!(rx.recv().await, None); // after the error
                panic!("a bug");
            });
            group.wait().await
        })
    }));
    let payload = result.expect_err("the panic comes out of wait");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"a bug"));
}

#[test]
fn wait_returns_when_the_runtime_drops_an_unfinished_task() {
    let group = Group::<()>::new();
    let rt = gort::runtime::Builder::new()
        .worker_threads(1)
        .build()
        .unwrap();
    let (_never_tx, never) = gort::chan::bounded::<()>(0);
    rt.block_on(async {
        group.spawn(async move {
            let _ = never.recv().await; // never finishes on its own
            Ok(())
        });
    });
    drop(rt); // drops the pending task
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gort::block_on(group.wait())
    }));
    let payload = result.expect_err("an unfinished task is reported, not passed off as success");
    let message = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("dropped before it finished"), "{message}");
}
