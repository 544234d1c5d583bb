//! Go by Example: Range over Channels — <https://gobyexample.com/range-over-channels>, ported
//! to gort.
//!
//! Go's `for elem := range queue` receives until the channel is closed and drained; in gort
//! that loop is `while let Some(elem) = queue_rx.recv().await`, since `recv` returns `None`
//! exactly then. (The `Receiver` is also a `futures_core::Stream`, for stream combinators, and
//! `iter()` gives a blocking iterator for plain threads.) Go's `close(queue)` is
//! `queue_tx.close()`. As in Go, closing a channel that still holds values is fine: the
//! remaining values are still received, and only then does the loop end.

#[gort::main]
async fn main() {
    // We'll iterate over 2 values in the `queue` channel.
    let (queue_tx, queue_rx) = gort::chan::bounded(2);
    queue_tx.send("one").await.unwrap();
    queue_tx.send("two").await.unwrap();
    queue_tx.close();

    // This loop receives each element as it arrives. Because we closed the channel above,
    // the loop ends after receiving the 2 elements.
    while let Some(elem) = queue_rx.recv().await {
        println!("{elem}");
    }
}
