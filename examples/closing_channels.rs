//! Go by Example: Closing Channels — <https://gobyexample.com/closing-channels>, ported to gort.
//!
//! Go's `close(jobs)` is `jobs_tx.close()` here (dropping every `Sender` closes the channel
//! too). Go's `j, more := <-jobs` is `jobs.recv().await`: `Some(j)` is `more == true`, and
//! `None` — which comes only after the close *and* after the buffer has been emptied — is
//! `more == false`. The worker task holds a clone of the receiving end, because `main` also
//! receives from `jobs` at the end: there, `_, ok := <-jobs` on the closed, drained channel is
//! `jobs_rx.recv().await` returning `None` at once, so `ok` is `false`. The main task and the
//! worker print concurrently, so, as in Go, the "sent" and "received" lines interleave in an
//! order that can change from run to run (the expected output lists them as unordered).

#[gort::main]
async fn main() {
    // `jobs := make(chan int, 5)` and `done := make(chan bool)`.
    let (jobs_tx, jobs_rx) = gort::chan::bounded::<i32>(5);
    let (done_tx, done_rx) = gort::chan::bounded::<bool>(0);

    // The worker takes jobs until `recv` says `None` (closed and drained), then reports on
    // `done` and ends.
    let jobs = jobs_rx.clone();
    gort::go(async move {
        loop {
            match jobs.recv().await {
                Some(j) => println!("received job {j}"),
                None => {
                    println!("received all jobs");
                    done_tx.send(true).await.unwrap();
                    return;
                }
            }
        }
    });

    // Three jobs into the buffer, then `close`: the worker still gets all three before `None`.
    for j in 1..=3 {
        jobs_tx.send(j).await.unwrap();
        println!("sent job {j}");
    }
    jobs_tx.close();
    println!("sent all jobs");

    // `<-done`: the completion signal of channel_synchronization.rs, reused.
    done_rx.recv().await.unwrap();

    // `_, ok := <-jobs`: a receive on a closed, drained channel returns at once with `None`
    // (Go gives the zero value and `ok == false`).
    let ok = jobs_rx.recv().await.is_some();
    println!("received more jobs: {ok}");
}
