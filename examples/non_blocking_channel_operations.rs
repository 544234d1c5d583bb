//! Go by Example: Non-Blocking Channel Operations —
//! <https://gobyexample.com/non-blocking-channel-operations>, ported to gort.
//!
//! A Go `select` with a `default` case never blocks: if no channel operation can proceed right
//! now, `default` runs. gort's [`gort::select!`] takes the same `default => ..` arm. A receive
//! arm is `msg = recv(messages_rx)`, a send arm is `_ = send(messages_tx, msg)` (Go's
//! `case messages <- msg:`); the send arm's result is a `Result`, an error only if the channel
//! is closed. A losing send arm sends nothing and drops its value — here a copied `&str`, so
//! `msg` is still ours to print. Unlike Go's, a gort channel closes when its last `Sender` is
//! dropped, so `main` keeps `signals`' sender even though it never sends on it.

#[gort::main]
async fn main() {
    // `messages := make(chan string)` and `signals := make(chan bool)`: both unbuffered.
    let (messages_tx, messages_rx) = gort::chan::bounded::<&str>(0);
    // Nobody sends on `signals`, but its sender must stay alive: dropping the last `Sender`
    // closes a gort channel (a Go channel never closes by itself), and a closed channel is
    // always ready to receive (`None`), so the last select would take that arm.
    let (_signals_tx, signals_rx) = gort::chan::bounded::<bool>(0);

    // A poll of `messages`: the channel is empty, so the `default` arm is taken on the spot.
    gort::select! {
        msg = recv(messages_rx) => println!("received message {}", msg.unwrap()),
        default => println!("no message received"),
    }

    // An unbuffered send can only complete by handing its value to a task already parked in
    // `recv`. None is, so the `send` arm cannot fire and `default` does.
    let msg = "hi";
    gort::select! {
        sent = send(messages_tx, msg) => {
            sent.unwrap();
            println!("sent message {msg}");
        }
        default => println!("no message sent"),
    }

    // Polling two channels in one `select!`: neither holds a value, so `default` runs again.
    gort::select! {
        msg = recv(messages_rx) => println!("received message {}", msg.unwrap()),
        sig = recv(signals_rx) => println!("received signal {}", sig.unwrap()),
        default => println!("no activity"),
    }
}
