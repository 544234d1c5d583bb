//! Behaviour of `sync::Mutex`: mutual exclusion under stress, FIFO hand-off (no barging, no
//! starvation), try_lock with and without waiters, cancel safety, the blocking API, panics
//! while locked, and the std-like traits.

#![cfg(not(loom))]

mod common;
use common::{poll_once, ready};
use gort_channel::sync::{Mutex, MutexGuard};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

/// A counter whose increment is a separate read and write: two holders at once would lose
/// updates (the `Cell` also proves the mutex needs only `T: Send`).
struct Counter(Cell<u64>);

impl Counter {
    fn bump(&self) {
        let v = self.0.get();
        std::hint::spin_loop(); // widen the window a broken lock would expose
        self.0.set(v + 1);
    }
}

#[test]
fn mutual_exclusion_under_stress_from_threads_and_tasks() {
    const THREADS: u64 = 4;
    const ROUNDS: u64 = 2_000;
    let m = Arc::new(Mutex::new(Counter(Cell::new(0))));
    let start = Arc::new(Barrier::new(THREADS as usize));
    let threads: Vec<_> = (0..THREADS)
        .map(|i| {
            let (m, start) = (m.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..ROUNDS {
                    if i % 2 == 0 {
                        m.lock_blocking().bump();
                    } else {
                        futures::executor::block_on(async { m.lock().await.bump() });
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let m = Arc::try_unwrap(m).ok().expect("all threads are done");
    assert_eq!(m.into_inner().0.get(), THREADS * ROUNDS);
}

#[test]
fn unlock_hands_the_lock_to_waiters_in_fifo_order() {
    let m = Mutex::new(Vec::new());
    let guard = m.try_lock().unwrap();
    let mut a = m.lock();
    let mut b = m.lock();
    let mut c = m.lock();
    for f in [&mut a, &mut b, &mut c] {
        assert!(poll_once(f).is_pending());
    }
    drop(guard);
    // The lock now belongs to `a`: nobody can barge in, even before `a` runs.
    assert!(m.try_lock().is_err());
    assert!(poll_once(&mut c).is_pending());
    assert!(poll_once(&mut b).is_pending());
    ready(&mut a).push('a');
    assert!(poll_once(&mut c).is_pending());
    ready(&mut b).push('b');
    ready(&mut c).push('c');
    assert_eq!(*m.try_lock().unwrap(), ['a', 'b', 'c']);
}

#[test]
fn a_thread_relocking_in_a_loop_cannot_starve_a_waiter() {
    // One thread locks and unlocks as fast as it can; the others need 200 turns each. With
    // barging the fast thread could keep the lock; hand-off lets everyone in. The greedy loop
    // is bounded, so starvation shows up as a failed assertion, not a hang.
    const TURNS: usize = 200;
    let m = Arc::new(Mutex::new(0usize));
    let stop = Arc::new(AtomicBool::new(false));
    let greedy = {
        let (m, stop) = (m.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut rounds = 0;
            while !stop.load(Ordering::Relaxed) && rounds < 10_000_000 {
                *m.lock_blocking() += 0;
                rounds += 1;
            }
            stop.load(Ordering::Relaxed)
        })
    };
    let others: Vec<_> = (0..2)
        .map(|_| {
            let m = m.clone();
            std::thread::spawn(move || {
                for _ in 0..TURNS {
                    *m.lock_blocking() += 1;
                }
            })
        })
        .collect();
    for t in others {
        t.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    assert!(
        greedy.join().unwrap(),
        "the waiters did not finish while the greedy thread ran"
    );
    assert_eq!(*m.lock_blocking(), 2 * TURNS);
}

#[test]
fn try_lock_fails_while_held_or_while_others_wait() {
    let m = Mutex::new(1);
    let guard = m.try_lock().unwrap();
    assert!(m.try_lock().is_err());
    let mut waiter = m.lock();
    assert!(poll_once(&mut waiter).is_pending());
    drop(guard);
    assert!(m.try_lock().is_err(), "the waiter owns it now");
    drop(ready(&mut waiter));
    assert!(m.try_lock().is_ok());
}

#[test]
fn a_lock_future_dropped_after_the_hand_off_unlocks_for_the_next() {
    let m = Mutex::new(0);
    let guard = m.try_lock().unwrap();
    let mut a = m.lock();
    let mut b = m.lock();
    assert!(poll_once(&mut a).is_pending());
    assert!(poll_once(&mut b).is_pending());
    drop(guard); // handed to `a`
    drop(a); // ... which never ran: `b` gets it
    *ready(&mut b) += 1;
    assert_eq!(*m.try_lock().unwrap(), 1);
}

#[test]
fn a_lock_future_dropped_while_waiting_takes_nothing() {
    let m = Mutex::new(0);
    let guard = m.try_lock().unwrap();
    let mut a = m.lock();
    assert!(poll_once(&mut a).is_pending());
    drop(a);
    drop(guard);
    assert!(
        m.try_lock().is_ok(),
        "the dropped waiter must not hold the lock"
    );
}

#[test]
fn a_blocked_thread_is_woken_by_an_async_unlock() {
    let m = Arc::new(Mutex::new(0));
    let guard = futures::executor::block_on(m.lock());
    let locked = Arc::new(AtomicUsize::new(0));
    let t = {
        let (m, locked) = (m.clone(), locked.clone());
        std::thread::spawn(move || {
            *m.lock_blocking() += 1;
            locked.store(1, Ordering::SeqCst);
        })
    };
    // Whether the thread is queued yet or not, it must get the lock after this unlock.
    drop(guard);
    t.join().unwrap();
    assert_eq!(locked.load(Ordering::SeqCst), 1);
    assert_eq!(*m.lock_blocking(), 1);
}

#[test]
fn a_panic_while_locked_unlocks_without_poisoning() {
    let m = Arc::new(Mutex::new(1));
    let result = {
        let m = m.clone();
        std::thread::spawn(move || {
            let mut guard = m.lock_blocking();
            *guard = 2;
            panic!("user code panicked while holding the lock");
        })
        .join()
    };
    assert!(result.is_err());
    assert_eq!(*m.try_lock().expect("unlocked on unwind"), 2);
}

#[test]
fn get_mut_into_inner_default_from_and_debug() {
    let mut m: Mutex<Vec<u8>> = Mutex::default();
    m.get_mut().push(1);
    assert_eq!(format!("{m:?}"), "Mutex { data: [1] }");
    let guard = m.try_lock().unwrap();
    assert_eq!(format!("{guard:?}"), "[1]");
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    drop(guard);
    assert_eq!(m.into_inner(), [1]);
    assert_eq!(Mutex::from(3).into_inner(), 3);
    assert_eq!(format!("{}", Mutex::new(7).try_lock().unwrap()), "7");
}

#[test]
fn unsized_values() {
    let m: Box<Mutex<[u8]>> = Box::new(Mutex::new([1, 2, 3]));
    m.try_lock().unwrap()[0] = 9;
    assert_eq!(&*m.lock_blocking(), &[9, 2, 3]);
}

#[test]
fn send_and_sync_bounds_follow_std() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    // A `Cell` may be locked from any thread (it moves, it is never shared)...
    send::<Mutex<Cell<u8>>>();
    sync::<Mutex<Cell<u8>>>();
    // ... and its guard may be held across `.await` in a spawned (Send) task.
    send::<MutexGuard<'static, Cell<u8>>>();
    sync::<MutexGuard<'static, u8>>();
    send::<gort_channel::sync::MutexLockFuture<'static, Cell<u8>>>();
}
