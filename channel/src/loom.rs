//! One import point for the synchronisation primitives of this crate: loom's model-checked
//! types under `--cfg loom`, std's otherwise. The channel core and the select claim word import
//! from here, so the loom models explore the real code.

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};
