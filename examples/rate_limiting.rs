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

    // First, basic rate limiting. Suppose we want to limit our handling of incoming requests:
    // we serve these requests off a channel of the same name.
    let (requests_tx, requests) = gort::chan::bounded(5);
    for i in 1..=5 {
        requests_tx.send(i).await.unwrap();
    }
    requests_tx.close();

    // This `limiter` channel receives a value every 200 milliseconds: the regulator of our
    // rate-limiting scheme.
    let limiter = tick(Duration::from_millis(200));

    // By blocking on a receive from `limiter` before serving each request, we limit ourselves
    // to one request every 200 milliseconds.
    let limited = Instant::now();
    while let Some(req) = requests.recv().await {
        limiter.recv().await.unwrap();
        println!("request {req} {:.3?}", start.elapsed());
    }
    assert!(limited.elapsed() >= Duration::from_millis(5 * 200));

    // We may want to allow short bursts of requests while preserving the overall rate limit.
    // A buffered `bursty_limiter` channel allows bursts of up to 3 events.
    let (bursty_tx, bursty_limiter) = gort::chan::bounded(3);

    // Fill up the channel to represent allowed bursting.
    for _ in 0..3 {
        bursty_tx.send(Instant::now()).await.unwrap();
    }

    // Every 200 milliseconds we try to add a new value to `bursty_limiter`, up to its limit
    // of 3.
    let refill_started = Instant::now();
    gort::go(async move {
        let ticks = tick(Duration::from_millis(200));
        while let Some(t) = ticks.recv().await {
            bursty_tx.send(t).await.unwrap();
        }
    });

    // Now simulate 5 more incoming requests. The first 3 of these benefit from the burst
    // capability of `bursty_limiter`.
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
