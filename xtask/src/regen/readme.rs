//! The README check of `regen --check`.
//!
//! DESIGN.md's contract: the README's first command runs the main job, its second is the
//! test command that `.ci/run` calls. Stale means: fewer than two commands, a
//! `cargo xtask <task>` that does not exist, a `-p <package>` that is not a workspace
//! package, or a test command that `.ci/run` does not run. Commands are the lines of
//! fenced `sh`/`bash`/`shell`/`console` (or untagged) blocks, `$ ` prompts stripped.

use std::collections::BTreeSet;

use clap::CommandFactory as _;

use crate::workspace::Workspace;

pub(super) fn problems(workspace: &Workspace) -> Vec<String> {
    let Ok(readme) = std::fs::read_to_string(workspace.path("README.md")) else {
        return vec![
            "README.md is missing (it lists the main command and the test command)".to_owned(),
        ];
    };
    let commands = commands(&readme);
    let mut problems = Vec::new();
    if commands.len() < 2 {
        problems.push(format!(
            "README.md lists {} command(s) in shell code blocks; it must list the main command first and the test command second",
            commands.len()
        ));
    }
    let tasks: BTreeSet<String> = crate::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let packages = workspace_packages(workspace);
    for command in &commands {
        let words: Vec<&str> = command.split_whitespace().collect();
        for pair in words.windows(3) {
            if pair[0] == "cargo"
                && pair[1] == "xtask"
                && !pair[2].starts_with('-')
                && !tasks.contains(pair[2])
            {
                problems.push(format!(
                    "README.md runs `cargo xtask {}`, which is not a task (tasks: {})",
                    pair[2],
                    join(&tasks)
                ));
            }
        }
        for pair in words.windows(2) {
            if matches!(pair[0], "-p" | "--package")
                && !packages.is_empty()
                && !packages.contains(pair[1])
            {
                problems.push(format!(
                    "README.md names package `{}`, which is not in the workspace ({})",
                    pair[1],
                    join(&packages)
                ));
            }
        }
    }
    if let (Some(test_command), Ok(ci)) = (
        commands.get(1),
        std::fs::read_to_string(workspace.path(".ci/run")),
    ) {
        let normalise = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        if !normalise(&ci).contains(&normalise(test_command)) {
            problems.push(format!(
                "README.md's test command `{test_command}` is not what .ci/run runs"
            ));
        }
    }
    problems
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Command lines of the README's shell code blocks, in order.
fn commands(markdown: &str) -> Vec<String> {
    #[derive(PartialEq)]
    enum Block {
        Shell,
        /// Only `$ ` prompt lines are commands; the rest is output.
        Console,
        Other,
    }
    let mut commands = Vec::new();
    let mut fence: Option<(String, Block)> = None;
    let mut pending = String::new();
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        let Some((marker, block)) = &fence else {
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                let marker: String = trimmed
                    .chars()
                    .take_while(|c| *c == '`' || *c == '~')
                    .collect();
                let block = match trimmed[marker.len()..].trim().to_ascii_lowercase().as_str() {
                    "" | "sh" | "bash" | "shell" | "zsh" => Block::Shell,
                    "console" => Block::Console,
                    _ => Block::Other,
                };
                fence = Some((marker, block));
            }
            continue;
        };
        if trimmed.starts_with(marker.as_str()) {
            fence = None;
            continue;
        }
        let text = match (block, trimmed.strip_prefix("$ ")) {
            (Block::Other, _) => continue,
            (Block::Console, None) if pending.is_empty() => continue,
            (_, Some(text)) => text,
            (_, None) => trimmed,
        };
        if pending.is_empty() && (text.is_empty() || text.starts_with('#')) {
            continue;
        }
        match text.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(text);
                commands.push(std::mem::take(&mut pending).trim().to_owned());
            }
        }
    }
    commands
}

/// Package names of the workspace members listed in the root manifest.
fn workspace_packages(workspace: &Workspace) -> BTreeSet<String> {
    let manifest = std::fs::read_to_string(workspace.path("Cargo.toml")).unwrap_or_default();
    let Some(start) = manifest.find("members") else {
        return BTreeSet::new();
    };
    let Some(list) = manifest[start..]
        .split_once('[')
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
    else {
        return BTreeSet::new();
    };
    list.split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .filter_map(|member| {
            let text = std::fs::read_to_string(workspace.path(member).join("Cargo.toml")).ok()?;
            text.lines().map(str::trim).find_map(|l| {
                l.strip_prefix("name").map(|v| {
                    v.trim_start()
                        .trim_start_matches('=')
                        .trim()
                        .trim_matches('"')
                        .to_owned()
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_come_from_shell_blocks_only() {
        let md = "# T\n```sh\n# comment\ncargo run -p a -- \\\n  --mock\n$ cargo test --workspace\n```\n```rust\nlet x = 1;\n```\n```console\n$ cargo xtask regen\nup to date\n```\n";
        assert_eq!(
            commands(md),
            vec![
                "cargo run -p a -- --mock",
                "cargo test --workspace",
                "cargo xtask regen"
            ]
        );
    }
}
