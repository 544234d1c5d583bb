//! Go by Example: Worker Pools — <https://gobyexample.com/worker-pools>, ported to gort.
//!
//! Go's `worker(id int, jobs <-chan int, results chan<- int)` takes a receive-only and a
//! send-only channel; in gort the two ends of a channel are separate types, so the worker takes
//! a [`Receiver`] and a [`Sender`]. `jobs := make(chan int, numJobs)` is
//! `gort::chan::bounded(NUM_JOBS)`, `for j := range jobs` is `while let Some(j) =
//! jobs.recv().await`, `close(jobs)` is `jobs_tx.close()`, and `go worker(w, jobs, results)`
//! is `gort::go(worker(w, ..))` with clones of the channel ends (channels are multi-producer,
//! multi-consumer). The three workers share the five one-second jobs, so the program takes
//! about 2 s instead of 5.
//!
//! Which worker takes which job changes from run to run, so the expected output wildcards the
//! worker ids, and lines printed at about the same moment are unordered: the first three jobs
//! start at once, one second later they finish and jobs 4 and 5 start, and a second after that
//! those finish. Go ignores the results; here they are summed and checked, and so is the
//! concurrency (well under the 5 s that one worker would take).
//!
//! [`Receiver`]: gort::chan::Receiver
//! [`Sender`]: gort::chan::Sender

use gort::chan::{Receiver, Sender};
use gort::time::{sleep, Duration, Instant};

// Each worker drains `jobs` until it is closed and empty, answering on `results`. The
// one-second sleep stands in for real work; it suspends only this task.
async fn worker(id: u32, jobs: Receiver<u32>, results: Sender<u32>) {
    while let Some(j) = jobs.recv().await {
        println!("worker {id} started  job {j}");
        sleep(Duration::from_secs(1)).await;
        println!("worker {id} finished job {j}");
        results.send(j * 2).await.unwrap();
    }
}

#[gort::main]
async fn main() {
    let start = Instant::now();

    // Work goes out on one channel and answers come back on the other. Both have room for
    // every job, so neither side ever waits on a full buffer.
    const NUM_JOBS: u32 = 5;
    let (jobs_tx, jobs) = gort::chan::bounded(NUM_JOBS as usize);
    let (results_tx, results) = gort::chan::bounded(NUM_JOBS as usize);

    // Spawn the pool first; with nothing queued yet, each worker parks in `recv`.
    for w in 1..=3 {
        gort::go(worker(w, jobs.clone(), results_tx.clone()));
    }

    // Queue all the work, then `close`: once the queue drains, each worker's `recv` returns
    // `None` and its loop ends.
    for j in 1..=NUM_JOBS {
        jobs_tx.send(j).await.unwrap();
    }
    jobs_tx.close();

    // Taking exactly NUM_JOBS answers doubles as the join: the last one cannot arrive before
    // the last job has been worked.
    let mut sum = 0;
    for _ in 1..=NUM_JOBS {
        sum += results.recv().await.unwrap();
    }

    assert_eq!(sum, 2 + 4 + 6 + 8 + 10, "every job done once");
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "3 workers share 5 s of work (about 2 s), took {took:?}"
    );
}
