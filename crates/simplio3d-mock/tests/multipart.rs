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

fn tags_spec() -> simplio3d_codegen::Spec {
    simplio3d_codegen::load(
        &simplio3d_codegen::Source {
            name: "tags.yaml".into(),
            bytes: br#"
openapi: 3.0.0
info: { title: Tags, version: 1.0.0 }
paths:
  /items:
    post:
      operationId: add_item
      parameters:
        - { name: page, in: query, schema: { type: integer, minimum: 1 } }
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [tags]
              properties:
                tags: { type: array, items: { type: string } }
                sizes: { type: array, minItems: 1, items: { type: integer } }
      responses: { '204': { description: Stored }, '400': { description: Invalid } }
"#
            .to_vec(),
        },
        None,
    )
    .expect("spec")
}

async fn send_items(query: &str, form: reqwest::multipart::Form) -> Vec<(ViolationKind, String)> {
    let mock = MockServer::start(tags_spec(), MockConfig::default())
        .await
        .expect("mock");
    reqwest::Client::new()
        .post(format!("{}/items{query}", mock.base_url()))
        .multipart(form)
        .send()
        .await
        .expect("answered");
    mock.violations()
        .into_iter()
        .map(|v| (v.kind, v.location))
        .collect()
}

/// A required array needs at least one part (`[]` and "forgotten" are the same bytes).
#[tokio::test]
async fn a_missing_required_array_part_is_missing() {
    let form = reqwest::multipart::Form::new().text("other", "x");
    assert_eq!(
        send_items("", form).await,
        vec![(ViolationKind::Missing, "/body/tags".to_owned())]
    );
}

/// One part holding a JSON object where an array is declared: the whole value, wrong type.
#[tokio::test]
async fn a_json_object_in_an_array_part_is_a_type_violation() {
    let form = reqwest::multipart::Form::new().text("tags", "{}");
    assert_eq!(
        send_items("", form).await,
        vec![(ViolationKind::Type, "/body/tags".to_owned())]
    );
    let form = reqwest::multipart::Form::new()
        .text("tags", r#"["a", "b"]"#)
        .text("sizes", "[]");
    assert_eq!(
        send_items("", form).await,
        vec![(ViolationKind::Range, "/body/sizes".to_owned())]
    );
}

/// `type: integer` has no size: a 70-bit literal is an integer (here, below the minimum).
#[tokio::test]
async fn integers_beyond_64_bits_are_integers() {
    let form = || reqwest::multipart::Form::new().text("tags", "a");
    assert_eq!(
        send_items("?page=1381600106425034211328", form()).await,
        vec![]
    );
    assert_eq!(
        send_items("?page=-1381600106425034211328", form()).await,
        vec![(ViolationKind::Range, "/query/page".to_owned())]
    );
}
