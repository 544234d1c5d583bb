//! Go by Example: Range over Channels — <https://gobyexample.com/range-over-channels>, ported
//! to gort.
//!
//! Go's `for elem := range queue` receives until the channel is closed and drained; in gort
//! that loop is `while let Some(elem) = queue_rx.recv().await`, since `recv` returns `None`
//! exactly then. (The `Receiver` is also a `futures_core::Stream`, for stream combinators, and
//! `iter()` gives a blocking iterator for plain threads.) Go's `close(queue)` is
//! `queue_tx.close()`. As in Go, `close` discards nothing already buffered; it only announces
//! that nothing more will come, so the loop sees every queued value before it stops.

#[gort::main]
async fn main() {
    // Put two values in the buffer, then close the channel.
    let (queue_tx, queue_rx) = gort::chan::bounded(2);
    queue_tx.send("one").await.unwrap();
    queue_tx.send("two").await.unwrap();
    queue_tx.close();

    // `for elem := range queue`: `recv` yields both values, then `None` (closed and empty),
    // which ends the loop.
    while let Some(elem) = queue_rx.recv().await {
        println!("{elem}");
    }
}
