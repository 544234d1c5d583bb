//! Go by Example: Timers — <https://gobyexample.com/timers>, ported to gort.
//!
//! Go's `time.NewTimer(d)` becomes [`gort::time::Timer::new`], and its channel field `timer.C`
//! the method [`channel`](gort::time::Timer::channel), so `<-timer1.C` reads
//! `timer1.channel().recv().await`. A goroutine that waits on the timer needs its own handle to
//! the channel: gort's receivers are `Clone` (channels are multi-consumer), so the goroutine
//! takes a clone while `main` keeps the `Timer` to stop it. `timer2.Stop()` returns whether it
//! stopped the timer before it fired, as in Go; with Go 1.23 semantics a stopped timer never
//! delivers, so the waiting goroutine never prints (it prints only if it receives a time,
//! `Some(..)`; `None` would mean a closed channel). Go's timings are kept: 2 s for timer 1, a
//! 1 s timer 2 stopped at once, and 2 s of grace in which it could (but must not) fire.

use gort::time::{sleep, Duration, Instant, Timer};

#[gort::main]
async fn main() {
    // A `Timer` puts one value on its channel once its duration has passed, so awaiting that
    // `recv` suspends `main` for the 2 s.
    let start = Instant::now();
    let timer1 = Timer::new(Duration::from_secs(2));
    timer1
        .channel()
        .recv()
        .await
        .expect("a timer delivers once");
    println!("Timer 1 fired");
    assert!(start.elapsed() >= Duration::from_secs(2), "fired early");

    // What a timer has over `sleep`: it can be called off. This one is stopped before its
    // second is up, with a goroutine set to wait on its channel.
    let timer2 = Timer::new(Duration::from_secs(1));
    let timer2_c = timer2.channel().clone();
    gort::go(async move {
        if timer2_c.recv().await.is_some() {
            println!("Timer 2 fired");
        }
    });
    let stop2 = timer2.stop();
    if stop2 {
        println!("Timer 2 stopped");
    }

    // Outlast timer 2's deadline by a second: had `stop` not worked, the goroutine would have
    // printed by now. (The expected output has no "Timer 2 fired" line, so the test checks
    // that too.)
    sleep(Duration::from_secs(2)).await;
}
