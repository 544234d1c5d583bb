//! `Sleep` and `Timeout`: the future-based timers.
//!
//! A `Sleep` holds its deadline and, once polled while not yet due, a key into one driver's
//! wheel whose entry holds the task's waker. It is `Unpin` (the entry lives in the driver's
//! slab, not in the future), so it can sit in any struct and be polled through `&mut`.
//!
//! Which driver: the one of the runtime the thread that first polls it is inside (a worker, or
//! inside `Runtime::block_on`), else the global runtime's. Creating a `Sleep` registers nothing;
//! a `timeout` whose future is ready at once never touches a driver.
//!
//! Shutdown: when the runtime whose driver holds a pending `Sleep` shuts down, the `Sleep` is
//! woken; its next poll finds its entry gone, and — the deadline not having passed — registers
//! again with the current runtime's driver, or the global one. A `Sleep` therefore keeps its
//! deadline whichever runtime shuts down under it: it neither completes early nor panics.
//! Panicking was the alternative (tokio does); it would turn the end of one runtime into a crash
//! in unrelated code that merely outlived it, whereas a deadline means the same on every driver.

use super::driver::{Action, Driver, Refused};
use super::wheel::Key;
use crate::loom::Arc;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Waits until `duration` has elapsed (Go's `time.Sleep`, as a future).
///
/// Completes no earlier than `duration` after the call, and on an idle machine within a
/// millisecond after that. Works on any executor and from any thread (see the [module
/// docs](super)).
///
/// ```
/// use gort_executor::time::{sleep, Duration, Instant};
/// # gort_executor::block_on(async {
/// let start = Instant::now();
/// sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    sleep_until(deadline_after(duration))
}

/// Waits until `deadline`. A deadline in the past completes at the first poll.
///
/// ```
/// use gort_executor::time::{sleep_until, Duration, Instant};
/// # gort_executor::block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(5);
/// sleep_until(deadline).await;
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        entry: None,
    }
}

/// `now + duration`, or a deadline decades away if that is not representable.
pub(crate) fn deadline_after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration).unwrap_or_else(|| {
        // Thirty years: "never" for any program, and representable on every platform.
        now + Duration::from_secs(30 * 365 * 86_400)
    })
}

/// The future returned by [`sleep`] and [`sleep_until`]. `Send + Sync + Unpin`.
///
/// Dropping it cancels the timer (O(1); nothing is left in the driver).
///
/// ```
/// use gort_executor::time::{sleep, Duration};
/// fn assert_traits<T: Send + Sync + Unpin>(_: &T) {}
/// let s = sleep(Duration::from_secs(1));
/// assert_traits(&s);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    deadline: Instant,
    /// The driver and wheel entry, while registered and not known to have fired.
    entry: Option<(Arc<Driver>, Key)>,
}

impl Sleep {
    /// The instant at which the sleep completes.
    ///
    /// ```
    /// use gort_executor::time::{sleep_until, Duration, Instant};
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(sleep_until(at).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    ///
    /// ```
    /// use gort_executor::time::{sleep, Duration};
    /// assert!(sleep(Duration::ZERO).is_elapsed());
    /// assert!(!sleep(Duration::from_secs(60)).is_elapsed());
    /// ```
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline (earlier or later), also after the sleep completed. The task waiting
    /// on it keeps waiting, for the new deadline.
    ///
    /// ```
    /// use gort_executor::time::{sleep, Duration, Instant};
    /// # gort_executor::block_on(async {
    /// let mut s = sleep(Duration::from_secs(3600));
    /// let soon = Instant::now() + Duration::from_millis(5);
    /// s.reset(soon);
    /// (&mut s).await;
    /// assert!(Instant::now() >= soon);
    /// # });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = deadline;
        if let Some((driver, key)) = &self.entry {
            match driver.reschedule(*key, deadline) {
                Ok(true) => {}
                Ok(false) => self.entry = None,
                Err(action) => {
                    // Due already: wake the waiting task so that it polls and completes.
                    self.entry = None;
                    action.fire(Instant::now());
                }
            }
        }
    }

    fn register(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut driver = super::current_driver();
        loop {
            match driver.insert(self.deadline, Action::Wake(Some(cx.waker().clone()))) {
                Ok(key) => {
                    self.entry = Some((driver, key));
                    return Poll::Pending;
                }
                Err(Refused::Due(_)) => return Poll::Ready(()),
                Err(Refused::Shutdown(_)) => driver = super::global_driver(),
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if let Some((driver, key)) = &this.entry {
            if driver.update_waker(*key, cx.waker()) {
                return Poll::Pending;
            }
            // Fired, or evicted by a shutdown: the clock decides which.
            this.entry = None;
        }
        if Instant::now() >= this.deadline {
            return Poll::Ready(());
        }
        this.register(cx)
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some((driver, key)) = self.entry.take() {
            // The waker (if the entry was still there) is dropped here, outside the lock.
            drop(driver.remove(key));
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.entry.is_some())
            .finish()
    }
}

/// Runs `future` with a time limit: `Ok(output)` if it completes within `duration`, else
/// `Err(Elapsed)` (the future is dropped then).
///
/// The future is polled before the clock is looked at, so a future that is ready at once
/// succeeds even with a zero duration, and registers no timer.
///
/// ```
/// use gort_executor::time::{sleep, timeout, Duration};
/// # gort_executor::block_on(async {
/// assert_eq!(timeout(Duration::from_secs(1), async { 5 }).await, Ok(5));
/// let slow = sleep(Duration::from_secs(60));
/// assert!(timeout(Duration::from_millis(5), slow).await.is_err());
/// # });
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    timeout_at(deadline_after(duration), future)
}

/// Like [`timeout`], with a deadline instead of a duration.
///
/// ```
/// use gort_executor::time::{timeout_at, Duration, Instant};
/// # gort_executor::block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(5);
/// let never = std::future::pending::<()>();
/// assert!(timeout_at(deadline, never).await.is_err());
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future,
        sleep: sleep_until(deadline),
    }
}

/// The future returned by [`timeout`] and [`timeout_at`].
///
/// ```
/// use gort_executor::time::{timeout, Duration};
/// let t = timeout(Duration::from_secs(1), std::future::ready(7));
/// assert_eq!(gort_executor::block_on(t), Ok(7));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Timeout<F> {
    future: F,
    sleep: Sleep,
}

impl<F> Timeout<F> {
    /// The wrapped future.
    ///
    /// ```
    /// use gort_executor::time::{timeout, Duration};
    /// let t = timeout(Duration::from_secs(1), std::future::ready(1));
    /// let _inner: &std::future::Ready<i32> = t.get_ref();
    /// ```
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, mutably (only while the `Timeout` is not pinned, or `F: Unpin`).
    ///
    /// ```
    /// use gort_executor::time::{timeout, Duration};
    /// let mut t = timeout(Duration::from_secs(1), std::future::ready(1));
    /// let _inner: &mut std::future::Ready<i32> = t.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Unwraps the future, dropping the time limit.
    ///
    /// ```
    /// use gort_executor::time::{timeout, Duration};
    /// let t = timeout(Duration::from_secs(1), async { 3 });
    /// assert_eq!(gort_executor::block_on(t.into_inner()), 3);
    /// ```
    pub fn into_inner(self) -> F {
        self.future
    }

    /// The deadline.
    ///
    /// ```
    /// use gort_executor::time::{timeout_at, Duration, Instant};
    /// let at = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(timeout_at(at, async {}).deadline(), at);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.sleep.deadline()
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: structural pinning of `future`: it is never moved out of a pinned `Timeout`
        // (`into_inner` takes `self` by value, which a pinned `!Unpin` value cannot give),
        // `Timeout` has no `Drop` impl, and it is `Unpin` only when `F` is (auto trait).
        // `sleep` is `Unpin`, so it is not pinned structurally.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above; `future` stays where it is for as long as `self` is pinned.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        Pin::new(&mut this.sleep)
            .poll(cx)
            .map(|()| Err(Elapsed(())))
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("deadline", &self.sleep.deadline)
            .finish_non_exhaustive()
    }
}

/// The error of a [`timeout`] whose future did not complete in time.
///
/// ```
/// use gort_executor::time::{timeout, Duration, Elapsed};
/// # gort_executor::block_on(async {
/// let err: Elapsed = timeout(Duration::ZERO, std::future::pending::<()>()).await.unwrap_err();
/// assert_eq!(err.to_string(), "deadline has elapsed");
/// let boxed: Box<dyn std::error::Error> = Box::new(err.clone());
/// assert_eq!(boxed.to_string(), err.to_string());
/// # });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}
