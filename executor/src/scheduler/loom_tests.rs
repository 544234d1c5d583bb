//! loom models of the scheduler's lock-free parts: the stealable run queue (`queue.rs`) with its
//! overflow into the global queue (`inject.rs`), the idle/park protocol (`idle.rs`, `park.rs`,
//! as `worker.rs` uses them), and the parker alone.
//!
//! Under loom `queue::CAPACITY` is 4, so a handful of tasks makes the ring wrap around and
//! overflow. Tasks are real tasks on a scheduler that never runs anything ([`Sink`]); they are
//! told apart by their header pointer. Each task's future holds a loom `Arc`, so a `Notified`
//! reference that is lost (never handed out, never dropped) is reported by loom's leak check.
//!
//! The models and the invariant each one checks:
//!
//! * [`push_pop_steal_with_overflow`]: the owner pushes past capacity (overflowing half the ring
//!   into the global queue, or not, if a steal made room first) and pops, while a stealer steals
//!   twice into its own queue: every task is obtained exactly once, across the owner's pops, the
//!   stolen tasks, the stealer's queue, the owner's queue and the global queue.
//! * [`pop_races_steal_for_last_task`]: the owner's pop and a steal race for a single task: exactly
//!   one of them gets it.
//! * [`two_stealers_and_pop`]: two stealers and the owner's pop race over three tasks: each task
//!   is obtained exactly once.
//! * [`park_no_lost_wakeup`]: a worker running `Worker::park`'s protocol (last searcher
//!   re-checks, then `Parker::park`, then `Idle::unpark`) against a thread pushing into the global
//!   queue and calling `Idle::worker_to_notify`: the worker always finds the task (a lost wake-up
//!   leaves it parked forever, which loom reports as a deadlock), and afterwards nobody is
//!   counted as searching or parked.
//! * [`unpark_races_park`]: `Unparker::unpark` racing `Parker::park`: the park always returns.

use super::idle::Idle;
use super::inject::Inject;
use super::park::{self, Parker, Unparker};
use super::queue::{self, Local, CAPACITY};
use crate::loom::Arc;
use crate::task::{new_task, Notified, RawTask, Schedule};
use loom::thread;

/// A scheduler that drops whatever it is given: enough to make real tasks for the queues.
struct Sink;

impl Schedule for Sink {
    fn schedule(&self, _task: Notified) {}

    fn release(&self, _task: RawTask) -> usize {
        0
    }
}

/// A detached task whose only reference is the returned `Notified`; its future holds `token`.
fn task(token: &Arc<()>) -> Notified {
    let token = token.clone();
    let (notified, join, _) = new_task(async move { drop(token) }, Sink, false);
    drop(join);
    notified
}

fn id(task: &Notified) -> usize {
    task.raw().header_ptr().as_ptr() as usize
}

/// Asserts that `got` holds each of `expected` exactly once.
fn assert_each_once(got: &[Notified], expected: &[usize]) {
    let mut got: Vec<usize> = got.iter().map(id).collect();
    let mut expected = expected.to_vec();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected, "a task was lost or obtained twice");
}

fn drain_local(local: &Local, into: &mut Vec<Notified>) {
    while let Some(task) = local.pop() {
        into.push(task);
    }
}

/// Model 5a: push with overflow and pop on the owner's side, steal on the other.
#[test]
fn push_pop_steal_with_overflow() {
    loom::model(|| {
        let token = Arc::new(());
        let inject = Inject::new();
        let (local, steal) = queue::local();
        let tasks: Vec<Notified> = (0..CAPACITY + 2).map(|_| task(&token)).collect();
        let ids: Vec<usize> = tasks.iter().map(id).collect();
        let mut tasks = tasks.into_iter();

        // Start with a ring one short of full: the owner's next two pushes fill it and then
        // overflow, unless the steal makes room first.
        for task in tasks.by_ref().take(CAPACITY - 1) {
            local.push_back_or_overflow(task, &inject);
        }

        let stealer = thread::spawn(move || {
            let (mine, _mine_steal) = queue::local();
            let mut got: Vec<Notified> = steal.steal_into(&mine).into_iter().collect();
            drain_local(&mine, &mut got);
            got.extend(steal.steal_into(&mine));
            drain_local(&mine, &mut got);
            got
        });

        let mut got: Vec<Notified> = Vec::new();
        local.push_back_or_overflow(tasks.next().unwrap(), &inject);
        local.push_back_or_overflow(tasks.next().unwrap(), &inject);
        got.extend(local.pop());
        local.push_back_or_overflow(tasks.next().unwrap(), &inject);
        got.extend(local.pop());

        got.extend(stealer.join().unwrap());
        drain_local(&local, &mut got);
        while let Some(task) = inject.pop() {
            got.push(task);
        }
        assert_each_once(&got, &ids);
    });
}

/// Model 5c: two stealers race each other and the owner's pop.
#[test]
fn two_stealers_and_pop() {
    loom::model(|| {
        let token = Arc::new(());
        let inject = Inject::new();
        let (local, steal) = queue::local();
        let tasks: Vec<Notified> = (0..3).map(|_| task(&token)).collect();
        let ids: Vec<usize> = tasks.iter().map(id).collect();
        for task in tasks {
            local.push_back_or_overflow(task, &inject);
        }
        let stealers: Vec<_> = (0..2)
            .map(|_| {
                let steal = steal.clone();
                thread::spawn(move || {
                    let (mine, _mine_steal) = queue::local();
                    let mut got: Vec<Notified> = steal.steal_into(&mine).into_iter().collect();
                    drain_local(&mine, &mut got);
                    got
                })
            })
            .collect();
        let mut got: Vec<Notified> = local.pop().into_iter().collect();
        for stealer in stealers {
            got.extend(stealer.join().unwrap());
        }
        drain_local(&local, &mut got);
        assert_each_once(&got, &ids);
    });
}

/// Model 5b: the owner's pop and a steal race for the only task.
#[test]
fn pop_races_steal_for_last_task() {
    loom::model(|| {
        let token = Arc::new(());
        let inject = Inject::new();
        let (local, steal) = queue::local();
        let only = task(&token);
        let ids = [id(&only)];
        local.push_back_or_overflow(only, &inject);

        let stealer = thread::spawn(move || {
            let (mine, _mine_steal) = queue::local();
            let mut got: Vec<Notified> = steal.steal_into(&mine).into_iter().collect();
            drain_local(&mine, &mut got);
            got
        });
        let mut got: Vec<Notified> = local.pop().into_iter().collect();
        got.extend(stealer.join().unwrap());

        assert_each_once(&got, &ids);
        assert!(local.is_empty() && inject.is_empty());
    });
}

/// `Shared::notify_parked` with a single worker.
fn notify_parked(idle: &Idle, unparker: &Unparker) {
    if let Some(worker) = idle.worker_to_notify(usize::MAX) {
        assert_eq!(worker, 0, "only worker 0 exists");
        unparker.unpark();
    }
}

/// The single worker of [`park_no_lost_wakeup`]: `Worker::run`'s loop reduced to the global
/// queue, with `Worker::park` and `Worker::run_task`'s searching bookkeeping as they are.
fn worker_loop(idle: &Idle, inject: &Inject, parker: &Parker, unparker: &Unparker) -> Notified {
    // The model made us a searcher before starting us.
    let mut searching = true;
    loop {
        if let Some(task) = inject.pop() {
            // `run_task`: rule 3, the last searcher to find work wakes another.
            if std::mem::replace(&mut searching, false) && idle.stop_searching() {
                notify_parked(idle, unparker);
            }
            return task;
        }
        // `search`: become a searcher again (and look once more) before giving up.
        if !searching && idle.try_start_searching() {
            searching = true;
            continue;
        }
        // `park`.
        let was_searching = std::mem::replace(&mut searching, false);
        if idle.park(0, was_searching) && !inject.is_empty() {
            // Rule 4: the last searcher re-checks after it stopped counting as one.
            notify_parked(idle, unparker);
        }
        parker.park(None);
        searching = idle.unpark(0);
    }
}

/// Model 6: a pusher's notification against the worker's park protocol: no lost wake-up.
#[test]
fn park_no_lost_wakeup() {
    loom::model(|| {
        let token = Arc::new(());
        let idle = Arc::new(Idle::new(1));
        let inject = Arc::new(Inject::new());
        let (parker, unparker) = park::pair();
        assert!(idle.try_start_searching());

        let worker = {
            let idle = idle.clone();
            let inject = inject.clone();
            let unparker = unparker.clone();
            thread::spawn(move || worker_loop(&idle, &inject, &parker, &unparker))
        };

        // `Shared::schedule_task` from outside the runtime.
        let pushed = task(&token);
        let ids = [id(&pushed)];
        inject.push(pushed);
        notify_parked(&idle, &unparker);

        let found = worker.join().unwrap();
        assert_each_once(&[found], &ids);
        assert!(inject.is_empty());
        assert_eq!(idle.num_searching(), 0, "searching count leaked");
        assert_eq!(
            idle.num_parked(),
            0,
            "the awake worker is still listed as parked"
        );
    });
}

/// Model 7: `unpark` racing `park` on the parker alone.
#[test]
fn unpark_races_park() {
    loom::model(|| {
        let (parker, unparker) = park::pair();
        let unparking = thread::spawn(move || unparker.unpark());
        parker.park(None);
        unparking.join().unwrap();
    });
}
