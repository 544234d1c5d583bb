//! `Builder`: configuring and starting a runtime.

use super::{context, Handle, Runtime};
use crate::blocking::BlockingPool;
use crate::scheduler::park;
use crate::scheduler::queue;
use crate::scheduler::worker::Worker;
use crate::scheduler::{Remote, Shared};
use std::io;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// The most worker threads a runtime can have (the idle accounting packs counts in 16 bits).
const MAX_WORKERS: usize = 0xFFFE;

/// Configures a [`Runtime`]. Setters take `&mut self` and return `&mut Self`, as tokio's do.
///
/// ```
/// let rt = gort_executor::runtime::Builder::new()
///     .worker_threads(4)
///     .thread_name("my-worker")
///     .max_blocking_threads(64)
///     .build()
///     .unwrap();
/// assert_eq!(rt.handle().metrics().workers, 4);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    worker_threads: Option<usize>,
    thread_name: String,
    max_blocking_threads: usize,
    blocking_keep_alive: Duration,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A multi-thread runtime with one worker per core (or `GORT_WORKERS` workers when that
    /// variable is set), at most 512 blocking threads that exit after 10 s idle.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new().build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn new() -> Builder {
        Builder {
            worker_threads: None,
            thread_name: "gort-worker".to_owned(),
            max_blocking_threads: 512,
            blocking_keep_alive: Duration::from_secs(10),
        }
    }

    /// The number of worker threads (at least 1, else [`build`](Builder::build) fails).
    /// Without it the runtime has `GORT_WORKERS` workers when that variable is set (Go's
    /// `GOMAXPROCS`, tokio's `TOKIO_WORKER_THREADS`), else one per core.
    ///
    /// ```
    /// let err = gort_executor::runtime::Builder::new().worker_threads(0).build().unwrap_err();
    /// assert!(err.to_string().contains("at least 1"));
    /// ```
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        self.worker_threads = Some(n);
        self
    }

    /// The name of the runtime's threads (workers get `-N` appended).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new().thread_name("crawler").build().unwrap();
    /// let name = rt.block_on(async {
    ///     gort_executor::spawn(async { std::thread::current().name().map(str::to_owned) }).await
    /// });
    /// assert!(name.unwrap().unwrap().starts_with("crawler"));
    /// ```
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.thread_name = name.into();
        self
    }

    /// The most threads the blocking pool may run at once (at least 1).
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new().max_blocking_threads(1).build().unwrap();
    /// # drop(rt);
    /// ```
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = gort_executor::runtime::Builder::new()
    ///     .blocking_keep_alive(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// # drop(rt);
    /// ```
    pub fn blocking_keep_alive(&mut self, keep_alive: Duration) -> &mut Self {
        self.blocking_keep_alive = keep_alive;
        self
    }

    /// Starts the runtime's worker threads.
    ///
    /// # Errors
    /// `InvalidInput` if `worker_threads` or `max_blocking_threads` is 0, or if `GORT_WORKERS`
    /// is used and is not a whole number of at least 1; the OS error if a thread cannot be
    /// started.
    ///
    /// ```
    /// let rt = gort_executor::runtime::Builder::new().worker_threads(1).build();
    /// assert!(rt.is_ok());
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        let requested = match self.worker_threads {
            Some(n) => Some(n),
            None => workers_from_env()?,
        };
        let workers =
            match requested {
                Some(0) => return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "gort: worker_threads must be at least 1 (got 0): a runtime needs a thread \
                     to run its tasks; use worker_threads(1) for a single worker",
                )),
                Some(n) if n > MAX_WORKERS => {
                    let from = if self.worker_threads.is_some() {
                        "worker_threads"
                    } else {
                        "GORT_WORKERS"
                    };
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("gort: {from} must be at most {MAX_WORKERS} (got {n})"),
                    ));
                }
                Some(n) => n,
                None => thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(MAX_WORKERS),
            };
        if self.max_blocking_threads == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "gort: max_blocking_threads must be at least 1 (got 0): spawn_blocking needs a \
                 thread to run on",
            ));
        }
        let mut locals = Vec::with_capacity(workers);
        let mut remotes = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (local, steal) = queue::local();
            let (parker, unparker) = park::pair();
            locals.push((local, parker));
            remotes.push(Remote::new(steal, unparker));
        }
        let blocking = BlockingPool::new(
            self.max_blocking_threads,
            self.blocking_keep_alive,
            format!("{}-blocking", self.thread_name),
        );
        let shared = Arc::new(Shared::new(remotes.into_boxed_slice(), blocking));
        let handle = Handle {
            shared: shared.clone(),
        };
        let mut threads = Vec::with_capacity(workers);
        for (index, (local, parker)) in locals.into_iter().enumerate() {
            let worker = Worker::new(index, shared.clone(), local, parker);
            let thread_handle = handle.clone();
            let spawned = thread::Builder::new()
                .name(format!("{}-{index}", self.thread_name))
                .spawn(move || {
                    let _enter = context::enter(thread_handle.clone());
                    worker.run();
                    drop(worker);
                    thread_handle.shared.worker_exited();
                });
            match spawned {
                Ok(thread) => threads.push(thread),
                Err(e) => {
                    // Stop the workers already started before reporting.
                    drop(Runtime::from_parts(handle, threads));
                    return Err(e);
                }
            }
        }
        Ok(Runtime::from_parts(handle, threads))
    }
}

/// `GORT_WORKERS`, like Go's `GOMAXPROCS`: `None` when unset.
fn workers_from_env() -> io::Result<Option<usize>> {
    let Ok(value) = std::env::var("GORT_WORKERS") else {
        return Ok(None);
    };
    match value.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "gort: GORT_WORKERS must be a whole number of worker threads, at least 1 \
                 (got {value:?}); unset it to use one worker per core"
            ),
        )),
    }
}
