//! Shards of a grid: the one [`Shard`] and `--shard` parsing that `paychan run` of an audience
//! shares, which lives in [`crate::scenario::shard`] (user input, checked at the edge, before
//! both `audience` and `sweep` in the module graph). Re-exported here for the sweep's callers.

pub use crate::scenario::shard::{from_options, Shard, ShardError, ShardSpec};
