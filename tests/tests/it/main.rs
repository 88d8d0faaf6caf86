//! The one integration-test binary of the workspace's spec-driven suite.

mod codegen;
mod multipart_wire;
mod support;
