//! The load benchmark of affiliation-api (see BENCHMARKS.md at the workspace root).
//!
//! Run with `scripts/bench`; the programs are the examples `bench` (the driver,
//! [`driver::main`]) and `limit-server` (the minimal hyper server it compares with).

pub mod charts;
pub mod data;
pub mod driver;
pub mod load;
pub mod pg;
pub mod procs;
pub mod store_limit;
pub mod timer;
