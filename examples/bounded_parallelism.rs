//! Bounded parallelism, from the Go blog post "Go Concurrency Patterns: Pipelines and
//! cancellation" (<https://go.dev/blog/pipelines>, the `bounded.go` program): the MD5 sum of
//! every file under a directory, computed by a fixed number of digester goroutines (20) fed by
//! one goroutine that walks the tree. The first error cancels the rest, and `main` prints
//! "hash  path" lines sorted by path, the format of `md5sum`.
//!
//! Usage: `cargo run --example bounded_parallelism -- DIR`. Without an argument it hashes a
//! small tree that it writes to a fresh temporary directory (and removes afterwards): the files'
//! contents are fixed, so the expected hashes are exact and can be checked with `md5sum` — the
//! repository's own files would change under the test. Only the temporary directory's name
//! varies from run to run. It then adds a dangling symbolic link (unix only) and hashes again,
//! to show the error path: the read fails, `md5_all` returns that first error, and dropping its
//! `done` channel stops the walker and the digesters still at work.
//!
//! Go → gort: `go func() { … }()` → `gort::go(async move { … })`; `make(chan string)` →
//! `gort::chan::bounded(0)`; `errc := make(chan error, 1)` → `bounded(1)`; `defer close(done)`
//! → the `done` sender owned by `md5_all`, dropped (which closes the channel) however the
//! function returns; `select { case c <- r: case <-done: return }` → `gort::select!` with a
//! `send` arm and a `recv(done)` arm; `sync.WaitGroup` → `gort::sync::WaitGroup`;
//! `crypto/md5` → the `md-5` crate. Go's `result` type is `DigestResult` here (`Result` is
//! taken), with its `sum` and `err` fields folded into one `Result`.
//!
//! Blocking I/O: `filepath.Walk` and `ioutil.ReadFile` block in system calls. Go's scheduler
//! copes with that by itself: a goroutine that enters a blocking system call gives its thread's
//! processor to another thread, so the other goroutines keep running. gort's workers are a fixed
//! set of threads, and a blocking read on one would stall every task queued on that worker. So
//! each blocking call runs on the blocking pool with `gort::spawn_blocking`, and the task awaits
//! its `JoinHandle` — the explicit form of Go's hand-off. The 20 digesters therefore keep up to
//! 20 reads in flight on the pool while the workers stay free.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use gort::chan::{Receiver, Sender};
use gort::sync::WaitGroup;
use md5::{Digest, Md5};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Spawns the walker. It streams every non-directory path under `root` (what `filepath.Walk`
/// would report) on the first channel and, when finished, its outcome on the second. Closing
/// `done` makes it stop early.
fn walk_files(
    done: &Receiver<()>,
    root: PathBuf,
) -> (Receiver<PathBuf>, Receiver<Result<(), Error>>) {
    let (paths_tx, paths) = gort::chan::bounded(0);
    let (errc_tx, errc) = gort::chan::bounded(1);
    let done = done.clone();
    gort::go(async move {
        let walked = walk(&root, &paths_tx, &done).await;
        // No more paths are coming: closing lets the digesters' loops end.
        paths_tx.close();
        // `errc` has a one-slot buffer that nothing else fills, so this send cannot wait and
        // needs no `done` arm. (It fails only if nobody listens any more, which is fine.)
        let _ = errc_tx.try_send(walked);
    });
    (paths, errc)
}

/// Go's `filepath.Walk` with the callback of `walkFiles`: depth first, each directory's entries
/// in lexical order, symbolic links not followed. The blocking `lstat` and directory reads run
/// on the blocking pool.
async fn walk(root: &Path, paths: &Sender<PathBuf>, done: &Receiver<()>) -> Result<(), Error> {
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        let p = path.clone();
        let entries = gort::spawn_blocking(move || lstat_and_list(&p))
            .await
            .expect("the directory listing does not panic")?;
        match entries {
            Some(mut entries) => {
                entries.reverse(); // the stack pops them in lexical order
                pending.extend(entries);
            }
            None => {
                gort::select! {
                    sent = send(paths, path) => if sent.is_err() {
                        return Err("walk canceled".into()); // every digester is gone
                    },
                    _ = recv(done) => return Err("walk canceled".into()),
                }
            }
        }
    }
    Ok(())
}

/// `Some(sorted entries)` if `path` is a directory, `None` if it is anything else. Blocking.
fn lstat_and_list(path: &Path) -> Result<Option<Vec<PathBuf>>, Error> {
    let info = fs::symlink_metadata(path).map_err(|e| format!("lstat {}: {e}", path.display()))?;
    if !info.is_dir() {
        return Ok(None);
    }
    let open_err = |e: io::Error| format!("open {}: {e}", path.display());
    let mut entries = fs::read_dir(path)
        .map_err(open_err)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<io::Result<Vec<_>>>()
        .map_err(open_err)?;
    entries.sort();
    Ok(Some(entries))
}

/// One file's outcome (Go's `result`): its path, and either its MD5 sum or the error that
/// prevented computing it.
struct DigestResult {
    path: PathBuf,
    sum: Result<[u8; 16], Error>,
}

/// A member of the fixed pool: takes paths off `paths`, hashes each file and reports on `c`;
/// it quits when `paths` runs dry or `done` closes.
async fn digester(done: Receiver<()>, paths: Receiver<PathBuf>, c: Sender<DigestResult>) {
    while let Some(path) = paths.recv().await {
        let p = path.clone();
        // ioutil.ReadFile: blocking, so off the workers (see the top of the file).
        let data = gort::spawn_blocking(move || read_file(&p))
            .await
            .expect("reading a file does not panic");
        let sum = data.map(|data| Md5::digest(&data).into());
        gort::select! {
            sent = send(c, DigestResult { path, sum }) => if sent.is_err() { return },
            _ = recv(done) => return,
        }
    }
}

/// Go's `ioutil.ReadFile`, with Go's error messages ("open PATH: …", "read PATH: …").
fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    let mut f = fs::File::open(path).map_err(|e| format!("open {}: {e}", path.display()))?;
    let mut data = Vec::new();
    f.read_to_end(&mut data)
        .map_err(|e| format!("read {}: {e}", path.display()))?;
    Ok(data)
}

/// Hashes every file under `root` into a path → MD5 map. The first failure, of the walk or of
/// any read, is returned as it is, and reads still under way are abandoned rather than
/// awaited.
async fn md5_all(root: PathBuf) -> Result<HashMap<PathBuf, [u8; 16]>, Error> {
    // Dropping `_done_tx` when this function returns, however it returns, closes `done`: Go's
    // `defer close(done)`. On an early error return, results may still be unread: closing
    // `done` is what releases the walker and the digesters then.
    let (_done_tx, done) = gort::chan::bounded::<()>(0);

    let (paths, errc) = walk_files(&done, root);

    // The bound on parallelism: exactly NUM_DIGESTERS tasks hash files, however many files
    // the tree holds.
    let (c_tx, c) = gort::chan::bounded(0);
    let wg = WaitGroup::new();
    const NUM_DIGESTERS: usize = 20;
    wg.add(NUM_DIGESTERS);
    for _ in 0..NUM_DIGESTERS {
        let (done, paths, c_tx, wg) = (done.clone(), paths.clone(), c_tx.clone(), wg.clone());
        gort::go(async move {
            digester(done, paths, c_tx).await;
            wg.done();
        });
    }
    gort::go(async move {
        wg.wait().await;
        c_tx.close();
    });

    let mut m = HashMap::new();
    while let Some(r) = c.recv().await {
        m.insert(r.path, r.sum?);
    }
    // All digests are in; now the walker's own verdict.
    errc.recv().await.expect("the walker always reports")?;
    Ok(m)
}

/// Go's `main`, for one directory: hash the tree, then print `md5sum`-style lines in path
/// order (or the error).
async fn print_md5_all(root: PathBuf) {
    let m = match md5_all(root).await {
        Ok(m) => m,
        Err(err) => {
            println!("{err}");
            return;
        }
    };
    let mut paths: Vec<_> = m.keys().collect();
    paths.sort_by_key(|path| path.as_os_str()); // as strings, like Go's sort.Strings
    for path in paths {
        let hex: String = m[path].iter().map(|b| format!("{b:02x}")).collect();
        println!("{hex}  {}", path.display());
    }
}

#[gort::main]
async fn main() {
    if let Some(root) = std::env::args().nth(1) {
        print_md5_all(PathBuf::from(root)).await;
        return;
    }

    // No directory given: hash a small tree of known files.
    let fixture = Fixture::create().expect("a temporary directory");
    print_md5_all(fixture.root.clone()).await;

    // The error path: a file that cannot be read. A dangling symbolic link is one even for
    // root, who can read files whatever their permissions.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("missing", fixture.root.join("sub/broken-link"))
            .expect("a symbolic link");
        let err = md5_all(fixture.root.clone())
            .await
            .expect_err("the dangling link cannot be read");
        println!("{err}");
        assert!(err.to_string().starts_with("open "));
        assert!(err.to_string().contains("broken-link"));
    }
}

/// A temporary directory holding files of fixed contents, removed on drop.
struct Fixture {
    root: PathBuf,
}

impl Fixture {
    /// The files, with their MD5 sums for reference (`md5sum` prints the same).
    const FILES: &'static [(&'static str, &'static [u8])] = &[
        // d41d8cd98f00b204e9800998ecf8427e
        ("empty", b""),
        // 22c3683b094136c3398391ae71b20f04
        ("hello.txt", b"hello, world\n"),
        // 9e107d9d372bb6826bd81d3542a419d6
        (
            "sub/fox.txt",
            b"The quick brown fox jumps over the lazy dog",
        ),
        // e4d909c290d0fb1ca068ffaddf22cbd0
        (
            "sub/fox-dot.txt",
            b"The quick brown fox jumps over the lazy dog.",
        ),
        // 06d09d6ea0ab2e6c43449825bed1a4b9
        (
            "sub/deeper/gopher.txt",
            b"Don't communicate by sharing memory; share memory by communicating.\n",
        ),
    ];

    fn create() -> io::Result<Fixture> {
        let root =
            std::env::temp_dir().join(format!("gort-bounded-parallelism-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let fixture = Fixture { root };
        for (name, contents) in Self::FILES {
            let path = fixture.root.join(name);
            fs::create_dir_all(path.parent().expect("a file has a parent"))?;
            fs::write(path, contents)?;
        }
        // A megabyte, so that one read is not instant: bytes 0..=255, 4096 times.
        // c35cc7d8d91728a0cb052831bc4ef372
        let big: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        fs::write(fixture.root.join("sub/deeper/big.bin"), big)?;
        Ok(fixture)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}
