//! Happy paths against the spec-validating mock: what the wrapper sends conforms to the
//! vendor's spec (zero violations), and each declared status maps to its documented error.

use simplio3d::{Error, RetryPolicy, SessionCache, Simplio3d, StatusCode};
use simplio3d_mock::{MockConfig, MockServer, Reply};

const KEY: &str = "mock-test-key";

async fn mock_and_client() -> (MockServer, Simplio3d) {
    let mock = MockServer::vendor(MockConfig::default().api_key(KEY))
        .await
        .unwrap();
    let client = Simplio3d::builder()
        .api_key(KEY)
        .base_url(mock.base_url())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    (mock, client)
}

#[tokio::test]
async fn create_session_conforms_to_the_spec() {
    let (mock, client) = mock_and_client().await;
    let session = client
        .create_session("edcfrt", "example.com")
        .await
        .unwrap();
    assert!(
        session.expires_at().is_some(),
        "the mock's token is a JWT with exp"
    );
    assert_eq!(mock.requests().len(), 1);
    assert!(mock.violations().is_empty(), "{:?}", mock.violations());
}

#[tokio::test]
async fn declared_statuses_map_to_errors() {
    let (mock, client) = mock_and_client().await;
    for status in mock.declared_statuses("create_session").unwrap() {
        mock.respond_with("create_session", Reply::status(status))
            .unwrap();
        let result = client.create_session("edcfrt", "example.com").await;
        match (status, result) {
            (200, Ok(_)) => {}
            (
                400,
                Err(Error::Rejected {
                    status: StatusCode::BAD_REQUEST,
                    ..
                }),
            ) => {}
            (
                403,
                Err(Error::Unauthorized {
                    status: StatusCode::FORBIDDEN,
                }),
            ) => {}
            (
                500,
                Err(Error::Server {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    ..
                }),
            ) => {}
            (status, other) => panic!("HTTP {status}: unexpected {other:?}"),
        }
    }
    assert!(mock.violations().is_empty(), "{:?}", mock.violations());
}

#[tokio::test]
async fn wrong_key_is_unauthorized() {
    let mock = MockServer::vendor(MockConfig::default().api_key(KEY))
        .await
        .unwrap();
    let client = Simplio3d::builder()
        .api_key("not-the-key")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let err = client
        .create_session("edcfrt", "example.com")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn cache_over_the_mock() {
    let (mock, client) = mock_and_client().await;
    let cache = SessionCache::new(client);
    let a = cache.get("edcfrt", "example.com").await.unwrap();
    let b = cache.get("edcfrt", "example.com").await.unwrap();
    assert_eq!(a.token.expose_secret(), b.token.expose_secret());
    assert_eq!(mock.requests().len(), 1);
}
