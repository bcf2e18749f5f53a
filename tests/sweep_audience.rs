//! Grids over audience scenarios through the real binary: each point is the audience `paychan
//! run` makes of the point's scenario (its totals equal a standalone run's `summary.json`), the
//! sweep is the same bytes sharded and merged or on any thread count, `check` plans the
//! commitments the sweep signs, and every audience axis with a bad value, or an axis of the wrong
//! kind for its base, exits 2 naming the field, writing nothing and never panicking.

mod common;

use std::fs;
use std::path::Path;

use common::*;

const BASE: &str = "sweeps/audience-small.toml";

/// A folder holding the small audience base (as `base.toml`) and the grid `grid` (as
/// `grid.toml`) over it.
fn grid_dir(grid: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(root().join(BASE), dir.path().join("base.toml")).unwrap();
    fs::write(dir.path().join("grid.toml"), format!("base = \"base.toml\"\n{grid}")).unwrap();
    dir
}

const GRID: &str =
    "seed = [1, 2]\n[audience]\nprice = [\"5 sat/s\", \"20 sat/s\"]\nwatch_mean = [\"20 s\", \"40 s\"]\n";

fn sweep(dir: &Path, out: &str, extra: &[&str]) -> std::process::Output {
    let grid = dir.join("grid.toml");
    let out = dir.join(out);
    let mut args = vec!["sweep", grid.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    paychan(&args)
}

fn table(csv: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(csv).unwrap();
    r.records().collect::<Result<_, _>>().unwrap()
}

#[test]
fn each_point_is_the_audience_paychan_run_makes_of_its_scenario() {
    let dir = grid_dir(GRID);
    let o = sweep(dir.path(), "out", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = dir.path().join("out/sweep.csv");
    let header = fs::read_to_string(&csv).unwrap().lines().next().unwrap().to_string();
    assert_eq!(
        header,
        "point,scenario,seed,design,fee_rate_sat_per_vb,audience.watch_mean,audience.price,viewers,commitments,\
         seconds_watched,paid_sat,refunded_sat,fees_sat,exhausted_share,revenue_per_viewer_sat,fees_per_viewer_sat"
    );
    let rows = table(&csv);
    assert_eq!(rows.len(), 8);
    // Seed innermost, then the audience axes in their documented order (watch_mean before price).
    let values: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[6], &r[5], &r[2])).collect();
    assert_eq!(values[..3], [("5 sat/s", "20 s", "1"), ("5 sat/s", "20 s", "2"), ("20 sat/s", "20 s", "1")]);
    assert_eq!(values[7], ("20 sat/s", "40 s", "2"));
    let base = fs::read_to_string(root().join(BASE)).unwrap();
    let mut paid = Vec::new();
    for (point, seed, price, mean) in [(3, 2, "20 sat/s", "20 s"), (4, 1, "5 sat/s", "40 s")] {
        let text = base
            .replace("seed = 1", &format!("seed = {seed}"))
            .replace("price = \"10 sat/s\"", &format!("price = \"{price}\""))
            .replace("exponential = \"40 s\"", &format!("exponential = \"{mean}\""))
            .replace("name = \"audience-small\"", &format!("name = \"point{point}\""));
        assert_ne!(text, base);
        let scenario = dir.path().join(format!("point{point}.toml"));
        fs::write(&scenario, text).unwrap();
        run_ok(scenario.to_str().unwrap(), dir.path());
        let t = &summary(&dir.path().join(format!("point{point}")))["totals"];
        let r = &rows[point];
        let n = |c: &str| t[c].as_u64().unwrap().to_string();
        let got: Vec<&str> = (7..13).map(|i| &r[i]).collect();
        let want = ["viewers", "commitments", "seconds_watched", "paid_sat", "refunded_sat", "fees_sat"].map(n);
        assert_eq!(got, want, "point {point}");
        let viewers = t["viewers"].as_u64().unwrap();
        let share = t["exhausted"].as_u64().unwrap() as f64 / viewers as f64;
        assert!((r[13].parse::<f64>().unwrap() - share).abs() < 5e-5, "point {point}: {} vs {share}", &r[13]);
        let per_viewer = t["paid_sat"].as_u64().unwrap() as f64 / viewers as f64;
        assert!((r[14].parse::<f64>().unwrap() - per_viewer).abs() <= 0.005, "point {point}");
        assert_eq!(r[13].split('.').nth(1).unwrap().len(), 4, "four decimals");
        assert_eq!(r[14].split('.').nth(1).unwrap().len(), 2, "two decimals");
        paid.push(t["paid_sat"].as_u64().unwrap());
    }
    assert_ne!(paid[0], paid[1], "the price and the seed change what Fabian is paid");
    // Over an audience a seed draws other viewers: the two seeds of a combination differ.
    assert_ne!(rows[0][10], rows[1][10], "seeds 1 and 2 of one combination are paid the same");
}

#[test]
fn sharded_merged_and_any_thread_count_give_the_same_bytes() {
    let dir = grid_dir(GRID);
    let whole = sweep(dir.path(), "whole", &["--threads", "2"]);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    let one = sweep(dir.path(), "one", &["--threads", "1"]);
    assert!(one.status.success());
    for k in 0..3 {
        let o = sweep(dir.path(), "parts", &["--shard", &format!("{k}/3")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let parts = dir.path().join("parts");
    let merged = dir.path().join("merged");
    let o = paychan(&["merge", parts.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for file in ["sweep.csv", "sweep.json"] {
        let expected = fs::read(dir.path().join("whole").join(file)).unwrap();
        assert_eq!(fs::read(dir.path().join("one").join(file)).unwrap(), expected, "{file}, 1 thread");
        assert_eq!(fs::read(merged.join(file)).unwrap(), expected, "{file}, merged");
    }
}

#[test]
fn check_plans_the_commitments_the_sweep_signs() {
    let dir = grid_dir(GRID);
    let o = sweep(dir.path(), "out", &[]);
    assert!(o.status.success());
    let rows = table(&dir.path().join("out/sweep.csv"));
    let commitments: u64 = rows.iter().map(|r| r[8].parse::<u64>().unwrap()).sum();
    let viewers: u64 = rows.iter().map(|r| r[7].parse::<u64>().unwrap()).sum();
    let o = paychan(&["check", dir.path().join("grid.toml").to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("8 points over base.toml, each a whole audience"), "{text}");
    assert!(text.contains("audience.watch_mean (2) x audience.price (2) x seed (2)"), "{text}");
    let thousands = |n: u64| paychan::units::thousands(n);
    assert!(
        text.contains(&format!("{} viewers in all, {} commitments", thousands(viewers), thousands(commitments))),
        "{text}"
    );
    assert!(text.contains("they are replicates of the audience"), "{text}");
}

/// Runs `sweep` over `grid` on `base` (the small audience, with `edit` applied to its text) and
/// asserts exit 2, an error naming `field` at the grid file, no output and no panic.
fn refused(base_edit: (&str, &str), grid: &str, field: &str) {
    let dir = grid_dir(grid);
    let base = fs::read_to_string(dir.path().join("base.toml")).unwrap();
    if !base_edit.0.is_empty() {
        assert!(base.contains(base_edit.0), "{base_edit:?}");
        fs::write(dir.path().join("base.toml"), base.replace(base_edit.0, base_edit.1)).unwrap();
    }
    let o = sweep(dir.path(), "out", &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{grid}: {err}");
    assert!(!err.contains("panicked"), "{grid}: {err}");
    assert!(err.contains("grid.toml:") && err.contains(&format!(" {field} = ")), "{grid}: wanted {field}: {err}");
    assert!(!dir.path().join("out").exists(), "{grid}: wrote output");
}

#[test]
fn every_audience_axis_with_a_bad_value_exits_2_naming_the_field() {
    let none = ("", "");
    let lognormal = ("{ exponential = \"40 s\" }", "{ lognormal = { median = \"30 s\", sigma = 1.0 } }");
    let poisson = ("viewers = 30", "arrivals = { poisson = \"30 /h\" }");
    for (edit, grid, field) in [
        (none, "[audience]\nviewers = [30, 0]\n", "audience.viewers[2]"),
        (none, "[audience]\nviewers = [\"ten\"]\n", "audience.viewers[1]"),
        (none, "[audience]\nviewers = [20, 20]\n", "audience.viewers[2]"),
        (none, "[audience]\nviewers = []\n", "audience.viewers"),
        (none, "[audience]\nprice = [\"5 sat/s\", \"0 sat/s\"]\n", "audience.price[2]"),
        (none, "[audience]\nprice = [\"cheap\"]\n", "audience.price[1]"),
        (none, "[audience]\nprice = [{ uniform = [\"9 sat/s\", \"2 sat/s\"] }]\n", "audience.price[1]"),
        (none, "[audience]\nprice = [7]\n", "audience.price[1]"),
        (none, "[audience]\nwatch = [\"0 s\"]\n", "audience.watch[1]"),
        (none, "[audience]\nwatch = [{ normal = \"1 min\" }]\n", "audience.watch[1]"),
        (none, "[audience]\ncapacity = [\"1 sat\"]\n", "audience.capacity[1]"),
        (none, "[audience]\nwatch_mean = [\"20 s\", \"0 s\"]\n", "audience.watch_mean[2]"),
        (none, "[audience]\nwatch_mean = [20]\n", "audience.watch_mean[1]"),
        (none, "[audience]\ncapacity_low = [\"0.05 mBTC\"]\n", "audience.capacity_low[1]"),
        (none, "[audience]\ncapacity_high = [\"lots\"]\n", "audience.capacity_high[1]"),
        (none, "[audience]\ncapacity_low = [\"1 sat\"]\n", "audience.capacity_low[1]"),
        (none, "[audience]\nwatch_median = [\"5 min\"]\n", "audience.watch_median"),
        (none, "[audience]\nprice_mean = [\"5 sat/s\"]\n", "audience.price_mean"),
        (none, "[audience]\narrivals = [\"60 /h\"]\n", "audience.arrivals"),
        (none, "[audience]\ncolour = [\"red\"]\n", "audience.colour"),
        (none, "[audience]\nprice = [\"5 sat/s\"]\nprice_mean = [\"5 sat/s\"]\n", "audience.price_mean"),
        (lognormal, "[audience]\nwatch_sigma = [1.0, 9.0]\n", "audience.watch_sigma[2]"),
        (lognormal, "[audience]\nwatch_median = [\"0 s\"]\n", "audience.watch_median[1]"),
        (lognormal, "[audience]\nwatch_mean = [\"1 min\"]\n", "audience.watch_mean"),
        (poisson, "[audience]\narrivals = [\"30 /h\", \"sixty\"]\n", "audience.arrivals[2]"),
        (poisson, "[audience]\narrivals = [{ poisson = \"1000000000 /s\" }]\n", "audience.arrivals[1]"),
        (poisson, "[audience]\nviewers = [10]\n", "audience.viewers"),
    ] {
        refused(edit, grid, field);
    }
}

#[test]
fn an_axis_of_the_wrong_kind_for_its_base_exits_2() {
    refused(("", ""), "capacity = [\"1 mBTC\"]\n", "capacity[1]");
    refused(("", ""), "rate = [\"10 sat/s\"]\n", "rate[1]");
    // An audience axis over a single channel.
    let dir = tempfile::tempdir().unwrap();
    fs::copy(root().join("tests/data/sweep/base.toml"), dir.path().join("base.toml")).unwrap();
    fs::write(dir.path().join("grid.toml"), "base = \"base.toml\"\n[audience]\nprice = [\"5 sat/s\"]\n").unwrap();
    let o = sweep(dir.path(), "out", &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("audience.price") && err.contains("no [audience]") && !err.contains("panicked"), "{err}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn the_shipped_audience_grid_is_valid_and_says_its_seeds_are_replicates() {
    let o = paychan(&["check", "sweeps/audience-price.toml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("20 points over audience-small.toml"), "{text}");
    assert!(text.contains("audience.price (4) x seed (5)"), "{text}");
}

#[test]
fn an_audience_grids_summary_groups_by_every_audience_axis_and_charts_against_one() {
    // Two prices × two watch means, two seeds each: four combinations, each the mean of its own
    // two rows of sweep.csv (an audience axis is an axis, never an outcome).
    let dir = grid_dir(GRID);
    let o = sweep(dir.path(), "out", &["--chart", "revenue_per_viewer_sat", "--by", "price"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out");
    let mut reader = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..4], ["design", "fee_rate_sat_per_vb", "audience.watch_mean", "audience.price"]);
    let summary: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    let rows = table(&out.join("sweep.csv"));
    let revenue: Vec<&csv::StringRecord> = summary.iter().filter(|r| &r[4] == "revenue_per_viewer_sat").collect();
    assert_eq!(revenue.len(), 4, "one row per price × watch_mean: {revenue:?}");
    for s in revenue {
        let values: Vec<f64> = rows
            .iter()
            .filter(|r| r[5] == s[2] && r[6] == s[3] && !r[14].is_empty())
            .map(|r| r[14].parse().unwrap())
            .collect();
        assert_eq!(s[5].parse::<usize>().unwrap(), values.len(), "{s:?}");
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert_eq!(&s[6], format!("{mean:.6}"), "{s:?}");
    }
    assert!(out.join("revenue_per_viewer_sat-by-price.png").is_file());
    assert!(out.join("revenue_per_viewer_sat-by-price.svg").is_file());
}
