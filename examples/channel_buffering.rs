//! Go by Example: Channel Buffering — <https://gobyexample.com/channel-buffering>, ported to
//! gort.
//!
//! Go's `make(chan string, 2)` is `gort::chan::bounded(2)`: a channel with storage for two
//! values, so the two sends below complete immediately, filling slots instead of meeting a
//! receiver. `messages <- v` is `messages_tx.send(v).await` (it would wait only if
//! the buffer were full) and `<-messages` is `messages_rx.recv().await`; values come out in the
//! order they went in.

#[gort::main]
async fn main() {
    // `messages := make(chan string, 2)`: room for two values.
    let (messages_tx, messages_rx) = gort::chan::bounded(2);

    // Both sends return immediately: each value lands in a free slot.
    messages_tx.send("buffered").await.unwrap();
    messages_tx.send("channel").await.unwrap();

    // Now take them out, first in, first out.
    println!("{}", messages_rx.recv().await.unwrap());
    println!("{}", messages_rx.recv().await.unwrap());
}
