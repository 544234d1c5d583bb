//! Rob Pike's daisy chain, from his talk "Go Concurrency Patterns" (Google I/O 2012,
//! <https://go.dev/talks/2012/concurrency.slide>, the "Daisy-chain" slide): 100,000 goroutines in a row, each passing
//! the number it receives from its right, plus one, to its left. Whispers, like a game of
//! telephone; it prints 100001.
//!
//! Go → gort: `go f(left, right)` → `gort::go(f(left, right_rx))`; `make(chan int)` →
//! `gort::chan::bounded(0)`; `left <- 1 + <-right` → receive from `right`, then send on `left`.
//! A Go channel is one value with both ends; in gort a channel is a `Sender` and a `Receiver`, so
//! each `f` gets the sending end of its left channel and the receiving end of its right one,
//! and `main` keeps the receiving end of `leftmost`. As in Go, each task costs little: the chain
//! is 100,000 small heap-allocated futures, not threads.

use gort::chan::{Receiver, Sender};

/// One link: `left <- 1 + <-right`.
async fn f(left: Sender<u64>, right: Receiver<u64>) {
    let v = right.recv().await.expect("the value comes from the right");
    left.send(1 + v).await.expect("the left end waits for it");
}

#[gort::main]
async fn main() {
    const N: usize = 100_000;
    let (leftmost_tx, leftmost) = gort::chan::bounded(0);
    let mut left = leftmost_tx;
    for _ in 0..N {
        let (right_tx, right) = gort::chan::bounded(0);
        gort::go(f(left, right));
        left = right_tx;
    }
    // `left` is now the sending end of the rightmost channel: Go's `go func(c chan int) { c <- 1 }(right)`.
    let c = left;
    gort::go(async move { c.send(1).await.expect("the rightmost link waits") });
    let v = leftmost
        .recv()
        .await
        .expect("the value reaches the left end");
    println!("{v}");
    assert_eq!(v, N as u64 + 1);
}
