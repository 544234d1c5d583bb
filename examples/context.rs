//! Go by Example: Context — <https://gobyexample.com/context>, ported to gort.
//!
//! Go's chapter is an HTTP server: net/http gives each request a `context.Context` that is
//! cancelled when the client goes away, and the `hello` handler, which takes 10 s to answer,
//! `select`s between `time.After(10 * time.Second)` and `ctx.Done()`. The demo runs `curl` and
//! interrupts it with Ctrl+C after a second. gort has no HTTP server (and an example that opens
//! a port and needs a second program would not run as a self-contained test), so this port
//! keeps the handler and plays the other parts in-process: `serve` stands in for net/http — it
//! makes the request's [`Context`] with `with_cancel` and cancels it when the client's
//! "connection", a channel, closes — and `main` is the client, which hangs up after a second.
//! A small `ResponseWriter` stands in for `http.ResponseWriter`, so the handler still writes
//! "hello" or the error, as Go's does (the client has gone, so nobody reads it; the program
//! checks it instead). `ctx.Done()` is `ctx.done()`, a future used directly as a `select!` arm;
//! `ctx.Err()` is `ctx.err()`, whose error prints Go's "context canceled"; Go's `defer
//! fmt.Println(..)` is a guard whose `Drop` prints.

use gort::chan::Receiver;
use gort::context::Context;
use gort::time::{after, sleep, Duration};
use std::fmt::Write;

/// What the handler sends back: a stand-in for `http.ResponseWriter`.
#[derive(Debug)]
struct ResponseWriter {
    status: u16,
    body: String,
}

impl Write for ResponseWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.body.write_str(s)
    }
}

/// Go's `http.Error`: reply with an error message and status code.
fn http_error(w: &mut ResponseWriter, error: &str, code: u16) {
    w.status = code;
    writeln!(w, "{error}").unwrap();
}

const STATUS_INTERNAL_SERVER_ERROR: u16 = 500;

/// Runs a closure when dropped: Go's `defer`.
struct Defer<F: FnMut()>(F);

impl<F: FnMut()> Drop for Defer<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

// The handler. net/http would give it the request, whose `Context()` is `ctx` here.
async fn hello(w: &mut ResponseWriter, ctx: Context) {
    println!("server: hello handler started");
    let _ended = Defer(|| println!("server: hello handler ended"));

    // Race the 10 s stand-in for slow work against the request's cancellation. Whichever arm
    // completes first wins, so a client that hangs up frees the handler at once rather than
    // after work whose answer nobody would read.
    gort::select! {
        _ = recv(after(Duration::from_secs(10))) => {
            writeln!(w, "hello").unwrap();
        }
        _ = ctx.done() => {
            // Once `done()` has completed, `err()` is `Some`; a cancellation prints as Go's
            // "context canceled".
            let err = ctx.err().expect("a done context has an error");
            println!("server: {err}");
            http_error(w, &err.to_string(), STATUS_INTERNAL_SERVER_ERROR);
        }
    }
}

/// net/http's part for one request: give the handler a context that is cancelled once the
/// client's connection closes, and return what the handler wrote.
async fn serve(conn: Receiver<()>) -> ResponseWriter {
    let (ctx, cancel) = Context::background().with_cancel();
    gort::go(async move {
        // The client never sends on `conn`: `None` means it hung up.
        conn.recv().await;
        cancel.cancel();
    });
    let mut w = ResponseWriter {
        status: 200,
        body: String::new(),
    };
    hello(&mut w, ctx).await;
    w
}

#[gort::main]
async fn main() {
    // The client: `curl localhost:8090/hello`, interrupted with Ctrl+C after a second. The
    // connection is a channel; dropping its sender closes it.
    let (hang_up, conn) = gort::chan::bounded::<()>(0);
    gort::go(async move {
        sleep(Duration::from_secs(1)).await;
        drop(hang_up);
    });

    let w = serve(conn).await;
    assert_eq!(
        (w.status, w.body.as_str()),
        (STATUS_INTERNAL_SERVER_ERROR, "context canceled\n"),
        "the handler gave up when the client hung up, 9 s before its reply was due"
    );
}
