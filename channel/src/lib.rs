//! # gort-channel
//!
//! Go channels, the select protocol and Go's `sync` primitives for async Rust, usable on any
//! executor and from plain threads. This crate never depends on an executor: it speaks only
//! [`Waker`](std::task::Waker)s.
//!
//! For now it holds [`coop`], the cooperative budget that gort's resources spend and gort's
//! executor refills before every poll of a task. The channels arrive with their own issue.

#![deny(unsafe_op_in_unsafe_fn)]
#![forbid(unsafe_code)]

pub mod coop;
