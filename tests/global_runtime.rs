//! The lazily started global runtime and `GORT_WORKERS` (its own test binary: the variable is
//! process-wide, and the global runtime reads it once per process).

#[test]
fn gort_workers_sets_the_global_runtime_size() {
    // Set before the first use of the global runtime in this process, as a user would in the
    // environment. Only this test runs in this binary.
    std::env::set_var("GORT_WORKERS", "3");
    let workers = gort::block_on(gort::spawn(async {
        gort::runtime::Handle::current().metrics().workers
    }))
    .unwrap();
    assert_eq!(workers, 3);
    // Outside any runtime, spawn uses the global runtime without a block_on.
    let (tx, rx) = std::sync::mpsc::channel();
    gort::go(async move {
        tx.send(std::thread::current().name().map(str::to_owned))
            .unwrap()
    });
    let name = rx.recv().unwrap().unwrap();
    assert!(name.starts_with("gort-global-worker"), "{name}");
    // Every runtime built without `worker_threads` reads it too: `#[gort::main]` builds one so.
    let rt = gort::runtime::Builder::new().build().unwrap();
    assert_eq!(rt.handle().metrics().workers, 3);
    let rt = gort::runtime::Builder::new()
        .worker_threads(1)
        .build()
        .unwrap();
    assert_eq!(rt.handle().metrics().workers, 1, "an explicit count wins");
    // A value that is not a worker count is an error that says what to do.
    std::env::set_var("GORT_WORKERS", "many");
    let err = gort::runtime::Builder::new().build().unwrap_err();
    assert!(
        err.to_string()
            .contains("GORT_WORKERS must be a whole number"),
        "{err}"
    );
}
