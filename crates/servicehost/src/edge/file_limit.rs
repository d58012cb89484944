//! Open connections are file descriptors: the cap on them comes from the process's
//! file limit, raised to its hard maximum first.

/// Descriptors kept for the database, the log writer and the listener.
pub const RESERVED_DESCRIPTORS: u64 = 256;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit and returns the new soft limit.
pub fn raise_file_limit() -> u64 {
    #[cfg(unix)]
    {
        match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) => limit,
            Err(error) => {
                tracing::warn!(%error, "cannot raise the open-file limit");
                rlimit::getrlimit(rlimit::Resource::NOFILE)
                    .map(|(soft, _)| soft)
                    .unwrap_or(1024)
            }
        }
    }
    #[cfg(not(unix))]
    {
        8192
    }
}

/// The default cap on open connections for a process allowed `file_limit` descriptors.
pub fn default_max_connections(file_limit: u64) -> usize {
    file_limit
        .saturating_sub(RESERVED_DESCRIPTORS)
        .max(16)
        .min(usize::MAX as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_keeps_a_reserve_below_the_file_limit() {
        assert_eq!(default_max_connections(20_000), 20_000 - 256);
        assert_eq!(default_max_connections(100), 16);
    }
}
