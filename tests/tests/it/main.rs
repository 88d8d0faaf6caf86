//! The one integration-test binary of the workspace's spec-driven suite.

mod codegen;
mod conformance;
mod multipart_wire;
mod support;
