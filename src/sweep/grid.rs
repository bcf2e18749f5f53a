//! Grid files: which values a sweep varies, read and checked at the edge like a scenario.
//!
//! A grid names a base scenario and lists the values to try for a few of its fields. Every point
//! of the grid is the base scenario's own text with those values written over the base's (byte
//! spans from the TOML parser), then validated by [`Scenario::from_toml`], so a grid point is
//! checked exactly as a scenario file would be, and an error in a line the grid did not touch
//! still points at the right line of the base. Errors are [`ScenarioError`]s: file, line, column,
//! field and value, the same words and format as the scenario's own.

use std::ops::Range;
use std::path::{Path, PathBuf};

use bitcoin::hashes::{sha256, Hash};
use serde::Deserialize;
use toml::Spanned;

use crate::scenario::{self, line_col, Scenario, ScenarioError};

pub(crate) mod axes;

pub use axes::keys as audience_keys;

/// The channel designs a grid may name, in the order they are listed in errors: the registry's
/// ([`crate::party::DESIGNS`]), so a design added there can be swept at once. A point's design is
/// written into the base scenario's `design` field.
pub fn designs() -> Vec<&'static str> {
    crate::party::DESIGNS.iter().map(|r| r.name).collect()
}

/// The design of a base scenario that has no `design` field: the registry's first, the book's
/// channel.
pub fn default_design() -> &'static str {
    crate::party::DESIGNS[0].name
}

/// The most points one grid may have: beyond it a typo ("to = 1000000000") is far likelier than a
/// wish, and every point is validated before the sweep starts.
pub const MAX_POINTS: u64 = 10_000_000;

/// The axes of a grid in the order of the cartesian product, outermost first: the point index
/// is `(((((design·F + fee_rate)·C + capacity)·R + rate)·A + audience)·S + seed)`, so the seeds of
/// one combination are neighbours; `audience` is the index over a grid's `[audience]` axes (an
/// audience base), themselves in [`audience_keys`] order, outermost first.
pub const AXES: [&str; 5] = ["design", "fee_rate", "capacity", "rate", "seed"];

/// A validated grid over a base scenario.
#[derive(Debug, Clone)]
pub struct Grid {
    /// The grid file.
    pub path: PathBuf,
    /// The base scenario file (resolved against the grid's folder).
    pub base_path: PathBuf,
    /// The base exactly as the grid names it (`base = "..."`).
    pub base_name: String,
    /// The validated base scenario.
    pub base: Scenario,
    /// SHA-256 of the grid file's bytes, hex.
    pub grid_sha256: String,
    /// SHA-256 of the base scenario's bytes, hex.
    pub base_sha256: String,
    text: String,
    base_text: String,
    base_spans: BaseSpans,
    base_span: Range<usize>,
    design: Axis,
    fee_rate: Axis,
    capacity: Axis,
    rate: Axis,
    audience: Vec<axes::AudienceAxis>,
    seed: Seeds,
}

/// One point of a grid: its index and the value chosen on each axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// Index in the cartesian product, from 0 (see [`AXES`] for the order).
    pub index: u64,
    /// Index into the design, fee_rate, capacity and rate values (0 when an axis is not varied).
    choice: [usize; 4],
    /// Index over the audience axes (0 when there are none).
    audience: u64,
    /// The seed.
    pub seed: u64,
}

/// One varied string axis: the values as written, with their spans in the grid file.
#[derive(Debug, Clone, Default)]
struct Axis {
    values: Vec<Spanned<String>>,
}

impl Axis {
    fn len(&self) -> u64 {
        (self.values.len() as u64).max(1)
    }

    fn get(&self, i: usize) -> Option<&Spanned<String>> {
        self.values.get(i)
    }
}

/// The seed axis: the base's seed, a list, or an inclusive range.
#[derive(Debug, Clone)]
enum Seeds {
    Base(u64),
    List(Vec<u64>, Range<usize>),
    Range(u64, u64, Range<usize>),
}

impl Seeds {
    fn len(&self) -> u64 {
        match self {
            Seeds::Base(_) => 1,
            Seeds::List(v, _) => v.len() as u64,
            Seeds::Range(from, to, _) => to - from + 1,
        }
    }

    fn get(&self, i: u64) -> u64 {
        match self {
            Seeds::Base(s) => *s,
            Seeds::List(v, _) => v[usize::try_from(i).expect("a list index fits in usize")],
            Seeds::Range(from, _, _) => from + i,
        }
    }

    fn span(&self) -> Option<Range<usize>> {
        match self {
            Seeds::Base(_) => None,
            Seeds::List(_, s) | Seeds::Range(_, _, s) => Some(s.clone()),
        }
    }
}

/// The grid file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    base: Spanned<String>,
    #[allow(dead_code)] // Free text for the reader of the file.
    description: Option<String>,
    design: Option<Spanned<Vec<Spanned<String>>>>,
    fee_rate: Option<Spanned<Vec<Spanned<String>>>>,
    capacity: Option<Spanned<Vec<Spanned<String>>>>,
    rate: Option<Spanned<Vec<Spanned<String>>>>,
    seed: Option<Spanned<toml::Value>>,
    audience: Option<axes::RawAxes>,
}

/// Where the base scenario's overridable values stand in its text.
#[derive(Debug, Clone, Deserialize)]
struct BaseSpans {
    seed: Spanned<toml::Value>,
    capacity: Option<Spanned<toml::Value>>,
    fee_rate: Spanned<toml::Value>,
    design: Option<Spanned<toml::Value>>,
    #[serde(default)]
    segment: Vec<BaseSegment>,
    audience: Option<axes::BaseAudience>,
}

#[derive(Debug, Clone, Deserialize)]
struct BaseSegment {
    rate: Spanned<toml::Value>,
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256::Hash::hash(bytes).to_string()
}

fn err_at(path: &Path, text: &str, span: Range<usize>, field: &str, problem: impl Into<String>) -> ScenarioError {
    let (line, column) = line_col(text, span.start);
    ScenarioError {
        file: path.to_path_buf(),
        line,
        column,
        field: Some(field.to_string()),
        value: text.get(span).map(str::to_string),
        problem: problem.into(),
    }
}

/// A correct line for a grid field, to show in errors.
fn example(field: &str) -> Option<&'static str> {
    Some(match field {
        "base" => "base = \"book-60s.toml\"",
        "design" => "design = [\"naive\"]",
        "fee_rate" => "fee_rate = [\"1 sat/vB\", \"10 sat/vB\"]",
        "capacity" => "capacity = [\"36 mBTC\", \"100000 sat\"]",
        "rate" => "rate = [\"1000 sat/s\", \"0.02 mBTC/s\"]",
        "seed" => "seed = [1, 2] or seed = { from = 1, to = 100 }",
        "description" => "description = \"a line of text\"",
        "audience" => "[audience] price = [\"5 sat/s\", \"10 sat/s\"] (over an audience scenario)",
        _ => return None,
    })
}

/// Turns a TOML or serde error in a grid file into a [`ScenarioError`] with a grid example.
fn syntax_error(path: &Path, text: &str, e: &toml::de::Error) -> ScenarioError {
    crate::scenario::toml_error(path, text, e, example)
}

/// The axis of `field` in the grid at `path`: its values, each parsed by `parse` into a key that
/// no other value of the list may share; an absent list is the base's value alone.
fn string_axis(
    path: &Path,
    text: &str,
    field: &str,
    axis: Option<Spanned<Vec<Spanned<String>>>>,
    parse: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Axis, ScenarioError> {
    let err = |span: Range<usize>, field: &str, problem: String| err_at(path, text, span, field, problem);
    let Some(list) = axis else { return Ok(Axis::default()) };
    if list.get_ref().is_empty() {
        let ex = example(field).unwrap_or("");
        return Err(err(list.span(), field, format!("the list is empty; give at least one value, e.g. {ex}")));
    }
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (i, v) in list.get_ref().iter().enumerate() {
        let name = format!("{field}[{}]", i + 1);
        let key = parse(v.get_ref()).map_err(|p| err(v.span(), &name, p))?;
        if let Some((_, j)) = seen.iter().find(|(k, _)| *k == key) {
            return Err(err(v.span(), &name, format!("the same value as {field}[{j}]; list each value once")));
        }
        seen.push((key, i + 1));
    }
    Ok(Axis { values: list.into_inner() })
}

/// `s` itself when it names a registered design, else the problem listing the known ones.
fn known_design(s: &str) -> Result<String, String> {
    if designs().contains(&s) {
        Ok(s.to_string())
    } else {
        Err(format!("unknown design \"{s}\"; the known designs are {}", designs().join(", ")))
    }
}

/// Checks that the `base` scenario (named by the grid's `base_field`) can be swept: it has a
/// `design` field when the grid varies the design, and neither an audience nor events.
fn check_base(
    path: &Path,
    text: &str,
    base_field: &Spanned<String>,
    base: &Scenario,
    base_spans: &BaseSpans,
    [design, capacity, rate]: [&Axis; 3],
) -> Result<(), ScenarioError> {
    let err = |span: Range<usize>, field: &str, problem: String| err_at(path, text, span, field, problem);
    let base_name = base_field.get_ref();
    if base_spans.design.is_none() {
        if let Some((i, d)) = design.values.iter().enumerate().find(|(_, v)| v.get_ref() != default_design()) {
            return Err(err(
                d.span(),
                &format!("design[{}]", i + 1),
                format!(
                    "the base scenario {base_name} has no design field to write each point's design into; add \
                     design = \"{}\" to it",
                    default_design()
                ),
            ));
        }
    }
    if !base.events.is_empty() {
        return Err(err(
            base_field.span(),
            "base",
            format!(
                "{base_name} has [[event]] tables; a sweep runs one honest channel per point: sweep a \
                 single-channel scenario without events"
            ),
        ));
    }
    if base.audience.is_some() {
        for (name, axis, what) in [
            ("capacity", capacity, "each viewer's capacity is drawn from its audience.capacity"),
            ("rate", rate, "each viewer pays its audience.price"),
        ] {
            if let Some(v) = axis.values.first() {
                return Err(err(
                    v.span(),
                    &format!("{name}[1]"),
                    format!(
                        "{name} is an axis of a single channel, but the base scenario {base_name} has an [audience]: \
                         {what}; vary it under [audience] in the grid (e.g. [audience] price = [\"5 sat/s\", \
                         \"10 sat/s\"])"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Checks that the grid's points (the product of the axes' lengths `lens`) stay within
/// [`MAX_POINTS`]; the error points at the grid's `base` line, `base_span`.
fn check_size(path: &Path, text: &str, base_span: Range<usize>, lens: &[u64]) -> Result<(), ScenarioError> {
    let mut points: u64 = 1;
    for &n in lens {
        points = points.saturating_mul(n);
    }
    if points > MAX_POINTS {
        return Err(err_at(
            path,
            text,
            base_span,
            "base",
            format!("the grid has {points} points; paychan's limit is {MAX_POINTS}: split it into several grids"),
        ));
    }
    Ok(())
}

impl Grid {
    /// Reads and validates the grid at `path` and its base scenario.
    ///
    /// Every point is validated as a scenario (in parallel on `pool`) before this returns, so a
    /// sweep that starts never meets a bad point.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] naming the file, line, column, field and value: the grid's syntax, an
    /// unknown field, an empty list, a bad range, a value that does not parse, an invalid base,
    /// or the first grid point (in index order) that is not a valid scenario.
    pub fn load(path: &Path, pool: &rayon::ThreadPool) -> Result<Grid, ScenarioError> {
        let whole = |problem: String| ScenarioError {
            file: path.to_path_buf(),
            line: 1,
            column: 1,
            field: None,
            value: None,
            problem,
        };
        let bytes = std::fs::read(path).map_err(|e| whole(format!("cannot read the grid file: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| whole("the grid file is not UTF-8 text".to_string()))?;
        if text.trim().is_empty() {
            return Err(whole(
                "the grid file is empty; a grid needs base = \"scenario.toml\" and at least one list to vary"
                    .to_string(),
            ));
        }
        let raw: RawGrid = toml::from_str(&text).map_err(|e| syntax_error(path, &text, &e))?;
        let grid = Grid::validate(path, text, raw)?;
        grid.check_points(pool)?;
        Ok(grid)
    }

    /// Checks the parsed grid `raw` (the file at `path`, `text`) against its base scenario and
    /// makes it a [`Grid`]; the points themselves are checked by [`Grid::check_points`].
    fn validate(path: &Path, text: String, raw: RawGrid) -> Result<Grid, ScenarioError> {
        let err = |span: Range<usize>, field: &str, problem: String| err_at(path, &text, span, field, problem);

        // The base scenario, relative to the grid's folder, valid on its own.
        let base_name = raw.base.get_ref().clone();
        let base_path = path.parent().unwrap_or(Path::new("")).join(&base_name);
        let base_bytes = std::fs::read(&base_path)
            .map_err(|e| err(raw.base.span(), "base", format!("cannot read {}: {e}", base_path.display())))?;
        let base = Scenario::from_bytes(&base_path, &base_bytes)?;
        let base_text = String::from_utf8(base_bytes).expect("Scenario::from_bytes accepted it as UTF-8");
        // A valid scenario has a seed and a fee rate (the grid writes over them).
        let base_spans: BaseSpans = toml::from_str(&base_text).map_err(|e| {
            err(
                raw.base.span(),
                "base",
                format!("{base_name} cannot be swept: {}; give it seed = N and fee_rate = \"...\"", e.message()),
            )
        })?;

        let design = string_axis(path, &text, "design", raw.design, &known_design)?;
        let fee_rate = string_axis(path, &text, "fee_rate", raw.fee_rate, &|s| {
            scenario::parse_fee_rate(s).map(|r| r.to_sat_per_kwu().to_string())
        })?;
        let capacity = string_axis(path, &text, "capacity", raw.capacity, &|s| {
            scenario::parse_amount(s).map(|(a, _)| a.to_sat().to_string())
        })?;
        let rate =
            string_axis(path, &text, "rate", raw.rate, &|s| scenario::parse_rate(s).map(|a| a.to_sat().to_string()))?;
        let audience = axes::parse(path, &text, raw.audience, base_spans.audience.as_ref(), &base_name)?;
        check_base(path, &text, &raw.base, &base, &base_spans, [&design, &capacity, &rate])?;
        let seed = match raw.seed {
            None => Seeds::Base(base.seed),
            Some(s) => seeds(&s).map_err(|p| err(s.span(), "seed", p))?,
        };
        let mut lens = vec![design.len(), fee_rate.len(), capacity.len(), rate.len(), seed.len()];
        lens.extend(audience.iter().map(|a| a.values.len() as u64));
        check_size(path, &text, raw.base.span(), &lens)?;

        Ok(Grid {
            path: path.to_path_buf(),
            base_path,
            base_name,
            grid_sha256: sha256_hex(text.as_bytes()),
            base_sha256: sha256_hex(base_text.as_bytes()),
            base,
            base_span: raw.base.span(),
            text,
            base_text,
            base_spans,
            design,
            fee_rate,
            capacity,
            rate,
            audience,
            seed,
        })
    }

    /// The number of grid points.
    pub fn len(&self) -> u64 {
        [
            self.design.len(),
            self.fee_rate.len(),
            self.capacity.len(),
            self.rate.len(),
            self.audience_len(),
            self.seed.len(),
        ]
        .iter()
        .product()
    }

    /// The number of combinations of the audience axes (1 when there are none).
    fn audience_len(&self) -> u64 {
        self.audience.iter().map(|a| a.values.len() as u64).product()
    }

    /// Whether the base is an audience scenario: each point a whole audience.
    pub fn is_audience(&self) -> bool {
        self.base.audience.is_some()
    }

    /// The audience axes' names and number of values, in the product's order
    /// (`audience.price`, …): the columns of an audience grid's `sweep.csv` before the totals.
    pub fn audience_axes(&self) -> Vec<(String, u64)> {
        self.audience.iter().map(|a| (a.name(), a.values.len() as u64)).collect()
    }

    /// The values `point` takes on the audience axes, as `sweep.csv` cells (a string's text,
    /// anything else in TOML).
    pub fn audience_cells(&self, point: &Point) -> Vec<String> {
        self.audience.iter().zip(self.audience_choice(point)).map(|(a, i)| axes::cell(a.values[i].get_ref())).collect()
    }

    /// The index of `point`'s value on each audience axis (the first axis outermost).
    fn audience_choice(&self, point: &Point) -> Vec<usize> {
        let mut rest = point.audience;
        let mut choice: Vec<usize> = self
            .audience
            .iter()
            .rev()
            .map(|a| {
                let n = a.values.len() as u64;
                let i = rest % n;
                rest /= n;
                usize::try_from(i).expect("an axis index fits in usize")
            })
            .collect();
        choice.reverse();
        choice
    }

    /// Each axis's name and number of values, in the order of a point's columns; an axis the
    /// grid leaves out counts one value (the base's).
    pub fn axes(&self) -> [(&'static str, u64); 5] {
        [
            ("design", self.design.len()),
            ("fee_rate", self.fee_rate.len()),
            ("capacity", self.capacity.len()),
            ("rate", self.rate.len()),
            ("seed", self.seed.len()),
        ]
    }

    /// Whether the grid has no point (never: every axis has at least one value).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The grid file's name, without its folder (what sidecars record).
    pub fn file_name(&self) -> String {
        self.path.file_name().map_or_else(|| self.path.display().to_string(), |n| n.to_string_lossy().into_owned())
    }

    /// The point with index `index` (below [`Grid::len`]).
    pub fn point(&self, index: u64) -> Point {
        let mut rest = index;
        let mut take = |n: u64| {
            let i = rest % n;
            rest /= n;
            i
        };
        // Innermost first.
        let seed = take(self.seed.len());
        let audience = take(self.audience_len());
        let rate = take(self.rate.len());
        let capacity = take(self.capacity.len());
        let fee_rate = take(self.fee_rate.len());
        let design = take(self.design.len());
        let us = |i: u64| usize::try_from(i).expect("an axis index fits in usize");
        Point { index, choice: [us(design), us(fee_rate), us(capacity), us(rate)], audience, seed: self.seed.get(seed) }
    }

    /// The point's design name.
    pub fn design(&self, point: &Point) -> String {
        match self.design.get(point.choice[0]) {
            Some(d) => d.get_ref().clone(),
            None => match self.base_spans.design.as_ref().map(|d| d.get_ref()) {
                Some(toml::Value::String(s)) => s.clone(),
                _ => default_design().to_string(),
            },
        }
    }

    /// The rate every paying segment of the point has, if they all have one rate.
    pub fn rate_sat_per_s(&self, scenario: &Scenario) -> Option<u64> {
        let mut paying = scenario.segments.iter().filter(|s| !s.is_pause()).map(|s| s.rate_per_s.to_sat());
        let first = paying.next()?;
        paying.all(|r| r == first).then_some(first)
    }

    /// The values a point takes on the axes the grid varies, e.g.
    /// `capacity = "36 mBTC", rate = "1000 sat/s", seed = 2`.
    pub fn describe(&self, point: &Point) -> String {
        let mut parts = Vec::new();
        for (name, axis, i) in [
            ("design", &self.design, point.choice[0]),
            ("fee_rate", &self.fee_rate, point.choice[1]),
            ("capacity", &self.capacity, point.choice[2]),
            ("rate", &self.rate, point.choice[3]),
        ] {
            if let Some(v) = axis.get(i) {
                parts.push(format!("{name} = {}", quote(v.get_ref())));
            }
        }
        for (a, i) in self.audience.iter().zip(self.audience_choice(point)) {
            parts.push(format!("{} = {}", a.name(), a.values[i].get_ref()));
        }
        if !matches!(self.seed, Seeds::Base(_)) {
            parts.push(format!("seed = {}", point.seed));
        }
        parts.join(", ")
    }

    /// The point's scenario text: the base's text with the point's values written over it.
    pub fn scenario_text(&self, point: &Point) -> String {
        let choice: Vec<Option<usize>> = self.audience_choice(point).into_iter().map(Some).collect();
        self.text_with(point, &choice)
    }

    /// The point's scenario text with the audience values `choice` (`None`: the base's).
    fn text_with(&self, point: &Point, choice: &[Option<usize>]) -> String {
        let b = &self.base_spans;
        let mut edits: Vec<(Range<usize>, String)> = vec![(b.seed.span(), point.seed.to_string())];
        if let Some(v) = self.fee_rate.get(point.choice[1]) {
            edits.push((b.fee_rate.span(), quote(v.get_ref())));
        }
        if let (Some(v), Some(c)) = (self.capacity.get(point.choice[2]), &b.capacity) {
            edits.push((c.span(), quote(v.get_ref())));
        }
        if let Some(base) = &b.audience {
            edits.extend(axes::edits(&self.audience, choice, base));
        }
        if let Some(v) = self.rate.get(point.choice[3]) {
            for (seg, raw) in self.base.segments.iter().zip(&b.segment) {
                if !seg.is_pause() {
                    edits.push((raw.rate.span(), quote(v.get_ref())));
                }
            }
        }
        if let (Some(v), Some(d)) = (self.design.get(point.choice[0]), &b.design) {
            edits.push((d.span(), quote(v.get_ref())));
        }
        edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
        let mut text = self.base_text.clone();
        for (span, value) in edits {
            text.replace_range(span, &value);
        }
        text
    }

    /// Builds and validates the point's scenario.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] at the grid value that makes the point invalid (or at `base` when the
    /// fault is in a field the grid does not vary), naming the point and its values.
    pub fn scenario(&self, point: &Point) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml(&self.base_path, &self.scenario_text(point)).map_err(|e| self.point_error(point, e))
    }

    fn point_error(&self, point: &Point, e: ScenarioError) -> ScenarioError {
        let choice: Vec<Option<usize>> = self.audience_choice(point).into_iter().map(Some).collect();
        let what = format!("grid point {} ({}) is not a valid scenario", point.index, self.describe(point));
        self.error_at(point, &choice, &what, e)
    }

    /// The error `e` of `point` with the audience values `choice`, at the grid value to blame.
    fn error_at(&self, point: &Point, choice: &[Option<usize>], what: &str, e: ScenarioError) -> ScenarioError {
        let field = e.field.clone().unwrap_or_default();
        let axis = |axis: &Axis, i: usize| axis.get(i).map(Spanned::span);
        let audience = self.audience.iter().zip(choice).find_map(|(a, c)| match c {
            Some(c) if a.writes(&field) => Some((a.name(), a.values[*c].span())),
            _ => None,
        });
        if let Some((name, span)) = audience {
            let (line, column) = line_col(&self.text, span.start);
            return ScenarioError {
                file: self.path.clone(),
                line,
                column,
                field: Some(name),
                value: Some(self.text[span].to_string()),
                problem: format!("{what}: {}", e.problem),
            };
        }
        let span = match field.as_str() {
            "design" => axis(&self.design, point.choice[0]),
            "fee_rate" => axis(&self.fee_rate, point.choice[1]),
            "capacity" => axis(&self.capacity, point.choice[2]),
            f if f.starts_with("segment[") && f.ends_with("].rate") => axis(&self.rate, point.choice[3]),
            "seed" => self.seed.span(),
            _ => None,
        };
        match span {
            Some(span) => {
                let (name, value) = match field.as_str() {
                    "seed" => ("seed".to_string(), point.seed.to_string()),
                    f if f.starts_with("segment[") => ("rate".to_string(), self.text[span.clone()].to_string()),
                    f => (f.to_string(), self.text[span.clone()].to_string()),
                };
                let (line, column) = line_col(&self.text, span.start);
                ScenarioError {
                    file: self.path.clone(),
                    line,
                    column,
                    field: Some(name),
                    value: Some(value),
                    problem: format!("{what}: {}", e.problem),
                }
            }
            None => err_at(&self.path, &self.text, self.base_span.clone(), "base", format!("{what}: {e}")),
        }
    }

    /// Validates every point, in parallel; the error is the first invalid point by index.
    fn check_points(&self, pool: &rayon::ThreadPool) -> Result<(), ScenarioError> {
        use rayon::prelude::*;
        self.check_audience_values()?;
        let first_bad = pool.install(|| {
            (0..self.len()).into_par_iter().map(|i| self.scenario(&self.point(i))).find_first(Result::is_err)
        });
        match first_bad {
            Some(Err(e)) => Err(e),
            _ => Ok(()),
        }
    }
}

impl Grid {
    /// Validates each audience axis's values one at a time over the base (the other axes at the
    /// base's values), so a bad value is blamed on its own axis even when another axis varies the
    /// same field (`watch_median` beside `watch_sigma`).
    fn check_audience_values(&self) -> Result<(), ScenarioError> {
        let first = self.point(0);
        for (i, axis) in self.audience.iter().enumerate() {
            for j in 0..axis.values.len() {
                let mut choice = vec![None; self.audience.len()];
                choice[i] = Some(j);
                let text = self.text_with(&first, &choice);
                if let Err(e) = Scenario::from_toml(&self.base_path, &text) {
                    let what = format!(
                        "{}[{}] = {} over the base's other values is not a valid scenario",
                        axis.name(),
                        j + 1,
                        axis.values[j].get_ref()
                    );
                    let mut e = self.error_at(&first, &choice, &what, e);
                    if e.field.as_deref() == Some(axis.name().as_str()) {
                        e.field = Some(format!("{}[{}]", axis.name(), j + 1));
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

/// A TOML basic string of `s`.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Reads the seed axis: a whole number, a list of them, or `{ from = A, to = B }` (inclusive).
fn seeds(value: &Spanned<toml::Value>) -> Result<Seeds, String> {
    const MAX: i64 = i64::MAX;
    let one = |v: &toml::Value| -> Result<u64, String> {
        match v {
            toml::Value::Integer(i) if *i >= 0 => Ok(u64::try_from(*i).expect("non-negative")),
            toml::Value::Integer(i) => {
                Err(format!("the seed {i} is negative; seeds are whole numbers from 0 to {MAX}"))
            }
            other => Err(format!("{other} is not a seed; seeds are whole numbers from 0 to {MAX}")),
        }
    };
    let span = value.span();
    match value.get_ref() {
        toml::Value::Integer(_) => Ok(Seeds::List(vec![one(value.get_ref())?], span)),
        toml::Value::Array(list) => {
            if list.is_empty() {
                return Err("the list is empty; give at least one seed, e.g. seed = [1, 2]".to_string());
            }
            let list = list.iter().map(one).collect::<Result<Vec<_>, _>>()?;
            for (i, s) in list.iter().enumerate() {
                if list[..i].contains(s) {
                    return Err(format!("the seed {s} is listed twice; list each seed once"));
                }
            }
            Ok(Seeds::List(list, span))
        }
        toml::Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| !matches!(k.as_str(), "from" | "to")) {
                return Err(format!("unknown key \"{k}\" in a seed range; write seed = {{ from = 1, to = 100 }}"));
            }
            let get = |k: &str| {
                t.get(k).ok_or_else(|| {
                    "a seed range needs both from and to, e.g. seed = { from = 1, to = 100 }".to_string()
                })
            };
            let (from, to) = (one(get("from")?)?, one(get("to")?)?);
            if from > to {
                return Err(format!(
                    "the range runs backwards (from {from} is above to {to}); write the smaller seed in from"
                ));
            }
            Ok(Seeds::Range(from, to, span))
        }
        _ => {
            Err("write a list of seeds such as seed = [1, 2] or a range such as seed = { from = 1, to = 100 }"
                .to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Grid {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("one thread");
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sweep/tiny-grid.toml");
        Grid::load(&path, &pool).expect("the test grid is valid")
    }

    #[test]
    fn points_are_numbered_seed_innermost_then_rate_then_capacity() {
        let g = tiny();
        assert_eq!(g.len(), 8);
        let p5 = g.point(5);
        assert_eq!(p5.seed, 8);
        assert_eq!(g.describe(&p5), "capacity = \"10000 sat\", rate = \"1000 sat/s\", seed = 8");
        assert_eq!(g.describe(&g.point(2)), "capacity = \"36 mBTC\", rate = \"1500 sat/s\", seed = 7");
    }

    #[test]
    fn a_point_is_the_base_text_with_its_values_written_in_and_pauses_kept() {
        let g = tiny();
        let text = g.scenario_text(&g.point(6));
        let base = std::fs::read_to_string(&g.base_path).unwrap();
        let expected = base
            .replace("seed = 1", "seed = 7")
            .replace("capacity = \"36 mBTC\"", "capacity = \"10000 sat\"")
            .replace("rate = \"0.01 mBTC/s\"", "rate = \"1500 sat/s\"");
        assert_eq!(text, expected);
        assert!(text.contains("rate = \"0 sat/s\""), "the pause stays a pause");
        let s = g.scenario(&g.point(6)).unwrap();
        assert_eq!((s.seed, s.capacity.to_sat(), s.segments[1].rate_per_s.to_sat()), (7, 10_000, 0));
        assert_eq!(g.rate_sat_per_s(&s), Some(1_500));
        assert_eq!(g.design(&g.point(6)), "naive");
    }
}
