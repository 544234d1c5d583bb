//! `gort::context` as a Go programmer uses it: cancellation trees, deadlines, `done()` in a
//! `select!`, and contexts handed to many tasks.

use gort::context::{Context, ContextError};
use std::time::{Duration, Instant};

#[test]
fn done_wakes_every_waiting_task_when_cancelled() {
    gort::block_on(async {
        let (ctx, cancel) = Context::background().with_cancel();
        let (ready_tx, ready_rx) = gort::chan::unbounded();
        let waiters: Vec<_> = (0..16)
            .map(|_| {
                let (ctx, ready) = (ctx.clone(), ready_tx.clone());
                gort::spawn(async move {
                    let mut done = std::pin::pin!(ctx.done());
                    // Register before the cancel, so the test covers the wake-up, not the check.
                    assert!(futures::poll!(done.as_mut()).is_pending());
                    ready.send(()).await.unwrap();
                    done.await;
                    ctx.err()
                })
            })
            .collect();
        for _ in 0..16 {
            ready_rx.recv().await.unwrap();
        }
        cancel.cancel();
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap(), Some(ContextError::Canceled));
        }
    });
}

#[test]
fn done_is_a_select_arm() {
    gort::block_on(async {
        let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(10));
        let (_tx, rx) = gort::chan::bounded::<u32>(0); // never sends
        let start = Instant::now();
        let which = gort::select! {
            v = recv(rx) => panic!("nothing was sent, got {v:?}"),
            _ = ctx.done() => "done",
        };
        assert_eq!(which, "done");
        assert!(
            start.elapsed() >= Duration::from_millis(10),
            "never before the deadline"
        );
        assert_eq!(ctx.err(), Some(ContextError::DeadlineExceeded));
    });
}

#[test]
fn a_deadline_reaches_children_that_wait() {
    gort::block_on(async {
        let (parent, _c) = Context::background().with_timeout(Duration::from_millis(5));
        let (child, _c2) = parent.with_cancel();
        let (grandchild, _c3) = child.with_timeout(Duration::from_secs(3600));
        grandchild.done().await;
        assert_eq!(grandchild.err(), Some(ContextError::DeadlineExceeded));
        assert_eq!(child.err(), Some(ContextError::DeadlineExceeded));
    });
}

#[test]
fn a_worker_loop_stops_on_cancel() {
    // The Go pattern: a goroutine loops on select { case <-ctx.Done(): return; case v := <-in: }
    gort::block_on(async {
        let (ctx, cancel) = Context::background().with_cancel();
        let (tx, rx) = gort::chan::bounded::<u64>(0);
        let worker = gort::spawn(async move {
            let mut sum = 0;
            loop {
                gort::select! {
                    v = recv(rx) => sum += v.expect("the sender outlives the worker"),
                    _ = ctx.done() => return sum,
                }
            }
        });
        for v in 1..=100 {
            tx.send(v).await.unwrap();
        }
        cancel.cancel();
        assert_eq!(
            worker.await.unwrap(),
            5050,
            "every sent value was received exactly once"
        );
    });
}

#[test]
fn contexts_work_from_plain_threads() {
    let (ctx, cancel) = Context::background().with_cancel();
    let waiter = {
        let ctx = ctx.clone();
        std::thread::spawn(move || futures::executor::block_on(ctx.done()))
    };
    cancel.cancel();
    waiter.join().unwrap();
    assert!(ctx.is_done());
}
