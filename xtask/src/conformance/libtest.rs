//! Reading a nested `cargo test` run's output, so that a renamed or filtered-out test cannot
//! pass as "0 tests, exit 0".

use anyhow::bail;

/// Checks that libtest ran exactly `expected` tests, all passing, and that the output has
/// a line starting with `marker` (printed by the test itself once it covered everything).
pub(crate) fn expect_ran(stdout: &str, expected: usize, marker: &str) -> anyhow::Result<()> {
    let summaries: Vec<(usize, usize)> = stdout
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("test result: ")?;
            let count = |word: &str| -> Option<usize> {
                rest.split(';').find_map(|part| {
                    part.trim()
                        .strip_suffix(word)?
                        .trim()
                        .rsplit(' ')
                        .next()?
                        .parse()
                        .ok()
                })
            };
            Some((count(" passed")?, count(" failed")?))
        })
        .collect();
    let passed: usize = summaries.iter().map(|(p, _)| p).sum();
    let failed: usize = summaries.iter().map(|(_, f)| f).sum();
    if summaries.is_empty() {
        bail!("no `test result:` line in the test output: did the test binary run?");
    }
    if failed > 0 {
        bail!("{failed} test(s) failed");
    }
    if passed != expected {
        bail!(
            "expected {expected} test(s) to run, {passed} did: renamed or filtered out? \
             (xtask/src/conformance.rs names it)"
        );
    }
    if !stdout.lines().any(|l| l.trim_start().starts_with(marker)) {
        bail!("the test ran but never printed `{marker}…`: it did not cover every spec");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::expect_ran;

    const MARKER: &str = "prism-conformance:";

    #[test]
    fn a_run_of_the_one_test_with_its_marker_passes() {
        let out = "\nrunning 1 test\nprism-conformance: 9 specs, 60 calls, no violations\ntest conformance::external_prism_reports_no_violations ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 25 filtered out; finished in 3.2s\n";
        expect_ran(out, 1, MARKER).expect("passes");
    }

    /// The failure this guard exists for: a rename leaves `--exact` matching nothing.
    #[test]
    fn zero_tests_run_is_an_error() {
        let out = "\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 26 filtered out; finished in 0.00s\n";
        let error = expect_ran(out, 1, MARKER).expect_err("0 tests").to_string();
        assert!(
            error.contains("expected 1 test(s) to run, 0 did"),
            "{error}"
        );
    }

    #[test]
    fn no_summary_failures_and_a_missing_marker_are_errors() {
        assert!(expect_ran("error: could not compile", 1, MARKER).is_err());
        let failed =
            "test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out";
        assert!(
            expect_ran(failed, 1, MARKER)
                .unwrap_err()
                .to_string()
                .contains("1 test(s) failed")
        );
        let unmarked = "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out";
        assert!(
            expect_ran(unmarked, 1, MARKER)
                .unwrap_err()
                .to_string()
                .contains("never printed")
        );
    }
}
