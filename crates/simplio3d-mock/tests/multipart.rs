//! Malformed `multipart/form-data` bodies are violations, whichever reader sees them.

use simplio3d_mock::{MockConfig, MockServer, ViolationKind};

const CREATE_SESSION: &str = "/api/open-api/v1/auth/create-session";

async fn send(body: &'static [u8]) -> (u16, Vec<(ViolationKind, String)>) {
    let mock = MockServer::vendor(MockConfig::default())
        .await
        .expect("mock");
    let response = reqwest::Client::new()
        .post(format!("{}{CREATE_SESSION}", mock.base_url()))
        .header("authorization", "key")
        .header("content-type", "multipart/form-data; boundary=XX")
        .body(body)
        .send()
        .await
        .expect("answered");
    let violations = mock
        .violations()
        .into_iter()
        .map(|v| (v.kind, v.location))
        .collect();
    (response.status().as_u16(), violations)
}

#[tokio::test]
async fn a_well_formed_body_conforms() {
    let (status, violations) = send(
        b"--XX\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nabc\r\n--XX\r\nContent-Disposition: form-data; name=\"domain_name\"\r\n\r\nexample.com\r\n--XX--\r\n",
    )
    .await;
    assert_eq!((status, violations), (200, vec![]));
}

#[tokio::test]
async fn a_missing_closing_delimiter_is_a_violation() {
    let (status, violations) = send(
        b"--XX\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nabc\r\n--XX\r\nContent-Disposition: form-data; name=\"domain_name\"\r\n\r\nexample.com\r\n",
    )
    .await;
    assert_eq!(
        (status, violations),
        (400, vec![(ViolationKind::ContentType, "/body".to_owned())])
    );
}

/// The lenient reader (for part names multer refuses) is as strict about framing.
#[tokio::test]
async fn a_missing_closing_delimiter_is_a_violation_with_non_ascii_part_names_too() {
    let (status, violations) = send(
        b"--XX\r\nContent-Disposition: form-data; name=\"\xc3\x99\"\r\n\r\n1\r\n--XX\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nabc\r\n--XX\r\nContent-Disposition: form-data; name=\"domain_name\"\r\n\r\nexample.com\r\n",
    )
    .await;
    assert_eq!(
        (status, violations),
        (400, vec![(ViolationKind::ContentType, "/body".to_owned())])
    );
}

#[tokio::test]
async fn non_ascii_part_names_are_read_when_the_body_is_well_formed() {
    let (status, violations) = send(
        b"--XX\r\nContent-Disposition: form-data; name=\"\xc3\x99\"\r\n\r\n1\r\n--XX\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nabc\r\n--XX\r\nContent-Disposition: form-data; name=\"domain_name\"\r\n\r\nexample.com\r\n--XX--\r\n",
    )
    .await;
    assert_eq!((status, violations), (200, vec![]));
}
