//! `paychan bench`: how close a run comes to the cost of its cryptography, in one process.
//!
//! A commitment needs four secp256k1 operations: the payer signs, the payee verifies, the payee
//! signs, the payer verifies. That is the floor. Everything else — building the transaction twice
//! (each party builds its own), the BIP-0143 sighashes, the witness, hex, the CSV row — should
//! vanish beside it. This module times the bare four operations with the same library and context,
//! then the real engine writing the real CSV, then the whole `paychan run` (every file: the CSV with
//! the hex, the summary, both charts, the report, the folder swapped into place), single-threaded
//! and on every core, and prints the ratios. It measures; it asserts nothing.

use std::path::Path;
use std::time::{Duration, Instant};

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};

use crate::engine;
use crate::output::{CommitmentLog, OutputError};
use crate::scenario::Scenario;
use crate::{Error, RunOptions};

/// The measured figures.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Commitments per measurement.
    pub commitments: u64,
    /// Two signs and two verifies, bare.
    pub raw_per_commitment: Duration,
    /// The engine with the CSV log, one thread.
    pub one_thread_per_commitment: Duration,
    /// The engine with the CSV log, `threads` threads.
    pub threads: usize,
    /// The same on `threads` threads.
    pub many_threads_per_commitment: Duration,
    /// The bare four operations on `threads` threads at once, each thread doing its share: the
    /// machine's own limit on the speed-up.
    pub raw_many_per_commitment: Duration,
    /// The whole `paychan run` with every file, one thread, per commitment.
    pub whole_one_per_commitment: Duration,
    /// The same on `threads` threads.
    pub whole_many_per_commitment: Duration,
    /// Cores the process had, on average, during the best repeat of each measurement (bare
    /// operations on 1 thread, end-to-end on 1 and on `threads`, bare on `threads`, the whole run on
    /// 1 and on `threads`): CPU time over wall time, from `/proc/self/stat` (none elsewhere). Near 1
    /// or `threads` means the machine left the measurement alone; less means other work took turns
    /// on the cores.
    pub cores_used: Option<[f64; 6]>,
}

impl Figures {
    /// End-to-end single-threaded cost over the bare four operations.
    pub fn ratio(&self) -> f64 {
        self.one_thread_per_commitment.as_secs_f64() / self.raw_per_commitment.as_secs_f64()
    }

    /// Speed-up from one thread to `threads`.
    pub fn speedup(&self) -> f64 {
        self.one_thread_per_commitment.as_secs_f64() / self.many_threads_per_commitment.as_secs_f64()
    }

    /// The whole run's single-threaded cost over the bare four operations.
    pub fn whole_ratio(&self) -> f64 {
        self.whole_one_per_commitment.as_secs_f64() / self.raw_per_commitment.as_secs_f64()
    }

    /// The whole run's speed-up from one thread to `threads`.
    pub fn whole_speedup(&self) -> f64 {
        self.whole_one_per_commitment.as_secs_f64() / self.whole_many_per_commitment.as_secs_f64()
    }

    /// The bare operations' own speed-up from one thread to `threads`.
    pub fn raw_speedup(&self) -> f64 {
        self.raw_per_commitment.as_secs_f64() / self.raw_many_per_commitment.as_secs_f64()
    }
}

/// The scenario the benchmark runs: the book's price, a channel big enough for `n` seconds.
pub fn scenario(n: u64) -> Scenario {
    let text = format!(
        "name = \"bench\"\nseed = 1\npayer = \"Emma\"\npayee = \"Fabian\"\ncapacity = \"20 BTC\"\n\
         fee_rate = \"1 sat/vB\"\n[[segment]]\nrate = \"1000 sat/s\"\nduration = \"{n} s\"\n"
    );
    Scenario::from_toml(Path::new("bench.toml"), &text).expect("the benchmark scenario is valid")
}

/// Times `n` rounds of the four secp256k1 operations of a commitment.
pub fn raw(n: u64) -> Duration {
    let secp = Secp256k1::new();
    let a = SecretKey::from_slice(&[0x11; 32]).expect("a valid scalar");
    let b = SecretKey::from_slice(&[0x22; 32]).expect("a valid scalar");
    let (pa, pb) = (PublicKey::from_secret_key(&secp, &a), PublicKey::from_secret_key(&secp, &b));
    let start = Instant::now();
    let mut ok = true;
    for i in 0..n {
        let msg = Message::from_digest(sha256::Hash::hash(&i.to_le_bytes()).to_byte_array());
        let s1 = secp.sign_ecdsa(&msg, &a);
        ok &= secp.verify_ecdsa(&msg, &s1, &pa).is_ok();
        let s2 = secp.sign_ecdsa(&msg, &b);
        ok &= secp.verify_ecdsa(&msg, &s2, &pb).is_ok();
    }
    let took = start.elapsed();
    assert!(ok, "every bare signature verifies");
    took
}

/// Times `n` rounds of the four operations split over `threads` threads running at once.
pub fn raw_parallel(n: u64, threads: usize) -> Duration {
    let threads = threads.max(1) as u64;
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let share = n / threads + u64::from(t < n % threads);
            s.spawn(move || raw(share));
        }
    });
    start.elapsed()
}

/// Times the engine on `threads` threads over `n` commitments, each written as a CSV row into
/// `dir`.
///
/// # Errors
///
/// [`OutputError`] when the CSV cannot be written.
pub fn end_to_end(n: u64, threads: usize, dir: &Path) -> Result<Duration, OutputError> {
    engine_over(&scenario(n), n, threads, dir)
}

/// Times the engine on `threads` threads over the `n` commitments of `s`, each written as a CSV
/// row into `dir`: the figure `bench` and `bench --designs` compare with the bare operations.
///
/// # Errors
///
/// [`OutputError`] when the CSV cannot be written.
pub(crate) fn engine_over(s: &Scenario, n: u64, threads: usize, dir: &Path) -> Result<Duration, OutputError> {
    let mut log = CommitmentLog::create(dir, &s.design, s.capacity, 1, true)?;
    let start = Instant::now();
    let report = engine::run(s, threads, |tick, c| log.append(tick, c)).map_err(|e| match e {
        engine::EngineError::Sink { source, .. } => source,
        other => OutputError::Io { path: dir.to_path_buf(), source: std::io::Error::other(other.to_string()) },
    })?;
    log.finish()?;
    let took = start.elapsed();
    assert_eq!(report.commitments, n, "the benchmark channel never runs out");
    Ok(took)
}

/// Times the whole `paychan run` of the benchmark scenario over `n` commitments on `threads`
/// threads, every file written, into `dir/bench/` (replaced on each call): what a user times.
///
/// # Errors
///
/// [`Error`] when the run fails.
pub fn whole_run(n: u64, threads: usize, dir: &Path) -> Result<Duration, Error> {
    let s = scenario(n);
    let options = RunOptions::files_only(dir.to_path_buf(), threads);
    let start = Instant::now();
    let outcome = crate::run::run_scenario(s, Path::new("bench.toml"), &options)?;
    let took = start.elapsed();
    assert_eq!(outcome.report.commitments, n, "the benchmark channel never runs out");
    Ok(took)
}

/// The process's CPU time so far (user and system, every thread, exited ones included), from
/// `/proc/self/stat` in clock ticks of 10 ms; none where that file is not there.
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) in parentheses: state is field 3,
    // utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let ticks = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Runs a measurement and returns its figure with the cores the process had meanwhile (CPU time
/// over wall time).
fn with_cores<E>(run: impl FnOnce() -> Result<Duration, E>) -> Result<(Duration, Option<f64>), E> {
    let cpu = process_cpu();
    let start = Instant::now();
    let figure = run()?;
    let wall = start.elapsed().as_secs_f64();
    Ok((figure, cpu.zip(process_cpu()).map(|(a, b)| b.saturating_sub(a).as_secs_f64() / wall)))
}

/// Times drawing the balance chart (PNG and SVG) from `points` balance points into `dir`.
///
/// # Errors
///
/// [`OutputError::Chart`] when the chart cannot be drawn.
pub fn chart(points: u64, dir: &Path) -> Result<Duration, OutputError> {
    use crate::output::chart::{write_balance_chart, BalancePoint, ChartInput, SegmentMark};
    let capacity = points * 1_000 + 100_000;
    let pts: Vec<BalancePoint> = (1..=points)
        .map(|i| BalancePoint { clock_s: i, payer_sat: capacity - 1_000 * i - 169, payee_sat: 1_000 * i, fee_sat: 169 })
        .collect();
    let segments = [SegmentMark { start_s: 0, end_s: points, rate_sat_per_s: 1_000 }];
    let input = ChartInput {
        scenario: "bench",
        seed: 1,
        payer_name: "Emma",
        payee_name: "Fabian",
        capacity_sat: capacity,
        unit_name: "BTC",
        sat_per_unit: 100_000_000,
        points: &pts,
        segments: &segments,
        exhausted_at_s: None,
        settlement_s: points,
        ending: None,
        lang: crate::words::Lang::En,
    };
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Path { path: dir.to_path_buf(), source })?;
    let start = Instant::now();
    write_balance_chart(&input, &dir.join("bench.png"), &dir.join("bench.svg"))?;
    Ok(start.elapsed())
}

/// Runs every measurement over `n` commitments, best of `repeat`.
///
/// # Errors
///
/// [`Error`] when the scratch folder, the CSV or the whole run's files cannot be written.
pub fn measure(n: u64, threads: usize, repeat: u32, scratch: &Path) -> Result<Figures, Error> {
    std::fs::create_dir_all(scratch).map_err(|source| OutputError::Path { path: scratch.to_path_buf(), source })?;
    // Interleaved, best of `repeat`: a busy moment on the machine then hurts every figure alike.
    // Per measurement: the best wall time and the cores the process had during it.
    let mut best = [(Duration::MAX, None::<f64>); 6];
    let mut keep = |i: usize, measured: (Duration, Option<f64>)| {
        if measured.0 < best[i].0 {
            best[i] = measured;
        }
    };
    let infallible = |d: Duration| Ok::<_, Error>(d);
    let log = |r: Result<Duration, OutputError>| r.map_err(Error::from);
    for _ in 0..repeat.max(1) {
        keep(0, with_cores(|| infallible(raw(n)))?);
        keep(1, with_cores(|| log(end_to_end(n, 1, scratch)))?);
        keep(2, with_cores(|| log(end_to_end(n, threads, scratch)))?);
        keep(3, with_cores(|| infallible(raw_parallel(n, threads)))?);
        keep(4, with_cores(|| whole_run(n, 1, scratch))?);
        keep(5, with_cores(|| whole_run(n, threads, scratch))?);
    }
    let [(raw1, c0), (one, c1), (many, c2), (raw_many, c3), (whole1, c4), (whole_many, c5)] = best;
    let per = |d: Duration| d / u32::try_from(n).unwrap_or(u32::MAX).max(1);
    let (raw, one, many) = (raw1, one, many);
    let _ = std::fs::remove_dir_all(scratch);
    Ok(Figures {
        commitments: n,
        raw_per_commitment: per(raw),
        one_thread_per_commitment: per(one),
        threads,
        many_threads_per_commitment: per(many),
        raw_many_per_commitment: per(raw_many),
        whole_one_per_commitment: per(whole1),
        whole_many_per_commitment: per(whole_many),
        cores_used: match (c0, c1, c2, c3, c4, c5) {
            (Some(a), Some(b), Some(c), Some(d), Some(e), Some(f)) => Some([a, b, c, d, e, f]),
            _ => None,
        },
    })
}

/// The figures as `paychan bench` prints them.
pub fn describe(f: &Figures) -> String {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let cores = f.cores_used.map_or(String::new(), |[raw1, one, many, raw_many, whole1, whole_many]| {
        let t = f.threads;
        format!(
            "  cores the best runs had (CPU time / wall time; less means the machine was busy):\n    \
             raw {raw1:.2} of 1, end-to-end {one:.2} of 1, end-to-end {many:.2} of {t}, raw {raw_many:.2} of {t}\n    \
             whole run {whole1:.2} of 1, whole run {whole_many:.2} of {t}\n"
        )
    });
    format!(
        "paychan bench: {} commitments, best of the runs\n  \
         raw 4 ops (2 ECDSA signs + 2 verifies): {:8.1} µs/commitment\n  \
         end-to-end, 1 thread:                    {:8.1} µs/commitment  ratio {:.3}\n  \
         end-to-end, {} threads:                   {:8.1} µs/commitment  speed-up {:.2}x\n  \
         raw 4 ops, {} threads at once:            {:8.1} µs/commitment  speed-up {:.2}x (the machine's limit)\n  \
         whole run (every file), 1 thread:        {:8.1} µs/commitment  ratio {:.3}\n  \
         whole run (every file), {} threads:       {:8.1} µs/commitment  speed-up {:.2}x\n",
        f.commitments,
        us(f.raw_per_commitment),
        us(f.one_thread_per_commitment),
        f.ratio(),
        f.threads,
        us(f.many_threads_per_commitment),
        f.speedup(),
        f.threads,
        us(f.raw_many_per_commitment),
        f.raw_speedup(),
        us(f.whole_one_per_commitment),
        f.whole_ratio(),
        f.threads,
        us(f.whole_many_per_commitment),
        f.whole_speedup()
    ) + &cores
}
