//! Stress: many tiny tasks, spawned from several tasks at once, all accounted for.
//!
//! Bounded in count (and so in time: about a second in release mode on 2 cores).

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

#[test]
fn a_million_tiny_tasks_from_several_spawners_all_complete_exactly_once() {
    const SPAWNERS: usize = 8;
    const PER_SPAWNER: usize = 125_000;
    let rt = gort::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap();
    let completed = Arc::new(AtomicUsize::new(0));
    let sum = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let spawners: Vec<_> = (0..SPAWNERS)
            .map(|s| {
                let completed = completed.clone();
                let sum = sum.clone();
                gort::spawn(async move {
                    let mut handles = Vec::with_capacity(PER_SPAWNER);
                    for i in 0..PER_SPAWNER {
                        let completed = completed.clone();
                        let sum = sum.clone();
                        handles.push(gort::spawn(async move {
                            completed.fetch_add(1, Relaxed);
                            sum.fetch_add(s * PER_SPAWNER + i, Relaxed);
                        }));
                    }
                    for h in handles {
                        h.await.unwrap();
                    }
                })
            })
            .collect();
        for s in spawners {
            s.await.unwrap();
        }
    });
    let n = SPAWNERS * PER_SPAWNER;
    assert_eq!(completed.load(Relaxed), n);
    assert_eq!(sum.load(Relaxed), n * (n - 1) / 2);
    let metrics = rt.handle().metrics();
    assert_eq!(metrics.tasks_alive, 0);
    assert!(metrics.tasks_spawned >= n as u64);
}

#[test]
fn detached_tasks_spawned_from_outside_all_run() {
    const TASKS: usize = 200_000;
    let rt = gort::runtime::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let counter = Arc::new(AtomicUsize::new(0));
    for _ in 0..TASKS {
        let counter = counter.clone();
        let tx = tx.clone();
        // Detached, like `gort::go`, but on this runtime.
        drop(rt.spawn(async move {
            if counter.fetch_add(1, Relaxed) + 1 == TASKS {
                tx.send(()).unwrap();
            }
        }));
    }
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("every task ran");
    assert_eq!(counter.load(Relaxed), TASKS);
}
