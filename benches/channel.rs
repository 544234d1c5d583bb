//! Channel benchmarks (being written).
fn main() {}
