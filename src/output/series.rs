//! A balance series of bounded size for the chart, kept as the commitments stream past.
//!
//! A million commitments would be 32 MB of points, and the chart is 1,280 pixels wide. The engine
//! hands every state to [`Series::push`]; the series divides the scenario's known duration into
//! a fixed number of time buckets and keeps, per bucket, the first and last state and the states
//! where each balance is lowest and highest — so every step, pause and jump the chart can show
//! survives, in memory that does not grow with the run.

use super::chart::BalancePoint;

/// Buckets over the scenario's duration: a little more than the chart's pixel columns.
pub const BUCKETS: u64 = 2_048;

/// The shape-keeping sample of a run's balances.
#[derive(Debug, Clone)]
pub struct Series {
    total_s: u64,
    buckets: u64,
    kept: Vec<BalancePoint>,
    current: Option<(u64, [BalancePoint; 6])>,
}

impl Series {
    /// An empty series over `total_s` seconds of scenario time.
    pub fn new(total_s: u64) -> Series {
        Series { total_s: total_s.max(1), buckets: BUCKETS, kept: Vec::new(), current: None }
    }

    fn bucket(&self, clock_s: u64) -> u64 {
        // u128: clock × buckets can pass u64 for absurd clocks; the result is below `buckets`.
        (u128::from(clock_s.min(self.total_s)) * u128::from(self.buckets - 1) / u128::from(self.total_s)) as u64
    }

    /// Adds the state after a commitment; states come in clock order.
    pub fn push(&mut self, p: BalancePoint) {
        let b = self.bucket(p.clock_s);
        match &mut self.current {
            Some((cb, keep)) if *cb == b => {
                // [first, last, payer min, payer max, payee min, payee max]
                keep[1] = p;
                if p.payer_sat < keep[2].payer_sat {
                    keep[2] = p;
                }
                if p.payer_sat > keep[3].payer_sat {
                    keep[3] = p;
                }
                if p.payee_sat < keep[4].payee_sat {
                    keep[4] = p;
                }
                if p.payee_sat > keep[5].payee_sat {
                    keep[5] = p;
                }
            }
            _ => {
                self.flush();
                self.current = Some((b, [p; 6]));
            }
        }
    }

    fn flush(&mut self) {
        if let Some((_, mut keep)) = self.current.take() {
            // Sorted where it is, and each run of equal states kept once (`Vec::dedup`'s rule),
            // with no vector a bucket.
            keep.sort_by_key(|p| p.clock_s);
            for (i, p) in keep.iter().enumerate() {
                if i == 0 || keep[i - 1] != *p {
                    self.kept.push(*p);
                }
            }
        }
    }

    /// The kept states in clock order.
    pub fn into_points(mut self) -> Vec<BalancePoint> {
        self.flush();
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(clock_s: u64, payee_sat: u64) -> BalancePoint {
        BalancePoint { clock_s, payer_sat: 1_000_000 - payee_sat, payee_sat, fee_sat: 0 }
    }

    #[test]
    fn a_million_points_keep_a_bounded_shape() {
        let mut s = Series::new(1_000_000);
        for i in 1..=1_000_000 {
            s.push(point(i, i));
        }
        let kept = s.into_points();
        assert!(kept.len() <= 6 * BUCKETS as usize, "{}", kept.len());
        assert_eq!(kept.first(), Some(&point(1, 1)));
        assert_eq!(kept.last(), Some(&point(1_000_000, 1_000_000)));
        assert!(kept.windows(2).all(|w| w[0].clock_s < w[1].clock_s));
    }

    #[test]
    fn small_runs_are_kept_whole() {
        let mut s = Series::new(600);
        for i in 1..=600 {
            s.push(point(i, 1_000 * i));
        }
        assert_eq!(s.into_points().len(), 600);
    }

    #[test]
    fn a_dip_inside_a_bucket_survives() {
        let mut s = Series::new(10_000_000);
        for (c, v) in [(10, 5), (11, 1), (12, 9), (13, 6)] {
            s.push(point(c, v));
        }
        let kept: Vec<u64> = s.into_points().iter().map(|p| p.payee_sat).collect();
        assert_eq!(kept, vec![5, 1, 9, 6]);
    }
}
