//! Go by Example: Select — <https://gobyexample.com/select>, ported to gort.
//!
//! Go's `select` waits on several channel operations and runs the case of whichever is ready
//! first; gort's [`gort::select!`] does the same, with `case msg1 := <-c1:` written as
//! `msg1 = recv(c1_rx) => ..`. A receive arm yields an `Option`, `None` meaning the channel was
//! closed (Go's `msg, ok := <-c1` with `ok == false`); these channels are never closed while
//! `main` waits, so `unwrap` is safe. If several arms are ready at once, one is picked at random,
//! as in Go. Each goroutine sleeps before it sends, standing in for a slow call; the sleeps
//! overlap, so the run lasts about two seconds rather than their sum, and the one-second gap
//! between them keeps the order of the two lines fixed.
//!
//! One difference matters here: a gort channel closes when its last `Sender` is dropped, while
//! a Go channel never closes by itself. Each goroutine drops its sender when it finishes, so if
//! `main` did not keep `c1_tx` and `c2_tx` (as Go's `main` keeps `c1` and `c2`), the second
//! pass of the loop would find `c1` closed — always ready, yielding `None` — instead of waiting
//! for `c2`. The goroutines therefore send on clones.

use gort::time::Duration;

#[gort::main]
async fn main() {
    // Two unbuffered channels to wait on.
    let (c1_tx, c1_rx) = gort::chan::bounded(0);
    let (c2_tx, c2_rx) = gort::chan::bounded(0);

    // Two tasks stand in for slow calls: one answers on c1 after 1 s, the other on c2 after
    // 2 s. `main` keeps `c1_tx` and `c2_tx`, so neither channel closes when its task ends.
    let c1 = c1_tx.clone();
    gort::go(async move {
        gort::time::sleep(Duration::from_secs(1)).await;
        c1.send("one").await.unwrap();
    });
    let c2 = c2_tx.clone();
    gort::go(async move {
        gort::time::sleep(Duration::from_secs(2)).await;
        c2.send("two").await.unwrap();
    });

    // Two passes of one `select!` over both receivers: the first takes "one" at 1 s, the
    // second "two" at 2 s.
    for _ in 0..2 {
        gort::select! {
            msg1 = recv(c1_rx) => println!("received {}", msg1.unwrap()),
            msg2 = recv(c2_rx) => println!("received {}", msg2.unwrap()),
        }
    }
}
