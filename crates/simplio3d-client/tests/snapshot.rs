//! The committed snapshot is the text the build script generated, byte for byte.

#[test]
fn committed_snapshot_matches_build_output() {
    let committed = include_str!("../generated/client.rs");
    assert!(
        committed == simplio3d_client::GENERATED_SOURCE,
        "crates/simplio3d-client/generated/client.rs is stale: run `cargo xtask regen` and commit the result"
    );
}
