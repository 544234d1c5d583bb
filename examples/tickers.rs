//! Go by Example: Tickers — <https://gobyexample.com/tickers>, ported to gort.
//!
//! Go's `time.NewTicker(d)` becomes [`gort::time::Ticker::new`]; its channel `ticker.C` is
//! [`channel`](gort::time::Ticker::channel), which the goroutine clones (gort's receivers are
//! `Clone`) while `main` keeps the `Ticker` to stop it. The goroutine's `select` on `done` and
//! `ticker.C` is a `gort::select!` with two `recv` arms, and `done := make(chan bool)` is an
//! unbuffered `gort::chan::bounded(0)`. Go prints each tick's wall-clock time; Rust's `Instant`
//! has no calendar form, so this prints the time since the ticker started instead.
//!
//! Go's timings are kept: a tick every 500 ms, stopped after 1600 ms, which gives three ticks.
//! The third tick comes only 100 ms before the stop, and a stop discards a tick that was sent
//! but not yet received, so on a badly loaded machine the goroutine can see two ticks (or, if
//! `main` oversleeps past 2000 ms, four). The expected output therefore checks the first two
//! "Tick at" lines, lets any further ones through, and the program asserts that it saw 2 to 4
//! ticks (3 on any reasonable machine).

use gort::time::{sleep, Duration, Instant, Ticker};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[gort::main]
async fn main() {
    // Where a `Timer` delivers once, a `Ticker` delivers once per period (500 ms here) until
    // stopped. The goroutine below prints every tick it gets and returns when `done` says so.
    let start = Instant::now();
    let ticker = Ticker::new(Duration::from_millis(500));
    let (done_tx, done) = gort::chan::bounded::<bool>(0);

    let ticker_c = ticker.channel().clone();
    let ticks = Arc::new(AtomicUsize::new(0));
    let counted = ticks.clone();
    gort::go(async move {
        loop {
            gort::select! {
                _ = recv(done) => return,
                t = recv(ticker_c) => {
                    let t = t.expect("a ticker's channel stays open");
                    counted.fetch_add(1, Ordering::SeqCst);
                    println!("Tick at {:.3?}", t - start);
                }
            }
        }
    });

    // After 1600 ms, `stop` the ticker so that nothing more is sent, then signal `done`. That
    // send is a rendezvous: when it returns, the goroutine has printed and counted every tick
    // it saw.
    sleep(Duration::from_millis(1600)).await;
    ticker.stop();
    done_tx.send(true).await.unwrap();
    println!("Ticker stopped");

    let ticks = ticks.load(Ordering::SeqCst);
    assert!(
        (2..=4).contains(&ticks),
        "500 ms ticks stopped after 1600 ms: expected 3 ticks (2 to 4 under load), got {ticks}"
    );
}
