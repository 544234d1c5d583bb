//! A million parked tasks: what one gort task costs in memory, and how fast they spawn and end.
//!
//! This is the `million_parked` scenario of `/work/shared/anchors/RESULTS.md` ("4. Memory and
//! chains"), where Go measured 2,844 bytes per goroutine and tokio 447 bytes per task + oneshot:
//!
//! 1. one spawned task spawns COUNT tasks (local spawns, from inside the runtime); each task gets
//!    its own `futures::channel::oneshot::Receiver<u64>`, bumps a counter, and awaits it;
//! 2. the main thread polls the counter every 1 ms until all COUNT tasks are parked, and reads
//!    `VmHWM` from `/proc/self/status`: bytes per task = (VmHWM − VmRSS before spawning) / COUNT;
//! 3. a task releases them, sending `i` on the i-th channel; the main thread polls until every
//!    task has received its value and ended, then checks the sum of the received values.
//!
//! The memory figure includes, as the baselines' do, the task itself, its channel and the main
//! side's 8-byte `Sender` in a `Vec`, plus allocator overhead; the runtime's own memory is in the
//! "before" baseline (it is started and warmed up first). Times have 1 ms resolution.
//!
//! ```text
//! cargo run --release --example million_tasks            # 1,000,000 tasks
//! cargo run --release --example million_tasks -- 10000  # fewer, e.g. in CI
//! ```
//!
//! The runtime has one worker per core (or `GORT_WORKERS`). Memory figures need Linux's `/proc`; elsewhere they print
//! "n/a" and the rest still runs.

use std::process::ExitCode;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::thread;
use std::time::{Duration, Instant};

use futures::channel::oneshot;

const DEFAULT_COUNT: usize = 1_000_000;

/// Tasks that have reached their receive (bumped right before awaiting it).
static PARKED: AtomicUsize = AtomicUsize::new(0);
/// Tasks that have received their value and are ending.
static ENDED: AtomicUsize = AtomicUsize::new(0);
/// Sum of the values the tasks received.
static SUM: AtomicU64 = AtomicU64::new(0);

fn main() -> ExitCode {
    let count = match parse_count() {
        Ok(count) => count,
        Err(message) => {
            eprintln!(
                "million_tasks: {message}\nusage: million_tasks [COUNT]  (default {DEFAULT_COUNT})"
            );
            return ExitCode::from(2);
        }
    };

    let rt = gort::Runtime::new().expect("failed to start the gort runtime");
    // Start the workers and let the runtime allocate what it needs before the baseline is taken.
    rt.block_on(rt.spawn(async { gort::yield_now().await }))
        .expect("warm-up task failed");
    let workers = rt.handle().metrics().workers;

    println!(
        "million_tasks: {count} gort tasks, each parked on its own oneshot ({workers} workers)"
    );

    let rss_before = proc_status_kib("VmRSS");

    // 1. Spawn, from inside the runtime.
    let start = Instant::now();
    let spawner = rt.spawn(async move {
        let mut senders = Vec::with_capacity(count);
        for _ in 0..count {
            let (tx, rx) = oneshot::channel::<u64>();
            senders.push(tx);
            gort::go(async move {
                PARKED.fetch_add(1, Relaxed);
                let value = rx.await.expect("sender dropped before sending");
                SUM.fetch_add(value, Relaxed);
                ENDED.fetch_add(1, Release);
            });
        }
        (senders, Instant::now())
    });

    // 2. Wait until every task is parked, then read the memory figures.
    wait_for(&PARKED, count);
    let all_parked = start.elapsed();
    let hwm_parked = proc_status_kib("VmHWM");
    let rss_parked = proc_status_kib("VmRSS");
    let alive_parked = rt.handle().metrics().tasks_alive;

    let (senders, loop_end) = rt.block_on(spawner).expect("spawner task failed");
    let spawn_loop = loop_end.duration_since(start);

    // 3. Release them: one send each, in order, from a task.
    let release_start = Instant::now();
    let releaser = rt.spawn(async move {
        for (i, tx) in senders.into_iter().enumerate() {
            tx.send(i as u64)
                .expect("receiver dropped before receiving");
        }
    });
    wait_for(&ENDED, count);
    let release = release_start.elapsed();
    rt.block_on(releaser).expect("releaser task failed");

    let sum = SUM.load(Acquire);
    let n = count as u64;
    let expected = n * (n - 1) / 2;
    drop(rt);

    let per_task = |after: Option<u64>| match (after, rss_before) {
        (Some(after), Some(before)) => {
            let bytes = after.saturating_sub(before) as f64 * 1024.0;
            format!("{:.0}", bytes / count as f64)
        }
        _ => "n/a".to_string(),
    };
    let mib = |kib: Option<u64>| kib.map_or("n/a".into(), |k| format!("{:.1}", k as f64 / 1024.0));
    let time = |d: Duration| {
        let ns_per_task = d.as_nanos() as f64 / count as f64;
        format!(
            "{:.1} ms ({ns_per_task:.0} ns per task)",
            d.as_secs_f64() * 1e3
        )
    };

    row(
        "bytes per task: (VmHWM after parking - VmRSS before) / COUNT",
        per_task(hwm_parked),
    );
    row(
        "bytes per task: from VmRSS while all are parked",
        per_task(rss_parked),
    );
    row("VmRSS before spawning, MiB", mib(rss_before));
    row("peak RSS (VmHWM) with all parked, MiB", mib(hwm_parked));
    row("tasks alive while parked (runtime metrics)", alive_parked);
    row("spawn loop alone", time(spawn_loop));
    row("spawn until all parked", time(all_parked));
    row("release: one send each until all ended", time(release));

    if sum == expected {
        println!("sum of received values: {sum} (ok)");
        ExitCode::SUCCESS
    } else {
        eprintln!("sum of received values: {sum}, expected {expected}: WRONG");
        ExitCode::FAILURE
    }
}

/// The optional first argument: how many tasks (default [`DEFAULT_COUNT`]); `_` separators allowed.
fn parse_count() -> Result<usize, String> {
    let mut args = std::env::args().skip(1);
    let count = match args.next() {
        None => return Ok(DEFAULT_COUNT),
        Some(arg) => arg
            .replace('_', "")
            .parse::<usize>()
            .map_err(|e| format!("bad COUNT {arg:?}: {e}"))?,
    };
    if let Some(extra) = args.next() {
        return Err(format!("unexpected argument {extra:?}"));
    }
    if count == 0 {
        return Err("COUNT must be at least 1".to_string());
    }
    Ok(count)
}

/// Polls `counter` every millisecond until it reaches `target`.
fn wait_for(counter: &AtomicUsize, target: usize) {
    while counter.load(Acquire) < target {
        thread::sleep(Duration::from_millis(1));
    }
}

/// A `kB` field of `/proc/self/status` (Linux), in KiB; `None` where there is no such file.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let value = line.strip_prefix(field)?.strip_prefix(':')?;
        value.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

fn row(label: &str, value: impl std::fmt::Display) {
    println!("{label:<62} {value}");
}
