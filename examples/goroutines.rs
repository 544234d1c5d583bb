//! Go by Example: Goroutines — <https://gobyexample.com/goroutines>, ported to gort.
//!
//! Go's `go f(x)` starts a goroutine; gort's [`gort::go`] spawns a detached task on the
//! work-stealing runtime. Go can hand any function call to `go`; a gort task is a future, so a
//! plain function `f` is wrapped in `async move { f(..) }`, and Go's anonymous `go func(msg
//! string) { .. }("going")` becomes an `async move` block that captures `msg`. `time.Sleep` maps
//! to `gort::time::sleep(..).await`. As in Go, the two tasks run concurrently with each other,
//! so their lines interleave in an order that can change from run to run (the expected output
//! lists them as unordered). The one-second sleep before "done" merely gives them time and
//! guarantees nothing; waitgroups.rs waits for tasks properly.

use gort::time::Duration;

fn f(from: &str) {
    for i in 0..3 {
        println!("{from} : {i}");
    }
}

#[gort::main]
async fn main() {
    // A plain call: runs to the end before the next line.
    f("direct");

    // `go f("goroutine")`: run f concurrently in a new task.
    gort::go(async move { f("goroutine") });

    // `go func(msg string) { fmt.Println(msg) }("going")`: an anonymous goroutine.
    let msg = "going";
    gort::go(async move {
        println!("{msg}");
    });

    // The two tasks run on the runtime's workers meanwhile; give them a second (time.Sleep).
    gort::time::sleep(Duration::from_secs(1)).await;
    println!("done");
}
