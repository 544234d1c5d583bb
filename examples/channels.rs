//! Go by Example: Channels — <https://gobyexample.com/channels>, ported to gort.
//!
//! Go's `make(chan string)` is one value that both sends and receives; gort's
//! `gort::chan::bounded(0)` returns the two halves of an unbuffered channel, a
//! [`Sender`](gort::chan::Sender) and a [`Receiver`](gort::chan::Receiver) (both cloneable, so
//! any number of tasks can hold either end). `messages <- "ping"` becomes
//! `messages_tx.send("ping").await` and `<-messages` becomes `messages_rx.recv().await`, which
//! yields `Some(msg)` (or `None` once the channel is closed and empty). As in Go, an unbuffered
//! channel is a rendezvous: neither side completes until the other arrives, so the `recv` by
//! itself keeps `main` from finishing before the message exists. The messages are string
//! literals, so the channel carries `&'static str`.

#[gort::main]
async fn main() {
    // `messages := make(chan string)`: an unbuffered channel, split into its two ends.
    let (messages_tx, messages_rx) = gort::chan::bounded(0);

    // `go func() { messages <- "ping" }()`: send from a new task.
    gort::go(async move {
        messages_tx.send("ping").await.unwrap();
    });

    // `msg := <-messages`: this task waits until the other task's send meets it.
    let msg = messages_rx.recv().await.unwrap();
    println!("{msg}");
}
