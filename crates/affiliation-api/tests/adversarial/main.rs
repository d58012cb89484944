//! The adversarial suite: what a hostile or careless client can do to the server, on
//! loopback only, bounded in time and count. Every case asserts that the server keeps
//! answering and never sends a 5xx for a client's mistake.

#[path = "../common/mod.rs"]
mod common;

mod edge;
mod flood;
mod hygiene;
mod paging;
mod races;
mod raw;
