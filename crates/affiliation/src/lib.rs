//! The affiliation domain: the catalog of affiliate programs, users' and groups'
//! affiliate tokens, their validation, and the audit history, over a [`store::Store`].
//! Nothing here knows about HTTP.

pub mod catalog;
pub mod catalog_cache;
pub mod credentials;
pub mod error;
pub mod ids;
pub mod key_cache;
pub mod link;
pub mod model;
pub mod paging;
pub mod service;
pub mod store;
pub mod validation;

pub use error::{DomainError, Problem, StoreError};
pub use service::{
    AffiliatedLink, Affiliation, AppliedLevel, GroupTokens, ProgramTokensInput, Saved,
};
