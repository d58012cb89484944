//! End-to-end tests: the real `affiliation-api` binary on random ports, over real
//! HTTP, one database per server (see `common`). One test binary, one module per area.

mod adversarial;
mod answers;
mod clients;
mod common;
mod formats;
mod history_catalog;
mod links;
mod metadata;
mod nodes;
mod postgres;
mod service;
mod tenancy;
mod validation;
