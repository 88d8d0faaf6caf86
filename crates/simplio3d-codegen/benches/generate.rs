//! Generation cost: the vendor spec, and synthetic specs of 10, 100 and 1000 operations
//! (one in four multipart with a file, an optional text part and a repeated part; the rest
//! JSON with path and query parameters), so growth with spec size is visible.
//!
//! `cargo bench -p simplio3d-codegen --bench generate`

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use simplio3d_codegen::{Source, generate, load};

fn synthetic(operations: usize) -> Source {
    let mut paths = serde_json::Map::new();
    for i in 0..operations {
        let op = if i % 4 == 0 {
            json!({ "post": {
                "operationId": format!("upload{i}"),
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": {
                    "type": "object", "required": ["file"],
                    "properties": {
                        "file": { "type": "string", "format": "binary" },
                        "name": { "type": "string" },
                        "tags": { "type": "array", "items": { "type": "string" } }
                    }
                }}}},
                "responses": { "200": { "description": "ok" }, "403": { "description": "no" } }
            }})
        } else {
            json!({ "put": {
                "operationId": format!("replace{i}"),
                "parameters": [
                    { "name": "id", "in": "path", "required": true, "schema": { "type": "string" } },
                    { "name": "dry_run", "in": "query", "schema": { "type": "boolean" } }
                ],
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["name"],
                    "properties": { "name": { "type": "string" }, "size": { "type": "integer" } }
                }}}},
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": {
                    "type": "object", "properties": { "id": { "type": "string" }, "status": { "type": "string", "enum": ["a", "b"] } }
                }}}}}
            }})
        };
        paths.insert(format!("/things{i}/{{id}}"), op);
    }
    let doc: Value = json!({
        "openapi": "3.0.3",
        "info": { "title": "Synthetic", "version": "1.0.0" },
        "paths": paths,
    });
    Source {
        name: format!("synthetic-{operations}.json"),
        bytes: serde_json::to_vec(&doc).expect("serialisable"),
    }
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let vendor = Source::read(&root.join(simplio3d_codegen::SPEC_PATH)).expect("vendor spec");
    let overlay = Source::read(&root.join(simplio3d_codegen::OVERLAY_PATH)).expect("overlay");

    let mut group = c.benchmark_group("load+generate");
    group.sample_size(10);
    group.bench_function("vendor", |b| {
        b.iter(|| {
            generate(&load(black_box(&vendor), Some(&overlay)).expect("loads")).expect("generates")
        })
    });
    for n in [10, 100, 1000] {
        let source = synthetic(n);
        group.bench_with_input(BenchmarkId::new("synthetic", n), &source, |b, source| {
            b.iter(|| generate(&load(black_box(source), None).expect("loads")).expect("generates"))
        });
    }
    group.finish();

    // The load + normalise share of the above, to see where the time goes.
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for n in [10, 100, 1000] {
        let source = synthetic(n);
        group.bench_with_input(BenchmarkId::new("synthetic", n), &source, |b, source| {
            b.iter(|| load(black_box(source), None).expect("loads"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
