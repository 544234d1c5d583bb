//! A guided tour of gort: goroutines as tasks, channels, select, timers, sync, context and
//! errgroup.
//!
//! Run it with `cargo run --release --example tour`. Each section prints what it shows and its
//! result; every result is checked, so the tour doubles as a smoke test.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn section(title: &str) {
    println!("\n== {title}");
}

#[gort::main]
async fn main() {
    println!("gort tour: Go's concurrency model in async Rust");

    section("spawn: start a task and await its result (Go: go + a result channel)");
    let answer = gort::spawn(async { 6 * 7 }).await.unwrap();
    println!("a task computed {answer}");
    assert_eq!(answer, 42);

    section("go: fire and forget, like Go's `go f()`");
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..3 {
        let tx = tx.clone();
        gort::go(async move { tx.send(i * i).unwrap() });
    }
    drop(tx);
    let mut squares: Vec<i32> = gort::spawn_blocking(move || rx.iter().collect())
        .await
        .unwrap();
    squares.sort();
    println!("three detached tasks sent {squares:?}");
    assert_eq!(squares, [0, 1, 4]);

    section("join: wait for many tasks (Go: sync.WaitGroup)");
    let handles: Vec<_> = (1..=100u64)
        .map(|i| gort::spawn(async move { i }))
        .collect();
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    println!("100 tasks summed to {total}");
    assert_eq!(total, 5050);

    section("panics stay inside their task");
    let err = gort::spawn(async { panic!("something went wrong") })
        .await
        .unwrap_err();
    println!("the task failed with: {err} (the runtime carries on)");
    assert!(err.is_panic());

    section("abort: cancel a task that would never finish");
    let forever = gort::spawn(std::future::pending::<()>());
    forever.abort();
    let err = forever.await.unwrap_err();
    println!("aborted task: {err}");
    assert!(err.is_cancelled());

    section("yield_now: let others run (Go: runtime.Gosched)");
    let turns = Arc::new(AtomicU64::new(0));
    let players: Vec<_> = (0..4)
        .map(|_| {
            let turns = turns.clone();
            gort::spawn(async move {
                for _ in 0..1_000 {
                    turns.fetch_add(1, Relaxed);
                    gort::yield_now().await;
                }
            })
        })
        .collect();
    for p in players {
        p.await.unwrap();
    }
    println!(
        "4 tasks took {} turns, yielding after each",
        turns.load(Relaxed)
    );
    assert_eq!(turns.load(Relaxed), 4_000);

    section("spawn_blocking: blocking work off the workers");
    let started = Instant::now();
    let sleepers: Vec<_> = (0..8)
        .map(|_| gort::spawn_blocking(|| std::thread::sleep(Duration::from_millis(50))))
        .collect();
    for s in sleepers {
        s.await.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "8 blocking sleeps of 50 ms ran side by side: done in about {} ms",
        elapsed.as_millis() / 10 * 10
    );
    assert!(elapsed < Duration::from_millis(400));

    section("channels: unbuffered, a rendezvous (Go: ch := make(chan string))");
    let (tx, rx) = gort::chan::bounded::<&str>(0);
    let ponger = gort::spawn(async move {
        let msg = rx.recv().await.unwrap();
        println!("received {msg:?}: sender and receiver met (a rendezvous)");
        msg.len()
    });
    tx.send("ping").await.unwrap();
    assert_eq!(ponger.await.unwrap(), 4);

    section("channels: buffered, closed, ranged over (Go: for v := range ch)");
    let (tx, rx) = gort::chan::bounded(3);
    gort::go(async move {
        for job in 1..=5 {
            tx.send(job).await.unwrap();
        }
        // tx dropped here: the channel closes, like Go's close(ch)
    });
    let mut received = Vec::new();
    while let Some(job) = rx.recv().await {
        received.push(job);
    }
    println!("received {received:?}, then None: closed and drained");
    assert_eq!(received, [1, 2, 3, 4, 5]);

    section("channels: a worker pool (Go by Example's worker pools)");
    let (jobs_tx, jobs_rx) = gort::chan::bounded::<u64>(100);
    let (results_tx, results_rx) = gort::chan::unbounded();
    for worker in 0..3 {
        let jobs = jobs_rx.clone();
        let results = results_tx.clone();
        gort::go(async move {
            while let Some(job) = jobs.recv().await {
                results.send((worker, job * 2)).await.unwrap();
            }
        });
    }
    drop((jobs_rx, results_tx));
    for job in 1..=9 {
        jobs_tx.send(job).await.unwrap();
    }
    drop(jobs_tx);
    let mut total = 0;
    let mut results = 0;
    while let Some((_worker, doubled)) = results_rx.recv().await {
        total += doubled;
        results += 1;
    }
    println!("3 workers doubled 9 jobs: {results} results summing to {total}");
    assert_eq!(total, 90);

    section("select: wait on several channels, exactly one arm wins (Go: select)");
    let (numbers_tx, numbers) = gort::chan::bounded::<u32>(0);
    let (quit_tx, quit) = gort::chan::bounded::<()>(0);
    gort::go(async move {
        for n in 1..=5 {
            numbers_tx.send(n).await.unwrap();
        }
        quit_tx.send(()).await.unwrap();
    });
    let mut sum = 0;
    loop {
        gort::select! {
            n = recv(numbers) => sum += n.unwrap(),
            _ = recv(quit) => break,
        }
    }
    println!("received 1..=5 until quit: sum {sum}");
    assert_eq!(sum, 15);

    section("select with default: a non-blocking send (Go: select { case ch <- v: default: })");
    let (tx, rx) = gort::chan::bounded::<u32>(2);
    let mut dropped = Vec::new();
    for v in 1..=4 {
        gort::select! {
            sent = send(tx, v) => sent.unwrap(),
            default => dropped.push(v), // the buffer is full
        }
    }
    let kept: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    println!("a buffer of 2 kept {kept:?}, default dropped {dropped:?}");
    assert_eq!((kept, dropped), (vec![1, 2], vec![3, 4]));

    section("select with a nil channel and a future arm");
    let off: Option<&gort::chan::Receiver<u32>> = None; // Go's nil channel: never ready
    let winner = gort::select! {
        _ = recv(off) => "the nil channel",
        _ = gort::spawn_blocking(|| "a blocking job") => "the future",
    };
    println!("{winner} won; a nil channel never does");
    assert_eq!(winner, "the future");

    section("timers: sleep, timeout and after (Go: time.Sleep, time.After)");
    let started = Instant::now();
    gort::time::sleep(Duration::from_millis(20)).await;
    let slept = started.elapsed();
    assert!(
        slept >= Duration::from_millis(20),
        "a sleep never ends early"
    );
    let too_slow = gort::time::timeout(Duration::from_millis(10), async {
        gort::time::sleep(Duration::from_secs(3600)).await;
    })
    .await;
    let (_never, quiet) = gort::chan::bounded::<u32>(0);
    let after = gort::time::after(Duration::from_millis(10));
    let waited = gort::select! {
        v = recv(quiet) => panic!("nobody sends, got {v:?}"),
        _ = recv(after) => "time.After fired first",
    };
    let too_slow = too_slow.map_err(|elapsed| elapsed.to_string());
    println!("slept 20 ms; a 1-hour job under a 10 ms timeout: {too_slow:?}; select: {waited}");
    assert!(too_slow.is_err());

    section("a ticker: one tick every 5 ms, stopped after 3 (Go: time.NewTicker)");
    let started = Instant::now();
    let ticker = gort::time::Ticker::new(Duration::from_millis(5));
    let mut ticks = 0;
    while ticks < 3 {
        ticker
            .channel()
            .recv()
            .await
            .expect("a ticker's channel stays open");
        ticks += 1;
    }
    ticker.stop();
    let on_time = started.elapsed() >= Duration::from_millis(15);
    println!("{ticks} ticks, no sooner than 3 periods: {on_time}");
    assert!(on_time);

    section("sync: a WaitGroup and a Mutex (Go: sync.WaitGroup, sync.Mutex)");
    let wg = gort::sync::WaitGroup::new();
    let counter = Arc::new(gort::sync::Mutex::new(0u64));
    for _ in 0..50 {
        wg.add(1);
        let (wg, counter) = (wg.clone(), counter.clone());
        gort::go(async move {
            for _ in 0..100 {
                *counter.lock().await += 1;
            }
            wg.done();
        });
    }
    wg.wait().await;
    let total = *counter.lock().await;
    println!("50 tasks x 100 locked increments = {total}");
    assert_eq!(total, 5_000);

    section("context: cancel a tree of workers (Go: context.WithCancel)");
    let (ctx, cancel) = gort::context::Context::background().with_cancel();
    let (ready_tx, ready) = gort::chan::bounded::<()>(0);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (ctx, ready_tx) = (ctx.clone(), ready_tx.clone());
            gort::spawn(async move {
                let (child, _child_cancel) = ctx.with_cancel(); // a subtree of its own
                ready_tx.send(()).await.unwrap();
                child.done().await;
                child.err()
            })
        })
        .collect();
    for _ in 0..4 {
        ready.recv().await.unwrap();
    }
    cancel.cancel();
    let mut reasons = Vec::new();
    for w in workers {
        reasons.push(w.await.unwrap().expect("cancelled").to_string());
    }
    println!("4 workers stopped: {reasons:?}");
    assert!(reasons.iter().all(|r| r == "context canceled"));

    section("errgroup: the first error wins and cancels the rest (Go: errgroup.WithContext)");
    let (group, ctx) = gort::errgroup::Group::with_context(&gort::context::Context::background());
    for id in 0..8u32 {
        let ctx = ctx.clone();
        group.spawn(async move {
            if id == 5 {
                return Err(format!("fetch {id} failed"));
            }
            ctx.done().await; // the others run until a sibling fails
            Ok(())
        });
    }
    let result = group.wait().await;
    println!("group result: {result:?}");
    assert_eq!(result, Err("fetch 5 failed".to_string()));

    section("a million tasks");
    const N: u64 = 1_000_000;
    let started = Instant::now();
    let done = Arc::new(AtomicU64::new(0));
    let spawners: Vec<_> = (0..10)
        .map(|_| {
            let done = done.clone();
            gort::spawn(async move {
                let handles: Vec<_> = (0..N / 10)
                    .map(|_| {
                        let done = done.clone();
                        gort::spawn(async move {
                            done.fetch_add(1, Relaxed);
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
        })
        .collect();
    for s in spawners {
        s.await.unwrap();
    }
    let elapsed = started.elapsed();
    println!("{} tasks spawned and joined", done.load(Relaxed));
    println!(
        "timing: {:.0} ns per task ({} ms in all)",
        elapsed.as_nanos() as f64 / N as f64,
        elapsed.as_millis()
    );
    assert_eq!(done.load(Relaxed), N);

    section("a daisy chain of 100,000 tasks (Rob Pike's)");
    let started = Instant::now();
    const LINKS: usize = 100_000;
    let (leftmost_tx, leftmost_rx) = gort::chan::bounded::<u64>(0);
    let mut left = leftmost_tx;
    for _ in 0..LINKS {
        let (right_tx, right_rx) = gort::chan::bounded::<u64>(0);
        let to_left = left;
        gort::go(async move {
            let v = right_rx.recv().await.unwrap();
            to_left.send(v + 1).await.unwrap();
        });
        left = right_tx;
    }
    left.send(1).await.unwrap();
    let out = leftmost_rx.recv().await.unwrap();
    println!("the value went through {LINKS} tasks and came out as {out}");
    println!(
        "timing: the chain took {} ms",
        started.elapsed().as_millis()
    );
    assert_eq!(out, LINKS as u64 + 1);

    let metrics = gort::runtime::Handle::current().metrics();
    println!(
        "\nruntime: {} workers, {} tasks spawned, {} steals, {} parks",
        metrics.workers, metrics.tasks_spawned, metrics.steals, metrics.parks
    );
    println!("tour complete");
}
