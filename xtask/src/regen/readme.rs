//! The README check of `regen --check`.
//!
//! DESIGN.md's contract: the README's first command runs the main job, its second is the
//! test command that `.ci/run` calls. Stale means: fewer than two commands, a
//! `cargo xtask …` that the xtask's own argument parser (clap) rejects (an unknown task, a
//! mistyped flag, a missing argument), a `-p <package>` that is not a workspace package,
//! or a test command that `.ci/run` does not run. Commands are the lines of fenced
//! `sh`/`bash`/`shell`/`console` (or untagged) blocks, `$ ` prompts and `# comments`
//! stripped.

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
        let shell = shell_words(command);
        for (i, pair) in shell.windows(2).enumerate() {
            if pair[0] != "cargo" || pair[1] != "xtask" {
                continue;
            }
            let args: Vec<&str> = shell[i + 2..]
                .iter()
                .map(String::as_str)
                .take_while(|w| !matches!(*w, "&&" | "||" | ";" | "|"))
                .collect();
            match args.first() {
                Some(task) if !task.starts_with('-') && !tasks.contains(*task) => {
                    problems.push(format!(
                        "README.md runs `cargo xtask {task}`, which is not a task (tasks: {})",
                        join(&tasks)
                    ));
                }
                _ => {
                    if let Some(problem) = parse_problem(&args) {
                        problems.push(problem);
                    }
                }
            }
        }
        let words: Vec<&str> = shell.iter().map(String::as_str).collect();
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

/// What clap says about `cargo xtask <args>`, as the real command line would be parsed.
fn parse_problem(args: &[&str]) -> Option<String> {
    use clap::Parser as _;
    use clap::error::ErrorKind;
    let error = match crate::Cli::try_parse_from(
        std::iter::once("cargo xtask").chain(args.iter().copied()),
    ) {
        Ok(_) => return None,
        Err(e) if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) => {
            return None;
        }
        Err(e) => e,
    };
    let rendered = error.render().to_string();
    let first = rendered
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_owned();
    Some(format!(
        "README.md's `cargo xtask {}` would fail: {first}",
        args.join(" ")
    ))
}

/// A command line split as `sh` would for our purposes: whitespace outside quotes
/// separates words, quotes are removed, and a word starting with `#` ends the line.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, '#') if word.is_none() => break,
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    words
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
    fn shell_words_drop_comments_and_quotes() {
        assert_eq!(
            shell_words("cargo xtask regen --spec 'a b.json'   # or a URL"),
            vec!["cargo", "xtask", "regen", "--spec", "a b.json"]
        );
        assert_eq!(shell_words("echo a#b"), vec!["echo", "a#b"]);
    }

    #[test]
    fn xtask_commands_are_parsed_by_the_real_cli() {
        assert_eq!(parse_problem(&["regen", "--check"]), None);
        assert_eq!(
            parse_problem(&[
                "diff",
                "old.json",
                "new.json",
                "--format",
                "markdown",
                "--fail-on-breaking"
            ]),
            None
        );
        let typo = parse_problem(&["regen", "--chek"]).expect("a mistyped flag");
        assert!(typo.contains("--chek"), "{typo}");
        let missing = parse_problem(&["diff", "old.json"]).expect("a missing argument");
        assert!(missing.contains("would fail"), "{missing}");
        assert!(parse_problem(&["diff", "a", "b", "--format", "yaml"]).is_some());
    }

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
