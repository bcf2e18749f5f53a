//! The scenario file as written: a serde mirror in which every value keeps its byte span, so
//! the validator can point at the line and column of a bad value.

use serde::Deserialize;
use toml::Spanned;

/// The scenario file as written: strings keep their spans so errors can point at them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub(crate) name: Spanned<String>,
    pub(crate) design: Option<Spanned<String>>,
    pub(crate) seed: Spanned<i64>,
    pub(crate) network: Option<Spanned<String>>,
    pub(crate) payer: Spanned<String>,
    pub(crate) payee: Spanned<String>,
    pub(crate) capacity: Spanned<String>,
    pub(crate) wallet: Option<Spanned<String>>,
    pub(crate) fee_rate: Spanned<String>,
    pub(crate) interval: Option<Spanned<String>>,
    #[allow(dead_code)] // Free text for the reader of the file; paychan does not use it.
    pub(crate) description: Option<String>,
    pub(crate) segment: Spanned<Vec<RawSegment>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSegment {
    pub(crate) rate: Spanned<String>,
    pub(crate) duration: Spanned<String>,
}
