//! The one integration-test binary of the workspace's spec-driven suite.
