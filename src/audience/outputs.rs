//! What an audience run leaves for an analyst: `channels.csv` (one row per viewer),
//! `timeline.csv` (one row per minute), `summary.json` and three charts.
//!
//! Rows arrive in viewer order and go straight to `channels.csv`; nothing per viewer is kept but
//! fixed-size aggregates: per-minute counters (as long as the day, not as wide as the audience)
//! and two histograms with a fixed number of bins. Every row carries the scenario's name and
//! seed; the files have a plain header and no comment, so pandas and polars read them as is.
//! The files live in the run's staging folder, which replaces `output/<name>/` only when
//! everything is written.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use bitcoin::hashes::{sha256, Hash};
use serde::Serialize;

use super::{charts, Audience, Quantity, ViewerResult};
use crate::output::OutputError;
use crate::scenario::Scenario;

/// The files of an audience run, in the order they are listed to the user.
pub const FILES: [&str; 9] = [
    "channels.csv",
    "timeline.csv",
    "summary.json",
    "revenue.png",
    "revenue.svg",
    "watch.png",
    "watch.svg",
    "capacity.png",
    "capacity.svg",
];

/// One viewer's channel: one row of `channels.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ChannelRow {
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's seed.
    pub seed: u64,
    /// The viewer's index, from 0.
    pub viewer: u64,
    /// The seed of the viewer's channel (its keys and txids).
    pub channel_seed: u64,
    /// Second of the day the channel opens.
    pub arrival_s: u64,
    /// The channel's capacity.
    pub capacity_sat: u64,
    /// The viewer's price of one second.
    pub rate_sat_per_s: u64,
    /// How long the viewer wanted to watch.
    pub watch_s: u64,
    /// Seconds of video paid for.
    pub seconds_watched: u64,
    /// The payee's output in the settlement.
    pub paid_sat: u64,
    /// The viewer's refund in the settlement.
    pub refunded_sat: u64,
    /// The funding fee plus the settlement's fee (dust left out included).
    pub fees_sat: u64,
    /// Commitments signed by both parties.
    pub commitments: u64,
    /// "stopped" (the viewer stopped watching) or "exhausted" (the channel ran dry).
    pub end: String,
    /// Second of the day the channel settles.
    pub closed_s: u64,
    /// The settlement transaction's txid.
    pub settlement_txid: String,
}

/// The columns of `channels.csv`, in order.
pub const CHANNEL_COLUMNS: [&str; 16] = [
    "scenario",
    "seed",
    "viewer",
    "channel_seed",
    "arrival_s",
    "capacity_sat",
    "rate_sat_per_s",
    "watch_s",
    "seconds_watched",
    "paid_sat",
    "refunded_sat",
    "fees_sat",
    "commitments",
    "end",
    "closed_s",
    "settlement_txid",
];

/// The columns of `timeline.csv`, in order.
pub const TIMELINE_COLUMNS: [&str; 8] =
    ["scenario", "seed", "minute", "active_channels", "revenue_sat", "onchain_fees_sat", "opened", "closed"];

/// One minute of the day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Minute {
    /// Change in open channels at this minute's start (opened here minus closed the minute before).
    delta_active: i64,
    /// What the payees gained from commitments signed in this minute.
    pub revenue_sat: u64,
    /// Funding fees of channels opened and settlement fees of channels closed in this minute.
    pub onchain_fees_sat: u64,
    /// Channels opened in this minute.
    pub opened: u64,
    /// Channels settled in this minute.
    pub closed: u64,
}

/// A histogram of whole numbers with at most [`Histogram::BINS`] bins, whose width doubles when
/// a value falls past the last, so its size never grows; the result depends only on the values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    /// The width of a bin.
    pub width: u64,
    /// Counts, bin `i` holding `[i·width, (i+1)·width)`.
    pub counts: Vec<u64>,
}

impl Histogram {
    /// Bins at most.
    pub const BINS: usize = 48;

    /// An empty histogram whose bins start `width` wide.
    pub fn new(width: u64) -> Histogram {
        Histogram { width: width.max(1), counts: vec![0; Histogram::BINS] }
    }

    /// Counts `v`.
    pub fn add(&mut self, v: u64) {
        while v / self.width >= Histogram::BINS as u64 {
            let merged: Vec<u64> = self.counts.chunks(2).map(|p| p.iter().sum()).collect();
            self.counts = merged;
            self.counts.resize(Histogram::BINS, 0);
            self.width = self.width.saturating_mul(2);
        }
        self.counts[(v / self.width) as usize] += 1;
    }

    /// The bins up to the last that holds a value.
    pub fn used(&self) -> &[u64] {
        let end = self.counts.iter().rposition(|&c| c > 0).map_or(0, |i| i + 1);
        &self.counts[..end]
    }
}

/// Totals over every channel of an audience.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Viewers, each one channel.
    pub viewers: u64,
    /// Commitments signed over all channels.
    pub commitments: u64,
    /// Seconds of video paid for.
    pub seconds_watched: u64,
    /// What the payee was paid.
    pub paid_sat: u64,
    /// What the viewers got back.
    pub refunded_sat: u64,
    /// Funding and settlement fees.
    pub fees_sat: u64,
    /// Funding fees alone.
    pub funding_fees_sat: u64,
    /// Settlement fees alone (dust left out included).
    pub settlement_fees_sat: u64,
    /// Channels that ran dry before the viewer stopped.
    pub exhausted: u64,
    /// Minutes in `timeline.csv`.
    pub minutes: u64,
}

/// `summary.json` of an audience run.
#[derive(Debug, Clone, Serialize)]
struct AudienceSummary<'a> {
    format: &'static str,
    scenario: &'a str,
    seed: u64,
    network: &'static str,
    design: &'static str,
    fee_rate: String,
    interval_s: u64,
    arrivals: String,
    watch: String,
    capacity: String,
    price: String,
    totals: &'a Totals,
    viewers_logged: u64,
    channels_csv_sha256: String,
    timeline_csv_sha256: String,
}

/// The files of an audience run being written, viewer by viewer.
pub struct AudienceWriter {
    dir: PathBuf,
    channels: csv::Writer<BufWriter<File>>,
    minutes: Vec<Minute>,
    watched: Histogram,
    /// Percent of the capacity paid to the payee, stopped and exhausted channels apart.
    used_stopped: Vec<u64>,
    used_exhausted: Vec<u64>,
    totals: Totals,
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> OutputError + '_ {
    move |source| OutputError::Csv { path: path.to_path_buf(), source }
}

impl AudienceWriter {
    /// Starts `channels.csv` in `dir`.
    ///
    /// # Errors
    ///
    /// [`OutputError`] when the file cannot be created.
    pub fn create(dir: &Path, scenario: &Scenario) -> Result<AudienceWriter, OutputError> {
        let path = dir.join("channels.csv");
        let file = File::create(&path).map_err(crate::output::io_err(&path))?;
        let mut channels = csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::new(file));
        channels.write_record(CHANNEL_COLUMNS).map_err(csv_err(&path))?;
        Ok(AudienceWriter {
            dir: dir.to_path_buf(),
            channels,
            minutes: Vec::new(),
            watched: Histogram::new(60 * scenario.interval_s.max(1)),
            used_stopped: vec![0; 20],
            used_exhausted: vec![0; 20],
            totals: Totals::default(),
        })
    }

    fn minute(&mut self, m: u64) -> &mut Minute {
        let m = m as usize;
        if self.minutes.len() <= m + 1 {
            self.minutes.resize(m + 2, Minute::default());
        }
        &mut self.minutes[m]
    }

    /// Appends the next viewer's row and adds it to the aggregates.
    ///
    /// # Errors
    ///
    /// [`OutputError::Csv`] when the row cannot be written.
    pub fn append(&mut self, r: &ViewerResult) -> Result<(), OutputError> {
        let row = &r.row;
        let path = self.dir.join("channels.csv");
        self.channels.serialize(row).map_err(csv_err(&path))?;
        let (open_m, close_m) = (row.arrival_s / 60, row.closed_s / 60);
        {
            let m = self.minute(open_m);
            m.opened += 1;
            m.delta_active += 1;
            m.onchain_fees_sat += r.funding_fee_sat;
        }
        {
            let m = self.minute(close_m);
            m.closed += 1;
            m.onchain_fees_sat += r.settlement_fee_sat;
        }
        // Open during some part of every minute from its opening's to its closing's.
        self.minute(close_m + 1).delta_active -= 1;
        for (i, &revenue) in r.revenue_by_minute.iter().enumerate() {
            self.minute(open_m + i as u64).revenue_sat += revenue;
        }
        self.watched.add(row.seconds_watched);
        let share = (u128::from(row.paid_sat) * 100 / u128::from(row.capacity_sat.max(1))).min(99) as usize / 5;
        if row.end == "exhausted" {
            self.used_exhausted[share] += 1;
            self.totals.exhausted += 1;
        } else {
            self.used_stopped[share] += 1;
        }
        let t = &mut self.totals;
        t.viewers += 1;
        t.commitments += row.commitments;
        t.seconds_watched += row.seconds_watched;
        t.paid_sat += row.paid_sat;
        t.refunded_sat += row.refunded_sat;
        t.fees_sat += row.fees_sat;
        t.funding_fees_sat += r.funding_fee_sat;
        t.settlement_fees_sat += r.settlement_fee_sat;
        Ok(())
    }

    /// Finishes `channels.csv`, writes `timeline.csv`, `summary.json` and the charts.
    ///
    /// # Errors
    ///
    /// [`OutputError`] when a file cannot be written or a chart drawn.
    pub fn finish(mut self, scenario: &Scenario, audience: &Audience, logged: u64) -> Result<Totals, OutputError> {
        let channels_path = self.dir.join("channels.csv");
        close_channels(self.channels, &channels_path)?;
        trim_minutes(&mut self.minutes);
        let active = active_by_minute(&self.minutes);
        let timeline_path = self.dir.join("timeline.csv");
        let timeline = timeline_csv(scenario, &self.minutes, &active, &timeline_path)?;
        std::fs::write(&timeline_path, &timeline).map_err(crate::output::io_err(&timeline_path))?;
        self.totals.minutes = self.minutes.len() as u64;
        let channels_sha =
            sha256::Hash::hash(&std::fs::read(&channels_path).map_err(crate::output::io_err(&channels_path))?)
                .to_string();
        let summary = AudienceSummary {
            format: "paychan-audience/1",
            scenario: &scenario.name,
            seed: scenario.seed,
            network: crate::output::network_name(scenario.network),
            design: scenario.design.name(),
            fee_rate: crate::units::format_fee_rate(scenario.fee_rate),
            interval_s: scenario.interval_s,
            arrivals: audience.arrivals.describe(),
            watch: audience.watch.describe(Quantity::Watch),
            capacity: audience.capacity.describe(Quantity::Capacity),
            price: audience.price.describe(Quantity::Price),
            totals: &self.totals,
            viewers_logged: logged,
            channels_csv_sha256: channels_sha,
            timeline_csv_sha256: sha256::Hash::hash(&timeline).to_string(),
        };
        write_summary(&summary, &self.dir.join("summary.json"))?;
        let input = charts::AudienceChart {
            scenario: &scenario.name,
            seed: scenario.seed,
            payee: &scenario.payee,
            unit_name: crate::units::unit_name(scenario.unit),
            sat_per_unit: scenario.sat_per_unit(),
            minutes: &self.minutes,
            active: &active,
            watched: &self.watched,
            used_stopped: &self.used_stopped,
            used_exhausted: &self.used_exhausted,
            totals: &self.totals,
        };
        charts::write_all(&input, &self.dir)?;
        Ok(self.totals)
    }
}

/// Flushes `channels.csv` at `path` and syncs it to disk.
fn close_channels(channels: csv::Writer<BufWriter<File>>, path: &Path) -> Result<(), OutputError> {
    let inner = channels.into_inner().map_err(|e| crate::output::io_err(path)(e.into_error()))?;
    let file = inner.into_inner().map_err(|e| crate::output::io_err(path)(e.into_error()))?;
    file.sync_all().map_err(crate::output::io_err(path))?;
    drop(file);
    Ok(())
}

/// Drops the trailing minutes that hold nothing but the last rows' closing.
fn trim_minutes(minutes: &mut Vec<Minute>) {
    // The last row's "closed the minute before" needs no minute of its own.
    while minutes.len() > 1 && minutes.last().is_some_and(|m| Minute { delta_active: 0, ..*m } == Minute::default()) {
        minutes.pop();
    }
}

/// The channels open during each minute, summing the minutes' changes.
fn active_by_minute(minutes: &[Minute]) -> Vec<u64> {
    minutes
        .iter()
        .scan(0i64, |open, m| {
            *open += m.delta_active;
            Some(u64::try_from(*open).unwrap_or(0))
        })
        .collect()
}

/// The bytes of `timeline.csv` (to be written at `path`): a header, then one row per minute.
fn timeline_csv(scenario: &Scenario, minutes: &[Minute], active: &[u64], path: &Path) -> Result<Vec<u8>, OutputError> {
    let mut timeline = Vec::new();
    {
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(&mut timeline);
        w.write_record(TIMELINE_COLUMNS).map_err(csv_err(path))?;
        for (i, (m, active)) in minutes.iter().zip(active).enumerate() {
            w.write_record([
                scenario.name.clone(),
                scenario.seed.to_string(),
                i.to_string(),
                active.to_string(),
                m.revenue_sat.to_string(),
                m.onchain_fees_sat.to_string(),
                m.opened.to_string(),
                m.closed.to_string(),
            ])
            .map_err(csv_err(path))?;
        }
        w.flush().map_err(crate::output::io_err(path))?;
    }
    Ok(timeline)
}

/// Writes `summary` as pretty JSON with a final newline at `path`.
fn write_summary(summary: &AudienceSummary<'_>, path: &Path) -> Result<(), OutputError> {
    let mut json = serde_json::to_string_pretty(summary).expect("a summary serializes");
    json.push('\n');
    std::fs::write(path, json).map_err(crate::output::io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_merges_bins_whatever_the_order() {
        let values = [5u64, 700, 61, 3_000, 59, 120, 9_999];
        let mut a = Histogram::new(60);
        let mut b = Histogram::new(60);
        values.iter().for_each(|&v| a.add(v));
        values.iter().rev().for_each(|&v| b.add(v));
        assert_eq!(a, b);
        assert_eq!(a.width, 240);
        assert_eq!(a.counts.iter().sum::<u64>(), 7);
        assert_eq!(a.counts.len(), Histogram::BINS);
        assert_eq!(a.counts[0], 4, "5, 59, 61 and 120 fall in the first 240-s bin");
        assert_eq!(a.used().len(), 42, "9,999 s falls in bin 41");
    }
}
