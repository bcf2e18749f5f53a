//! The axes of a grid over an audience scenario: the `[audience]` table of a grid file.
//!
//! An analyst varies what the audience is, not one channel: how many viewers come (`viewers`, or
//! the Poisson rate of `arrivals`), and what each one's watch time, capacity and price are drawn
//! from — a whole value or distribution a point (`price = ["5 sat/s", { uniform = [...] }]`), or
//! one parameter of the base's distribution (`watch_median`, `watch_sigma`, `price_mean`,
//! `capacity_low`, `capacity_high`). Each axis writes one value of the base's `[audience]` table
//! (at its byte span, like the single-channel axes), so the point is validated exactly as a
//! scenario file would be. The axes are taken in a fixed order ([`keys`]), outermost first.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::err_at;
use crate::scenario::audience::Quantity;
use crate::scenario::ScenarioError;

/// A grid's `[audience]` table as written: each key a list of values.
pub(super) type RawAxes = BTreeMap<String, Spanned<Vec<Spanned<toml::Value>>>>;

const QUANTITIES: [Quantity; 3] = [Quantity::Watch, Quantity::Capacity, Quantity::Price];

/// The parameters a distribution axis may vary, and the distributions that have them.
const PARAMS: [(&str, &str); 5] =
    [("median", "lognormal"), ("sigma", "lognormal"), ("mean", "exponential"), ("low", "uniform"), ("high", "uniform")];

/// The keys of a grid's `[audience]`, in the order of the cartesian product, outermost first.
pub fn keys() -> Vec<String> {
    let mut keys = vec!["viewers".to_string(), "arrivals".to_string()];
    for q in QUANTITIES {
        keys.push(q.field().to_string());
        keys.extend(PARAMS.iter().map(|(p, _)| format!("{}_{p}", q.field())));
    }
    keys
}

/// What an axis writes into the base's `[audience]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// `viewers = N`.
    Viewers,
    /// `arrivals = { poisson = "..." }`.
    Arrivals,
    /// The whole value of `watch`, `capacity` or `price`.
    Whole(Quantity),
    /// One parameter of the base's distribution of a quantity.
    Param(Quantity, &'static str),
}

fn target(key: &str) -> Option<Target> {
    match key {
        "viewers" => return Some(Target::Viewers),
        "arrivals" => return Some(Target::Arrivals),
        _ => {}
    }
    for q in QUANTITIES {
        if key == q.field() {
            return Some(Target::Whole(q));
        }
        for (p, _) in PARAMS {
            if key == format!("{}_{p}", q.field()) {
                return Some(Target::Param(q, p));
            }
        }
    }
    None
}

/// One axis of a grid's `[audience]`.
#[derive(Debug, Clone)]
pub(super) struct AudienceAxis {
    /// The key as written (`price`, `watch_median`).
    pub(super) key: String,
    pub(super) target: Target,
    /// The values as written, with their spans in the grid file.
    pub(super) values: Vec<Spanned<toml::Value>>,
}

impl AudienceAxis {
    /// The axis's name in errors, descriptions and `sweep.csv`: `audience.price`.
    pub(super) fn name(&self) -> String {
        format!("audience.{}", self.key)
    }

    /// Whether the scenario's error on `field` is about what this axis writes.
    pub(super) fn writes(&self, field: &str) -> bool {
        let written = match self.target {
            Target::Viewers => "viewers",
            Target::Arrivals => "arrivals",
            Target::Whole(q) | Target::Param(q, _) => q.field(),
        };
        field.strip_prefix("audience.").is_some_and(|f| f == written || f.starts_with(&format!("{written}.")))
    }
}

/// Where the base's `[audience]` values stand in its text.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct BaseAudience {
    viewers: Option<Spanned<toml::Value>>,
    arrivals: Option<Spanned<toml::Value>>,
    watch: Spanned<toml::Value>,
    capacity: Option<Spanned<toml::Value>>,
    price: Spanned<toml::Value>,
}

impl BaseAudience {
    fn quantity(&self, q: Quantity) -> Option<&Spanned<toml::Value>> {
        match q {
            Quantity::Watch => Some(&self.watch),
            Quantity::Capacity => self.capacity.as_ref(),
            Quantity::Price => Some(&self.price),
        }
    }
}

/// A value as a cell of `sweep.csv`: a string's text, anything else in TOML.
pub(super) fn cell(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads the grid's `[audience]` axes (in [`keys`] order) against the base's `[audience]`
/// (`None` for a single-channel base, which refuses them).
pub(super) fn parse(
    path: &Path,
    text: &str,
    raw: Option<RawAxes>,
    base: Option<&BaseAudience>,
    base_name: &str,
) -> Result<Vec<AudienceAxis>, ScenarioError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    let order = keys();
    let mut axes = Vec::new();
    for (key, list) in raw {
        let field = format!("audience.{key}");
        let err = |span: Range<usize>, problem: String| err_at(path, text, span, &field, problem);
        let target = target(&key).ok_or_else(|| {
            err(list.span(), format!("unknown audience axis; the audience axes are {}", order.join(", ")))
        })?;
        let Some(base) = base else {
            return Err(err(
                list.span(),
                format!(
                    "the base scenario {base_name} is a single channel with no [audience]; audience axes need an \
                     audience scenario as base (vary capacity and rate for a single channel)"
                ),
            ));
        };
        if list.get_ref().is_empty() {
            return Err(err(
                list.span(),
                format!("the list is empty; give at least one value, e.g. {}", example(target)),
            ));
        }
        check_base_has(target, base, base_name).map_err(|p| err(list.span(), p))?;
        let values = list.into_inner();
        for (i, v) in values.iter().enumerate() {
            let name = format!("{field}[{}]", i + 1);
            check_value(target, v.get_ref()).map_err(|p| err_at(path, text, v.span(), &name, p))?;
            if let Some(j) = values[..i].iter().position(|w| w.get_ref() == v.get_ref()) {
                return Err(err_at(
                    path,
                    text,
                    v.span(),
                    &name,
                    format!("the same value as {field}[{}]; list each value once", j + 1),
                ));
            }
        }
        axes.push(AudienceAxis { key, target, values });
    }
    axes.sort_by_key(|a| order.iter().position(|k| *k == a.key));
    for q in QUANTITIES {
        let whole = axes.iter().find(|a| a.target == Target::Whole(q));
        if let (Some(w), Some(p)) = (whole, axes.iter().find(|a| matches!(a.target, Target::Param(r, _) if r == q))) {
            return Err(err_at(
                path,
                text,
                p.values[0].span(),
                &p.name(),
                format!("{} already lists whole values; vary either the values or one of their parameters", w.name()),
            ));
        }
    }
    Ok(axes)
}

fn example(target: Target) -> String {
    match target {
        Target::Viewers => "viewers = [20, 40]".to_string(),
        Target::Arrivals => "arrivals = [\"60 /h\", \"120 /h\"]".to_string(),
        Target::Whole(Quantity::Watch) => "watch = [\"5 min\", { exponential = \"10 min\" }]".to_string(),
        Target::Whole(Quantity::Capacity) => "capacity = [\"0.1 mBTC\", \"0.2 mBTC\"]".to_string(),
        Target::Whole(Quantity::Price) => "price = [\"5 sat/s\", \"10 sat/s\"]".to_string(),
        Target::Param(q, "sigma") => format!("{}_sigma = [0.5, 1.0]", q.field()),
        Target::Param(q, p) => format!("{}_{p} = [\"{}\", \"{}\"]", q.field(), q.show(1), q.show(2)),
    }
}

/// Whether the base's `[audience]` has the field (and distribution) `target` writes into.
fn check_base_has(target: Target, base: &BaseAudience, base_name: &str) -> Result<(), String> {
    match target {
        Target::Viewers if base.viewers.is_none() => Err(format!(
            "the audience of {base_name} comes by arrivals, not viewers = N; vary arrivals instead, or give the base \
             viewers = N"
        )),
        Target::Arrivals if base.arrivals.is_none() => Err(format!(
            "the audience of {base_name} is viewers = N, not an arrival process; vary viewers instead, or give the \
             base arrivals = {{ poisson = \"120 /h\" }} and a period"
        )),
        Target::Whole(q) | Target::Param(q, _) if base.quantity(q).is_none() => Err(format!(
            "the [audience] of {base_name} has no {0} (every viewer has the scenario's capacity); add {0} = \"...\" \
             under its [audience] to vary it",
            q.field()
        )),
        Target::Param(q, p) => {
            let kind = base.quantity(q).and_then(|v| v.get_ref().as_table()).and_then(|t| t.keys().next().cloned());
            let wanted = PARAMS.iter().find(|(name, _)| *name == p).map_or("", |(_, d)| *d);
            match kind {
                Some(k) if k == wanted && base.quantity(q).and_then(|v| v.get_ref().as_table()).is_some_and(|t| t.len() == 1) => Ok(()),
                Some(k) => Err(format!(
                    "the base's audience.{} is {k}, which has no {p} ({p} is a parameter of {wanted}); list whole values \
                     with {} = [...] instead",
                    q.field(),
                    q.field()
                )),
                None => Err(format!(
                    "the base's audience.{} is a fixed value, which has no {p}; list whole values with {} = [...] \
                     instead",
                    q.field(),
                    q.field()
                )),
            }
        }
        _ => Ok(()),
    }
}

/// The value's TOML type is one the axis can write (its content is the scenario's to check).
fn check_value(target: Target, v: &toml::Value) -> Result<(), String> {
    let ok = match target {
        Target::Viewers => v.is_integer(),
        Target::Arrivals => v.is_str() || v.is_table(),
        Target::Whole(_) => v.is_str() || v.is_table(),
        Target::Param(_, "sigma") => v.is_float() || v.is_integer(),
        Target::Param(..) => v.is_str(),
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{v} cannot be written here; write e.g. {}", example(target)))
    }
}

/// The edits that write the chosen values (`choice[i]` of axis `i`, `None` for the base's) into
/// the base's text.
pub(super) fn edits(
    axes: &[AudienceAxis],
    choice: &[Option<usize>],
    base: &BaseAudience,
) -> Vec<(Range<usize>, String)> {
    let mut edits = Vec::new();
    let chosen = || axes.iter().zip(choice).filter_map(|(a, c)| c.map(|c| (a, a.values[c].get_ref())));
    for (axis, value) in chosen() {
        match axis.target {
            Target::Viewers => {
                edits.push((base.viewers.as_ref().expect("checked at load").span(), value.to_string()));
            }
            Target::Arrivals => {
                let written = match value {
                    toml::Value::String(_) => format!("{{ poisson = {value} }}"),
                    other => other.to_string(),
                };
                edits.push((base.arrivals.as_ref().expect("checked at load").span(), written));
            }
            Target::Whole(q) => edits.push((base.quantity(q).expect("checked at load").span(), value.to_string())),
            Target::Param(..) => {}
        }
    }
    for q in QUANTITIES {
        let params: Vec<(&str, &toml::Value)> = chosen()
            .filter_map(|(a, v)| match a.target {
                Target::Param(r, p) if r == q => Some((p, v)),
                _ => None,
            })
            .collect();
        if params.is_empty() {
            continue;
        }
        let base_value = base.quantity(q).expect("checked at load");
        let mut value = base_value.get_ref().clone();
        for (p, v) in params {
            set_param(&mut value, p, v);
        }
        edits.push((base_value.span(), value.to_string()));
    }
    edits
}

/// Writes `v` as the parameter `p` of the one-key distribution table `d`.
fn set_param(d: &mut toml::Value, p: &str, v: &toml::Value) {
    let Some(inner) = d.as_table_mut().and_then(|t| t.iter_mut().next().map(|(_, v)| v)) else { return };
    match (p, inner) {
        ("mean", inner) => *inner = v.clone(),
        ("low" | "high", toml::Value::Array(pair)) if pair.len() == 2 => pair[usize::from(p == "high")] = v.clone(),
        (_, toml::Value::Table(t)) => {
            t.insert(p.to_string(), v.clone());
        }
        _ => {}
    }
}
