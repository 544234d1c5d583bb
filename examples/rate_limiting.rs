//! Go by Example: Rate Limiting — <https://gobyexample.com/rate-limiting>, ported to gort.
//!
//! Go limits a loop by receiving from `time.Tick(200 * time.Millisecond)` before each request;
//! gort's [`gort::time::tick`] is the same ticking channel, so `<-limiter` becomes
//! `limiter.recv().await`. The bursty limiter is a buffered channel of times,
//! `gort::chan::bounded(3)`, pre-filled so that three requests may go at once and refilled by a
//! goroutine from a second ticker (`for t := range time.Tick(..)` is `while let Some(t) =
//! ticks.recv().await`). Go prints `time.Now()` after each request; Rust's `Instant` has no
//! calendar form, so this prints the time since the program started, and the expected output
//! wildcards it. What the times show is checked instead: the five limited requests cannot end
//! before the fifth tick (1 s), and the bursty ones, three of which go at once, cannot end
//! before the refill's second tick (400 ms). Only these lower bounds are asserted, since a
//! loaded machine can only make things later.

use gort::time::{tick, Duration, Instant};

#[gort::main]
async fn main() {
    let start = Instant::now();

    // Part one, a steady pace. Five requests are queued in a buffered channel, which is then
    // closed so that the loop below ends after the fifth.
    let (requests_tx, requests) = gort::chan::bounded(5);
    for i in 1..=5 {
        requests_tx.send(i).await.unwrap();
    }
    requests_tx.close();

    // `tick` yields one value per 200 ms period; a request may proceed only once it has taken
    // a tick.
    let limiter = tick(Duration::from_millis(200));

    // One tick per request caps the loop at five requests a second. Awaiting `recv` suspends
    // just this task, as `<-limiter` parks just the goroutine in Go.
    let limited = Instant::now();
    while let Some(req) = requests.recv().await {
        limiter.recv().await.unwrap();
        println!("request {req} {:.3?}", start.elapsed());
    }
    assert!(limited.elapsed() >= Duration::from_millis(5 * 200));

    // Part two, the same long-run pace with some slack: the limiter is now a channel with room
    // for three permits, and when permits have piled up, requests may use them back to back.
    let (bursty_tx, bursty_limiter) = gort::chan::bounded(3);

    // Start with a full bucket: three permits ready before any request arrives.
    for _ in 0..3 {
        bursty_tx.send(Instant::now()).await.unwrap();
    }

    // A refill task adds one permit per tick. While the buffer is full its `send` just waits,
    // so permits never pile up beyond three.
    let refill_started = Instant::now();
    gort::go(async move {
        let ticks = tick(Duration::from_millis(200));
        while let Some(t) = ticks.recv().await {
            if bursty_tx.send(t).await.is_err() {
                return; // main has dropped the limiter: nobody needs permits any more
            }
        }
    });

    // Five more requests: three find a permit waiting and go at once, the last two wait for
    // the refill task.
    let (bursty_requests_tx, bursty_requests) = gort::chan::bounded(5);
    for i in 1..=5 {
        bursty_requests_tx.send(i).await.unwrap();
    }
    bursty_requests_tx.close();
    while let Some(req) = bursty_requests.recv().await {
        bursty_limiter.recv().await.unwrap();
        println!("request {req} {:.3?}", start.elapsed());
    }
    // Requests 4 and 5 each waited for a refill tick, the second one 400 ms after the refill
    // started.
    assert!(refill_started.elapsed() >= Duration::from_millis(2 * 200));
}
