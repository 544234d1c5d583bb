//! The lazily started global runtime and `GORT_WORKERS` (its own test binary: the global
//! runtime reads the variable once per process).

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
}
