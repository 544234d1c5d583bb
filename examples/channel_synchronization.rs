//! Go by Example: Channel Synchronization — <https://gobyexample.com/channel-synchronization>,
//! ported to gort.
//!
//! A channel used to wait for a goroutine to finish. Go's `done := make(chan bool, 1)` is
//! `gort::chan::bounded(1)`; Go passes the whole channel to `worker`, while gort splits it, so
//! the worker gets only the [`Sender`](gort::chan::Sender) it needs and `main` keeps the
//! [`Receiver`](gort::chan::Receiver). `go worker(done)` is `gort::go(worker(done_tx))`: an
//! `async fn` call is already a future, ready to spawn. `<-done` is `done_rx.recv().await`.
//! Without that receive, `main` would return — and the program end — before the worker ran.
//! Go's `fmt.Print` (no newline) is `print!`.

use gort::chan::Sender;
use gort::time::Duration;

// The function we run in a task. The `done` sender is used to tell another task that this
// one's work is finished.
async fn worker(done: Sender<bool>) {
    print!("working...");
    gort::time::sleep(Duration::from_secs(1)).await;
    println!("done");

    // Send a value to say that we're done.
    done.send(true).await.unwrap();
}

#[gort::main]
async fn main() {
    // Start a worker task, giving it the sending end of the channel to notify on.
    let (done_tx, done_rx) = gort::chan::bounded(1);
    gort::go(worker(done_tx));

    // Block until we receive a notification from the worker on the channel.
    let finished = done_rx.recv().await;
    assert_eq!(finished, Some(true));
}
