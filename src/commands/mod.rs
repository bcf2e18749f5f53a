//! The commands beside `run`: `check` (the plan of a run, from arithmetic alone), `verify` (an
//! output folder checked from its files alone), `bench` (the cost per commitment, and per state of each design), and `docs`
//! (`completions`, `man` and `schema`: generated from the program's own definitions).

pub mod bench;
pub mod bench_designs;
pub mod check;
pub mod docs;
pub mod verify;
