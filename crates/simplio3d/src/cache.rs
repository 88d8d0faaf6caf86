//! [`SessionCache`]: one create-session call per token lifetime, shared by concurrent callers.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use futures::FutureExt as _;
use futures::future::{BoxFuture, Shared};
use tokio::time::Instant;

use crate::{Error, Session, Simplio3d, validate};

type Key = (String, String);
type Flight = Shared<BoxFuture<'static, Result<Session, Error>>>;

enum Entry {
    Ready {
        session: Session,
        refresh_at: Instant,
    },
    Pending {
        generation: u64,
        flight: Flight,
    },
}

/// Caches sessions by (configurator id, domain) so that a storefront makes one
/// create-session call per token lifetime instead of one per page view.
///
/// - A cached session is reused until `refresh_margin` before it expires: its JWT `exp`
///   when it has one, else `ttl` after it was created.
/// - Concurrent callers that miss share **one** request (single flight): a thousand page
///   views on a cold cache make one call, and all of them get its result, success or
///   error. Errors are not cached: the next call tries again.
/// - [`invalidate`](Self::invalidate) drops one entry (e.g. after the vendor refused a
///   token), [`clear`](Self::clear) all of them.
///
/// Cheap to clone; clones share the cache.
///
/// ```no_run
/// use std::time::Duration;
/// use simplio3d::{SessionCache, Simplio3d};
///
/// # async fn demo() -> Result<(), simplio3d::Error> {
/// let cache = SessionCache::builder(Simplio3d::from_env()?)
///     .refresh_margin(Duration::from_secs(120))
///     .ttl(Duration::from_secs(600))
///     .build();
/// // In each request handler:
/// let session = cache.get("edcfrt", "shop.example.com").await?;
/// # let _ = session; Ok(()) }
/// ```
#[derive(Clone)]
pub struct SessionCache {
    inner: Arc<CacheInner>,
}

struct CacheInner {
    client: Simplio3d,
    refresh_margin: Duration,
    ttl: Duration,
    entries: Mutex<HashMap<Key, Entry>>,
    generations: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCache")
            .field("refresh_margin", &self.inner.refresh_margin)
            .field("ttl", &self.inner.ttl)
            .field("entries", &self.len())
            .finish()
    }
}

/// Settings of a [`SessionCache`].
#[derive(Debug)]
#[must_use]
pub struct SessionCacheBuilder {
    client: Simplio3d,
    refresh_margin: Duration,
    ttl: Duration,
}

impl SessionCacheBuilder {
    /// How long before expiry a session stops being reused; default 60 s, so a token
    /// handed out is still valid for at least that long.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Lifetime assumed for a token without a JWT `exp`; default 10 minutes.
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The cache.
    pub fn build(self) -> SessionCache {
        SessionCache {
            inner: Arc::new(CacheInner {
                client: self.client,
                refresh_margin: self.refresh_margin,
                ttl: self.ttl,
                entries: Mutex::new(HashMap::new()),
                generations: Default::default(),
            }),
        }
    }
}

impl SessionCache {
    /// A cache with the default settings.
    pub fn new(client: Simplio3d) -> Self {
        Self::builder(client).build()
    }

    /// A cache with chosen settings.
    pub fn builder(client: Simplio3d) -> SessionCacheBuilder {
        SessionCacheBuilder {
            client,
            refresh_margin: Duration::from_secs(60),
            ttl: Duration::from_secs(600),
        }
    }

    /// A session for (configurator, domain): the cached one while it is fresh, else a new
    /// one from [`Simplio3d::create_session`], shared with every concurrent caller.
    pub async fn get(&self, configurator_id: &str, domain_name: &str) -> Result<Session, Error> {
        validate::configurator_id(configurator_id)?;
        validate::domain_name(domain_name)?;
        let key = (configurator_id.to_owned(), domain_name.to_owned());
        let flight = {
            let mut entries = self.lock();
            match entries.get(&key) {
                Some(Entry::Ready {
                    session,
                    refresh_at,
                }) if Instant::now() < *refresh_at => {
                    return Ok(session.clone());
                }
                Some(Entry::Pending { flight, .. }) => flight.clone(),
                _ => {
                    let generation = self
                        .inner
                        .generations
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let flight = self.start_flight(key.clone(), generation);
                    entries.insert(
                        key,
                        Entry::Pending {
                            generation,
                            flight: flight.clone(),
                        },
                    );
                    flight
                }
            }
        };
        flight.await
    }

    /// Forgets the session for (configurator, domain); the next `get` creates a new one.
    /// A request in flight still answers its waiting callers, but is not stored.
    /// Returns whether there was an entry.
    pub fn invalidate(&self, configurator_id: &str, domain_name: &str) -> bool {
        self.lock()
            .remove(&(configurator_id.to_owned(), domain_name.to_owned()))
            .is_some()
    }

    /// Forgets every session.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Number of entries (fresh, stale or in flight).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        // The map is consistent after every statement, so a panic elsewhere cannot
        // leave it half-updated: recover rather than propagate the poison.
        self.inner
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn start_flight(&self, key: Key, generation: u64) -> Flight {
        let client = self.inner.client.clone();
        // Weak: a flight nobody awaits any more must not keep the cache alive.
        let cache: Weak<CacheInner> = Arc::downgrade(&self.inner);
        async move {
            let result = client.create_session(&key.0, &key.1).await;
            if let Some(cache) = cache.upgrade() {
                cache.settle(key, generation, &result);
            }
            result
        }
        .boxed()
        .shared()
    }
}

impl CacheInner {
    /// Stores a finished flight's session, unless the entry was invalidated or replaced
    /// meanwhile; removes it on error.
    fn settle(&self, key: Key, generation: u64, result: &Result<Session, Error>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let ours = matches!(
            entries.get(&key),
            Some(Entry::Pending { generation: g, .. }) if *g == generation
        );
        if !ours {
            return;
        }
        let reusable_for = result.as_ref().ok().and_then(|session| {
            let lifetime = session.expires_in().unwrap_or(self.ttl);
            lifetime
                .checked_sub(self.refresh_margin)
                .filter(|d| !d.is_zero())
        });
        match (result, reusable_for) {
            (Ok(session), Some(reusable_for)) => {
                let refresh_at = Instant::now() + reusable_for;
                tracing::debug!(reusable_for_s = reusable_for.as_secs(), "session cached");
                entries.insert(
                    key,
                    Entry::Ready {
                        session: session.clone(),
                        refresh_at,
                    },
                );
            }
            _ => {
                entries.remove(&key);
            }
        }
    }
}
