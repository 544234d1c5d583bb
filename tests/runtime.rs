//! Behaviour of the runtime that users rely on: spawning, joining, aborting, panics, shutdown,
//! misuse messages, metrics.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// The message of a caught panic (`panic!` with or without format arguments).
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

fn runtime(workers: usize) -> gort::Runtime {
    gort::runtime::Builder::new()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// Counts how many times it is dropped.
struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn spawn_returns_output_through_join_handle() {
    let rt = runtime(2);
    let sum = rt.block_on(async {
        let handles: Vec<_> = (0..1_000u64)
            .map(|i| gort::spawn(async move { i }))
            .collect();
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 999 * 1_000 / 2);
}

#[test]
fn go_runs_detached_tasks_to_completion() {
    let rt = runtime(2);
    let (tx, rx) = mpsc::channel();
    rt.block_on(async move {
        for i in 0..100 {
            let tx = tx.clone();
            gort::go(async move { tx.send(i).unwrap() });
        }
    });
    let mut got: Vec<i32> = rx.iter().take(100).collect();
    got.sort();
    assert_eq!(got, (0..100).collect::<Vec<_>>());
}

#[test]
fn dropping_join_handle_detaches_the_task() {
    let rt = runtime(2);
    let (tx, rx) = mpsc::channel();
    drop(rt.spawn(async move {
        gort::yield_now().await;
        tx.send("still ran").unwrap();
    }));
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)).unwrap(),
        "still ran"
    );
}

#[test]
fn a_panicking_task_reports_through_its_handle_and_the_worker_survives() {
    let rt = runtime(1);
    rt.block_on(async {
        let err = gort::spawn(async { panic!("boom") }).await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(err.to_string(), "task panicked: boom");
        // The single worker is still alive.
        assert_eq!(gort::spawn(async { 1 }).await.unwrap(), 1);
    });
}

#[test]
fn abort_cancels_idle_and_queued_tasks_and_drops_their_future_once() {
    let rt = runtime(2);
    let drops = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let guard = DropCounter(drops.clone());
        let idle = gort::spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        gort::yield_now().await;
        idle.abort();
        idle.abort(); // twice is harmless
        let err = idle.await.unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(err.to_string(), "task was cancelled");
    });
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn abort_while_running_takes_effect_after_the_poll() {
    let rt = runtime(2);
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let handle = rt.spawn(async move {
        started_tx.send(()).unwrap();
        // Block inside this poll until the test has called abort().
        release_rx.recv().unwrap();
        gort::yield_now().await;
        unreachable!("aborted tasks are not polled again");
    });
    started_rx.recv().unwrap();
    handle.abort();
    release_tx.send(()).unwrap();
    assert!(rt.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn aborting_a_finished_task_keeps_its_output() {
    let rt = runtime(1);
    rt.block_on(async {
        let h = gort::spawn(async { 5 });
        while !h.is_finished() {
            gort::yield_now().await;
        }
        h.abort();
        assert_eq!(h.await.unwrap(), 5);
    });
}

#[test]
fn dropping_the_runtime_drops_every_remaining_future_exactly_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = runtime(2);
    let mut handles = Vec::new();
    rt.block_on(async {
        for _ in 0..1_000 {
            let guard = DropCounter(drops.clone());
            handles.push(gort::spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            }));
        }
    });
    // Some of these are queued, never polled.
    for _ in 0..1_000 {
        let guard = DropCounter(drops.clone());
        handles.push(rt.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
    }
    drop(rt);
    assert_eq!(drops.load(SeqCst), 2_000);
    for h in handles {
        assert!(gort::block_on(h).unwrap_err().is_cancelled());
    }
}

#[test]
fn a_panicking_drop_at_shutdown_does_not_take_the_runtime_down() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop panicked");
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let rt = runtime(1);
    let bad_guard = PanicOnDrop;
    let bad = rt.spawn(async move {
        let _bad = bad_guard;
        std::future::pending::<()>().await
    });
    let counter = DropCounter(drops.clone());
    let good = rt.spawn(async move {
        let _counter = counter;
        std::future::pending::<()>().await
    });
    drop(rt);
    assert_eq!(drops.load(SeqCst), 1, "the other task was still dropped");
    assert!(gort::block_on(bad).unwrap_err().is_panic());
    assert!(gort::block_on(good).unwrap_err().is_cancelled());
}

#[test]
fn a_panicking_drop_of_an_unwanted_output_does_not_take_a_worker_down() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("output drop panicked");
        }
    }
    let rt = runtime(1);
    rt.block_on(async {
        drop(gort::spawn(async { PanicOnDrop }));
        for _ in 0..10 {
            gort::yield_now().await;
        }
        assert_eq!(gort::spawn(async { 3 }).await.unwrap(), 3);
    });
}

#[test]
fn spawning_after_shutdown_yields_a_cancelled_handle() {
    let rt = runtime(1);
    let handle = rt.handle().clone();
    drop(rt);
    let join = handle.spawn(async { 1 });
    assert!(gort::block_on(join).unwrap_err().is_cancelled());
}

#[test]
fn shutdown_timeout_does_not_wait_for_long_blocking_jobs() {
    let rt = runtime(1);
    let (tx, rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel();
    rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        let _ = rx.recv_timeout(Duration::from_secs(30));
    });
    started_rx.recv().unwrap();
    let start = std::time::Instant::now();
    rt.shutdown_timeout(Duration::from_millis(50));
    assert!(start.elapsed() < Duration::from_secs(20));
    drop(tx); // lets the blocking thread finish
}

#[test]
fn queued_blocking_jobs_are_cancelled_at_shutdown() {
    let rt = gort::runtime::Builder::new()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel();
    let running = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        "finished"
    });
    started_rx.recv().unwrap();
    let queued = rt.spawn_blocking(|| "never runs");
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        release_tx.send(()).unwrap();
    });
    drop(rt); // waits for the running job
    releaser.join().unwrap();
    assert_eq!(gort::block_on(running).unwrap(), "finished");
    assert!(gort::block_on(queued).unwrap_err().is_cancelled());
}

#[test]
fn spawn_blocking_runs_jobs_in_parallel_up_to_the_limit() {
    let rt = gort::runtime::Builder::new()
        .worker_threads(1)
        .max_blocking_threads(4)
        .build()
        .unwrap();
    let barrier = Arc::new(std::sync::Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let barrier = barrier.clone();
            rt.spawn_blocking(move || {
                // All four must be running at once to pass the barrier.
                barrier.wait();
                i
            })
        })
        .collect();
    let sum: i32 = rt.block_on(async {
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 6);
    assert!(rt.handle().metrics().blocking_threads <= 4);
}

#[test]
fn worker_threads_zero_is_an_error_that_says_why() {
    let err = gort::runtime::Builder::new()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        err.to_string()
            .contains("worker_threads must be at least 1"),
        "{err}"
    );
}

#[test]
fn block_on_inside_a_task_panics_with_advice() {
    let rt = runtime(1);
    let err = rt.block_on(async {
        gort::spawn(async { gort::block_on(async {}) })
            .await
            .unwrap_err()
    });
    let message = panic_message(err.into_panic());
    assert!(message.contains("worker thread"), "{message}");
    assert!(message.contains(".await"), "{message}");
}

#[test]
fn nested_block_on_panics_with_advice() {
    let result = std::panic::catch_unwind(|| gort::block_on(async { gort::block_on(async {}) }));
    let message = panic_message(result.unwrap_err());
    assert!(message.contains("inside another block_on"), "{message}");
}

#[test]
fn handle_current_outside_a_runtime_panics_with_a_fix() {
    assert!(gort::runtime::Handle::try_current().is_none());
    let result = std::panic::catch_unwind(gort::runtime::Handle::current);
    let message = panic_message(result.unwrap_err());
    assert!(message.contains("outside a gort runtime"), "{message}");
    assert!(message.contains("Runtime::handle()"), "{message}");
}

#[test]
fn handle_current_inside_tasks_and_block_on_is_that_runtime() {
    let rt = runtime(3);
    rt.block_on(async {
        assert_eq!(gort::runtime::Handle::current().metrics().workers, 3);
        let workers = gort::spawn(async { gort::runtime::Handle::current().metrics().workers });
        assert_eq!(workers.await.unwrap(), 3);
        let blocking = gort::spawn_blocking(|| gort::runtime::Handle::current().metrics().workers);
        assert_eq!(blocking.await.unwrap(), 3);
    });
}

#[test]
fn spawn_local_outside_block_on_panics_with_advice() {
    let result = std::panic::catch_unwind(|| drop(gort::task::spawn_local(async {})));
    let message = panic_message(result.unwrap_err());
    assert!(message.contains("outside gort::block_on"), "{message}");
}

#[test]
fn spawn_local_runs_non_send_futures_on_the_block_on_thread() {
    use std::rc::Rc;
    let rt = runtime(2);
    let thread = std::thread::current().id();
    rt.block_on(async move {
        let counter = Rc::new(std::cell::Cell::new(0));
        let mut handles = Vec::new();
        for _ in 0..100 {
            let counter = counter.clone();
            handles.push(gort::task::spawn_local(async move {
                assert_eq!(std::thread::current().id(), thread);
                gort::yield_now().await;
                counter.set(counter.get() + 1);
                Rc::new(counter.get())
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        assert_eq!(counter.get(), 100);
        assert_eq!(Rc::strong_count(&counter), 1);
    });
}

#[test]
fn spawn_local_tasks_can_be_woken_from_other_threads() {
    gort::block_on(async {
        let h = gort::task::spawn_local(async {
            let local = std::rc::Rc::new(1); // keeps this task !Send
                                             // Completes on a worker thread, which wakes this local task from there.
            let remote = gort::spawn(async { 6 });
            remote.await.unwrap() + *local
        });
        assert_eq!(h.await.unwrap(), 7);
    });
}

#[test]
fn unfinished_local_tasks_are_dropped_when_block_on_returns() {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    gort::block_on(async move {
        let guard = DropCounter(d);
        drop(gort::task::spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
    });
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn metrics_count_spawns_and_workers() {
    let rt = runtime(2);
    rt.block_on(async {
        for _ in 0..10 {
            gort::spawn(async {}).await.unwrap();
        }
    });
    let m = rt.handle().metrics();
    assert_eq!(m.workers, 2);
    assert!(m.tasks_spawned >= 10, "{m:?}");
    assert_eq!(m.tasks_alive, 0, "{m:?}");
    assert_eq!(m.global_queue_depth, 0);
}

/// Two tasks that wake each other forever, each from its own poll.
struct PingPong {
    me: usize,
    wakers: Arc<Mutex<[Option<Waker>; 2]>>,
    stop: Arc<AtomicBool>,
}

impl Future for PingPong {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut wakers = self.wakers.lock().unwrap();
        if self.stop.load(SeqCst) {
            // Let the partner see `stop` too.
            if let Some(other) = wakers[1 - self.me].take() {
                other.wake();
            }
            return Poll::Ready(());
        }
        wakers[self.me] = Some(cx.waker().clone());
        if let Some(other) = wakers[1 - self.me].take() {
            other.wake();
        }
        Poll::Pending
    }
}

/// Spawns a [`PingPong`] pair on the current runtime; it runs until `stop` is set.
fn spawn_ping_pong(stop: &Arc<AtomicBool>) -> [gort::JoinHandle<()>; 2] {
    let wakers = Arc::new(Mutex::new([None, None]));
    [0, 1].map(|me| {
        gort::spawn(PingPong {
            me,
            wakers: wakers.clone(),
            stop: stop.clone(),
        })
    })
}

#[test]
fn tasks_waking_each_other_cannot_starve_the_run_queue() {
    let rt = runtime(1);
    let stop = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        let [a, b] = spawn_ping_pong(&stop);
        // This task sits in the ring behind the pair; it must still run.
        let stop2 = stop.clone();
        gort::spawn(async move { stop2.store(true, SeqCst) })
            .await
            .unwrap();
        a.await.unwrap();
        b.await.unwrap();
    });
}

#[test]
fn a_yielding_task_is_not_starved_by_tasks_waking_each_other() {
    // A yield waits in the worker's private deferred list, not in its ring; the pair below
    // always has a task in the `next` slot, so only the periodic turn brings the yield back.
    let rt = runtime(1);
    let stop = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        let yielder = {
            let stop = stop.clone();
            gort::spawn(async move {
                for _ in 0..1_000 {
                    gort::yield_now().await;
                }
                stop.store(true, SeqCst);
            })
        };
        let [a, b] = spawn_ping_pong(&stop);
        yielder.await.unwrap();
        a.await.unwrap();
        b.await.unwrap();
    });
}

#[test]
fn tasks_from_outside_are_not_starved_by_a_busy_worker() {
    let rt = runtime(1);
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let spinner = rt.spawn(async move {
        while !s.load(SeqCst) {
            gort::yield_now().await;
        }
    });
    // Spawned from outside: lands in the global queue while the worker always has local work.
    let setter = rt.spawn(async move { stop.store(true, SeqCst) });
    rt.block_on(async {
        setter.await.unwrap();
        spinner.await.unwrap();
    });
}

#[test]
fn a_task_in_a_stuck_workers_next_slot_is_run_by_another_worker() {
    let rt = runtime(2);
    let stranded = rt.block_on(async {
        gort::spawn(async {
            let (tx, rx) = mpsc::channel();
            // Goes into this worker's `next` slot...
            gort::go(async move { tx.send(()).unwrap() });
            // ...while this poll blocks the worker.
            rx.recv_timeout(Duration::from_secs(20)).is_err()
        })
        .await
        .unwrap()
    });
    assert!(!stranded, "the spawned task waited for the blocked worker");
}

#[test]
fn a_task_that_yielded_on_a_stuck_worker_is_run_by_another_worker() {
    let rt = runtime(2);
    let flag = Arc::new(AtomicBool::new(false));
    let stranded = rt.block_on(async {
        gort::spawn(async move {
            let set_by_me = flag.clone();
            // Goes into this worker's `next` slot, and will block the worker's thread until
            // this task has run again.
            let blocker = gort::spawn(async move {
                let deadline = std::time::Instant::now() + Duration::from_secs(20);
                while !flag.load(SeqCst) && std::time::Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                !flag.load(SeqCst)
            });
            // Yielded tasks wait in this worker's private list, which stealers do not see.
            gort::yield_now().await;
            set_by_me.store(true, SeqCst);
            blocker.await.unwrap()
        })
        .await
        .unwrap()
    });
    assert!(!stranded, "the yielded task waited for the blocked worker");
}

#[test]
fn an_always_ready_loop_yields_once_its_budget_is_spent() {
    let rt = runtime(1);
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    rt.block_on(async move {
        let busy = gort::spawn(async move {
            let mut ops = 0u64;
            while !s.load(SeqCst) {
                // An operation that is always ready, like a channel that always has a message.
                std::future::poll_fn(gort::coop::poll_proceed).await;
                ops += 1;
            }
            ops
        });
        gort::spawn(async move { stop.store(true, SeqCst) })
            .await
            .unwrap();
        assert!(busy.await.unwrap() >= 1);
    });
}

#[test]
fn wakes_from_many_threads_never_poll_a_task_concurrently() {
    struct Guarded {
        in_poll: Arc<AtomicBool>,
        polls: usize,
        waker_out: mpsc::Sender<Waker>,
    }
    impl Future for Guarded {
        type Output = usize;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
            assert!(
                !self.in_poll.swap(true, SeqCst),
                "polled on two threads at once"
            );
            self.polls += 1;
            let _ = self.waker_out.send(cx.waker().clone());
            std::thread::yield_now();
            self.in_poll.store(false, SeqCst);
            if self.polls >= 2_000 {
                Poll::Ready(self.polls)
            } else {
                Poll::Pending
            }
        }
    }
    let rt = runtime(2);
    let (tx, rx) = mpsc::channel::<Waker>();
    let handle = rt.spawn(Guarded {
        in_poll: Arc::new(AtomicBool::new(false)),
        polls: 0,
        waker_out: tx,
    });
    let rx = Arc::new(Mutex::new(rx));
    let wakers: Vec<_> = (0..4)
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || loop {
                let waker = rx.lock().unwrap().recv_timeout(Duration::from_secs(10));
                match waker {
                    Ok(w) => {
                        w.wake_by_ref();
                        w.wake();
                    }
                    Err(_) => return,
                }
            })
        })
        .collect();
    assert_eq!(rt.block_on(handle).unwrap(), 2_000);
    drop(rt);
    for w in wakers {
        w.join().unwrap();
    }
}

#[test]
fn shutdown_timeout_returns_even_when_a_worker_is_stuck_in_a_poll() {
    let rt = runtime(2);
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let stuck = rt.spawn(async move {
        started_tx.send(()).unwrap();
        // A blocking call inside a task: the worker is stuck in this poll.
        let _ = release_rx.recv_timeout(Duration::from_secs(30));
    });
    started_rx.recv().unwrap();
    let start = std::time::Instant::now();
    rt.shutdown_timeout(Duration::from_millis(100));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "waited for the stuck worker"
    );
    release_tx.send(()).unwrap();
    // The stuck task finishes its poll on its own; its handle resolves either way.
    let _ = gort::block_on(stuck);
}

#[test]
fn dropping_a_runtime_from_its_own_blocking_thread_does_not_hang() {
    let rt = runtime(1);
    let handle = rt.handle().clone();
    let (done_tx, done_rx) = mpsc::channel();
    drop(handle.spawn_blocking(move || {
        drop(rt);
        done_tx.send(()).unwrap();
    }));
    done_rx
        .recv_timeout(Duration::from_secs(20))
        .expect("drop(rt) returned");
}

#[test]
fn a_future_and_its_output_both_panicking_in_drop_do_not_take_the_worker_down() {
    #[derive(Debug)]
    struct PanicOnDrop(&'static str);
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("{}", self.0);
        }
    }
    let rt = runtime(1);
    rt.block_on(async {
        let err = gort::spawn(async {
            let _guard = PanicOnDrop("future drop");
            PanicOnDrop("output drop")
        })
        .await
        .unwrap_err();
        assert!(err.is_panic());
        assert_eq!(
            gort::spawn(async { 1 }).await.unwrap(),
            1,
            "the worker is alive"
        );
    });
}
