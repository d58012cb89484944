//! End-to-end tests: the real `affiliation-api` binary on random ports, over real
//! HTTP, one database per server (see `common`). One test binary, one module per area.

mod adversarial;
mod answers;
mod clients;
mod common;
mod compile;
mod explorer;
mod formats;
mod golden;
mod history_catalog;
mod host_behaviours;
mod links;
mod localization;
mod metadata;
mod nodes;
mod pages;
mod postgres;
mod service;
mod tenancy;
mod types;
mod validation;
mod xml;
