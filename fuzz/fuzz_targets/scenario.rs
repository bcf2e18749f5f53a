//! Fuzzes scenario parsing and validation: any bytes must give a scenario or a ScenarioError,
//! never a panic; a valid scenario must also plan and describe without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paychan::commands::check::Plan;
use paychan::scenario::Scenario;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    match Scenario::from_bytes(Path::new("fuzz.toml"), data) {
        Ok(s) => {
            // Planning walks every interval: keep each input fast.
            if s.total_duration_s() / s.interval_s <= 20_000 {
                let plan = Plan::of(&s);
                let _ = plan.describe(&s);
                let _ = plan.warnings(&s);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
