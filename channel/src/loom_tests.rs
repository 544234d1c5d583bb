//! loom models of the channel core (placeholder).
