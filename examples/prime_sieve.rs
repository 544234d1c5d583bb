//! The concurrent prime sieve, ported from Go's `doc/play/sieve.go` (the playground's "Concurrent
//! Prime Sieve": <https://go.dev/play/p/9U22NfrXeq>).
//!
//! `Generate` sends 2, 3, 4, … down a channel; for each prime that comes out of the chain, `main`
//! starts a `Filter` task that drops the multiples of that prime, so the tasks form a daisy chain
//! of sieves. Go → gort: `go Generate(ch)` → `gort::go(generate(tx))`; `make(chan int)` →
//! `gort::chan::bounded(0)`; `<-in` / `out <- i` → `recv().await` / `send(i).await`. A Go channel
//! is one value used for both ends; a gort channel is a `Sender` and a `Receiver`, so `Filter`
//! takes the receiving end of its left channel and the sending end of its right one, and `main`
//! keeps only the receiving end of the newest channel (Go's `ch = ch1`).
//!
//! One difference: Go's program simply exits with every goroutine still blocked in a send. Here,
//! when `main` drops the last receiver, that channel closes, so the last filter's `send` fails
//! and it returns, dropping its own receiver — and so on down the chain to `generate`: ownership
//! tears the whole pipeline down. Each task therefore treats a failed send as "nobody is
//! listening any more" and returns.
//!
//! Go's version prints the first 10 primes; pass a number to print more
//! (`cargo run --example prime_sieve -- 100`). Every number printed is checked to be the next prime.

use gort::chan::{Receiver, Sender};

/// Go's `Generate`: feeds every integer from 2 upward into the sieve.
async fn generate(ch: Sender<u64>) {
    for i in 2.. {
        // An error means the first filter (or `main`) has let go of its receiver: nobody is
        // left to feed.
        if ch.send(i).await.is_err() {
            return;
        }
    }
}

/// Go's `Filter` (`in` is a Rust keyword): one stage of the sieve, passing on only the numbers
/// that `prime` does not divide.
async fn filter(in_: Receiver<u64>, out: Sender<u64>, prime: u64) {
    // `None` would need the stage upstream to quit first. It never does: teardown starts at
    // `main` and runs back towards `generate`.
    while let Some(i) = in_.recv().await {
        if i % prime != 0 && out.send(i).await.is_err() {
            return; // the next filter (or main) is gone
        }
    }
}

/// Each prime that reaches `main` gets a filter of its own, spliced onto the end of the chain.
#[gort::main]
async fn main() {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse().expect("usage: prime_sieve [N]"),
        None => 10, // Go's `for i := 0; i < 10; i++`
    };

    let (tx, mut ch) = gort::chan::bounded(0); // `generate`'s output, the chain's input
    gort::go(generate(tx)); // the candidates flow from their own task
    let mut expected = (2u64..).filter(|&k| is_prime(k));
    for _ in 0..n {
        let prime = ch.recv().await.expect("the sieve never ends");
        println!("{prime}");
        assert_eq!(
            Some(prime),
            expected.next(),
            "the sieve skipped or let through a number"
        );
        let (tx1, ch1) = gort::chan::bounded(0);
        gort::go(filter(ch, tx1, prime));
        ch = ch1;
    }
}

/// Trial division, to check the sieve's output.
fn is_prime(k: u64) -> bool {
    k >= 2 && (2..).take_while(|d| d * d <= k).all(|d| k % d != 0)
}
