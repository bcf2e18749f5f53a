//! Placeholder for the balance chart (being written in parallel): writes marker files only.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalancePoint {
    pub clock_s: u64,
    pub payer_sat: u64,
    pub payee_sat: u64,
    pub fee_sat: u64,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentMark {
    pub start_s: u64,
    pub end_s: u64,
    pub rate_sat_per_s: u64,
}
pub struct ChartInput<'a> {
    pub scenario: &'a str,
    pub seed: u64,
    pub payer_name: &'a str,
    pub payee_name: &'a str,
    pub capacity_sat: u64,
    pub unit_name: &'a str,
    pub sat_per_unit: u64,
    pub points: &'a [BalancePoint],
    pub segments: &'a [SegmentMark],
    pub exhausted_at_s: Option<u64>,
    pub settlement_s: u64,
}
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("x")]
    X,
}
pub fn write_balance_chart(
    _input: &ChartInput<'_>,
    png: &std::path::Path,
    svg: &std::path::Path,
) -> Result<(), ChartError> {
    std::fs::write(png, b"stub").unwrap();
    std::fs::write(svg, b"stub").unwrap();
    Ok(())
}
