//! Shell completions and man pages: everything the clap definitions hold must reach them.
//!
//! The lists of subcommands and options are read from `Cli::command()` itself, so a subcommand or
//! option added later is checked too: no test here can pass on a stale list.

mod common;

use std::process::{Command, Stdio};

use clap::CommandFactory;
use paychan::cli::Cli;
use paychan::commands::docs::{completion_script, man_pages, Shell};

use common::*;

/// Every visible subcommand, and for each its visible options as (long name, short name, value
/// name for positionals).
struct Spec {
    subcommands: Vec<(String, Vec<Opt>)>,
}

struct Opt {
    long: Option<String>,
    short: Option<char>,
    positional: Option<String>,
}

fn spec() -> Spec {
    let mut cmd = Cli::command();
    cmd.build();
    let subcommands = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| {
            let opts = s
                .get_arguments()
                .filter(|a| !a.is_hide_set())
                .map(|a| Opt {
                    long: a.get_long().map(str::to_string),
                    short: a.get_short(),
                    positional: a.is_positional().then(|| a.get_id().as_str().to_uppercase()),
                })
                .collect();
            (s.get_name().to_string(), opts)
        })
        .collect();
    Spec { subcommands }
}

#[test]
fn the_spec_sees_every_subcommand() {
    // A floor, so that a broken `spec()` (say, one that finds nothing) cannot pass the rest.
    let names: Vec<String> = spec().subcommands.into_iter().map(|(n, _)| n).collect();
    for expected in ["run", "verify", "bench", "check", "compare", "completions", "man", "schema"] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
}

/// How each shell's script spells "subcommand N of paychan" and "option --L of subcommand S".
fn subcommand_marker(shell: Shell, name: &str) -> String {
    match shell {
        Shell::Bash => format!("paychan__subcmd__{name})"),
        Shell::Zsh => format!("'{name}:"),
        Shell::Fish => format!("-a \"{name}\""),
        Shell::PowerShell => format!("'paychan;{name}'"),
        other => panic!("no marker for {other}"),
    }
}

fn option_marker(shell: Shell, long: &str) -> String {
    match shell {
        // The opts="…" line under the subcommand's case.
        Shell::Bash => format!(" --{long} "),
        Shell::Zsh => format!("'--{long}"),
        // Checked per line, together with the subcommand (a short flag may stand between them).
        Shell::Fish => format!(" -l {long} "),
        Shell::PowerShell => format!("'--{long}', '--{long}'"),
        other => panic!("no marker for {other}"),
    }
}

#[test]
fn every_completion_script_knows_every_subcommand_and_option() {
    let spec = spec();
    let mut missing = Vec::new();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
        let script = String::from_utf8(completion_script(shell, Cli::command())).expect("scripts are UTF-8");
        for (sub, opts) in &spec.subcommands {
            let marker = subcommand_marker(shell, sub);
            if !script.contains(&marker) {
                missing.push(format!("{shell}: subcommand {sub} ({marker})"));
            }
            for long in opts.iter().filter_map(|o| o.long.as_deref()) {
                let marker = option_marker(shell, long);
                // Bash lists a subcommand's options on one line; pad it so the last one matches too.
                let found = match shell {
                    Shell::Bash => script.lines().any(|l| format!("{l} ").contains(&marker)),
                    Shell::Fish => script.lines().any(|l| {
                        l.contains(&format!("__fish_paychan_using_subcommand {sub}\"")) && l.contains(&marker)
                    }),
                    _ => script.contains(&marker),
                };
                if !found {
                    missing.push(format!("{shell}: {sub} --{long} ({marker})"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "missing from the completion scripts:\n{}", missing.join("\n"));
}

#[test]
fn the_bash_script_is_valid_bash() {
    let script = paychan(&["completions", "bash"]);
    assert!(script.status.success());
    assert_eq!(script.stdout, completion_script(Shell::Bash, Cli::command()), "the binary prints the library's script");
    let mut bash =
        Command::new("bash").arg("-n").stdin(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("bash is installed");
    std::io::Write::write_all(&mut bash.stdin.take().unwrap(), &script.stdout).unwrap();
    let out = bash.wait_with_output().unwrap();
    assert!(out.status.success(), "bash -n: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let o = paychan(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bash"), "the accepted shells are listed");
}

/// Roff escapes '-' as `\-`; undo it so the text reads as typed.
fn plain(roff: &[u8]) -> String {
    String::from_utf8(roff.to_vec()).expect("roff is UTF-8").replace("\\-", "-")
}

#[test]
fn the_man_page_documents_every_subcommand_and_option() {
    let o = paychan(&["man"]);
    assert!(o.status.success());
    let all = plain(&o.stdout);
    assert!(all.starts_with(".ie") && all.contains(".TH paychan 1"), "roff, paychan(1) first");
    let mut missing = Vec::new();
    for (sub, opts) in spec().subcommands {
        // Listed in paychan(1), and a page of its own in the same stream.
        if !all.contains(&format!("paychan-{sub}(1)")) {
            missing.push(format!("paychan(1) does not list {sub}"));
        }
        let Some(start) = all.find(&format!(".TH paychan-{sub} 1")) else {
            missing.push(format!("no page paychan-{sub}(1)"));
            continue;
        };
        let page = &all[start..];
        let page = &page[..page[1..].find(".TH ").map_or(page.len(), |e| e + 1)];
        for o in opts {
            let words = [
                o.long.as_ref().map(|l| format!("--{l}")),
                o.short.map(|s| format!("-{s}")),
                o.positional.as_ref().map(|p| format!("<\\fI{p}\\fR>")),
            ];
            for w in words.into_iter().flatten() {
                if !page.contains(&w) {
                    missing.push(format!("paychan-{sub}(1) lacks {w}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "missing from the man pages:\n{}", missing.join("\n"));
}

#[test]
fn man_out_writes_one_page_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("man1");
    let o = paychan(&["man", "--out", target.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut written: Vec<String> =
        std::fs::read_dir(&target).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    written.sort();
    let mut expected: Vec<String> = spec().subcommands.iter().map(|(s, _)| format!("paychan-{s}.1")).collect();
    expected.push("paychan.1".to_string());
    expected.sort();
    assert_eq!(written, expected);
    for page in man_pages(Cli::command()) {
        assert_eq!(std::fs::read(target.join(&page.file_name)).unwrap(), page.roff, "{}", page.file_name);
    }
    // Into a path that cannot be a folder: exit 1 with the path named.
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let o = paychan(&["man", "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("error: cannot write {}", file.display())));
}

#[test]
fn every_subcommand_has_its_own_man_page() {
    let names: Vec<String> = man_pages(Cli::command()).into_iter().map(|p| p.file_name).collect();
    let mut expected = vec!["paychan.1".to_string()];
    expected.extend(
        Cli::command().get_subcommands().filter(|s| !s.is_hide_set()).map(|s| format!("paychan-{}.1", s.get_name())),
    );
    assert_eq!(names, expected);
}
