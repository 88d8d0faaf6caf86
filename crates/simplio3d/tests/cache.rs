//! `SessionCache`: single flight, reuse until the refresh margin, invalidation. Requests
//! are counted at a local server.

mod support;

use std::time::Duration;

use futures::future::join_all;
use simplio3d::{Error, RetryPolicy, SessionCache};
use support::{Reply, Server, client, client_with, json_200, jwt, response};

fn jwt_expiring_in(seconds: u64) -> String {
    jwt(&format!(
        r#"{{"exp":{}}}"#,
        support::epoch_in(Duration::from_secs(seconds))
    ))
}

/// Answers each request with a fresh token after a delay, so concurrent callers overlap.
async fn slow_token_server(token: impl Fn(usize) -> String + Send + Sync + 'static) -> Server {
    Server::start(move |n, _| {
        let body = format!(
            r#"{{"message":"Login Successful.","token":"{}"}}"#,
            token(n)
        );
        Reply::After(Duration::from_millis(200), Box::new(json_200(&body)))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_gets_on_a_cold_cache_make_one_request() {
    let server = slow_token_server(|n| format!("{}-{n}", jwt_expiring_in(3600))).await;
    let cache = SessionCache::new(client(&server.url()));

    let gets = (0..1000).map(|_| {
        let cache = cache.clone();
        tokio::spawn(async move { cache.get("edcfrt", "shop.example.com").await })
    });
    let sessions: Vec<_> = join_all(gets)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();

    assert_eq!(server.count(), 1, "exactly one create-session request");
    let first = sessions[0].token.expose_secret().to_owned();
    assert!(sessions.iter().all(|s| s.token.expose_secret() == first));

    // Warm: still one request.
    cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn keys_are_configurator_and_domain() {
    let server = Server::start(|n, _| json_200(&format!(r#"{{"token":"t{n}"}}"#))).await;
    let cache = SessionCache::new(client(&server.url()));
    let a = cache.get("one", "shop.example.com").await.unwrap();
    let b = cache.get("two", "shop.example.com").await.unwrap();
    let c = cache.get("one", "other.example.com").await.unwrap();
    let a2 = cache.get("one", "shop.example.com").await.unwrap();
    assert_eq!(server.count(), 3);
    assert_eq!(a.token.expose_secret(), a2.token.expose_secret());
    assert_ne!(a.token.expose_secret(), b.token.expose_secret());
    assert_ne!(a.token.expose_secret(), c.token.expose_secret());
    assert_eq!(cache.len(), 3);
}

#[tokio::test]
async fn invalidate_forces_a_new_session() {
    let server = Server::start(|n, _| json_200(&format!(r#"{{"token":"t{n}"}}"#))).await;
    let cache = SessionCache::new(client(&server.url()));
    let first = cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert!(cache.invalidate("edcfrt", "shop.example.com"));
    assert!(!cache.invalidate("edcfrt", "shop.example.com"));
    let second = cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(server.count(), 2);
    assert_ne!(first.token.expose_secret(), second.token.expose_secret());

    cache.clear();
    assert!(cache.is_empty());
    cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn invalidation_during_a_flight_is_not_undone_by_it() {
    let server = slow_token_server(|n| format!("t{n}")).await;
    let cache = SessionCache::new(client(&server.url()));
    let pending = {
        let cache = cache.clone();
        tokio::spawn(async move { cache.get("edcfrt", "shop.example.com").await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(cache.invalidate("edcfrt", "shop.example.com"));
    let answered = pending.await.unwrap().unwrap();
    assert_eq!(
        answered.token.expose_secret(),
        "t0",
        "waiters still get the result"
    );
    assert!(
        cache.is_empty(),
        "the invalidated flight did not store its session"
    );
    let next = cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(next.token.expose_secret(), "t1");
}

#[tokio::test]
async fn token_within_the_margin_of_its_exp_is_not_reused() {
    // exp in 30 s, margin 60 s: usable now, but not worth caching.
    let server =
        Server::start(|_, _| json_200(&format!(r#"{{"token":"{}"}}"#, jwt_expiring_in(30)))).await;
    let cache = SessionCache::new(client(&server.url()));
    cache.get("edcfrt", "shop.example.com").await.unwrap();
    cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn jwt_exp_decides_reuse() {
    // exp in 62 s, margin 60 s: reused for one to two seconds, then refreshed.
    let server =
        Server::start(|n, _| json_200(&format!(r#"{{"token":"{}-{n}"}}"#, jwt_expiring_in(62))))
            .await;
    let cache = SessionCache::new(client(&server.url()));
    cache.get("edcfrt", "shop.example.com").await.unwrap();
    cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(server.count(), 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn ttl_applies_to_tokens_without_exp() {
    let server = Server::start(|n, _| json_200(&format!(r#"{{"token":"opaque-{n}"}}"#))).await;
    let cache = SessionCache::builder(client(&server.url()))
        .ttl(Duration::from_millis(1300))
        .refresh_margin(Duration::from_secs(1))
        .build();
    let first = cache.get("edcfrt", "shop.example.com").await.unwrap();
    let again = cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(first.token.expose_secret(), again.token.expose_secret());
    assert_eq!(server.count(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let refreshed = cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(refreshed.token.expose_secret(), "opaque-1");
    assert_eq!(server.count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_flight_fails_all_its_waiters_once_and_is_not_cached() {
    let server = Server::start(|n, _| match n {
        0 => Reply::After(
            Duration::from_millis(200),
            Box::new(response("500 Internal Server Error", &[], "")),
        ),
        _ => json_200(r#"{"token":"recovered"}"#),
    })
    .await;
    let cache = SessionCache::new(client_with(&server.url(), RetryPolicy::disabled()));
    let gets = (0..100).map(|_| {
        let cache = cache.clone();
        tokio::spawn(async move { cache.get("edcfrt", "shop.example.com").await })
    });
    for result in join_all(gets).await {
        assert!(matches!(result.unwrap(), Err(Error::Server { .. })));
    }
    assert_eq!(server.count(), 1);
    assert!(cache.is_empty());
    let session = cache.get("edcfrt", "shop.example.com").await.unwrap();
    assert_eq!(session.token.expose_secret(), "recovered");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn invalid_input_is_refused_before_the_cache() {
    let server = Server::always(|| json_200(r#"{"token":"t"}"#)).await;
    let cache = SessionCache::new(client(&server.url()));
    let err = cache
        .get("edcfrt", "https://shop.example.com/")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput {
            field: "domain_name",
            ..
        }
    ));
    assert!(cache.is_empty());
    assert_eq!(server.count(), 0);
}
