//! The adversarial suite: what a hostile or careless client can do to the server, on
//! loopback only, bounded in time and count. Every case asserts that the server keeps
//! answering and never sends a 5xx for a client's mistake
//! (`cargo test -p affiliation-api --test api adversarial::`).

mod edge;
mod flood;
mod hygiene;
mod paging;
mod races;
mod raw;
