//! End-to-end tests: the real `affiliation-api` binary on random ports, over real
//! HTTP, one database per server (see `common`). One test binary, one module per area.

mod adversarial;
mod clients;
mod common;
mod compile;
mod formats;
mod golden;
mod history_catalog;
mod links;
mod metadata;
mod nodes;
mod postgres;
mod service;
mod tenancy;
mod types;
mod validation;
