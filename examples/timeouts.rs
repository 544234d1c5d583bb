//! Go by Example: Timeouts — <https://gobyexample.com/timeouts>, ported to gort.
//!
//! Go bounds a wait with `select` and `time.After`: whichever case is ready first wins. gort
//! has the same pieces: [`gort::time::after`] returns a channel ([`Receiver<Instant>`]) that
//! receives once after the duration, so `case <-time.After(1 * time.Second):` becomes the arm
//! `_ = recv(gort::time::after(Duration::from_secs(1)))`. (For a plain future, gort also has
//! [`gort::time::timeout`], like tokio's.) As in Go, the result channels are buffered, with
//! room for one value, so that a goroutine whose result arrives too late can still send and
//! finish, instead of waiting forever for a receiver that has moved on. Go's timings are kept —
//! 2 s of work against a 1 s and then a 3 s timeout — so the program takes about 3 s, and the
//! 1 s margins keep the outcome fixed even on a loaded machine.
//!
//! [`Receiver<Instant>`]: gort::chan::Receiver

use gort::time::Duration;

#[gort::main]
async fn main() {
    // A task standing in for a slow call: its answer arrives on `c1` after 2 s.
    let (c1_tx, c1_rx) = gort::chan::bounded(1);
    gort::go(async move {
        gort::time::sleep(Duration::from_secs(2)).await;
        c1_tx.send("result 1").await.unwrap();
    });

    // Race the answer against a 1 s timer; the timer is ready first.
    gort::select! {
        res = recv(c1_rx) => println!("{}", res.unwrap()),
        _ = recv(gort::time::after(Duration::from_secs(1))) => println!("timeout 1"),
    }

    // The same 2 s call raced against a 3 s timer: this time the answer wins.
    let (c2_tx, c2_rx) = gort::chan::bounded(1);
    gort::go(async move {
        gort::time::sleep(Duration::from_secs(2)).await;
        c2_tx.send("result 2").await.unwrap();
    });
    gort::select! {
        res = recv(c2_rx) => println!("{}", res.unwrap()),
        _ = recv(gort::time::after(Duration::from_secs(3))) => println!("timeout 2"),
    }
}
