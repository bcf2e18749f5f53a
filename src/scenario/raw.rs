//! The scenario file as written: a serde mirror in which every value keeps its byte span, so
//! the validator can point at the line and column of a bad value.
//!
//! The same types describe the file to editors: `#[derive(JsonSchema)]` turns them into the JSON
//! Schema that `paychan schema scenario` prints and `schema/scenario.schema.json` ships, so the
//! schema cannot drift from what serde accepts. `toml::Spanned<T>` has no schema of its own, so
//! each field carries ONE `#[schemars(...)]` attribute: `with` names the type as written (the
//! `T` inside `Spanned<T>`), `example` the value an editor offers, and any bound the type alone
//! cannot say. The field's `///` doc becomes the hover text. A new field needs that one
//! attribute and its doc; then regenerate the shipped schema (see `tests/schema.rs`).

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// A paychan scenario: one payment channel, its parties, its capacity and the price schedule of
/// the video it pays for. Amounts are strings with a unit ("36 mBTC"); unknown fields are an
/// error. Check a file with `paychan check FILE`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "paychan scenario",
    extend("oneOf" = [{ "required": ["segment"] }, { "required": ["audience"] }])
)]
pub(crate) struct RawScenario {
    /// Name of the run and of its output folder (`output/<name>/`): 1 to 64 letters, digits,
    /// '-', '_' or '.', not starting with '.'.
    #[schemars(with = "String", example = &"emma-fabian", regex(pattern = r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$"))]
    pub(crate) name: Spanned<String>,
    /// How the channel is built: a registered design's name. The schema's list, description and
    /// example are generated from the registry ([`crate::party::DESIGNS`], see
    /// `commands::docs::schema`).
    #[schemars(with = "Option<String>")]
    pub(crate) design: Option<Spanned<String>>,
    /// `timelocked` only: blocks from the funding's height to the refund's lock time (default the
    /// book's 30 days, 4320); commitment #k is locked k blocks earlier, so the schedule can hold
    /// at most refund_after - 1 commitments.
    #[schemars(with = "Option<i64>", example = 4320, range(min = 2, max = 65535))]
    pub(crate) refund_after: Option<Spanned<i64>>,
    /// `spilman` only: blocks from the funding's height to the expiry, after which the payer can
    /// take everything back alone (default 4320); the payee must close before it.
    #[schemars(with = "Option<i64>", example = 4320, range(min = 1, max = 65535))]
    pub(crate) expiry: Option<Spanned<i64>>,
    /// `revocable` and `taproot` only: blocks a party waits before it can sweep its own balance
    /// from its own version of a state (BOLT #3's `to_self_delay`, default 1000); the other
    /// party's penalty must confirm within them.
    #[schemars(with = "Option<i64>", example = 1000, range(min = 1, max = 65535))]
    pub(crate) to_self_delay: Option<Spanned<i64>>,
    /// The height of the simulated block that confirms the funding at scenario time 0 (default
    /// 800000); the designs' lock times count from it.
    #[schemars(with = "Option<i64>", example = 800000, range(min = 1, max = 499000000))]
    pub(crate) start_height: Option<Spanned<i64>>,
    /// Time between two simulated blocks: a duration in s, min or h (default "10 min").
    #[schemars(with = "Option<String>", example = &"10 min")]
    pub(crate) block_interval: Option<Spanned<String>>,
    /// The one seed every key and the wallet coin are derived from: a whole number from 0 to
    /// 9223372036854775807. Anyone who reads the file can repeat the keys.
    #[schemars(with = "i64", example = 14, range(min = 0))]
    pub(crate) seed: Spanned<i64>,
    /// The network whose addresses and rules apply: regtest (the default), testnet, testnet4 or
    /// signet. Mainnet is refused: keys derived from a public seed belong to anyone.
    #[schemars(
        with = "Option<String>",
        example = &"regtest",
        extend("enum" = ["regtest", "testnet", "testnet3", "testnet4", "signet"])
    )]
    pub(crate) network: Option<Spanned<String>>,
    /// Who pays: Emma in the book. 1 to 40 printable characters.
    #[schemars(with = "String", example = &"Emma", length(min = 1, max = 40))]
    pub(crate) payer: Spanned<String>,
    /// Who is paid: Fabian in the book. 1 to 40 printable characters, not the payer's name.
    #[schemars(with = "String", example = &"Fabian", length(min = 1, max = 40))]
    pub(crate) payee: Spanned<String>,
    /// The channel capacity, the value of the 2-of-2 funding output: an amount with a unit
    /// (BTC, mBTC, uBTC, bits or sat), e.g. "36 mBTC" or "3600000 sat". Charts and the summary
    /// speak in the unit written here.
    #[schemars(with = "String", example = &"36 mBTC")]
    pub(crate) capacity: Spanned<String>,
    /// The payer's prior coin that the funding transaction spends: an amount with a unit, at least
    /// the capacity plus the funding fee (default: the capacity, the fee and 1 mBTC of change).
    #[schemars(with = "Option<String>", example = &"50 mBTC")]
    pub(crate) wallet: Option<Spanned<String>>,
    /// Fee rate of the funding transaction and of every commitment: "1 sat/vB", "0.1 sat/vB" or
    /// "250 sat/kwu"; the finest is 0.004 sat/vB (1 sat/kwu). Below 1 sat/vB does not relay.
    #[schemars(with = "String", example = &"1 sat/vB")]
    pub(crate) fee_rate: Spanned<String>,
    /// Seconds of video paid for by one commitment: a duration in s, min or h (default "1 s");
    /// every segment's duration must be a whole number of intervals.
    #[schemars(with = "Option<String>", example = &"1 s")]
    pub(crate) interval: Option<Spanned<String>>,
    /// Free text for the reader of the file; paychan does not use it.
    #[allow(dead_code)] // Read by people and by the schema, not by paychan.
    #[schemars(example = &"a line of text")]
    pub(crate) description: Option<String>,
    /// The rate schedule, in order: one or more `[[segment]]` tables, each a rate and a duration.
    /// Required, except in a scenario with an `[audience]`, where each viewer's schedule is its
    /// price for its watch time.
    #[schemars(with = "Option<Vec<RawSegment>>", length(min = 1))]
    pub(crate) segment: Option<Spanned<Vec<RawSegment>>>,
    /// Scripted behaviour on the simulated chain: `[[event]]` tables, each a time (`at` or
    /// `at_height`), a party (`who`) and an action (`does`). Without events both parties are
    /// honest and close cooperatively at the end.
    #[schemars(with = "Option<Vec<RawEvent>>")]
    pub(crate) event: Option<Spanned<Vec<RawEvent>>>,
    /// Fabian's whole audience: one channel per viewer, each viewer's arrival, watch time,
    /// capacity and price drawn from seeded distributions. Give `viewers` or `arrivals`, and
    /// `watch` and `price`.
    #[schemars(with = "Option<RawAudience>")]
    pub(crate) audience: Option<Spanned<RawAudience>>,
}

/// One scripted event: who does what, and when.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Event")]
pub(crate) struct RawEvent {
    /// When, on the scenario clock: a duration such as "600 s" (after the commitments paid up
    /// to then). Give this or `at_height`.
    #[schemars(with = "Option<String>", example = &"600 s")]
    pub(crate) at: Option<Spanned<String>>,
    /// When, as a block height: as soon as the chain's tip reaches it. Give this or `at`.
    #[schemars(with = "Option<i64>", example = 800001, range(min = 1))]
    pub(crate) at_height: Option<Spanned<i64>>,
    /// Who acts: the payer's or the payee's name as written above (or "payer", "payee").
    #[schemars(with = "String", example = &"Emma")]
    pub(crate) who: Spanned<String>,
    /// What they do: "broadcast" a state, "vanish" (stop answering) or "close".
    #[schemars(with = "String", example = &"broadcast", extend("enum" = ["broadcast", "vanish", "close"]))]
    pub(crate) does: Spanned<String>,
    /// `broadcast` only: which state, 0 being the refund.
    #[schemars(with = "Option<i64>", example = 1, range(min = 0))]
    pub(crate) commitment: Option<Spanned<i64>>,
}

/// `[audience]`: how many viewers arrive, when, and what each one's channel is.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Audience")]
pub(crate) struct RawAudience {
    /// A fixed number of viewers (1 to 10,000,000): all arrive at 0 s, or each at a uniform random
    /// second of the `period` when one is given.
    #[schemars(with = "Option<i64>", example = 200, range(min = 1, max = 10_000_000))]
    pub(crate) viewers: Option<Spanned<i64>>,
    /// An arrival process instead of a number: `{ poisson = "120 /h" }`, a Poisson process of
    /// that many arrivals per s, min or h over the `period` (required then).
    #[schemars(with = "Option<RawArrivals>")]
    pub(crate) arrivals: Option<Spanned<RawArrivals>>,
    /// The time viewers arrive in, a duration in s, min or h, e.g. "24 h".
    #[schemars(with = "Option<String>", example = &"24 h")]
    pub(crate) period: Option<Spanned<String>>,
    /// How long each viewer wants to watch: a duration ("10 min") or a distribution of them.
    #[schemars(with = "DistributionSchema", example = &"10 min")]
    pub(crate) watch: Spanned<toml::Value>,
    /// Each viewer's channel capacity: an amount ("1 mBTC") or a distribution of them (default:
    /// the scenario's `capacity` for everyone).
    #[schemars(with = "Option<DistributionSchema>", example = &"36 mBTC")]
    pub(crate) capacity: Option<Spanned<toml::Value>>,
    /// Each viewer's price per second: a rate ("10 sat/s") or a distribution of them, whole
    /// satoshis per second.
    #[schemars(with = "DistributionSchema", example = &"10 sat/s")]
    pub(crate) price: Spanned<toml::Value>,
}

/// An arrival process.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Arrivals")]
pub(crate) struct RawArrivals {
    /// Poisson arrivals at this rate: a number per s, min or h, e.g. "120 /h".
    #[schemars(with = "String", example = &"120 /h")]
    pub(crate) poisson: Spanned<String>,
}

/// A value drawn for each viewer: fixed ("10 min"), or a table naming a distribution: uniform
/// between two bounds, exponential with a mean, log-normal with a median and sigma, or empirical
/// (a CSV file, relative to the scenario: a header line, then one value per line in seconds,
/// satoshis or satoshis per second; each row equally likely).
#[derive(JsonSchema)]
#[schemars(rename = "Distribution", untagged)]
#[allow(dead_code)] // Only describes the shape to editors; the validator reads a toml::Value.
pub(crate) enum DistributionSchema {
    /// The same value for every viewer.
    Fixed(String),
    /// `{ uniform = ["1 min", "1 h"] }`: every whole value between the bounds equally likely.
    Uniform {
        /// The lower and the upper bound.
        uniform: [String; 2],
    },
    /// `{ exponential = "20 min" }`: exponential with this mean.
    Exponential {
        /// The mean.
        exponential: String,
    },
    /// `{ lognormal = { median = "10 min", sigma = 1.0 } }`.
    LogNormal {
        /// Its median and sigma.
        lognormal: LogNormalSchema,
    },
    /// `{ empirical = "watch.csv" }`: a row of a one-column CSV file.
    Empirical {
        /// The file, relative to the scenario.
        empirical: String,
    },
}

/// A log-normal distribution's parameters.
#[derive(JsonSchema)]
#[schemars(rename = "LogNormal")]
#[allow(dead_code)] // Only describes the shape to editors.
pub(crate) struct LogNormalSchema {
    /// The median, e.g. "10 min".
    median: String,
    /// The standard deviation of the logarithm, from 0 to 5.
    #[schemars(range(min = 0.0, max = 5.0))]
    sigma: f64,
}

/// One stretch of the rate schedule: a price per unit of time, for a duration.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Segment")]
pub(crate) struct RawSegment {
    /// The price of the video: an amount with a unit per s, min or h, e.g. "0.01 mBTC/s" or
    /// "60000 sat/min", a whole number of satoshis per second; "0 sat/s" is a pause (no
    /// commitments).
    #[schemars(with = "String", example = &"0.01 mBTC/s")]
    pub(crate) rate: Spanned<String>,
    /// How long this price holds: a duration in s, min or h, e.g. "600 s", "10 min", "1.5 h"; a
    /// whole number of intervals.
    #[schemars(with = "String", example = &"600 s")]
    pub(crate) duration: Spanned<String>,
}
