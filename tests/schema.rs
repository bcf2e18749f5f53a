//! The JSON Schemas shipped in `schema/`: generated from the Rust types, identical to what
//! `paychan schema` prints, and right about real files.
//!
//! - the shipped files are byte for byte what the code generates now (so they cannot go stale);
//! - every shipped scenario (`scenarios/**/*.toml`, `tests/data/edge/*.toml`) validates against
//!   the scenario schema, and every `tests/data/bad` case that is a TYPE error (wrong TOML type,
//!   unknown field, missing required field) fails it;
//! - a real `summary.json` validates against the summary schema, and a broken one does not.
//!
//! Scenario files are TOML; editors (taplo) validate them by reading the TOML as JSON, which is
//! what [`toml_as_json`] does here.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use paychan::commands::docs::{schema, schema_text, SchemaKind};

use common::*;

const REGENERATE: &str =
    "regenerate both with: for k in scenario summary network; do cargo run -q -- schema $k > schema/$k.schema.json; done";

#[test]
fn the_shipped_schemas_are_what_the_code_generates() {
    for kind in SchemaKind::ALL {
        let path = root().join(kind.shipped_path());
        let shipped = fs::read_to_string(&path).unwrap_or_default();
        let generated = schema_text(kind);
        if shipped != generated {
            let first = shipped.lines().zip(generated.lines()).position(|(s, g)| s != g);
            panic!(
                "{} is stale (first difference at line {}); {REGENERATE}",
                kind.shipped_path(),
                first.map_or_else(|| "the end".to_string(), |i| (i + 1).to_string())
            );
        }
        let printed = paychan(&["schema", kind.name()]);
        assert!(printed.status.success());
        assert_eq!(String::from_utf8(printed.stdout).unwrap(), generated, "paychan schema {}", kind.name());
    }
}

fn validator(kind: SchemaKind) -> jsonschema::Validator {
    let schema = serde_json::to_value(schema(kind)).unwrap();
    jsonschema::validator_for(&schema).expect("the generated schema is a valid draft-07 schema")
}

/// A TOML file as the JSON value a schema-aware editor validates; `None` if it is not TOML at all.
fn toml_as_json(path: &Path) -> Option<serde_json::Value> {
    let text = String::from_utf8(fs::read(path).ok()?).ok()?;
    let value: toml::Table = toml::from_str(&text).ok()?;
    Some(serde_json::to_value(value).expect("TOML values without dates are JSON values"))
}

/// The `.toml` files under `dir`, sorted, recursively.
fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(toml_files(&path));
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn errors(v: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path)).collect()
}

#[test]
fn every_shipped_scenario_validates() {
    let (scenario, network) = (validator(SchemaKind::Scenario), validator(SchemaKind::Network));
    let files: Vec<PathBuf> =
        toml_files(&root().join("scenarios")).into_iter().chain(toml_files(&root().join("tests/data/edge"))).collect();
    assert!(files.len() >= 7, "found only {files:?}");
    for file in files {
        let json = toml_as_json(&file).unwrap_or_else(|| panic!("{} is TOML", file.display()));
        // A network scenario (routing) has its own schema; it is no single channel's scenario.
        let v = if json.get("node").is_some() { &network } else { &scenario };
        assert!(!(if json.get("node").is_some() { &scenario } else { &network }).is_valid(&json), "{}", file.display());
        let errs = errors(v, &json);
        assert!(errs.is_empty(), "{} fails the schema:\n{}", file.display(), errs.join("\n"));
    }
}

/// Whether paychan's message for a bad case says the file has the wrong SHAPE (a type, field or
/// missing-field error, which a schema can express) rather than a wrong VALUE.
fn is_type_error(expected: &str) -> bool {
    ["invalid type", "unknown field", "this required field is missing", "the file is empty"]
        .iter()
        .any(|m| expected.contains(m))
}

#[test]
fn every_bad_case_that_is_a_type_error_fails_the_schema() {
    let (scenario, network) = (validator(SchemaKind::Scenario), validator(SchemaKind::Network));
    let (mut type_errors, mut value_errors, mut not_toml) = (Vec::new(), Vec::new(), Vec::new());
    let mut wrongly_valid = Vec::new();
    for case in toml_files(&root().join("tests/data/bad")) {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let expected = fs::read_to_string(case.with_extension("expected")).unwrap();
        let Some(json) = toml_as_json(&case) else {
            // Not UTF-8 or not TOML (binary, malformed, duplicate key): no editor gets as far as a schema.
            not_toml.push(name);
            continue;
        };
        let v = if json.get("node").is_some() { &network } else { &scenario };
        let valid = v.is_valid(&json);
        if is_type_error(&expected) {
            if valid {
                wrongly_valid.push(format!("{name}: paychan says {expected}"));
            }
            type_errors.push(name);
        } else {
            // Right types, wrong values ("36 MBTC", a zero duration, mainnet): the schema may pass
            // them, since only the validator knows units and arithmetic. It is stricter where a
            // value is an enumeration or pattern (network, name), which is fine either way.
            value_errors.push((name, valid));
        }
    }
    assert!(wrongly_valid.is_empty(), "type errors that the schema accepts:\n{}", wrongly_valid.join("\n"));
    // Floors, so that a change in the messages cannot empty the list and pass.
    for must in [
        "wrong-type.toml",
        "seed-float.toml",
        "seed-string.toml",
        "unknown-field.toml",
        "unknown-segment-field.toml",
        "missing-field.toml",
        "missing-segments.toml",
        "empty.toml",
    ] {
        assert!(type_errors.iter().any(|n| n == must), "{must} is not classed as a type error: {type_errors:?}");
    }
    assert!(value_errors.len() >= 15 && not_toml.len() >= 3, "{value_errors:?} {not_toml:?}");
}

#[test]
fn a_real_summary_validates_and_a_broken_one_does_not() {
    let v = validator(SchemaKind::Summary);
    let out = tempfile::tempdir().unwrap();
    // The book's run (never exhausted: `exhausted` is null) and the full hour (exhausted: an object).
    for (scenario, name, exhausted) in
        [("scenarios/emma-fabian.toml", "emma-fabian", false), ("scenarios/full-hour.toml", "full-hour", true)]
    {
        let o = paychan(&["run", scenario, "--out", out.path().to_str().unwrap(), "--quiet", "--no-tx-hex"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let summary = summary(&out.path().join(name));
        assert_eq!(summary["exhausted"].is_object(), exhausted, "{name}");
        let errs = errors(&v, &summary);
        assert!(errs.is_empty(), "{name}/summary.json fails the schema:\n{}", errs.join("\n"));

        let mut missing = summary.clone();
        missing.as_object_mut().unwrap().remove("last_state");
        assert!(!v.is_valid(&missing), "a summary without its last state passes");
        let mut wrong = summary.clone();
        wrong["capacity_sat"] = serde_json::json!("36 mBTC");
        assert!(!v.is_valid(&wrong), "a summary with a string capacity_sat passes");
        let mut extra_nested = summary.clone();
        extra_nested["funding"]["vout"] = serde_json::json!(-1);
        assert!(!v.is_valid(&extra_nested), "a negative vout passes");
    }
}
