//! The catalog as last read from the store, shared by every request for a short
//! while: link rewriting and token validation read it constantly, and it changes
//! rarely. A change made on another node is seen here within [`CATALOG_TTL`];
//! a change made through this node is seen at once.

use crate::model::Program;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const CATALOG_TTL: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct CatalogCache {
    current: Mutex<Option<(Instant, Arc<Vec<Program>>)>>,
}

impl CatalogCache {
    /// The cached catalog if it is fresh.
    pub fn get(&self) -> Option<Arc<Vec<Program>>> {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|(read_at, _)| read_at.elapsed() < CATALOG_TTL)
            .map(|(_, programs)| programs.clone())
    }

    pub fn put(&self, programs: Vec<Program>) -> Arc<Vec<Program>> {
        let programs = Arc::new(programs);
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), programs.clone()));
        programs
    }

    pub fn clear(&self) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
