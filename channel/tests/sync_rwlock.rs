//! Behaviour of `sync::RwLock`: readers share, a writer is exclusive, a waiting writer is not
//! starved by later readers, queued readers enter together, cancel safety, the blocking API,
//! and a consistency stress test.

#![cfg(not(loom))]

mod common;
use common::{poll_once, ready};
use gort_channel::sync::RwLock;
use std::sync::{Arc, Barrier};

#[test]
fn many_readers_hold_the_lock_at_once() {
    let lock = RwLock::new(5);
    let guards: Vec<_> = (0..10).map(|_| lock.try_read().unwrap()).collect();
    let mut r = lock.read();
    assert_eq!(*ready(&mut r), 5, "a read future joins the readers at once");
    assert!(lock.try_write().is_err());
    assert!(guards.iter().all(|g| **g == 5));
}

#[test]
fn a_writer_excludes_readers_and_writers() {
    let lock = RwLock::new(0);
    let mut w = lock.try_write().unwrap();
    *w = 1;
    assert!(lock.try_read().is_err());
    assert!(lock.try_write().is_err());
    let mut r = lock.read();
    let mut w2 = lock.write();
    assert!(poll_once(&mut r).is_pending());
    assert!(poll_once(&mut w2).is_pending());
    drop(w);
    assert_eq!(*ready(&mut r), 1);
}

#[test]
fn a_waiting_writer_is_not_starved_by_later_readers() {
    let lock = RwLock::new(0);
    let r1 = lock.try_read().unwrap();
    let mut w = lock.write();
    assert!(poll_once(&mut w).is_pending());
    // Readers hold the lock, but a writer waits: newcomers queue behind it.
    assert!(lock.try_read().is_err());
    let mut r2 = lock.read();
    let mut r3 = lock.read();
    assert!(poll_once(&mut r2).is_pending());
    assert!(poll_once(&mut r3).is_pending());
    drop(r1);
    let mut wg = ready(&mut w);
    *wg = 1;
    assert!(poll_once(&mut r2).is_pending());
    drop(wg);
    // Both readers queued behind the writer enter together.
    let (g2, g3) = (ready(&mut r2), ready(&mut r3));
    assert_eq!((*g2, *g3), (1, 1));
}

#[test]
fn a_write_future_dropped_while_waiting_lets_readers_in() {
    let lock = RwLock::new(0);
    let r1 = lock.try_read().unwrap();
    let mut w = lock.write();
    let mut r2 = lock.read();
    assert!(poll_once(&mut w).is_pending());
    assert!(poll_once(&mut r2).is_pending());
    drop(w); // the waiting head leaves: the reader behind it may join r1
    let _g2 = ready(&mut r2);
    drop(r1);
    assert!(lock.try_read().is_ok());
}

#[test]
fn a_write_future_dropped_after_its_grant_passes_the_lock_on() {
    let lock = RwLock::new(0);
    let r = lock.try_read().unwrap();
    let mut w = lock.write();
    let mut r2 = lock.read();
    assert!(poll_once(&mut w).is_pending());
    assert!(poll_once(&mut r2).is_pending());
    drop(r); // handed to `w`
    drop(w); // ... which never ran
    let _g = ready(&mut r2);
    assert!(lock.try_write().is_err());
}

#[test]
fn readers_and_writers_on_threads_see_consistent_state() {
    // Writers keep the two halves equal; a reader must never see them differ, and every
    // increment must land. Bounded: 4 threads, 1,000 rounds each.
    const ROUNDS: usize = 1_000;
    let lock = Arc::new(RwLock::new((0usize, 0usize)));
    let start = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let (lock, start) = (lock.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..ROUNDS {
                    if i < 2 {
                        let mut g = if i == 0 {
                            lock.write_blocking()
                        } else {
                            futures::executor::block_on(lock.write())
                        };
                        let a = g.0;
                        std::hint::spin_loop();
                        *g = (a + 1, a + 1);
                    } else {
                        let g = if i == 2 {
                            lock.read_blocking()
                        } else {
                            futures::executor::block_on(lock.read())
                        };
                        assert_eq!(g.0, g.1, "a reader saw a half-done write");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*lock.read_blocking(), (2 * ROUNDS, 2 * ROUNDS));
    assert!(lock.try_write().is_ok(), "every guard was released");
}

#[test]
fn get_mut_into_inner_default_and_debug() {
    let mut lock: RwLock<Vec<u8>> = RwLock::default();
    lock.get_mut().push(4);
    assert_eq!(format!("{lock:?}"), "RwLock { data: [4] }");
    let w = lock.try_write().unwrap();
    assert_eq!(format!("{lock:?}"), "RwLock { data: <locked> }");
    assert_eq!(format!("{w:?}"), "[4]");
    drop(w);
    let r = lock.try_read().unwrap();
    assert_eq!(format!("{lock:?}"), "RwLock { data: [4] }", "readers share");
    drop(r);
    assert_eq!(lock.into_inner(), [4]);
}

#[test]
fn send_and_sync_bounds() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<RwLock<u8>>();
    sync::<RwLock<u8>>();
    send::<gort_channel::sync::RwLockReadGuard<'static, u8>>();
    send::<gort_channel::sync::RwLockWriteGuard<'static, u8>>();
    send::<gort_channel::sync::RwLockWriteFuture<'static, u8>>();
}
