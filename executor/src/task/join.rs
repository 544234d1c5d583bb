//! `JoinHandle` and `JoinError`: awaiting a task's output.

use super::raw::RawTask;
use super::state::COMPLETE;
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An owned permission to await a spawned task's output.
///
/// Awaiting it yields `Ok(output)`, or a [`JoinError`] if the task panicked or was aborted.
/// Dropping the handle *detaches* the task: it keeps running, as a Go goroutine would.
///
/// ```
/// # gort_executor::block_on(async {
/// let handle = gort_executor::spawn(async { 1 + 1 });
/// assert_eq!(handle.await.unwrap(), 2);
/// # });
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output `T` out of the task (to whoever polls it), so it may
// cross threads when `T` may.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: every `&self` method (`abort`, `is_finished`) only touches the task's atomic state.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    /// `raw` must carry the task's join reference, and `T` must be its output type.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// Asks the task to stop. A task that has not completed is dropped at its next
    /// scheduling point (before its next poll, or right after the current one) and its
    /// handle yields a [`JoinError`] with [`is_cancelled`](JoinError::is_cancelled).
    /// Aborting a finished task does nothing.
    ///
    /// ```
    /// # gort_executor::block_on(async {
    /// let handle = gort_executor::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort(&self) {
        self.raw.cancel();
    }

    /// Whether the task has completed (returned, panicked or been cancelled).
    ///
    /// ```
    /// # gort_executor::block_on(async {
    /// let handle = gort_executor::spawn(async {});
    /// while !handle.is_finished() {
    ///     gort_executor::yield_now().await;
    /// }
    /// # });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().has(COMPLETE)
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if gort_channel::coop::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: we are the task's JoinHandle and `out` has the task's output type.
        unsafe {
            self.raw
                .try_read_output(&mut out as *mut _ as *mut (), cx.waker())
        };
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: we are the task's JoinHandle, dropped once.
        unsafe { self.raw.drop_join_handle() }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Why a task did not produce its output: it was cancelled, or it panicked.
///
/// ```
/// # gort_executor::block_on(async {
/// let err = gort_executor::spawn(async { panic!("boom") }).await.unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "task panicked: boom");
/// let payload = err.into_panic();
/// assert_eq!(*payload.downcast::<&str>().unwrap(), "boom");
/// # });
/// ```
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic {
        message: Option<String>,
        payload: PanicPayload,
    },
}

/// The panic payload, reachable only by value (`into_panic`), which makes `JoinError: Sync`
/// sound although `dyn Any + Send` is not `Sync`.
struct PanicPayload(Box<dyn Any + Send + 'static>);

// SAFETY: no `&self` method or field access reads the payload; it is only moved out by value.
unsafe impl Sync for PanicPayload {}

impl JoinError {
    pub(crate) fn cancelled() -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
        }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> JoinError {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            Some((*s).to_owned())
        } else {
            payload.downcast_ref::<String>().cloned()
        };
        JoinError {
            repr: Repr::Panic {
                message,
                payload: PanicPayload(payload),
            },
        }
    }

    /// The task was aborted, or dropped by runtime shutdown, before it completed.
    ///
    /// ```
    /// # gort_executor::block_on(async {
    /// let handle = gort_executor::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The task panicked.
    ///
    /// ```
    /// # gort_executor::block_on(async {
    /// assert!(gort_executor::spawn(async { panic!() }).await.unwrap_err().is_panic());
    /// # });
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic { .. })
    }

    /// The panic payload, to resume the panic with `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// If the error is a cancellation; check [`is_panic`](Self::is_panic) first, or use
    /// [`try_into_panic`](Self::try_into_panic).
    ///
    /// ```
    /// # gort_executor::block_on(async {
    /// let err = gort_executor::spawn(async { std::panic::panic_any(7u8) }).await.unwrap_err();
    /// assert_eq!(*err.into_panic().downcast::<u8>().unwrap(), 7);
    /// # });
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().unwrap_or_else(|_| {
            panic!("JoinError::into_panic on a cancelled task: check is_panic() first")
        })
    }

    /// The panic payload, or the error back if the task was cancelled.
    ///
    /// ```
    /// # gort_executor::block_on(async {
    /// let handle = gort_executor::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().try_into_panic().is_err());
    /// # });
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic { payload, .. } => Ok(payload.0),
            Repr::Cancelled => Err(self),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("task was cancelled"),
            Repr::Panic {
                message: Some(m), ..
            } => write!(f, "task panicked: {m}"),
            Repr::Panic { message: None, .. } => f.write_str("task panicked"),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("JoinError::Cancelled"),
            Repr::Panic { message, .. } => {
                f.debug_tuple("JoinError::Panic").field(message).finish()
            }
        }
    }
}

impl std::error::Error for JoinError {}
