//! loom models of the task state machine (`state.rs`) driven through real tasks (`raw.rs`,
//! `waker.rs`, `join.rs`).
//!
//! Every model builds a real task with [`new_task`] on a test scheduler, [`Sched`], whose
//! `schedule` pushes the `Notified` into a loom mutex-protected queue, and whose `release` gives
//! back the owned-list reference of tracked tasks. The scheduler holds a loom `Arc`, and it lives
//! inside the task allocation, so loom's leak check at the end of every execution also proves
//! that the task was freed; futures and outputs carry loom `Arc`s too, so a future or output that
//! is never dropped is reported as well.
//!
//! The models and the invariant each one checks:
//!
//! * [`wake_while_running`] (`Waker::wake`) and [`wake_by_ref_while_running`]
//!   (`Waker::wake_by_ref`): a waker fired while the task is being polled (or just before, or just
//!   after) schedules it exactly once after the poll, the task is never polled on two threads at
//!   once, and the wake-up is never lost (the task completes).
//! * [`abort_while_running`]: `abort()` racing a poll drops the future exactly once, at the next
//!   scheduling point, and the `JoinHandle` yields a cancellation.
//! * [`abort_while_idle_races_wake`]: `abort()` of an idle task racing a wake-up creates exactly
//!   one `Notified` between them, the future is dropped exactly once, the handle sees a
//!   cancellation.
//! * [`join_dropped_while_completing`]: dropping the `JoinHandle` while the task completes drops
//!   the output exactly once (on whichever side owns it) and frees the task.
//! * [`join_polled_then_dropped_while_completing`]: the same after the handle registered a join
//!   waker, so the waker slot's hand-over on completion is raced too; the waker is dropped
//!   (no leak) and the output dropped once.
//! * [`join_awaited_while_completing`]: a `JoinHandle` awaited on one thread while the task
//!   completes on another is always woken (loom reports a lost wake-up as a deadlock).
//! * [`join_waker_replaced_while_completing`]: the handle replaces its registered waker (polled
//!   first with one waker, then awaited with another) while the task completes: still no lost
//!   wake-up and no leaked waker.
//!
//! Runtime shutdown: [`Sched::shutdown_owned`] takes each task's reference out of the owned list
//! and calls `RawTask::shutdown` with it, as `Shared::shutdown_tasks` does. In every one of these
//! models the future is dropped exactly once, the output or `JoinError` is observed at most
//! once, a kept `JoinHandle` resolves to a cancellation (or to the output, where the task can
//! complete), and no reference is leaked or dropped twice:
//!
//! * [`shutdown_races_join_drop`]: shutdown of an idle task races the `JoinHandle`'s drop;
//!   whichever of them gives up the last reference frees the task.
//! * [`shutdown_races_join_poll_and_drop`]: the same after the handle polled once, so the join
//!   waker is registered (or the cancellation taken) while shutdown completes the task: a handle
//!   that got `Ready` is not woken, the waker fires at most once and is not leaked.
//! * [`shutdown_races_abort`]: shutdown races `abort()` of an idle task and a worker running the
//!   `Notified` the abort may submit: exactly one of shutdown and the worker cancels the task,
//!   the other finds it claimed (`claim_for_shutdown` returns false, or `StartPoll::Claimed`).
//! * [`shutdown_races_wake`] and [`shutdown_races_wake_detached`]: shutdown races a waker's
//!   `wake()` (by value) of an idle task, with the handle kept or already dropped (then the waker
//!   may hold the last reference): the wake-up submits at most one `Notified`, or drops its
//!   reference against the claimed (`RUNNING`) or complete task; the `Notified` is never polled.
//! * [`shutdown_races_run_of_pending_task`]: shutdown races a worker running the task's queued
//!   `Notified`: shutdown claims it first (the worker takes `StartPoll::Claimed` and just drops
//!   its reference), or marks the running task cancelled and the worker drops the future after
//!   the poll (`AfterPending::Cancel`), or claims it after the poll left it idle.
//! * [`shutdown_races_run_of_completing_task`]: the same with a future that completes on its
//!   first poll: the handle yields the output or a cancellation, the output is dropped exactly
//!   once, and a task that released itself from the list first is not shut down again.

use crate::loom::{lock, Arc, AtomicBool, AtomicUsize, Mutex};
use crate::task::{new_task, JoinHandle, Notified, RawTask, Schedule};
use loom::future::block_on;
use loom::thread;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::{Acquire, Release, SeqCst};
use std::task::{Context, Poll, Wake, Waker};

// ----- test scheduler -----

/// A scheduler that queues woken tasks for the model to run by hand.
#[derive(Clone)]
struct Sched(Arc<SchedInner>);

struct SchedInner {
    queue: Mutex<VecDeque<Notified>>,
    /// The owned-task list of tracked tasks; each entry holds one reference.
    owned: Mutex<Vec<RawTask>>,
}

impl Sched {
    fn new() -> Sched {
        Sched(Arc::new(SchedInner {
            queue: Mutex::new(VecDeque::new()),
            owned: Mutex::new(Vec::new()),
        }))
    }

    fn spawn<F>(&self, future: F, tracked: bool) -> (Notified, JoinHandle<F::Output>)
    where
        F: Future + 'static,
    {
        let (notified, join, owned) = new_task(future, self.clone(), tracked);
        if let Some(raw) = owned {
            lock(&self.0.owned).push(raw);
        }
        (notified, join)
    }

    fn pop(&self) -> Option<Notified> {
        lock(&self.0.queue).pop_front()
    }

    fn len(&self) -> usize {
        lock(&self.0.queue).len()
    }

    /// Runs queued tasks until the queue is empty; returns how many runs it made.
    fn drain(&self) -> usize {
        let mut runs = 0;
        while let Some(task) = self.pop() {
            task.run();
            runs += 1;
        }
        runs
    }

    /// Runtime shutdown of the owned list, as `Shared::shutdown_tasks` does it: takes every
    /// task's reference out of the list (under the lock), then calls `RawTask::shutdown` on each
    /// outside it. Returns how many tasks it found (a task that completed first released itself).
    fn shutdown_owned(&self) -> usize {
        let tasks = std::mem::take(&mut *lock(&self.0.owned));
        let found = tasks.len();
        for task in tasks {
            task.shutdown();
        }
        found
    }

    /// At the end of a model: nothing queued and every tracked task released.
    fn assert_idle(&self) {
        assert_eq!(self.len(), 0, "a Notified was left in the queue");
        assert!(
            lock(&self.0.owned).is_empty(),
            "a completed task was not released"
        );
    }
}

impl Schedule for Sched {
    fn schedule(&self, task: Notified) {
        let mut queue = lock(&self.0.queue);
        assert!(
            queue.iter().all(|queued| queued.raw() != task.raw()),
            "a task was scheduled while a Notified for it was already queued"
        );
        queue.push_back(task);
    }

    fn release(&self, task: RawTask) -> usize {
        let mut owned = lock(&self.0.owned);
        match owned.iter().position(|&t| t == task) {
            Some(i) => {
                owned.swap_remove(i);
                1
            }
            None => 0,
        }
    }
}

// ----- futures, outputs and wakers the models observe -----

/// Counts its drops in a loom-visible counter; being a loom `Arc` it is also leak-checked.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Never completes and never registers its waker: only an abort can end it.
struct Forever {
    _drops: DropCount,
}

impl Future for Forever {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Completes on its first poll with `output`; polling it again panics.
struct Immediate {
    output: Option<DropCount>,
    _drops: DropCount,
}

impl Future for Immediate {
    type Output = DropCount;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<DropCount> {
        Poll::Ready(self.output.take().expect("polled again after completing"))
    }
}

/// Shared between a [`Probe`] future and the model.
struct ProbeState {
    /// Set by the model; the probe completes once it sees it.
    ready: AtomicBool,
    /// True while a poll is in progress: two at once would be a double-scheduling bug.
    polling: AtomicBool,
    polls: AtomicUsize,
    /// The first poll leaves a clone of its waker here for the model to use.
    waker: Mutex<Option<Waker>>,
}

impl ProbeState {
    fn new() -> Arc<ProbeState> {
        Arc::new(ProbeState {
            ready: AtomicBool::new(false),
            polling: AtomicBool::new(false),
            polls: AtomicUsize::new(0),
            waker: Mutex::new(None),
        })
    }

    /// Takes the waker the first poll registered.
    fn take_waker(&self) -> Waker {
        lock(&self.waker)
            .take()
            .expect("the first poll registers a waker")
    }
}

/// Completes once `ready` is set; checks that it is never polled concurrently.
struct Probe {
    state: Arc<ProbeState>,
    _drops: DropCount,
}

impl Future for Probe {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &self.state;
        assert!(
            !state.polling.swap(true, SeqCst),
            "task polled on two threads at once"
        );
        if state.polls.fetch_add(1, SeqCst) == 0 {
            *lock(&state.waker) = Some(cx.waker().clone());
        }
        let result = if state.ready.load(Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        };
        state.polling.store(false, SeqCst);
        result
    }
}

/// A waker that counts its wake-ups; it holds a loom `Arc`, so a leaked waker is reported.
struct CountingWaker(Arc<AtomicUsize>);

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker(count: &Arc<AtomicUsize>) -> Waker {
    Waker::from(std::sync::Arc::new(CountingWaker(count.clone())))
}

fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

/// A tracked `Probe` task on `sched`: its state, and a counter of its future's drops.
fn spawn_probe(sched: &Sched) -> (Notified, JoinHandle<()>, Arc<ProbeState>, Arc<AtomicUsize>) {
    let probe = ProbeState::new();
    let drops = counter();
    let probe_future = Probe {
        state: probe.clone(),
        _drops: DropCount(drops.clone()),
    };
    let (notified, join) = sched.spawn(probe_future, true);
    (notified, join, probe, drops)
}

/// On a new thread: polls `join` once (if `poll_first`) with a waker counting into `wakes`,
/// then drops it. The thread returns what that poll saw.
fn poll_once_then_drop<T: Send + 'static>(
    join: JoinHandle<T>,
    wakes: &Arc<AtomicUsize>,
    poll_first: bool,
) -> thread::JoinHandle<Option<Result<T, crate::task::JoinError>>> {
    let waker = counting_waker(wakes);
    thread::spawn(move || {
        let mut join = join;
        let mut seen = None;
        if poll_first {
            let mut cx = Context::from_waker(&waker);
            if let Poll::Ready(result) = Pin::new(&mut join).poll(&mut cx) {
                seen = Some(result);
            }
        }
        drop(join);
        seen
    })
}

/// The end state every join-drop race must reach: the value counted by `drops` dropped
/// exactly once, a handle that got `Ready` never woken, at most one wake, nothing left.
fn assert_dropped_once_and_woken_at_most_once(
    sched: &Sched,
    drops: &Arc<AtomicUsize>,
    wakes: &Arc<AtomicUsize>,
    handle_saw_ready: bool,
    what: &str,
) {
    assert_eq!(
        drops.load(SeqCst),
        1,
        "the {what} was not dropped exactly once"
    );
    if handle_saw_ready {
        assert_eq!(wakes.load(SeqCst), 0, "a handle that got Ready was woken");
    }
    assert!(wakes.load(SeqCst) <= 1);
    sched.assert_idle();
}

// ----- models -----

/// Model 1: a waker fires while the task is being polled.
#[test]
fn wake_while_running() {
    wake_racing_poll(false);
}

/// Model 1, waking by reference (which must create the Notified reference itself).
#[test]
fn wake_by_ref_while_running() {
    wake_racing_poll(true);
}

fn wake_racing_poll(by_ref: bool) {
    loom::model(move || {
        let sched = Sched::new();
        let (notified, join, probe, drops) = spawn_probe(&sched);
        // First poll: registers a waker and goes idle.
        notified.run();
        assert_eq!(sched.len(), 0);
        let waker = probe.take_waker();
        // Schedule it again so that the next poll can race the wake-up.
        waker.wake_by_ref();
        let notified = sched.pop().expect("an idle task is scheduled by its waker");

        let waking = {
            let probe = probe.clone();
            thread::spawn(move || {
                probe.ready.store(true, Release);
                if by_ref {
                    waker.wake_by_ref();
                    drop(waker);
                } else {
                    waker.wake();
                }
            })
        };
        notified.run();
        waking.join().unwrap();

        if join.is_finished() {
            // The second poll saw `ready`: a wake-up after that must not schedule a dead task.
            assert_eq!(sched.len(), 0, "a completed task was scheduled");
        } else {
            // The second poll missed `ready`, so the wake-up came after it read the flag:
            // exactly one Notified must exist, whether it arrived mid-poll or after.
            assert_eq!(sched.len(), 1, "the wake-up was lost or doubled");
            assert_eq!(sched.drain(), 1);
        }
        assert!(join.is_finished(), "the wake-up was lost");
        assert!(probe.polls.load(SeqCst) <= 3);
        assert_eq!(
            drops.load(SeqCst),
            1,
            "the future was not dropped exactly once"
        );
        block_on(join).expect("the task completed normally");
        sched.assert_idle();
    });
}

/// Model 2a: `abort()` races a poll of the task.
#[test]
fn abort_while_running() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = counter();
        let (notified, join) = sched.spawn(
            Forever {
                _drops: DropCount(drops.clone()),
            },
            true,
        );

        let aborting = thread::spawn(move || {
            join.abort();
            join
        });
        notified.run();
        let join = aborting.join().unwrap();

        // Aborted before or during the poll: the poller dropped the future. After it: the
        // abort scheduled the task once, to drop the future on a worker.
        assert!(sched.len() <= 1);
        sched.drain();
        assert_eq!(
            drops.load(SeqCst),
            1,
            "the future was not dropped exactly once"
        );
        let err = block_on(join).expect_err("an aborted task yields an error");
        assert!(err.is_cancelled(), "{err:?}");
        sched.assert_idle();
    });
}

/// Model 2b: `abort()` of an idle task races a wake-up, and the run of whichever Notified
/// they produced.
#[test]
fn abort_while_idle_races_wake() {
    loom::model(|| {
        let sched = Sched::new();
        let probe = ProbeState::new();
        let drops = counter();
        let (notified, join) = sched.spawn(
            Probe {
                state: probe.clone(),
                _drops: DropCount(drops.clone()),
            },
            false,
        );
        notified.run();
        let waker = probe.take_waker();

        let aborting = thread::spawn(move || {
            join.abort();
            join
        });
        // Whichever of the wake-up and the abort comes first creates the one Notified; the
        // other only marks the task. The abort's Notified may still be in its thread's hand.
        waker.wake();
        let notified = loop {
            if let Some(notified) = sched.pop() {
                break notified;
            }
            thread::yield_now();
        };
        // The run races the abort too.
        notified.run();
        let join = aborting.join().unwrap();
        if join.is_finished() {
            assert_eq!(sched.len(), 0, "a cancelled task was scheduled again");
        } else {
            // The run came before the abort and left the task idle: the abort scheduled it once.
            assert_eq!(
                sched.drain(),
                1,
                "the abort did not schedule the idle task once"
            );
        }

        assert_eq!(
            drops.load(SeqCst),
            1,
            "the future was not dropped exactly once"
        );
        let err = block_on(join).expect_err("an aborted task yields an error");
        assert!(err.is_cancelled(), "{err:?}");
        // A second poll (run before the abort) registered nothing, so no waker is left.
        assert!(lock(&probe.waker).is_none());
        sched.assert_idle();
    });
}

/// Model 3a: the `JoinHandle` is dropped while the task completes.
#[test]
fn join_dropped_while_completing() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = counter();
        let output = DropCount(drops.clone());
        let (notified, join) = sched.spawn(async move { output }, true);

        let dropping = thread::spawn(move || drop(join));
        notified.run();
        dropping.join().unwrap();

        assert_eq!(
            drops.load(SeqCst),
            1,
            "the output was not dropped exactly once"
        );
        sched.assert_idle();
    });
}

/// Model 3b: the `JoinHandle` is polled once (registering a join waker, or taking the output)
/// and then dropped, while the task completes.
#[test]
fn join_polled_then_dropped_while_completing() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = counter();
        let wakes = counter();
        let output = DropCount(drops.clone());
        let (notified, join) = sched.spawn(async move { output }, false);

        let polling = poll_once_then_drop(join, &wakes, true);
        notified.run();
        // A taken output is dropped here, with the temporary, before the checks.
        let taken = polling.join().unwrap().is_some();
        assert_dropped_once_and_woken_at_most_once(&sched, &drops, &wakes, taken, "output");
    });
}

/// Model 4a: the `JoinHandle` is awaited on one thread while the task completes on another.
#[test]
fn join_awaited_while_completing() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = counter();
        let output = DropCount(drops.clone());
        let (notified, join) = sched.spawn(async move { output }, true);

        let joining = thread::spawn(move || {
            let output = block_on(join).expect("the task completed normally");
            drop(output);
        });
        notified.run();
        joining.join().unwrap();

        assert_eq!(drops.load(SeqCst), 1);
        sched.assert_idle();
    });
}

/// Model 4b: the `JoinHandle` swaps its registered waker for another while the task completes.
#[test]
fn join_waker_replaced_while_completing() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = counter();
        let wakes = counter();
        let output = DropCount(drops.clone());
        let (notified, join) = sched.spawn(async move { output }, false);

        let joining = {
            let waker = counting_waker(&wakes);
            thread::spawn(move || {
                let mut join = join;
                let mut cx = Context::from_waker(&waker);
                let output = match Pin::new(&mut join).poll(&mut cx) {
                    Poll::Ready(output) => output,
                    // A different waker: the handle must take the slot back to replace it.
                    Poll::Pending => block_on(&mut join),
                };
                drop(output.expect("the task completed normally"));
            })
        };
        notified.run();
        joining.join().unwrap();

        assert_eq!(drops.load(SeqCst), 1);
        // The first waker fires only if the task completed before it could be replaced.
        assert!(wakes.load(SeqCst) <= 1);
        sched.assert_idle();
    });
}

/// Model 5a: runtime shutdown (holding the owned list's reference) races the `JoinHandle`'s drop
/// of an idle task.
#[test]
fn shutdown_races_join_drop() {
    shutdown_racing_join_drop(false);
}

/// Model 5b: the same, with the handle polled once first (registering a join waker, or taking
/// the cancellation) so that the join waker's hand-over on the shutdown path is raced too.
#[test]
fn shutdown_races_join_poll_and_drop() {
    shutdown_racing_join_drop(true);
}

fn shutdown_racing_join_drop(poll_first: bool) {
    loom::model(move || {
        let sched = Sched::new();
        let drops = counter();
        let wakes = counter();
        let (notified, join) = sched.spawn(
            Forever {
                _drops: DropCount(drops.clone()),
            },
            true,
        );
        // Idle, with two references: the handle's and the owned list's.
        notified.run();
        assert_eq!(sched.len(), 0);

        let joining = poll_once_then_drop(join, &wakes, poll_first);
        assert_eq!(sched.shutdown_owned(), 1);
        let seen = joining.join().unwrap();
        if let Some(result) = &seen {
            let err = result.as_ref().expect_err("only shutdown can end the task");
            assert!(err.is_cancelled(), "{err:?}");
        }
        let observed = seen.is_some();
        assert_dropped_once_and_woken_at_most_once(&sched, &drops, &wakes, observed, "future");
    });
}

/// Model 6: runtime shutdown races `abort()` of an idle task, and a worker running the
/// `Notified` the abort may have submitted.
#[test]
fn shutdown_races_abort() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = counter();
        let (notified, join) = sched.spawn(
            Forever {
                _drops: DropCount(drops.clone()),
            },
            true,
        );
        notified.run();
        assert_eq!(sched.len(), 0);

        let aborting = {
            let sched = sched.clone();
            thread::spawn(move || {
                join.abort();
                // A worker picks up the abort's Notified (if it made one) at once: it cancels
                // the task itself, or finds it claimed by shutdown.
                if let Some(notified) = sched.pop() {
                    notified.run();
                }
                join
            })
        };
        sched.shutdown_owned();
        let join = aborting.join().unwrap();

        // Whoever of shutdown and the worker held RUNNING first completed the task.
        assert!(join.is_finished(), "shutdown left the task unfinished");
        assert_eq!(sched.len(), 0, "a Notified was left in the queue");
        assert_eq!(
            drops.load(SeqCst),
            1,
            "the future was not dropped exactly once"
        );
        let err = block_on(join).expect_err("a cancelled task yields an error");
        assert!(err.is_cancelled(), "{err:?}");
        sched.assert_idle();
    });
}

/// Model 7a: runtime shutdown races a waker's `wake()` (by value) of an idle task; the handle
/// is kept and awaited afterwards.
#[test]
fn shutdown_races_wake() {
    shutdown_racing_wake(true);
}

/// Model 7b: the same for a detached task, so that the waker or shutdown may hold the last
/// reference and free the task.
#[test]
fn shutdown_races_wake_detached() {
    shutdown_racing_wake(false);
}

fn shutdown_racing_wake(keep_join: bool) {
    loom::model(move || {
        let sched = Sched::new();
        let (notified, join, probe, drops) = spawn_probe(&sched);
        notified.run();
        let waker = probe.take_waker();
        let join = if keep_join {
            Some(join)
        } else {
            drop(join);
            None
        };

        let waking = thread::spawn(move || waker.wake());
        // Nobody else polls the task, so shutdown always claims it.
        assert_eq!(sched.shutdown_owned(), 1);
        waking.join().unwrap();

        // A wake-up before the claim submitted one Notified; one after it only dropped its
        // reference. Running the Notified finds the task claimed and must not poll it.
        assert!(sched.len() <= 1, "the wake-up scheduled the task twice");
        sched.drain();
        assert_eq!(probe.polls.load(SeqCst), 1, "a claimed task was polled");
        assert_eq!(
            drops.load(SeqCst),
            1,
            "the future was not dropped exactly once"
        );
        if let Some(join) = join {
            assert!(join.is_finished());
            let err = block_on(join).expect_err("a cancelled task yields an error");
            assert!(err.is_cancelled(), "{err:?}");
        }
        sched.assert_idle();
    });
}

/// Model 8a: runtime shutdown races a worker running the task's queued `Notified` (the
/// `StartPoll::Claimed` path when shutdown wins); the future never completes, so a poll that
/// shutdown interrupts ends in `AfterPending::Cancel`.
#[test]
fn shutdown_races_run_of_pending_task() {
    loom::model(|| {
        let sched = Sched::new();
        let drops = counter();
        let (notified, join) = sched.spawn(
            Forever {
                _drops: DropCount(drops.clone()),
            },
            true,
        );

        let worker = thread::spawn(move || notified.run());
        assert_eq!(sched.shutdown_owned(), 1);
        worker.join().unwrap();

        assert!(join.is_finished(), "shutdown left the task unfinished");
        assert_eq!(sched.len(), 0, "a Notified was left in the queue");
        assert_eq!(
            drops.load(SeqCst),
            1,
            "the future was not dropped exactly once"
        );
        let err = block_on(join).expect_err("a cancelled task yields an error");
        assert!(err.is_cancelled(), "{err:?}");
        sched.assert_idle();
    });
}

/// Model 8b: the same with a future that completes on its first poll: the handle yields the
/// output or a cancellation, and the output is dropped exactly once either way.
#[test]
fn shutdown_races_run_of_completing_task() {
    loom::model(|| {
        let sched = Sched::new();
        let future_drops = counter();
        let output_drops = counter();
        let (notified, join) = sched.spawn(
            Immediate {
                output: Some(DropCount(output_drops.clone())),
                _drops: DropCount(future_drops.clone()),
            },
            true,
        );

        let worker = thread::spawn(move || notified.run());
        // Zero when the worker completed the task and released it from the list first.
        assert!(sched.shutdown_owned() <= 1);
        worker.join().unwrap();

        assert!(join.is_finished(), "shutdown left the task unfinished");
        assert_eq!(sched.len(), 0, "a Notified was left in the queue");
        assert_eq!(
            future_drops.load(SeqCst),
            1,
            "the future was not dropped exactly once"
        );
        match block_on(join) {
            Ok(output) => {
                assert_eq!(output_drops.load(SeqCst), 0, "the output was dropped early");
                drop(output);
            }
            Err(err) => assert!(err.is_cancelled(), "{err:?}"),
        }
        assert_eq!(
            output_drops.load(SeqCst),
            1,
            "the output was not dropped exactly once"
        );
        sched.assert_idle();
    });
}
