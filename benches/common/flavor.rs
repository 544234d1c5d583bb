//! The channel flavors of crossbeam-channel's benchmarks, shared by `channel.rs` and `select.rs`.

/// A channel flavor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// Unbuffered: a rendezvous.
    Bounded0,
    /// Room for one message.
    Bounded1,
    /// Room for the benchmark's `N` messages.
    BoundedN,
    /// No bound.
    Unbounded,
}

impl Flavor {
    /// Every flavor, in table order.
    pub(crate) const ALL: [Flavor; 4] = [
        Flavor::Bounded0,
        Flavor::Bounded1,
        Flavor::BoundedN,
        Flavor::Unbounded,
    ];

    /// The name used in benchmark group names.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Flavor::Bounded0 => "bounded0",
            Flavor::Bounded1 => "bounded1",
            Flavor::BoundedN => "boundedN",
            Flavor::Unbounded => "unbounded",
        }
    }

    /// The capacity, with `n` for `BoundedN`; `None` for unbounded.
    pub(crate) fn cap(self, n: usize) -> Option<usize> {
        match self {
            Flavor::Bounded0 => Some(0),
            Flavor::Bounded1 => Some(1),
            Flavor::BoundedN => Some(n),
            Flavor::Unbounded => None,
        }
    }
}
