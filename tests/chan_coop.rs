//! Channel operations spend gort's cooperative budget: a task looping on channel operations
//! that are always ready still lets other tasks on its worker run.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;

#[test]
fn a_task_looping_on_always_ready_channel_operations_yields() {
    let rt = gort::runtime::Builder::new()
        .worker_threads(1)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let rounds = rt.block_on(async move {
        let busy = gort::spawn(async move {
            let (tx, rx) = gort::chan::unbounded();
            let mut rounds = 0u64;
            // Both operations are always ready: without a budget this loop never returns
            // Pending, and the single worker never runs the task that sets `stop`.
            while !s.load(SeqCst) {
                tx.send(rounds).await.unwrap();
                assert_eq!(rx.recv().await, Some(rounds));
                rounds += 1;
            }
            rounds
        });
        gort::spawn(async move { stop.store(true, SeqCst) })
            .await
            .unwrap();
        busy.await.unwrap()
    });
    assert!(rounds > 0);
}

#[test]
fn outside_gort_channel_operations_are_not_budgeted() {
    // futures::executor sets no budget: ten thousand ready operations in one poll are fine.
    futures::executor::block_on(async {
        let (tx, rx) = gort::chan::bounded(1);
        for i in 0..10_000 {
            tx.send(i).await.unwrap();
            assert_eq!(rx.recv().await, Some(i));
        }
    });
}
