//! Go by Example: Channel Synchronization — <https://gobyexample.com/channel-synchronization>,
//! ported to gort.
//!
//! A channel as a completion signal: `main` learns that a goroutine has finished by receiving
//! from it. Go's `done := make(chan bool, 1)` is `gort::chan::bounded(1)`; Go passes the whole
//! channel to `worker`, while gort splits it, so the worker gets only the
//! [`Sender`] it needs and `main` keeps the
//! [`Receiver`](gort::chan::Receiver). `go worker(done)` is `gort::go(worker(done_tx))`: an
//! `async fn` call is already a future, ready to spawn. `<-done` is `done_rx.recv().await`.
//! Take that receive away and nothing holds `main` back: it returns, the runtime shuts down,
//! and the worker is abandoned, quite likely before it has even started.
//! Go's `fmt.Print` (no newline) is `print!`.

use gort::chan::Sender;
use gort::time::Duration;

// The worker holds only the sending end: it can signal completion, and nothing else.
async fn worker(done: Sender<bool>) {
    print!("working...");
    gort::time::sleep(Duration::from_secs(1)).await;
    println!("done");

    // Any value will do, since what `main` waits for is the arrival. With a buffer of one,
    // this send completes without waiting for `main` to receive.
    done.send(true).await.unwrap();
}

#[gort::main]
async fn main() {
    // `done := make(chan bool, 1)`; `go worker(done)` gets only the sending end.
    let (done_tx, done_rx) = gort::chan::bounded(1);
    gort::go(worker(done_tx));

    // `<-done`: wait here until the worker reports.
    let finished = done_rx.recv().await;
    assert_eq!(finished, Some(true));
}
