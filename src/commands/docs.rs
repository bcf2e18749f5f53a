//! `paychan completions`, `paychan man` and `paychan schema`: what shells, `man` and editors need
//! to know about paychan, generated from the definitions the program itself runs on.
//!
//! Nothing here is written by hand, so nothing here can go stale: the completion scripts
//! (`clap_complete`) and the manual pages (`clap_mangen`) come from the clap command that parses
//! the command line (`crate::cli::Cli::command()`, handed in), and the JSON Schemas (`schemars`)
//! come from the serde types that read a scenario file (`scenario::raw`) and write `summary.json`
//! ([`Summary`]). The schemas are also shipped in `schema/`, where `tests/schema.rs` checks them
//! byte for byte against these functions. This module is kept apart from `cli` so that `cli` stays a thin dispatcher.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use schemars::generate::SchemaSettings;
use schemars::Schema;

use crate::output::Summary;
use crate::scenario::raw::RawScenario;

/// The shells `paychan completions` writes a script for.
pub use clap_complete::Shell;

/// The name the completion scripts and man pages give the program.
const BIN: &str = "paychan";

/// A file or stream that the generated text could not be written to.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct DocsError {
    /// The file, or `-` for standard output.
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: io::Error,
}

impl DocsError {
    fn stdout(source: io::Error) -> DocsError {
        DocsError { path: PathBuf::from("-"), source }
    }
}

/// The two file formats paychan publishes a JSON Schema for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    /// A scenario file (`scenarios/*.toml`), as TOML editors see it once converted to JSON.
    Scenario,
    /// The `summary.json` that `paychan run` writes.
    Summary,
    /// A network scenario file (`scenarios/routing/*.toml`: `[[node]]`, `[[channel]]`,
    /// `[[payment]]`).
    Network,
}

impl SchemaKind {
    /// Every kind, in the order they are documented.
    pub const ALL: [SchemaKind; 3] = [SchemaKind::Scenario, SchemaKind::Summary, SchemaKind::Network];

    /// The schema's place in the repository, e.g. `schema/scenario.schema.json`.
    pub fn shipped_path(self) -> &'static str {
        match self {
            SchemaKind::Scenario => "schema/scenario.schema.json",
            SchemaKind::Summary => "schema/summary.schema.json",
            SchemaKind::Network => "schema/network.schema.json",
        }
    }

    /// The argument of `paychan schema` that prints it.
    pub fn name(self) -> &'static str {
        match self {
            SchemaKind::Scenario => "scenario",
            SchemaKind::Summary => "summary",
            SchemaKind::Network => "network",
        }
    }
}

/// The completion script for `shell`, for the whole command line `cli` (every subcommand and
/// option; [`crate::cli`] passes its `Cli::command()`).
pub fn completion_script(shell: Shell, mut cli: clap::Command) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli, BIN, &mut script);
    script
}

/// One manual page: its file name (`paychan.1`, `paychan-run.1`, …) and its roff text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManPage {
    /// The file name, section included.
    pub file_name: String,
    /// The page in roff.
    pub roff: Vec<u8>,
}

/// The manual pages of the command line `cli`: `paychan.1` first, then one per subcommand
/// (`paychan-run.1`, …), as `clap_mangen::generate_to` names them.
pub fn man_pages(cli: clap::Command) -> Vec<ManPage> {
    fn collect(cmd: &clap::Command, pages: &mut Vec<ManPage>) {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut roff = Vec::new();
        man.render(&mut roff).expect("rendering into a Vec cannot fail");
        pages.push(ManPage { file_name: man.get_filename(), roff });
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            collect(sub, pages);
        }
    }
    // Built, so that subcommands carry their display names ("paychan-run"); no `help` subcommand.
    let mut cmd = cli.disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, &mut pages);
    pages
}

/// Writes every page of [`man_pages`] of `cli` into `dir` (created if missing) and returns their
/// paths.
///
/// # Errors
///
/// [`DocsError`] naming the folder or page that could not be written.
pub fn write_man_pages(dir: &Path, cli: clap::Command) -> Result<Vec<PathBuf>, DocsError> {
    std::fs::create_dir_all(dir).map_err(|source| DocsError { path: dir.to_path_buf(), source })?;
    man_pages(cli)
        .into_iter()
        .map(|page| {
            let path = dir.join(&page.file_name);
            std::fs::write(&path, &page.roff).map_err(|source| DocsError { path: path.clone(), source })?;
            Ok(path)
        })
        .collect()
}

/// The JSON Schema of `kind`, generated from the Rust types (JSON Schema draft 7, which taplo and
/// Even Better TOML understand).
pub fn schema(kind: SchemaKind) -> Schema {
    match kind {
        // What serde accepts when it reads a scenario.
        SchemaKind::Scenario => {
            let mut schema = SchemaSettings::draft07().into_generator().into_root_schema_for::<RawScenario>();
            drop_null(&mut schema);
            list_designs(&mut schema);
            schema
        }
        // What `run` writes: every field present, `exhausted` null when the channel did not run out.
        SchemaKind::Summary => {
            SchemaSettings::draft07().for_serialize().into_generator().into_root_schema_for::<Summary>()
        }
        // What serde accepts when it reads a network scenario.
        SchemaKind::Network => {
            let mut schema =
                SchemaSettings::draft07().into_generator().into_root_schema_for::<crate::network::raw::RawNetwork>();
            drop_null(&mut schema);
            schema
        }
    }
}

/// The schema of `kind` as shipped in `schema/`: pretty JSON, keys sorted, ending in a newline.
pub fn schema_text(kind: SchemaKind) -> String {
    let mut text = serde_json::to_string_pretty(&schema(kind)).expect("a schema is plain JSON");
    text.push('\n');
    text
}

/// The scenario's `design` property from the registry ([`crate::party::DESIGNS`]): its names as
/// the enum, each with the design's own sentence as the description, the first (the book's, the
/// default) as the example; a new design is listed with no edit here.
fn list_designs(schema: &mut Schema) {
    use serde_json::{json, Value};
    let designs = crate::party::DESIGNS;
    let about: Vec<String> = designs
        .iter()
        .map(|r| {
            format!("\"{}\": {}", r.name, (r.make)(&crate::channel::Settings::default()).about(crate::words::Lang::En))
        })
        .collect();
    let description = format!("How the channel is built (default \"{}\"). {}.", designs[0].name, about.join("; "));
    let Some(Value::Object(design)) = schema.get_mut("properties").and_then(|p| p.get_mut("design")) else {
        return;
    };
    design.insert("description".into(), Value::String(description));
    design.insert("enum".into(), json!(designs.iter().map(|r| r.name).collect::<Vec<_>>()));
    design.insert("examples".into(), json!([designs[0].name]));
}

/// TOML has no null: an optional field is one that may be left out, so `"type": ["string",
/// "null"]` becomes `"type": "string"` (an editor would otherwise offer `null`), and an optional
/// table's `"anyOf": [{"$ref": …}, {"type": "null"}]` becomes its `$ref`.
fn drop_null(schema: &mut Schema) {
    if let Some(serde_json::Value::Array(types)) = schema.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            schema.insert("type".into(), only);
        }
    }
    let null = serde_json::json!({ "type": "null" });
    if let Some(serde_json::Value::Array(any)) = schema.get_mut("anyOf") {
        any.retain(|s| *s != null);
        if let [serde_json::Value::Object(only)] = any.as_slice() {
            let only = only.clone();
            schema.remove("anyOf");
            for (k, v) in only {
                schema.insert(k, v);
            }
        }
    }
    schemars::transform::transform_subschemas(&mut drop_null, schema);
}

/// Writes `bytes` to standard output.
///
/// # Errors
///
/// [`DocsError`] for standard output when it cannot be written (other than a closed pipe, as in
/// `paychan man | head`, which is not an error).
pub fn print(bytes: &[u8]) -> Result<(), DocsError> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(DocsError::stdout(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_schema_offers_no_null() {
        let text = schema_text(SchemaKind::Scenario);
        assert!(!text.contains("\"null\""), "{text}");
        // The summary's `exhausted` is written as null when the channel did not run out.
        assert!(schema_text(SchemaKind::Summary).contains("\"null\""));
    }

    /// The schema's examples (what an editor offers) and the error messages' examples (what a
    /// user is told to write) are kept in two places; this keeps them saying the same thing.
    #[test]
    fn the_schemas_examples_are_the_error_messages_examples() {
        let schema = serde_json::to_value(schema(SchemaKind::Scenario)).unwrap();
        let top = schema["properties"].as_object().unwrap();
        let segment = schema["definitions"]["Segment"]["properties"].as_object().unwrap();
        let event = schema["definitions"]["Event"]["properties"].as_object().unwrap();
        let audience = schema["definitions"]["Audience"]["properties"].as_object().unwrap();
        let arrivals = schema["definitions"]["Arrivals"]["properties"].as_object().unwrap();
        // Tables have no one-line example in the schema; their errors describe them in words.
        let tables = ["segment", "event", "audience", "arrivals"];
        let mut checked = 0;
        let all = top.iter().chain(segment).chain(event).chain(audience).chain(arrivals);
        for (field, property) in all {
            let Some(value) = property["examples"].get(0) else {
                assert!(tables.contains(&field.as_str()), "{field} has no example in the schema");
                continue;
            };
            assert_eq!(
                crate::scenario::validate::example(field),
                Some(format!("{field} = {value}").as_str()),
                "{field}"
            );
            checked += 1;
        }
        assert_eq!(checked, top.len() - 3 + segment.len() + event.len() + audience.len() - 1 + arrivals.len());
    }
}
