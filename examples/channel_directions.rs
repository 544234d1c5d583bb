//! Go by Example: Channel Directions — <https://gobyexample.com/channel-directions>, ported to
//! gort.
//!
//! In Go a channel value can both send and receive, and a parameter type such as
//! `chan<- string` (send-only) or `<-chan string` (receive-only) narrows what a function may do
//! with it. gort's channels come as two halves from the start, so the direction *is* the type:
//! `chan<- string` is [`Sender<String>`] and `<-chan string` is [`Receiver<String>`]. Calling
//! `recv` on a `Sender` (or `send` on a `Receiver`) is a compile-time error, exactly as
//! receiving on a `chan<-` is in Go. The functions borrow the ends (`&Sender<String>`), the
//! nearest thing to Go copying a channel handle; a function that must keep an end would take
//! it by value (the ends are cheap to clone). Go's `string` is Rust's owned `String`.

use gort::chan::{Receiver, Sender};

// `func ping(pings chan<- string, msg string)`: holding a `Sender` is what makes this
// send-only; there is no `recv` method to call by mistake.
async fn ping(pings: &Sender<String>, msg: &str) {
    pings.send(msg.to_string()).await.unwrap();
}

// `func pong(pings <-chan string, pongs chan<- string)`: takes a message off the first
// channel and passes it on through the second, and the types allow nothing else.
async fn pong(pings: &Receiver<String>, pongs: &Sender<String>) {
    let msg = pings.recv().await.unwrap();
    pongs.send(msg).await.unwrap();
}

#[gort::main]
async fn main() {
    // `pings := make(chan string, 1)` and `pongs := make(chan string, 1)`.
    let (pings_tx, pings_rx) = gort::chan::bounded(1);
    let (pongs_tx, pongs_rx) = gort::chan::bounded(1);
    ping(&pings_tx, "passed message").await;
    pong(&pings_rx, &pongs_tx).await;
    println!("{}", pongs_rx.recv().await.unwrap());
}
