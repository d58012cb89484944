//! Per-request limits: how many requests may be in progress at once, how fast one
//! API key may call, how long a body may take, how large a batch may be.

use crate::ServiceError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::StatusCode;
use std::hash::BuildHasher;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// ServiceStack's default limit would be far larger; 1 MiB is plenty for token sets.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct RequestLimits {
    pub max_body_bytes: usize,
    /// From the end of the head to the body's last byte.
    pub body_read_timeout: Duration,
    /// Requests in progress at once, beyond which the host answers 503.
    pub max_in_flight: usize,
    /// Per API key; `None` is no limit.
    pub rate_limit: Option<RateLimit>,
    /// Requests in one `/api/{Name}[]` batch.
    pub max_batch_items: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            body_read_timeout: Duration::from_secs(30),
            max_in_flight: 1024,
            rate_limit: None,
            max_batch_items: 100,
        }
    }
}

/// `N/s`, `N/min` or `N/h`: N requests per period, in bursts of up to N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: NonZeroU32,
    pub per: Duration,
}

impl std::str::FromStr for RateLimit {
    type Err = String;

    fn from_str(text: &str) -> Result<RateLimit, String> {
        let expected = "expected N/s, N/min or N/h with N a positive whole number, e.g. 100/s";
        let (count, unit) = text.trim().split_once('/').ok_or(expected)?;
        let requests = count
            .trim()
            .parse::<NonZeroU32>()
            .map_err(|_| expected.to_string())?;
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(expected.into()),
        };
        Ok(RateLimit { requests, per })
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.per.as_secs() {
            1 => "s",
            60 => "min",
            _ => "h",
        };
        write!(f, "{}/{unit}", self.requests)
    }
}

/// A refusal that tells the client when to come back.
pub(crate) struct Refusal {
    pub error: ServiceError,
    pub retry_after_secs: u64,
}

pub(crate) struct Admission {
    in_flight: Arc<Semaphore>,
    rate: Option<KeyedRate>,
}

struct KeyedRate {
    limiter: DefaultKeyedRateLimiter<u64>,
    /// Keys are counted by a keyed hash: the limiter never holds a credential.
    hasher: std::collections::hash_map::RandomState,
    checks: AtomicU64,
}

impl Admission {
    pub(crate) fn new(limits: &RequestLimits) -> Admission {
        Admission {
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight.max(1))),
            rate: limits.rate_limit.map(|rate| {
                let period = rate.per / rate.requests.get();
                let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
                    .expect("a positive period")
                    .allow_burst(rate.requests);
                KeyedRate {
                    limiter: RateLimiter::keyed(quota),
                    hasher: Default::default(),
                    checks: AtomicU64::new(0),
                }
            }),
        }
    }

    /// A place among the requests in progress, held until the answer is built.
    pub(crate) fn admit(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        self.in_flight
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal {
                error: ServiceError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServiceUnavailable",
                    "The server is busy; retry after the time in Retry-After",
                ),
                retry_after_secs: 1,
            })
    }

    /// Counts one request against the API key's rate, when a rate is set.
    pub(crate) fn charge(&self, api_key: &str) -> Result<(), Refusal> {
        let Some(rate) = &self.rate else {
            return Ok(());
        };
        // Forget keys that are back to a full bucket now and then, so the table
        // stays as small as the set of recently active keys.
        if rate.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            rate.limiter.retain_recent();
        }
        let key = rate.hasher.hash_one(api_key);
        rate.limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Refusal {
                error: ServiceError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequests",
                    "This API key is over its request rate; retry after the time in Retry-After",
                ),
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_in_their_three_units() {
        let rate: RateLimit = "100/s".parse().unwrap();
        assert_eq!(
            (rate.requests.get(), rate.per),
            (100, Duration::from_secs(1))
        );
        let rate: RateLimit = "6000/min".parse().unwrap();
        assert_eq!(rate.per, Duration::from_secs(60));
        assert_eq!(rate.to_string(), "6000/min");
        for bad in ["", "100", "0/s", "-1/s", "10/day", "x/s"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
    }

    #[test]
    fn in_flight_places_are_given_back() {
        let admission = Admission::new(&RequestLimits {
            max_in_flight: 1,
            ..RequestLimits::default()
        });
        let first = admission.admit().ok().expect("a place");
        let refused = admission.admit().expect_err("full");
        assert_eq!(refused.error.status, StatusCode::SERVICE_UNAVAILABLE);
        drop(first);
        assert!(admission.admit().is_ok());
    }

    #[test]
    fn a_key_over_its_rate_is_refused_and_others_are_not() {
        let admission = Admission::new(&RequestLimits {
            rate_limit: Some("2/min".parse().unwrap()),
            ..RequestLimits::default()
        });
        assert!(admission.charge("a").is_ok());
        assert!(admission.charge("a").is_ok());
        let refused = admission.charge("a").expect_err("over the rate");
        assert_eq!(refused.error.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.retry_after_secs >= 1 && refused.retry_after_secs <= 30);
        assert!(admission.charge("b").is_ok());
    }
}
