//! Multipart requests checked on the wire: a loopback server receives what the generated
//! client sends, multer parses it back, and each part's name, value, file name and content
//! type is asserted.

use bytes::Bytes;
use simplio3d_client::types::CreateSessionBody;
use simplio3d_tests::fixtures::{
    multipart_methods as methods, multipart_refs as refs, multipart_uploads as uploads,
    odd_property_names as odd, vendor_future,
};
use uploads::multipart::FilePart;

use crate::support::capture::{CaptureServer, Part};

fn text(name: &str, value: &str) -> Part {
    Part {
        name: name.into(),
        file_name: None,
        content_type: None,
        data: Bytes::copy_from_slice(value.as_bytes()),
    }
}

fn file(name: &str, file_name: &str, content_type: &str, data: &'static [u8]) -> Part {
    Part {
        name: name.into(),
        file_name: Some(file_name.into()),
        content_type: Some(content_type.into()),
        data: Bytes::from_static(data),
    }
}

#[tokio::test]
async fn vendor_create_session_sends_id_and_domain_name_as_multipart() {
    let server =
        CaptureServer::start(200, r#"{"message":"Login Successful.","token":"eyJ.x.y"}"#).await;
    let state = simplio3d_client::ClientState::new()
        .api_key("wire-key")
        .expect("a valid header value");
    let client = simplio3d_client::Client::new(&server.url(), state);
    let body = CreateSessionBody {
        id: "edcfrt123".into(),
        domain_name: "example.com".into(),
    };

    let response = client.create_session(body).await.expect("200 is a success");
    // The response's status and headers come with it (moved, not copied, by the codegen).
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    assert_eq!(response.token.as_deref(), Some("eyJ.x.y"));
    assert_eq!(response.message.as_deref(), Some("Login Successful."));

    let request = server.single();
    assert_eq!(request.method, "POST");
    assert_eq!(request.uri.path(), "/api/open-api/v1/auth/create-session");
    // `apiKeyAuth`: the key as is, no `Bearer`.
    assert_eq!(request.header("authorization"), Some("wire-key"));
    let content_type = request.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    assert_eq!(
        request.parts().await,
        [text("id", "edcfrt123"), text("domain_name", "example.com")]
    );
}

#[tokio::test]
async fn every_kind_of_part_arrives_as_the_spec_says() {
    let server = CaptureServer::start(201, r#"{"id":7,"name":"chair"}"#).await;
    let client = uploads::Client::new(&server.url());
    let streamed = futures::stream::iter([
        Ok::<_, std::io::Error>(Bytes::from_static(b"str")),
        Ok(Bytes::from_static(b"eamed")),
    ]);
    let body = uploads::types::UploadAssetBody {
        model: FilePart::bytes(&b"glTF-binary"[..])
            .file_name("chair.glb")
            .content_type("model/gltf-binary"),
        preview: Some(FilePart::bytes(&b"\x89PNG"[..])),
        textures: Some(vec![
            FilePart::bytes(&b"wood"[..])
                .file_name("wood.jpg")
                .content_type("image/jpeg"),
            FilePart::stream(streamed, None).file_name("fabric.jpg"),
        ]),
        name: "Chair".into(),
        scale: Some(1.5),
        layers: Some(3),
        published: Some(true),
        tags: Some(vec!["oak".into(), "indoor".into()]),
        kind: uploads::types::UploadAssetBodyKind::Scene,
        placement: Some(uploads::types::UploadAssetBodyPlacement { x: 1.0, y: -2.5 }),
        metadata: Some(uploads::types::Metadata {
            author: Some("Ann".into()),
            license: Some(uploads::types::MetadataLicense::CcBy),
        }),
    };

    let asset = client
        .upload_asset("cfg 1", Some(true), body)
        .await
        .expect("201 is a success");
    assert_eq!(asset.id, 7);

    let request = server.single();
    assert_eq!(request.uri.path(), "/configurators/cfg%201/assets");
    assert_eq!(request.uri.query(), Some("dry_run=true"));
    let parts = request.parts().await;
    let expected = [
        file("model", "chair.glb", "model/gltf-binary", b"glTF-binary"),
        // No file name given: the part name stands in; no type given: encoding.contentType.
        file("preview", "preview", "image/png", b"\x89PNG"),
        file("textures", "wood.jpg", "image/jpeg", b"wood"),
        file(
            "textures",
            "fabric.jpg",
            "application/octet-stream",
            b"streamed",
        ),
        text("name", "Chair"),
        text("scale", "1.5"),
        text("layers", "3"),
        text("published", "true"),
        text("tags", "oak"),
        text("tags", "indoor"),
        text("kind", "scene"),
        Part {
            name: "placement".into(),
            file_name: None,
            content_type: Some("application/json".into()),
            data: Bytes::from_static(br#"{"x":1.0,"y":-2.5}"#),
        },
        Part {
            name: "metadata".into(),
            file_name: None,
            content_type: Some("application/vnd.simplio3d.meta+json".into()),
            data: Bytes::from_static(br#"{"author":"Ann","license":"cc-by"}"#),
        },
    ];
    assert_eq!(parts, expected);
}

#[tokio::test]
async fn unset_optional_parts_are_omitted() {
    let server = CaptureServer::start(201, r#"{"id":1,"name":"x"}"#).await;
    let client = uploads::Client::new(&server.url());
    let body = uploads::types::UploadAssetBody::new(
        FilePart::bytes(Vec::from(&b"m"[..])),
        "x".into(),
        uploads::types::UploadAssetBodyKind::Model,
    );
    client
        .upload_asset("c", None, body)
        .await
        .expect("201 is a success");
    let request = server.single();
    assert_eq!(request.uri.query(), None);
    assert_eq!(
        request.parts().await,
        [
            file("model", "model", "application/octet-stream", b"m"),
            text("name", "x"),
            text("kind", "model")
        ]
    );
}

#[tokio::test]
async fn an_optional_body_is_sent_only_when_given() {
    let server = CaptureServer::start(204, "").await;
    let client = uploads::Client::new(&server.url());
    client
        .replace_thumbnail("c", 9, None)
        .await
        .expect("204 is a success");
    let request = server.single();
    assert_eq!(request.uri.path(), "/configurators/c/assets/9/thumbnail");
    assert_eq!(request.header("content-type"), None);
    assert!(request.body.is_empty());

    let server = CaptureServer::start(204, "").await;
    let client = uploads::Client::new(&server.url());
    let body = uploads::types::ReplaceThumbnailBody {
        image: None,
        caption: Some("front".into()),
    };
    client
        .replace_thumbnail("c", 9, Some(body))
        .await
        .expect("204 is a success");
    assert_eq!(server.single().parts().await, [text("caption", "front")]);
}

#[tokio::test]
async fn wire_names_survive_sanitised_field_names() {
    let server = CaptureServer::start(
        200,
        r#"{"share-url":"https://s/1","@type":"link","async":false}"#,
    )
    .await;
    let client = odd::Client::new(&server.url());
    let body = odd::types::ShareBody {
        type_: "link".into(),
        meta_data: "m".into(),
        _3d: Some(true),
        id: Some("urn:1".into()),
        file: Some(vec![
            odd::multipart::FilePart::bytes(&b"a"[..]),
            odd::multipart::FilePart::bytes(&b"b"[..]),
        ]),
        self_: Some("me".into()),
    };
    let response = client.share(body).await.expect("200 is a success");
    assert_eq!(response.share_url.as_deref(), Some("https://s/1"));
    assert_eq!(
        server.single().parts().await,
        [
            text("type", "link"),
            text("meta-data", "m"),
            text("3d", "true"),
            text("@id", "urn:1"),
            file("file[]", "file[]", "application/octet-stream", b"a"),
            file("file[]", "file[]", "application/octet-stream", b"b"),
            text("self", "me"),
        ]
    );
}

#[tokio::test]
async fn future_vendor_uploads_use_derived_and_overlay_names() {
    let server = CaptureServer::start(200, "").await;
    let client = vendor_future::Client::new(&server.url());
    let images = vec![
        vendor_future::multipart::FilePart::bytes(&b"1"[..])
            .file_name("a.png")
            .content_type("image/png"),
        vendor_future::multipart::FilePart::bytes(&b"2"[..])
            .file_name("b.png")
            .content_type("image/png"),
    ];
    client
        .create_images(42, vendor_future::types::CreateImagesBody { images })
        .await
        .expect("200 is a success");
    let request = server.single();
    assert_eq!(request.uri.path(), "/api/open-api/v1/orders/42/images");
    assert_eq!(
        request.parts().await,
        [
            file("images", "a.png", "image/png", b"1"),
            file("images", "b.png", "image/png", b"2")
        ]
    );
}

#[tokio::test]
async fn an_invalid_part_content_type_is_an_error_naming_the_part() {
    let server = CaptureServer::start(200, "").await;
    let client = vendor_future::Client::new(&server.url());
    let texture =
        vendor_future::multipart::FilePart::bytes(&b"t"[..]).content_type("not a mime type");
    let body = vendor_future::types::UploadTextureBody {
        texture,
        name: None,
    };
    let error = client
        .upload_texture("cfg", body)
        .await
        .expect_err("invalid content type");
    let message = error.to_string();
    assert!(
        message.contains("texture") && message.contains("not a mime type"),
        "{message}"
    );
}

/// A part `$ref`ing a binary component, an array of them, or `allOf: [{$ref: Binary}]` is a
/// file part; enums and objects behind a `$ref` keep typify's type (and its sanitised name).
#[tokio::test]
async fn referenced_files_travel_as_file_parts() {
    let server = CaptureServer::start(201, "").await;
    let client = refs::Client::new(&server.url());
    let body = refs::types::UploadModelBody {
        model: refs::multipart::FilePart::bytes(&b"glb"[..]).file_name("m.glb"),
        scans: Some(vec![
            refs::multipart::FilePart::bytes(&b"s1"[..]).file_name("1.jpg"),
            refs::multipart::FilePart::bytes(&b"s2"[..]),
        ]),
        label: Some("Chair".into()),
        format: refs::types::X3dModel::Gltf,
        owner: Some(refs::types::Self_ {
            owner: Some("ann".into()),
        }),
        size: Some(refs::types::Größe::M),
    };
    client.upload_model(body).await.expect("201 is a success");
    assert_eq!(
        server.single().parts().await,
        [
            file("model", "m.glb", "application/octet-stream", b"glb"),
            file("scans", "1.jpg", "image/jpeg", b"s1"),
            file("scans", "scans", "image/jpeg", b"s2"),
            text("label", "Chair"),
            text("format", "gltf"),
            Part {
                name: "owner".into(),
                file_name: None,
                content_type: Some("application/json".into()),
                data: Bytes::from_static(br#"{"owner":"ann"}"#),
            },
            text("size", "m"),
        ]
    );
}

/// PUT and DELETE carry multipart bodies too; a path parameter `body` keeps its name and the
/// body argument takes the next free one; two operations share one `$ref`'d body type.
#[tokio::test]
async fn put_and_delete_send_multipart_beside_a_parameter_named_body() {
    let server = CaptureServer::start(204, "").await;
    let client = methods::Client::new(&server.url());
    let image = methods::multipart::FilePart::bytes(&b"png"[..]).file_name("p.png");
    let mut panel = methods::types::PanelUpload::new(image);
    panel.caption = Some("front".into());
    client
        .replace_panel("board 1", 7, Some(true), panel)
        .await
        .expect("204 is a success");
    let request = server.single();
    assert_eq!(request.method, "PUT");
    assert_eq!(request.uri.path(), "/boards/board%201/panels/7");
    assert_eq!(request.uri.query(), Some("multipart_body=true"));
    assert_eq!(
        request.parts().await,
        [
            file("image", "p.png", "application/octet-stream", b"png"),
            text("caption", "front")
        ]
    );

    let server = CaptureServer::start(204, "").await;
    let client = methods::Client::new(&server.url());
    let reason = methods::types::DeletePanelBody::new("duplicate".into());
    client
        .delete_panel("b", 8, Some(reason))
        .await
        .expect("204 is a success");
    let request = server.single();
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.uri.path(), "/boards/b/panels/8");
    assert_eq!(request.parts().await, [text("reason", "duplicate")]);
}

/// RFC 7578 §4.2: part names go verbatim in `name="…"` (UTF-8 as is), never as reqwest's
/// default `name*=utf-8''…`, which multer and PHP do not read.
#[tokio::test]
async fn part_names_with_spaces_and_non_ascii_go_verbatim() {
    let server = CaptureServer::start(204, "").await;
    let client = odd::Client::new(&server.url());
    let mut body = odd::types::CreateLabelBody::new("Oak chair".into());
    body.gre = Some("XL".into());
    body.field = Some("椅子".into());
    body.scan = Some(odd::multipart::FilePart::bytes(&b"s"[..]).file_name("größe 1.png"));
    client.create_label(body).await.expect("204 is a success");
    let request = server.single();
    let raw = String::from_utf8_lossy(&request.body);
    assert!(!raw.contains("name*="), "{raw}");
    assert!(raw.contains(r#"name="display name""#), "{raw}");
    assert_eq!(
        request.parts().await,
        [
            text("display name", "Oak chair"),
            text("größe", "XL"),
            text("名前", "椅子"),
            file("scan", "größe 1.png", "application/octet-stream", b"s"),
        ]
    );
}

/// reqwest would backslash-escape these, and servers do not unescape: an encode-time error
/// naming the part, and nothing is sent.
#[tokio::test]
async fn a_file_name_that_cannot_be_carried_is_an_error_naming_the_part() {
    for bad in ["say \"hi\".png", r"C:\scan.png", "a\r\nX-Injected: 1.png"] {
        let server = CaptureServer::start(204, "").await;
        let client = odd::Client::new(&server.url());
        let mut body = odd::types::CreateLabelBody::new("x".into());
        body.scan = Some(odd::multipart::FilePart::bytes(&b"s"[..]).file_name(bad));
        let error = client
            .create_label(body)
            .await
            .expect_err("the file name cannot be sent");
        let message = error.to_string();
        assert!(
            message.contains("`scan`") && message.contains("file name"),
            "{bad:?}: {message}"
        );
        assert_eq!(server.count(), 0, "{bad:?} was sent");
    }
}

#[tokio::test]
async fn an_error_response_keeps_its_status_headers_and_body() {
    let server = CaptureServer::start(400, r#"{"message":"Domain not allowed."}"#).await;
    let client = simplio3d_client::Client::new(&server.url(), Default::default());
    let body = CreateSessionBody::new("edcfrt".into(), "example.com".into());

    let Err(simplio3d_client::Error::ErrorResponse(response)) = client.create_session(body).await
    else {
        panic!("400 is a declared error response");
    };
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers().get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    let mut stream = response.into_inner().into_inner();
    let mut body = Vec::new();
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        body.extend_from_slice(&chunk.expect("the body arrives"));
    }
    assert_eq!(body, br#"{"message":"Domain not allowed."}"#);
}
