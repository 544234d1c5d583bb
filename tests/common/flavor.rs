//! The channel flavors the channel tests run over: unbuffered, buffered (1 and 16), unbounded.

use gort::chan::{self, Receiver, Sender};

/// A channel flavor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `bounded(0)`: Go's unbuffered channel.
    Zero,
    /// `bounded(1)`.
    One,
    /// `bounded(16)`.
    Sixteen,
    /// `unbounded()`.
    Unbounded,
}

/// Every flavor.
#[allow(dead_code)] // not every test binary iterates over all flavors
pub(crate) const FLAVORS: [Flavor; 4] = [
    Flavor::Zero,
    Flavor::One,
    Flavor::Sixteen,
    Flavor::Unbounded,
];

#[allow(dead_code)] // each test binary uses what it needs
impl Flavor {
    pub(crate) fn make<T>(self) -> (Sender<T>, Receiver<T>) {
        match self {
            Flavor::Zero => chan::bounded(0),
            Flavor::One => chan::bounded(1),
            Flavor::Sixteen => chan::bounded(16),
            Flavor::Unbounded => chan::unbounded(),
        }
    }

    /// The buffer size, `None` for unbounded.
    pub(crate) fn cap(self) -> Option<usize> {
        match self {
            Flavor::Zero => Some(0),
            Flavor::One => Some(1),
            Flavor::Sixteen => Some(16),
            Flavor::Unbounded => None,
        }
    }
}
