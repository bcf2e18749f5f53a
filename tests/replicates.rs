//! Replicates and their intervals: `summary.csv` against a reference computed here by hand, the
//! shipped `sweeps/book-grid.toml`'s summary (a single-channel grid: the seed changes keys and
//! txids only, so every standard deviation is 0), and the error-bar chart of `--chart`.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use paychan::sweep::stats::{self, Role};
use paychan::sweep::{SweepRow, COLUMNS};

/// t(0.975, 4), the two-sided 95% quantile of Student's t with 4 degrees of freedom: 2.776 in
/// the NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2 ("Critical values of the
/// Student's t distribution", ν = 4, α = 0.025); to 17 digits as R's `qt(0.975, 4)` prints it.
const T_0975_4: f64 = 2.7764451051977987;

/// t(0.975, 1) = tan(π/2 · 0.95) (Student's t with one degree of freedom is the Cauchy): 12.706 in
/// the same table.
fn t_0975_1() -> f64 {
    (std::f64::consts::FRAC_PI_2 * 0.95).tan()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// A sweep table of two combinations (capacity 100 and 200), written in point order with the
/// seeds innermost, as a grid writes it.
fn table(rows: &[(u64, u64, &str, &str, &str)]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["point", "scenario", "seed", "capacity_sat", "payee_sat", "exhausted", "settlement_txid"];
    let records = rows
        .iter()
        .enumerate()
        .map(|(i, (seed, capacity, payee, exhausted, txid))| {
            let cells = [i.to_string(), "s".into(), seed.to_string(), capacity.to_string()];
            cells.into_iter().chain([payee.to_string(), exhausted.to_string(), txid.to_string()]).collect()
        })
        .collect();
    (header.map(String::from).to_vec(), records)
}

#[test]
fn the_quantile_is_the_tables() {
    assert!(close(stats::t975(4), T_0975_4), "{}", stats::t975(4));
    assert!(close(stats::t975(1), t_0975_1()), "{}", stats::t975(1));
    // R's qt(0.975, df) to 9 decimals (the same table has them to 3: 2.228, 2.042, 1.984, 1.962).
    for (df, t) in [(10, 2.228138852), (30, 2.042272456), (100, 1.983971519), (1000, 1.962339081)] {
        assert!((stats::t975(df) - t).abs() < 1e-9, "t(0.975, {df}) = {}, not {t}", stats::t975(df));
    }
}

#[test]
fn five_replicates_give_the_mean_sd_and_interval_computed_by_hand() {
    // Capacity 100: five seeds with payee 10, 12, 9, 11, 13 (mean 11, squared deviations
    // 1 + 1 + 4 + 0 + 4 = 10, variance 10/4); capacity 200: one seed, an empty payee cell.
    let (header, records) = table(&[
        (1, 100, "10", "true", "aa"),
        (2, 100, "12", "false", "bb"),
        (3, 100, "9", "true", "cc"),
        (4, 100, "11", "false", "dd"),
        (5, 100, "13", "false", "ee"),
        (1, 200, "", "true", "ff"),
        (2, 200, "40", "true", "00"),
    ]);
    let summary = stats::summarize(&header, &records).unwrap();
    assert_eq!(summary.axis_columns, [("capacity_sat".to_string(), "capacity".to_string())]);
    assert_eq!(summary.metrics, ["payee_sat", "exhausted"], "the txid is not a metric, nor the seed");
    let payee = &summary.rows[0];
    assert_eq!(
        (payee.key.as_slice(), payee.metric.as_str(), payee.seeds.as_str()),
        (&["100".to_string()][..], "payee_sat", "1-5")
    );
    let s = payee.stats;
    let sd = (10.0_f64 / 4.0).sqrt();
    let half = T_0975_4 * sd / 5.0_f64.sqrt();
    assert_eq!(s.n, 5);
    assert!(close(s.mean.unwrap(), 11.0));
    assert!(close(s.sd.unwrap(), sd), "{:?}", s.sd);
    let (low, high) = s.ci95.unwrap();
    assert!(close(low, 11.0 - half) && close(high, 11.0 + half), "{low} {high}, half {half}");
    // A boolean's mean is the share of replicates: 2 of 5 ran dry.
    let share = &summary.rows[1].stats;
    assert!(close(share.mean.unwrap(), 0.4), "{share:?}");
    // One number for capacity 200 (the empty cell is not counted): no sd, no interval.
    let one = &summary.rows[2].stats;
    assert_eq!((one.n, one.mean, one.sd, one.ci95), (1, Some(40.0), None, None));
    assert_eq!(summary.rows.len(), 4);

    let dir = tempfile::tempdir().unwrap();
    let written = stats::write_summary(&summary, dir.path()).unwrap();
    let text = fs::read_to_string(written).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "capacity_sat,metric,n,mean,sd,ci95_low,ci95_high,seeds");
    assert_eq!(lines[1], format!("100,payee_sat,5,11.000000,{sd:.6},{:.6},{:.6},1-5", 11.0 - half, 11.0 + half));
    assert_eq!(lines[3], "200,payee_sat,1,40.000000,,,,1-2", "n = 1: empty cells, not NaN");
    assert!(!text.contains("NaN") && !text.contains("inf"));
}

#[test]
fn every_column_of_the_table_has_a_role() {
    // The axes are the grid's, the seed replicates, the rest are outcomes or identify a row.
    let role = |c: &str| stats::role(c);
    assert_eq!(role("seed"), Role::Replicate);
    assert_eq!(role("rate_sat_per_s"), Role::Axis("rate".into()));
    assert_eq!(role("fee_rate_sat_per_vb"), Role::Axis("fee_rate".into()));
    assert_eq!(role("fee_sat"), Role::Metric, "fee_sat is not the fee_rate axis");
    assert_eq!(role("settlement_txid"), Role::Identity);
    let metrics = stats::metric_columns();
    assert!(metrics.iter().all(|m| COLUMNS.contains(m)) && metrics.contains(&"payee_sat"));
}

fn sweep(out: &Path, extra: &[&str]) {
    let mut args = vec!["sweep", "sweeps/book-grid.toml", "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    let o = paychan(&args);
    assert!(o.status.success(), "paychan {args:?}:\n{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_book_grids_seeds_change_no_outcome_and_its_chart_is_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("book-grid");
    sweep(&out, &["--chart", "payee_sat", "--by", "rate"]);
    let rows: Vec<SweepRow> =
        csv::Reader::from_path(out.join("sweep.csv")).unwrap().deserialize().collect::<Result<_, _>>().unwrap();
    let mut summary = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let header: Vec<String> = summary.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "design",
            "rate_sat_per_s",
            "capacity_sat",
            "fee_rate_sat_per_vb",
            "metric",
            "n",
            "mean",
            "sd",
            "ci95_low",
            "ci95_high",
            "seeds"
        ]
    );
    let records: Vec<csv::StringRecord> = summary.records().collect::<Result<_, _>>().unwrap();
    // 3 rates × 2 capacities × 2 fee rates, 7 numeric outcomes each.
    assert_eq!(records.len(), 12 * stats::metric_columns().len());
    for r in &records {
        assert_eq!((&r[5], &r[7], &r[10]), ("2", "0.000000", "1-2"), "{r:?}");
        assert!(r[6] == r[8] && r[6] == r[9], "sd 0: the interval is the mean: {r:?}");
    }
    // Each payee_sat mean is the pair of seeds' own value, which is the same for both.
    for pair in rows.chunks(2) {
        assert_eq!(pair[0].payee_sat, pair[1].payee_sat, "the seed changed an outcome: {pair:?}");
        assert_ne!(pair[0].settlement_txid, pair[1].settlement_txid, "the seed changes the keys");
        let rate = pair[0].rate_sat_per_s.unwrap().to_string();
        let (capacity, fee) = (pair[0].capacity_sat.to_string(), pair[0].fee_rate_sat_per_vb.clone());
        let r = records
            .iter()
            .find(|r| r[1] == rate && r[2] == capacity && r[3] == fee && &r[4] == "payee_sat")
            .expect("a summary row for each combination");
        assert_eq!(r[6], format!("{}.000000", pair[0].payee_sat));
    }
    let png = out.join("payee_sat-by-rate.png");
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(&png).unwrap()));
    let info = decoder.read_info().unwrap().info().clone();
    assert_eq!((info.width, info.height), (1280, 720));
    let svg = fs::read_to_string(out.join("payee_sat-by-rate.svg")).unwrap();
    assert!(
        svg.contains("payee_sat by rate") && svg.contains("every sd is 0"),
        "the chart says the seeds did not vary"
    );
    // The same bytes on one thread, and without the chart the same summary.
    let again = dir.path().join("again");
    sweep(&again, &["--threads", "1"]);
    assert!(fs::read(again.join("summary.csv")).unwrap() == fs::read(out.join("summary.csv")).unwrap());
    assert!(!again.join("payee_sat-by-rate.png").exists());
}

#[test]
fn a_merge_of_three_shards_writes_the_whole_sweeps_summary_and_chart_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, parts, merged) = (dir.path().join("whole"), dir.path().join("parts"), dir.path().join("merged"));
    let chart = ["--chart", "exhausted", "--by", "capacity"];
    sweep(&whole, &chart);
    for k in 0..3 {
        sweep(&parts, &["--shard", &format!("{k}/3")]);
    }
    let mut args = vec!["merge", parts.to_str().unwrap(), "--out", merged.to_str().unwrap()];
    args.extend_from_slice(&chart);
    let o = paychan(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for file in ["summary.csv", "exhausted-by-capacity.png", "exhausted-by-capacity.svg"] {
        assert!(fs::read(whole.join(file)).unwrap() == fs::read(merged.join(file)).unwrap(), "{file} differs");
    }
    // A bad --by is refused before the parts are read: exit 2, nothing written.
    let bad = dir.path().join("bad");
    let o = paychan(&[
        "merge",
        parts.to_str().unwrap(),
        "--out",
        bad.to_str().unwrap(),
        "--chart",
        "payee_sat",
        "--by",
        "seed",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--by seed: the seed is the replicate axis"));
    assert!(!bad.exists());
}
