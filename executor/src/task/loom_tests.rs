//! loom models (placeholder).
