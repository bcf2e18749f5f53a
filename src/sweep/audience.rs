//! A grid point over an audience scenario: the whole audience run in memory, one row of totals.
//!
//! Each point is the audience `paychan run` makes of the point's scenario — every viewer drawn
//! from the point's seed and its channel funded, streamed with every commitment signed by both
//! parties, and settled — through [`crate::audience::run_viewer`], without the per-viewer folders
//! or the audience's files. Viewers run in parallel on the sweep's pool, a bounded chunk at a
//! time; the totals are sums, the same for any thread count. The row is the point's axis values
//! and the audience's totals: counts and satoshis as integers, the exhausted share and the
//! per-viewer figures as fixed decimals computed in integers (rounded half up).

use rayon::prelude::*;

use super::grid::{Grid, Point};
use super::SweepError;
use crate::audience::{run_viewer, AudienceError, Totals, ViewerResult};
use crate::scenario::{format_fee_rate, Scenario};

/// Viewers of one point run between two additions to its totals: enough for every core, few
/// enough that the results in flight stay small.
const VIEWERS_AT_ONCE: usize = 1_024;

/// The columns of an audience grid's `sweep.csv` before its audience axes.
pub const LEAD_COLUMNS: [&str; 5] = ["point", "scenario", "seed", "design", "fee_rate_sat_per_vb"];

/// The columns of an audience grid's `sweep.csv` after its audience axes: the totals.
pub const TOTAL_COLUMNS: [&str; 9] = [
    "viewers",
    "commitments",
    "seconds_watched",
    "paid_sat",
    "refunded_sat",
    "fees_sat",
    "exhausted_share",
    "revenue_per_viewer_sat",
    "fees_per_viewer_sat",
];

/// The header of `grid`'s `sweep.csv` when its base is an audience: [`LEAD_COLUMNS`], one
/// column per audience axis (`audience.price`), [`TOTAL_COLUMNS`].
pub fn columns(grid: &Grid) -> Vec<String> {
    let mut columns: Vec<String> = LEAD_COLUMNS.iter().map(|c| c.to_string()).collect();
    columns.extend(grid.audience_axes().into_iter().map(|(name, _)| name));
    columns.extend(TOTAL_COLUMNS.iter().map(|c| c.to_string()));
    columns
}

/// Whether `header` is an audience grid's (its lead and total columns, axes between).
pub fn is_header(header: &[String]) -> bool {
    let n = LEAD_COLUMNS.len() + TOTAL_COLUMNS.len();
    header.len() >= n
        && header.iter().zip(LEAD_COLUMNS).all(|(h, c)| h == c)
        && header[header.len() - TOTAL_COLUMNS.len()..].iter().zip(TOTAL_COLUMNS).all(|(h, c)| h == c)
        && header[LEAD_COLUMNS.len()..header.len() - TOTAL_COLUMNS.len()].iter().all(|h| h.starts_with("audience."))
}

/// One point of an audience grid: its row of `sweep.csv` and the commitments it signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceRow {
    /// The cells, in [`columns`] order.
    pub cells: Vec<String>,
    /// Commitments signed over every viewer's channel.
    pub commitments: u64,
}

/// Adds one viewer's channel to `t`, as the audience's `summary.json` counts it.
fn add(t: &mut Totals, r: &ViewerResult) {
    let row = &r.row;
    t.viewers += 1;
    t.commitments += row.commitments;
    t.seconds_watched += row.seconds_watched;
    t.paid_sat += row.paid_sat;
    t.refunded_sat += row.refunded_sat;
    t.fees_sat += row.fees_sat;
    t.funding_fees_sat += r.funding_fee_sat;
    t.settlement_fees_sat += r.settlement_fee_sat;
    t.exhausted += u64::from(row.end == "exhausted");
}

/// Runs every viewer of the audience scenario `scenario` (in memory, no file) and returns the
/// totals; viewers run in parallel on the current rayon pool.
///
/// # Errors
///
/// The lowest-indexed viewer's failure.
pub fn totals(scenario: &Scenario) -> Result<Totals, AudienceError> {
    let audience = scenario.audience.as_deref().ok_or_else(|| AudienceError::Usage {
        option: scenario.name.clone(),
        problem: "the scenario has no [audience]".to_string(),
    })?;
    let mut totals = Totals::default();
    let mut arrivals = audience.arrivals.iter(scenario.seed);
    loop {
        let chunk: Vec<(u64, u64)> = arrivals.by_ref().take(VIEWERS_AT_ONCE).collect();
        if chunk.is_empty() {
            return Ok(totals);
        }
        let results: Vec<Result<ViewerResult, AudienceError>> =
            chunk.par_iter().map(|&(k, at)| run_viewer(scenario, audience, k, at, None, false)).collect();
        for r in results {
            add(&mut totals, &r?);
        }
    }
}

/// `num / den` with `places` decimals, rounded half up, in integers; empty when `den` is 0.
pub fn decimal(num: u64, den: u64, places: u32) -> String {
    if den == 0 {
        return String::new();
    }
    let scale = 10u128.pow(places);
    let scaled = (u128::from(num) * scale * 2 + u128::from(den)) / (u128::from(den) * 2);
    let (whole, frac) = (scaled / scale, scaled % scale);
    format!("{whole}.{frac:0width$}", width = places as usize)
}

/// The row of `point` of the audience grid `grid`: the point's audience run and its totals.
///
/// # Errors
///
/// [`SweepError::Input`] when the point is not a valid scenario, [`SweepError::Audience`] when a
/// viewer's channel fails.
pub fn run_row(grid: &Grid, point: &Point) -> Result<AudienceRow, SweepError> {
    let scenario = grid.scenario(point)?;
    let t = totals(&scenario).map_err(|source| SweepError::Audience {
        point: point.index,
        what: grid.describe(point),
        source: Box::new(source),
    })?;
    let mut cells = vec![
        point.index.to_string(),
        scenario.name.clone(),
        scenario.seed.to_string(),
        grid.design(point),
        format_fee_rate(scenario.fee_rate).trim_end_matches(" sat/vB").to_string(),
    ];
    cells.extend(grid.audience_cells(point));
    cells.extend([
        t.viewers.to_string(),
        t.commitments.to_string(),
        t.seconds_watched.to_string(),
        t.paid_sat.to_string(),
        t.refunded_sat.to_string(),
        t.fees_sat.to_string(),
        decimal(t.exhausted, t.viewers, 4),
        decimal(t.paid_sat, t.viewers, 2),
        decimal(t.fees_sat, t.viewers, 2),
    ]);
    Ok(AudienceRow { cells, commitments: t.commitments })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_half_up_in_integers() {
        assert_eq!(decimal(1, 3, 4), "0.3333");
        assert_eq!(decimal(2, 3, 2), "0.67");
        assert_eq!(decimal(5, 1000, 2), "0.01");
        assert_eq!(decimal(4, 1000, 2), "0.00");
        assert_eq!(decimal(40, 20, 4), "2.0000");
        assert_eq!(decimal(u64::MAX, 1, 2), format!("{}.00", u64::MAX));
        assert_eq!(decimal(7, 0, 2), "");
    }

    #[test]
    fn an_audience_header_has_its_lead_axes_and_totals() {
        let h = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let mut ok = h(&LEAD_COLUMNS);
        ok.push("audience.price".into());
        ok.extend(h(&TOTAL_COLUMNS));
        assert!(is_header(&ok));
        assert!(is_header(&[h(&LEAD_COLUMNS), h(&TOTAL_COLUMNS)].concat()));
        ok[5] = "price".into();
        assert!(!is_header(&ok));
        assert!(!is_header(&h(&super::super::COLUMNS)));
    }
}
