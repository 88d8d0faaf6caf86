//! Retry policy: exponential backoff with full jitter, `Retry-After`, an overall deadline.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How failed calls are retried.
///
/// Retried: connection failures, timeouts, 408, 429 and 5xx
/// ([`Error::is_retryable`](crate::Error::is_retryable)). The delay before retry *n* is
/// drawn uniformly from `0..=min(max_backoff, initial_backoff · 2ⁿ⁻¹)` ("full jitter", so
/// many clients failing together do not retry in lock-step), unless the server sent
/// `Retry-After` (seconds or an HTTP date), which is used as is.
///
/// The [`deadline`](Self::deadline) bounds the whole call, every attempt and every wait
/// included: a retry whose wait would end past it is not made, and an attempt still
/// running at the deadline is abandoned with [`Error::Timeout`](crate::Error::Timeout).
///
/// ```
/// use std::time::Duration;
/// use simplio3d::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(100))
///     .deadline(Duration::from_secs(20));
/// assert_eq!(policy.get_max_attempts(), 5);
///
/// let off = RetryPolicy::disabled();
/// assert_eq!(off.get_max_attempts(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    deadline: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff from 200 ms up to 5 s, 60 s deadline.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries (the deadline still applies).
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff ceiling before the first retry; it doubles for each retry after.
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// The largest backoff ceiling.
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// The overall time limit for one call, retries and waits included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Total attempts, the first included.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The overall time limit for one call.
    pub fn get_deadline(&self) -> Duration {
        self.deadline
    }

    /// The backoff ceilings (before jitter), one per retry: backon's exponential
    /// sequence, without its own jitter, which only adds to the delay.
    pub(crate) fn backoff(&self) -> FullJitter<backon::ExponentialBackoff> {
        use backon::BackoffBuilder as _;
        let exponential = backon::ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_factor(2.0)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .build();
        FullJitter(exponential)
    }
}

/// Draws each delay uniformly from `0..=ceiling` (AWS "full jitter").
pub(crate) struct FullJitter<B>(B);

impl<B: Iterator<Item = Duration>> Iterator for FullJitter<B> {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let ceiling = self.0.next()?;
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Some(Duration::from_nanos(fastrand::u64(0..=nanos)))
    }
}

/// `Retry-After` as a delay from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
/// A date in the past means "now"; anything unparsable is ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers(" 0 ")), Some(Duration::ZERO));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let delay = retry_after(&headers(&future)).unwrap();
        assert!(
            delay > Duration::from_secs(115) && delay <= Duration::from_secs(120),
            "{delay:?}"
        );
        assert_eq!(
            retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers("soon")), None);
        assert_eq!(retry_after(&headers("-1")), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn full_jitter_stays_under_the_exponential_ceiling() {
        let policy = RetryPolicy::default()
            .max_attempts(6)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        let ceilings = [100, 200, 400, 800, 1000];
        for _ in 0..200 {
            let delays: Vec<_> = policy.backoff().collect();
            assert_eq!(delays.len(), 5, "one delay per retry");
            for (delay, ceiling) in delays.iter().zip(ceilings) {
                assert!(
                    *delay <= Duration::from_millis(ceiling),
                    "{delay:?} > {ceiling}ms"
                );
            }
        }
        // Full jitter: delays spread over the whole range, not bunched at the ceiling.
        let firsts: Vec<_> = (0..200).map(|_| policy.backoff().next().unwrap()).collect();
        assert!(firsts.iter().any(|d| *d < Duration::from_millis(30)));
        assert!(firsts.iter().any(|d| *d > Duration::from_millis(70)));
    }

    #[test]
    fn disabled_means_no_retries() {
        assert_eq!(RetryPolicy::disabled().backoff().count(), 0);
        assert_eq!(RetryPolicy::default().max_attempts(0).get_max_attempts(), 1);
    }
}
