//! Test support shared by the suite's modules.

pub mod capture;
