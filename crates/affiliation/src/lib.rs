//! The affiliation domain: the catalog of affiliate programs, users' and groups'
//! affiliate tokens, their validation, and the audit history, over a [`store::Store`].
//! Nothing here knows about HTTP or the wire: requests arrive as typed values (GUIDs,
//! group ids, parameter maps) and problems leave as typed [`Issue`]s.

pub mod catalog;
pub mod catalog_cache;
pub mod changes;
pub mod country;
pub mod credentials;
pub mod error;
pub mod key_cache;
pub mod link;
pub mod localize;
pub mod model;
pub mod paging;
pub mod service;
pub mod store;
pub mod token_cache;
pub mod validation;

pub use error::{Complaint, DomainError, Issue, Problem, StoreError};
pub use link::{AffiliatedLink, AppliedLevel};
pub use service::{Affiliation, GroupTokens, ProgramTokensInput, Saved, Scope, Subject};
