//! A series as the eye sees it: thinned to the first, lowest, highest and last point of each
//! pixel column, then drawn as a step line in pixels.

use super::axes::Frame;
use super::BalancePoint;

/// Keeps, per pixel column, the first, lowest, highest and last point of one series, in order,
/// as (clock, value). A step line through the result looks the same as one through every point.
pub(super) fn thin(
    points: &[BalancePoint],
    value: impl Fn(&BalancePoint) -> u64,
    column: impl Fn(u64) -> usize,
) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < points.len() {
        let col = column(points[i].clock_s);
        let (mut lo, mut hi) = (i, i);
        let (mut lo_v, mut hi_v) = (value(&points[i]), value(&points[i]));
        let mut j = i + 1;
        while j < points.len() && column(points[j].clock_s) == col {
            let v = value(&points[j]);
            if v < lo_v {
                (lo, lo_v) = (j, v);
            }
            if v > hi_v {
                (hi, hi_v) = (j, v);
            }
            j += 1;
        }
        let mut keep = [i, lo, hi, j - 1];
        keep.sort_unstable();
        for (n, &k) in keep.iter().enumerate() {
            if n == 0 || k != keep[n - 1] {
                out.push((points[k].clock_s, value(&points[k])));
            }
        }
        i = j;
    }
    out
}

/// The pixel path of a step line that starts at `start` at clock 0, holds each value until the
/// next point and ends at `end_s`; redundant points are dropped.
pub(super) fn step_path(f: &Frame, start: u64, points: &[(u64, u64)], end_s: u64) -> Vec<(i32, i32)> {
    let mut path = Vec::with_capacity(points.len() * 2 + 2);
    let mut y = f.y(start);
    path.push((f.x(0), y));
    for &(clock, value) in points {
        let x = f.x(clock);
        path.push((x, y));
        y = f.y(value);
        path.push((x, y));
    }
    let last_x = path.last().map_or(f.left, |p| p.0);
    path.push((f.x(end_s).max(last_x), y));
    simplify(path)
}

/// Drops repeated points, and middle points of straight horizontal or vertical runs.
pub(super) fn simplify(path: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    let between = |a: i32, b: i32, c: i32| (a <= b && b <= c) || (a >= b && b >= c);
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(path.len());
    for p in path {
        if out.last() == Some(&p) {
            continue;
        }
        if let [.., a, b] = out[..] {
            let straight = (a.0 == b.0 && b.0 == p.0 && between(a.1, b.1, p.1))
                || (a.1 == b.1 && b.1 == p.1 && between(a.0, b.0, p.0));
            if straight {
                if let Some(last) = out.last_mut() {
                    *last = p;
                }
                continue;
            }
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::stream;
    use super::*;

    #[test]
    fn thinning_keeps_each_columns_extremes_and_few_points() {
        // A saw-tooth with a spike: every column has its low and high somewhere in its middle.
        let pts: Vec<BalancePoint> = (0..100_000u64)
            .map(|i| {
                let v = (i * 7_919) % 1_000 + if i == 54_321 { 1_000_000 } else { 0 };
                BalancePoint { clock_s: i, payer_sat: v, payee_sat: 0, fee_sat: 0 }
            })
            .collect();
        let column = |c: u64| (c / 1_000) as usize;
        let thinned = thin(&pts, |p| p.payer_sat, column);
        assert!(thinned.len() <= 4 * 100, "{} points for 100 columns", thinned.len());
        assert!(thinned.windows(2).all(|w| w[0].0 < w[1].0), "in clock order");
        for col in 0..100 {
            let all: Vec<u64> = pts[col * 1_000..(col + 1) * 1_000].iter().map(|p| p.payer_sat).collect();
            let kept: Vec<(u64, u64)> = thinned.iter().copied().filter(|&(c, _)| column(c) == col).collect();
            assert_eq!(kept.iter().map(|k| k.1).min(), all.iter().min().copied(), "column {col} keeps its lowest");
            assert_eq!(kept.iter().map(|k| k.1).max(), all.iter().max().copied(), "column {col} keeps its highest");
            assert_eq!(kept.first().map(|k| k.0), Some(col as u64 * 1_000), "and its first point");
            assert_eq!(kept.last().map(|k| k.0), Some(col as u64 * 1_000 + 999), "and its last point");
        }
        assert!(thinned.contains(&(54_321, 1_000_000 + (54_321 * 7_919) % 1_000)), "the spike survives");
        assert!(thin(&[], |p| p.payer_sat, column).is_empty());
    }

    #[test]
    fn step_paths_are_small_and_keep_the_shape() {
        let pts = stream(1_000_000, 1_100_000_000);
        let f = Frame {
            left: 100,
            right: 1200,
            top: 100,
            bottom: 600,
            data_right: 1180,
            end_s: 1_000_000,
            zero_y: 590,
            full_y: 200,
            full_sat: 1_100_000_000,
        };
        let thinned = thin(&pts, |p| p.payee_sat, f.column());
        assert!(thinned.len() <= 4 * 1_081, "{} points", thinned.len());
        let path = step_path(&f, 0, &thinned, 1_000_000);
        assert!(path.len() <= 2 * 1_081 + 2, "{} points", path.len());
        assert_eq!(path.first(), Some(&(100, 590)));
        assert_eq!(path.last(), Some(&(1180, f.y(1_000_000_000))));
        assert!(path.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 >= w[1].1), "a rising staircase");
    }
}
