//! Validation: a [`RawScenario`] becomes a [`Scenario`] whose fields cannot be wrong, or a
//! [`ScenarioError`] that names the file, line, column, field and value of the first problem.
//!
//! The checks live by subject: [`fields`] (one field at a time: names, amounts, fees, the
//! wallet, the design settings, the segments), [`events`] (the scripted `[[event]]` tables) and
//! [`audience`] (the `[audience]` table); here are the entry points and the error plumbing
//! they share.

mod audience;
mod events;
mod fields;
pub(crate) mod glyphs;

use std::fmt;
use std::path::Path;

use bitcoin::{Amount, Denomination, FeeRate, Network};
use toml::Spanned;

use super::raw::RawScenario;
use super::{Scenario, ScenarioError, Segment};
use crate::channel::DesignRef;
use crate::units::*;

pub(crate) use events::holds;

pub(crate) struct Validator<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a str,
}

impl Validator<'_> {
    /// An error at `value`, quoting it as it stands in the file.
    fn err<T: fmt::Display>(&self, field: &str, value: &Spanned<T>, problem: impl Into<String>) -> ScenarioError {
        let (line, column) = line_col(self.text, value.span().start);
        ScenarioError {
            file: self.path.to_path_buf(),
            line,
            column,
            field: Some(field.to_string()),
            value: Some(self.quoted(value)),
            problem: problem.into(),
        }
    }

    /// The value as it stands in the file (quotes included), falling back to its display.
    fn quoted<T: fmt::Display>(&self, value: &Spanned<T>) -> String {
        self.text.get(value.span()).map(str::to_string).unwrap_or_else(|| value.get_ref().to_string())
    }

    /// An error at byte `offset` that has no single value to quote (a table, a missing field).
    fn err_at(&self, field: &str, offset: usize, problem: &str) -> ScenarioError {
        let (line, column) = line_col(self.text, offset);
        ScenarioError {
            file: self.path.to_path_buf(),
            line,
            column,
            field: Some(field.to_string()),
            value: None,
            problem: problem.to_string(),
        }
    }

    /// The whole scenario, checked field by field in file order, then as a whole.
    pub(crate) fn validate(&self, raw: RawScenario) -> Result<Scenario, ScenarioError> {
        let name = self.name(&raw.name)?;
        let seed = u64::try_from(*raw.seed.get_ref()).map_err(|_| {
            self.err("seed", &raw.seed, "the seed must be a whole number from 0 to 9223372036854775807")
        })?;
        let (settings, clock) = self.settings(&raw)?;
        let design = match &raw.design {
            None => crate::party::default_design(),
            Some(d) => crate::party::design(d.get_ref(), &settings).ok_or_else(|| {
                self.err("design", d, format!("unknown design; paychan knows {}", crate::party::design_names()))
            })?,
        };
        self.settings_apply(&raw, &design)?;
        let network = match &raw.network {
            None => Network::Regtest,
            Some(n) => parse_network(n.get_ref()).map_err(|p| self.err("network", n, p))?,
        };
        self.parties(&raw.payer, &raw.payee)?;
        let (capacity, unit) = self.capacity(&raw.capacity)?;
        let fee_rate = parse_fee_rate(raw.fee_rate.get_ref()).map_err(|p| self.err("fee_rate", &raw.fee_rate, p))?;
        self.fees_fit(&design, fee_rate, &raw.fee_rate, capacity, &raw.capacity)?;
        let wallet = self.wallet(raw.wallet.as_ref(), capacity, &raw.capacity, fee_rate, &raw.fee_rate)?;
        let interval_s = match &raw.interval {
            None => 1,
            Some(i) => {
                let s = parse_duration(i.get_ref()).map_err(|p| self.err("interval", i, p))?;
                if s == 0 {
                    return Err(self.err("interval", i, "the interval must be at least one second, e.g. \"1 s\""));
                }
                s
            }
        };
        let (segments, audience) = self.schedule(&raw, &design, fee_rate, capacity, unit, interval_s)?;
        let mut scenario = Scenario {
            name,
            description: raw.description.clone().unwrap_or_default(),
            design,
            seed,
            network,
            payer: raw.payer.get_ref().clone(),
            payee: raw.payee.get_ref().clone(),
            capacity,
            wallet,
            fee_rate,
            interval_s,
            segments,
            unit,
            chain: clock,
            events: Vec::new(),
            audience,
        };
        self.window(&raw, &scenario)?;
        if let Some(events) = &raw.event {
            if scenario.audience.is_some() {
                return Err(self.err_at(
                    "event",
                    events.span().start,
                    "events script one channel; an audience runs many: remove the [[event]] tables or the [audience]",
                ));
            }
            scenario.events = self.events(events.get_ref(), &scenario)?;
        }
        Ok(scenario)
    }

    /// The rate schedule of a single channel, or an audience (whose viewers draw their own).
    fn schedule(
        &self,
        raw: &RawScenario,
        design: &DesignRef,
        fee_rate: FeeRate,
        capacity: Amount,
        unit: Denomination,
        interval_s: u64,
    ) -> Result<(Vec<Segment>, Option<std::sync::Arc<crate::scenario::audience::Audience>>), ScenarioError> {
        Ok(match (&raw.segment, &raw.audience) {
            (Some(segment), None) => (self.segments(segment, capacity, unit, interval_s)?, None),
            (None, Some(audience)) => {
                if let Some(w) = &raw.wallet {
                    return Err(self.err(
                        "wallet",
                        w,
                        "in an audience each viewer's wallet coin is its capacity, the funding fee and 1 mBTC of \
                         change; remove wallet",
                    ));
                }
                let least = self.least_capacity(design, fee_rate, &raw.fee_rate)?;
                (Vec::new(), Some(std::sync::Arc::new(self.audience(audience, least, &raw.capacity)?)))
            }
            (Some(segment), Some(_)) => {
                return Err(self.err_at(
                    "segment",
                    segment.span().start,
                    "an audience draws each viewer's schedule (its price for its watch time) from [audience]; \
                     remove the [[segment]] tables",
                ))
            }
            (None, None) => {
                let add = example("segment").unwrap_or_default();
                return Err(ScenarioError {
                    field: Some("segment".to_string()),
                    ..ScenarioError::whole_file(
                        self.path,
                        format!("this required field is missing; add a line such as {add}"),
                    )
                });
            }
        })
    }
}

/// Turns a TOML or serde error into a [`ScenarioError`] that names the field and shows an example.
pub(crate) fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> ScenarioError {
    toml_error(path, text, e, example)
}

/// Turns a TOML or serde error in a file whose correct lines `example` shows into a
/// [`ScenarioError`] naming the field and value: scenario files and sweep grids share it.
pub(crate) fn toml_error(
    path: &Path,
    text: &str,
    e: &toml::de::Error,
    example: impl Fn(&str) -> Option<&'static str>,
) -> ScenarioError {
    let span = e.span().unwrap_or(0..0);
    let (line, column) = line_col(text, span.start);
    let message = e.message().trim_end().lines().map(str::trim).collect::<Vec<_>>().join("; ");
    let message = message.replace("expected i64", "expected a whole number");
    // The `key = value` line the error points at, if it is one.
    let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let key_value = line_text.split_once('=').map(|(k, v)| (k.trim().to_string(), v.trim().to_string()));
    let (mut field, mut value, mut problem) = (None, None, message.clone());
    if let Some(missing) = message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`')) {
        field = Some(missing.to_string());
        problem = match example(missing) {
            Some(ex) => format!("this required field is missing; add a line such as {ex}"),
            None => "this required field is missing".to_string(),
        };
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        if let Some((k, v)) = key_value {
            problem = match example(&k) {
                Some(ex) => format!("{message}; write e.g. {ex}"),
                None => message,
            };
            field = Some(k);
            value = Some(v);
        }
    } else if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or("");
        field = Some(name.to_string());
        let accepted = rest.split_once(", expected ").map_or("", |(_, a)| a);
        problem = format!("unknown field; the accepted fields are {}", accepted.trim_start_matches("one of "));
    }
    ScenarioError { file: path.to_path_buf(), line, column, field, value, problem }
}

/// `design = "<the first registered design>"`: the book's, the default.
static DESIGN_EXAMPLE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("design = \"{}\"", crate::party::DESIGNS[0].name));

/// A correct line for `field`, to show in errors.
pub(crate) fn example(field: &str) -> Option<&'static str> {
    Some(match field {
        "name" => "name = \"emma-fabian\"",
        "design" => DESIGN_EXAMPLE.as_str(),
        "seed" => "seed = 14",
        "network" => "network = \"regtest\"",
        "payer" => "payer = \"Emma\"",
        "payee" => "payee = \"Fabian\"",
        "capacity" => "capacity = \"36 mBTC\"",
        "wallet" => "wallet = \"50 mBTC\"",
        "fee_rate" => "fee_rate = \"1 sat/vB\"",
        "interval" => "interval = \"1 s\"",
        "segment" => "[[segment]] with rate = \"0.01 mBTC/s\" and duration = \"600 s\"",
        "rate" => "rate = \"0.01 mBTC/s\"",
        "duration" => "duration = \"600 s\"",
        "description" => "description = \"a line of text\"",
        "refund_after" => "refund_after = 4320",
        "expiry" => "expiry = 4320",
        "to_self_delay" => "to_self_delay = 1000",
        "start_height" => "start_height = 800000",
        "block_interval" => "block_interval = \"10 min\"",
        "at" => "at = \"600 s\"",
        "at_height" => "at_height = 800001",
        "who" => "who = \"Emma\"",
        "does" => "does = \"broadcast\"",
        "commitment" => "commitment = 1",
        "audience" => "[audience] with viewers = 200, watch = \"10 min\" and price = \"10 sat/s\"",
        "viewers" => "viewers = 200",
        "period" => "period = \"24 h\"",
        "watch" => "watch = \"10 min\"",
        "price" => "price = \"10 sat/s\"",
        "arrivals" => "arrivals = { poisson = \"120 /h\" }",
        "poisson" => "poisson = \"120 /h\"",
        _ => return None,
    })
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
