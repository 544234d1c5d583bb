//! Pipelines and cancellation, ported from Sameer Ajmani's Go blog post "Go Concurrency
//! Patterns: Pipelines and cancellation" (<https://go.dev/blog/pipelines>): stages connected by
//! channels (`gen` → `sq` → `main`), fan-out and fan-in (`merge`), the goroutine leak of a
//! consumer that stops early, and its cure — a `done` channel whose closing tells every stage to
//! return — followed by the same cure written with `context` (which the blog predates).
//!
//! Go → gort: `go func() { … }()` → `gort::go(async move { … })`; `make(chan int)` →
//! `gort::chan::bounded(0)`; `for n := range in` → `while let Some(n) = in_.recv().await`
//! (`in` is a Rust keyword); `close(out)` → `out.close()`; `sync.WaitGroup` →
//! `gort::sync::WaitGroup`; `select { case out <- v: case <-done: return }` → `gort::select!`
//! with a `send` arm and a `recv(done)` arm (receiving from a closed channel is ready at once, as
//! in Go); `context.WithCancel` → `gort::context::Context::with_cancel`, and `<-ctx.Done()` →
//! a `ctx.done()` arm. Go's `runtime.NumGoroutine()`, which shows the leak, is the runtime's
//! count of live tasks here (`goroutines()`).
//!
//! One difference matters: a gort channel closes when its last `Receiver` is dropped, so a
//! stage blocked sending to a consumer that has gone away gets an error instead of hanging
//! forever. The stages below stop on that error, so the leak of the "stopping short" section
//! lasts only as long as `main` keeps `out`; the section shows both. The blog's explicit
//! cancellation is still needed: a `done` channel (or a context) reaches every stage at once,
//! including stages blocked on a receive, and works while the consumer still holds its end.
//! (The blog's intermediate steps — buffered channels, and sending one value on `done` per
//! blocked sender — are left out: the post itself replaces them with closing `done`.)

use std::time::{Duration, Instant};

use gort::chan::Receiver;

/// Go's `runtime.NumGoroutine() - 1`: the tasks alive on this runtime, `main` not included.
fn goroutines() -> usize {
    gort::runtime::Handle::current().metrics().tasks_alive
}

/// Waits, up to 10 s, for the goroutine count to come down to `want` (exiting takes the
/// goroutines a moment), and returns the count.
async fn wait_for_goroutines(want: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    while goroutines() > want && Instant::now() < deadline {
        gort::time::sleep(Duration::from_millis(1)).await;
    }
    goroutines()
}

/// The first version of the stages (the blog's `square.go`, `sqfan.go`, `sqleak.go`).
mod simple {
    use gort::chan::Receiver;
    use gort::sync::WaitGroup;

    /// Sends the values in `nums` on the returned channel, then closes it.
    pub(crate) fn gen(nums: &[i64]) -> Receiver<i64> {
        let (out, rx) = gort::chan::bounded(0);
        let nums = nums.to_vec();
        gort::go(async move {
            for n in nums {
                if out.send(n).await.is_err() {
                    return; // every receiver is gone (gort only; Go would block here)
                }
            }
            out.close();
        });
        rx
    }

    /// The middle stage: squares each number that arrives on `in_` and passes it downstream,
    /// closing its own output once `in_` has closed.
    pub(crate) fn sq(in_: Receiver<i64>) -> Receiver<i64> {
        let (out, rx) = gort::chan::bounded(0);
        gort::go(async move {
            while let Some(n) = in_.recv().await {
                if out.send(n * n).await.is_err() {
                    return;
                }
            }
            out.close();
        });
        rx
    }

    /// Fan-in: funnels every input channel into one output, which closes once the last input
    /// has closed and everything has been forwarded.
    pub(crate) fn merge(cs: Vec<Receiver<i64>>) -> Receiver<i64> {
        let wg = WaitGroup::new();
        let (out, rx) = gort::chan::bounded(0);

        // One forwarding task per input. Each checks out of `wg` when its input runs dry (or,
        // in gort, when nobody reads `out` any more).
        let output = |c: Receiver<i64>| {
            let (out, wg) = (out.clone(), wg.clone());
            async move {
                while let Some(n) = c.recv().await {
                    if out.send(n).await.is_err() {
                        break;
                    }
                }
                wg.done();
            }
        };
        wg.add(cs.len());
        for c in cs {
            gort::go(output(c));
        }

        // A closer task waits for every forwarder, then closes `out`. The `add` above already
        // counted them all, so its `wait` cannot see zero too soon.
        gort::go(async move {
            wg.wait().await;
            out.close();
        });
        rx
    }
}

/// Explicit cancellation (the blog's `sqdone3.go`): every stage also watches `done`.
mod done_channel {
    use gort::chan::Receiver;
    use gort::sync::WaitGroup;

    /// Sends the values in `nums` on the returned channel, then closes it.
    pub(crate) fn gen(_done: &Receiver<()>, nums: &[i64]) -> Receiver<i64> {
        let (out, rx) = gort::chan::bounded(nums.len());
        for &n in nums {
            // The buffer has a slot for every value, so these sends never wait and there is
            // no point watching `done`.
            out.try_send(n).expect("the buffer holds all of nums");
        }
        out.close();
        rx
    }

    /// `sq` that also gives up as soon as `done` closes. Its output closes when the task ends
    /// and drops the sender (Go's `defer close(out)`).
    pub(crate) fn sq(done: &Receiver<()>, in_: Receiver<i64>) -> Receiver<i64> {
        let (out, rx) = gort::chan::bounded(0);
        let done = done.clone();
        gort::go(async move {
            while let Some(n) = in_.recv().await {
                gort::select! {
                    sent = send(out, n * n) => if sent.is_err() { return },
                    _ = recv(done) => return,
                }
            }
        });
        rx
    }

    /// `merge` whose forwarders also stop when `done` closes; the output closes once every
    /// forwarder has stopped.
    pub(crate) fn merge(done: &Receiver<()>, cs: Vec<Receiver<i64>>) -> Receiver<i64> {
        let wg = WaitGroup::new();
        let (out, rx) = gort::chan::bounded(0);

        // A forwarder now has two ways out: its input closes, or `done` does.
        let output = |c: Receiver<i64>| {
            let (out, wg, done) = (out.clone(), wg.clone(), done.clone());
            async move {
                while let Some(n) = c.recv().await {
                    gort::select! {
                        sent = send(out, n) => if sent.is_err() { break },
                        _ = recv(done) => break,
                    }
                }
                wg.done();
            }
        };
        // From here on, identical to `simple::merge`.
        wg.add(cs.len());
        for c in cs {
            gort::go(output(c));
        }
        gort::go(async move {
            wg.wait().await;
            out.close();
        });
        rx
    }
}

/// The same stages with a `context.Context` in place of `done`.
mod with_context {
    use gort::chan::Receiver;
    use gort::context::Context;
    use gort::sync::WaitGroup;

    /// Sends the values in `nums` on the returned channel, then closes it.
    pub(crate) fn gen(_ctx: &Context, nums: &[i64]) -> Receiver<i64> {
        let (out, rx) = gort::chan::bounded(nums.len());
        for &n in nums {
            out.try_send(n).expect("the buffer holds all of nums");
        }
        out.close();
        rx
    }

    /// `sq` until `in_` is closed or `ctx` is cancelled.
    pub(crate) fn sq(ctx: &Context, in_: Receiver<i64>) -> Receiver<i64> {
        let (out, rx) = gort::chan::bounded(0);
        let ctx = ctx.clone();
        gort::go(async move {
            while let Some(n) = in_.recv().await {
                gort::select! {
                    sent = send(out, n * n) => if sent.is_err() { return },
                    _ = ctx.done() => return,
                }
            }
        });
        rx
    }

    /// `merge` until every input is closed or `ctx` is cancelled.
    pub(crate) fn merge(ctx: &Context, cs: Vec<Receiver<i64>>) -> Receiver<i64> {
        let wg = WaitGroup::new();
        let (out, rx) = gort::chan::bounded(0);
        let output = |c: Receiver<i64>| {
            let (out, wg, ctx) = (out.clone(), wg.clone(), ctx.clone());
            async move {
                while let Some(n) = c.recv().await {
                    gort::select! {
                        sent = send(out, n) => if sent.is_err() { break },
                        _ = ctx.done() => break,
                    }
                }
                wg.done();
            }
        };
        wg.add(cs.len());
        for c in cs {
            gort::go(output(c));
        }
        gort::go(async move {
            wg.wait().await;
            out.close();
        });
        rx
    }
}

/// Receives the first value of a fan-in of two squares of 2 and 3: 4 or 9, whoever is first.
async fn first(out: &Receiver<i64>) -> i64 {
    let v = out.recv().await.expect("merge sends two values");
    println!("first value: {v}");
    assert!(v == 4 || v == 9, "expected 4 or 9, got {v}");
    v
}

#[gort::main]
async fn main() {
    use simple::{gen, merge, sq};

    println!("== Squaring numbers: gen -> sq -> main");
    // Build the chain: `gen` feeds `sq`, and `main` reads what `sq` emits.
    let c = gen(&[2, 3]);
    let out = sq(c);
    // Two numbers went in, so take exactly two squares out.
    let (a, b) = (out.recv().await, out.recv().await);
    println!("{}\n{}", a.unwrap(), b.unwrap());
    assert_eq!((a, b), (Some(4), Some(9)));

    println!("== sq's inbound and outbound channels have the same type: sq(sq(gen(2, 3)))");
    let out = sq(sq(gen(&[2, 3])));
    let mut got = Vec::new();
    while let Some(n) = out.recv().await {
        println!("{n}"); // 16 then 81
        got.push(n);
    }
    assert_eq!(got, [16, 81]);

    println!("== Fan-out, fan-in: two sq goroutines read from gen; merge combines them");
    let in_ = gen(&[2, 3]);
    // Fan-out: two `sq` stages share one input. Clones of a `Receiver` compete for its values,
    // so each number is squared by exactly one of them.
    let c1 = sq(in_.clone());
    let c2 = sq(in_);
    // Fan-in: `merge` joins both result streams into a single channel for `main`.
    let out = merge(vec![c1, c2]);
    let mut got = Vec::new();
    while let Some(n) = out.recv().await {
        println!("{n}"); // 4 then 9, or 9 then 4
        got.push(n);
    }
    got.sort();
    assert_eq!(got, [4, 9]);
    assert_eq!(wait_for_goroutines(0).await, 0, "every stage has finished");

    println!("== Stopping short: main takes the first value only");
    let in_ = gen(&[2, 3]);
    let (c1, c2) = (sq(in_.clone()), sq(in_));
    let out = merge(vec![c1, c2]);
    first(&out).await;
    // Nobody reads the second square, so its forwarder sits in `send` and merge's closer sits
    // in `wait` behind it: two tasks leaked for as long as `out` is held.
    let stuck = wait_for_goroutines(2).await;
    gort::time::sleep(Duration::from_millis(100)).await;
    assert_eq!((stuck, goroutines()), (2, 2), "two goroutines stay blocked");
    println!("goroutines still running: {stuck} (blocked for good)");
    // gort only: dropping the last receiver closes `out`, the hung send fails, and both exit.
    drop(out);
    let left = wait_for_goroutines(0).await;
    println!("after dropping out: {left} still running");
    assert_eq!(left, 0);

    println!("== Explicit cancellation: closing done stops every stage");
    {
        use done_channel::{gen, merge, sq};
        // Every stage gets a clone of one `done` receiver. Nothing is ever sent on it: closing
        // it makes every `recv(done)` arm ready at once, which is how one call reaches them all.
        let (done_tx, done) = gort::chan::bounded::<()>(0);
        let in_ = gen(&done, &[2, 3]);
        let c1 = sq(&done, in_.clone());
        let c2 = sq(&done, in_);
        // Read only one of the two squares, as in the leaking case above.
        let out = merge(&done, vec![c1, c2]);
        first(&out).await;
        done_tx.close(); // Go: the deferred close(done)
        let left = wait_for_goroutines(0).await;
        println!("after closing done: {left} still running (out still held)");
        assert_eq!(left, 0);
        drop(out);
    }

    println!("== The same with a context: cancel() stops every stage");
    {
        use with_context::{gen, merge, sq};
        let (ctx, cancel) = gort::context::Context::background().with_cancel();
        let in_ = gen(&ctx, &[2, 3]);
        let c1 = sq(&ctx, in_.clone());
        let c2 = sq(&ctx, in_);
        let out = merge(&ctx, vec![c1, c2]);
        first(&out).await;
        cancel.cancel(); // Go: defer cancel()
        let left = wait_for_goroutines(0).await;
        println!("after cancel(): {left} still running (out still held)");
        assert_eq!(left, 0);
        drop(out);
    }
}
