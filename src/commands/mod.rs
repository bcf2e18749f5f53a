//! The commands beside `run`: `check` (the plan of a run, from arithmetic alone), `verify` (an
//! output folder checked from its files alone) and `bench` (the cost per commitment).

pub mod bench;
pub mod check;
pub mod verify;
