//! Ping-pong, from Sameer Ajmani's talk "Advanced Go Concurrency Patterns" (Google I/O 2013,
//! <https://go.dev/talks/2013/advconc.slide>, the "Ping-pong" slide): two goroutines hit a `Ball`
//! back and forth over one unbuffered channel, the `table`.
//!
//! Go → gort: `table := make(chan *Ball)` → `gort::chan::bounded(0)`; `go player("ping", table)`
//! → `gort::go(player("ping", table.clone(), …))`; `ball := <-table` / `table <- ball` →
//! `recv().await` / `send(ball).await`; `time.Sleep(100 * time.Millisecond)` →
//! `gort::time::sleep(..).await`. A Go channel value is both ends; here `Table` bundles the
//! `Sender` and the `Receiver`, both cheap clones of one channel. Go passes a `*Ball`; the
//! ball moves by value here, which is the same thing: only its holder can touch it.
//!
//! Two changes make the output deterministic, which the talk's version is not:
//! - The talk's `main` plays for `time.Sleep(1 * time.Second)` and then grabs the ball, so the
//!   number of hits depends on timing (about ten at 100 ms each). Here the game lasts exactly
//!   `HITS` = 10 hits: the player who makes the last hit hands the ball to `main` on a
//!   `game_over` channel instead of putting it back on the table. (It cannot put it on the table
//!   for `main`: the other player is already waiting there, and would take it.)
//! - The talk starts both players and then tosses the ball; whichever player is scheduled first
//!   gets it. Here `main` tosses the ball to "ping" before starting "pong", so "ping 1" is always
//!   first. From then on the players alternate by construction: on an unbuffered channel the
//!   hitter's send goes to the only other receiver, the waiting opponent.
//!
//! As in Go, the losing player is still blocked on the table when `main` returns; the runtime
//! drops its task on exit.

use std::time::Duration;

use gort::chan::{Receiver, Sender};

/// How many hits a game lasts (the talk: 1 s of play at 100 ms per hit).
const HITS: u32 = 10;

#[derive(Debug, Default)]
struct Ball {
    hits: u32,
}

/// Go's `chan *Ball`: both ends of one channel.
#[derive(Clone)]
struct Table {
    tx: Sender<Ball>,
    rx: Receiver<Ball>,
}

async fn player(name: &'static str, table: Table, game_over: Sender<Ball>) {
    loop {
        let Some(mut ball) = table.rx.recv().await else {
            return; // the table was closed: nobody to play with
        };
        ball.hits += 1;
        println!("{name} {}", ball.hits);
        gort::time::sleep(Duration::from_millis(100)).await;
        if ball.hits == HITS {
            // Go: main's `<-table` after 1 s. Here the last hitter gives the ball up.
            game_over.send(ball).await.expect("main waits for the ball");
            return;
        }
        if table.tx.send(ball).await.is_err() {
            return;
        }
    }
}

#[gort::main]
async fn main() {
    let (tx, rx) = gort::chan::bounded(0);
    let table = Table { tx, rx };
    let (game_over_tx, game_over) = gort::chan::bounded(0);

    gort::go(player("ping", table.clone(), game_over_tx.clone()));
    // Serve to "ping" before "pong" exists. The send is unbuffered, so it returns only once
    // "ping" holds the ball.
    table
        .tx
        .send(Ball::default())
        .await
        .expect("ping takes the ball");
    gort::go(player("pong", table.clone(), game_over_tx));

    let ball = game_over.recv().await.expect("the game ends"); // the last hitter hands it over
    assert_eq!(ball.hits, HITS);
}
