//! Shards: which grid points of a sweep, or which viewers of an audience, one copy of paychan
//! runs, so a batch scheduler can split the work.
//!
//! Analysts already have a scheduler: Slurm job arrays and Kubernetes Indexed Jobs both start N
//! copies of one command and give each an index. A shard is that index K and that count N; it
//! runs the points (or viewers) whose index leaves remainder K when divided by N (round robin, so
//! every shard gets a share of every rate and capacity, and of every hour of an audience's day).
//! The partition depends on nothing but K, N and the index, so a rerun of a shard runs the same
//! points and writes the same bytes. `--shard` is command-line input like a scenario file, so it
//! is parsed and checked here, at the edge, and used by `paychan sweep` ([`crate::sweep`]) and
//! `paychan run` of an audience ([`crate::audience`]) alike.

use std::fmt;

/// One shard of a grid: K of N, with K from 0 to N − 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard's index, from 0.
    pub k: u64,
    /// How many shards the grid is split into, at least 1.
    pub n: u64,
}

impl Shard {
    /// The whole grid as one shard.
    pub const WHOLE: Shard = Shard { k: 0, n: 1 };

    /// Whether the grid point `index` belongs to this shard: `index % n == k`.
    pub fn contains(&self, index: u64) -> bool {
        index % self.n == self.k
    }

    /// The indices of this shard's points in a grid of `points`, in order.
    pub fn indices(&self, points: u64) -> impl Iterator<Item = u64> {
        let n = usize::try_from(self.n).unwrap_or(usize::MAX);
        (self.k..points).step_by(n)
    }

    /// How many of a grid's `points` belong to this shard.
    pub fn count(&self, points: u64) -> u64 {
        if points > self.k {
            (points - self.k).div_ceil(self.n)
        } else {
            0
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// How the user asked for a shard: `--shard K/N`, `--shard slurm` or `--shard k8s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    /// `--shard K/N`.
    Fixed(Shard),
    /// `--shard slurm`: K and N from `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT`.
    Slurm,
    /// `--shard k8s`: K from `JOB_COMPLETION_INDEX`, N from `--shards`.
    K8s,
}

/// A shard that cannot be used: the option or variable, its value, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardError {
    /// The option (`--shard`, `--shards`) or environment variable at fault.
    pub source_name: String,
    /// Its value as given (empty when it is missing).
    pub value: String,
    /// What is wrong and what would be accepted.
    pub problem: String,
}

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}: {}", self.source_name, self.problem)
        } else {
            write!(f, "{} = \"{}\": {}", self.source_name, self.value, self.problem)
        }
    }
}

impl std::error::Error for ShardError {}

fn shard_err(source_name: &str, value: &str, problem: impl Into<String>) -> ShardError {
    ShardError { source_name: source_name.to_string(), value: value.to_string(), problem: problem.into() }
}

fn whole(source_name: &str, s: &str, what: &str) -> Result<u64, ShardError> {
    let t = s.trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(shard_err(source_name, s, format!("{what} must be a whole number from 0 up")));
    }
    t.parse().map_err(|_| shard_err(source_name, s, format!("{what} is too large")))
}

impl ShardSpec {
    /// Parses `--shard`: `K/N` (e.g. `0/3`), `slurm` or `k8s`.
    ///
    /// # Errors
    ///
    /// [`ShardError`] naming `--shard` and the value: not one of the three forms, N = 0, or K ≥ N.
    pub fn parse(s: &str) -> Result<ShardSpec, ShardError> {
        let hint = "write K/N with K from 0 to N-1 (e.g. 0/3), slurm, or k8s";
        match s {
            "slurm" => return Ok(ShardSpec::Slurm),
            "k8s" | "kubernetes" => return Ok(ShardSpec::K8s),
            _ => {}
        }
        let Some((k, n)) = s.split_once('/') else {
            return Err(shard_err("--shard", s, format!("not a shard; {hint}")));
        };
        let k = whole("--shard", k, "K").map_err(|e| shard_err("--shard", s, format!("{}; {hint}", e.problem)))?;
        let n = whole("--shard", n, "N").map_err(|e| shard_err("--shard", s, format!("{}; {hint}", e.problem)))?;
        Ok(ShardSpec::Fixed(checked("--shard", s, k, n)?))
    }

    /// The shard this process runs, reading the scheduler's environment through `env`
    /// (`std::env::var` in the binary); `shards` is `--shards N`.
    ///
    /// # Errors
    ///
    /// [`ShardError`] when a variable is missing or not a whole number, K ≥ N, a Slurm array does
    /// not start at 0 or has a step, `--shards` is missing for k8s, or disagrees with the rest.
    pub fn resolve(&self, shards: Option<u64>, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let shard = match self {
            ShardSpec::Fixed(s) => *s,
            ShardSpec::Slurm => slurm_shard(env)?,
            ShardSpec::K8s => k8s_shard(shards, env)?,
        };
        if let Some(n) = shards {
            if n != shard.n {
                return Err(shard_err(
                    "--shards",
                    &n.to_string(),
                    format!("disagrees with the shard {shard}, which is {} shards", shard.n),
                ));
            }
        }
        Ok(shard)
    }
}

/// The shard of `--shard` (as given) and `--shards`, reading the scheduler's environment through
/// `env`: the whole as one shard when neither is given.
///
/// # Errors
///
/// [`ShardError`] as [`ShardSpec::parse`] and [`ShardSpec::resolve`], and `--shards` without
/// `--shard`.
pub fn from_options(
    shard: Option<&str>,
    shards: Option<u64>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Shard, ShardError> {
    match (shard, shards) {
        (Some(spec), _) => ShardSpec::parse(spec)?.resolve(shards, env),
        (None, Some(n)) => Err(ShardError {
            source_name: "--shards".into(),
            value: n.to_string(),
            problem: "--shards needs --shard k8s (or --shard slurm or K/N to check against)".into(),
        }),
        (None, None) => Ok(Shard::WHOLE),
    }
}

/// The scheduler's variable `name` through `env`, as text and as a whole number.
fn env_var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<(String, u64), ShardError> {
    let v = env(name).ok_or_else(|| {
        shard_err(name, "", "this variable is not set; run under the scheduler's array job, or use --shard K/N")
    })?;
    let n = whole(name, &v, name)?;
    Ok((v, n))
}

/// The shard of a Slurm array task: `SLURM_ARRAY_TASK_ID` of `SLURM_ARRAY_TASK_COUNT`, the array
/// checked to run from 0 to N − 1 with no step.
fn slurm_shard(env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
    let (id_text, k) = env_var(env, "SLURM_ARRAY_TASK_ID")?;
    let (count_text, n) = env_var(env, "SLURM_ARRAY_TASK_COUNT")?;
    if let Some(min) = env("SLURM_ARRAY_TASK_MIN") {
        if whole("SLURM_ARRAY_TASK_MIN", &min, "SLURM_ARRAY_TASK_MIN")? != 0 {
            return Err(shard_err(
                "SLURM_ARRAY_TASK_MIN",
                &min,
                "the array must be 0-(N-1): submit with sbatch --array=0-$((N-1))",
            ));
        }
    }
    if let Some(max) = env("SLURM_ARRAY_TASK_MAX") {
        let m = whole("SLURM_ARRAY_TASK_MAX", &max, "SLURM_ARRAY_TASK_MAX")?;
        if n == 0 || m != n - 1 {
            return Err(shard_err(
                "SLURM_ARRAY_TASK_MAX",
                &max,
                format!(
                    "the array must be 0-(N-1) with no step or gaps, but it has {count_text} tasks: \
                     submit with sbatch --array=0-$((N-1))"
                ),
            ));
        }
    }
    if n == 0 {
        return Err(shard_err("SLURM_ARRAY_TASK_COUNT", &count_text, "an array has at least one task"));
    }
    if k >= n {
        return Err(shard_err(
            "SLURM_ARRAY_TASK_ID",
            &id_text,
            format!(
                "the task ID must be from 0 to {} (SLURM_ARRAY_TASK_COUNT = {n}): submit with \
                 sbatch --array=0-{}",
                n - 1,
                n - 1
            ),
        ));
    }
    Ok(Shard { k, n })
}

/// The shard of a Kubernetes Indexed Job's pod: `JOB_COMPLETION_INDEX` of `--shards N`, which
/// the pod is not told and must be given.
fn k8s_shard(shards: Option<u64>, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
    let n = shards.ok_or_else(|| {
        shard_err(
            "--shards",
            "",
            "--shard k8s needs --shards N, the Job's completions (Kubernetes does not tell the pod)",
        )
    })?;
    let (text, k) = env_var(env, "JOB_COMPLETION_INDEX")?;
    if n == 0 {
        return Err(shard_err("--shards", "0", "there must be at least one shard"));
    }
    if k >= n {
        return Err(shard_err(
            "JOB_COMPLETION_INDEX",
            &text,
            format!("the index must be from 0 to {} (--shards {n})", n - 1),
        ));
    }
    Ok(Shard { k, n })
}

fn checked(source_name: &str, s: &str, k: u64, n: u64) -> Result<Shard, ShardError> {
    if n == 0 {
        return Err(shard_err(source_name, s, "N must be at least 1: a grid is split into N >= 1 shards"));
    }
    if k >= n {
        return Err(shard_err(
            source_name,
            s,
            format!("K must be from 0 to {} when there are {n} shards (shards are numbered from 0)", n - 1),
        ));
    }
    Ok(Shard { k, n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn shards_partition_every_grid_exactly_once() {
        for points in [0, 1, 2, 7, 24, 100] {
            for n in 1..6 {
                let mut seen = vec![0; points as usize];
                for k in 0..n {
                    let s = Shard { k, n };
                    let idx: Vec<_> = s.indices(points).collect();
                    assert_eq!(idx.len() as u64, s.count(points));
                    assert!(idx.iter().all(|&i| s.contains(i)));
                    for i in idx {
                        seen[i as usize] += 1;
                    }
                }
                assert!(seen.iter().all(|&c| c == 1), "{points} points, {n} shards");
            }
        }
    }

    #[test]
    fn specs_parse_and_refuse() {
        assert_eq!(ShardSpec::parse("0/3").unwrap(), ShardSpec::Fixed(Shard { k: 0, n: 3 }));
        assert_eq!(ShardSpec::parse("2/3").unwrap(), ShardSpec::Fixed(Shard { k: 2, n: 3 }));
        assert_eq!(ShardSpec::parse("slurm").unwrap(), ShardSpec::Slurm);
        assert_eq!(
            ShardSpec::parse("3/3").unwrap_err().to_string(),
            "--shard = \"3/3\": K must be from 0 to 2 when there are 3 shards (shards are numbered from 0)"
        );
        assert!(ShardSpec::parse("0/0").unwrap_err().problem.contains("at least 1"));
        assert!(ShardSpec::parse("x/2").unwrap_err().problem.contains("K must be a whole number"));
        assert!(ShardSpec::parse("-1/2").is_err());
        assert!(ShardSpec::parse("1").is_err());
    }

    #[test]
    fn slurm_and_k8s_read_their_variables() {
        let ok = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
        ]);
        assert_eq!(ShardSpec::Slurm.resolve(None, &ok).unwrap(), Shard { k: 2, n: 3 });
        assert!(ShardSpec::Slurm.resolve(Some(4), &ok).is_err());
        let from_one = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "3"),
        ]);
        assert_eq!(ShardSpec::Slurm.resolve(None, &from_one).unwrap_err().source_name, "SLURM_ARRAY_TASK_MIN");
        let stepped = env(&[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "4"),
        ]);
        assert_eq!(ShardSpec::Slurm.resolve(None, &stepped).unwrap_err().source_name, "SLURM_ARRAY_TASK_MAX");
        assert_eq!(ShardSpec::Slurm.resolve(None, &env(&[])).unwrap_err().source_name, "SLURM_ARRAY_TASK_ID");
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert_eq!(ShardSpec::K8s.resolve(Some(2), &k8s).unwrap(), Shard { k: 1, n: 2 });
        assert_eq!(ShardSpec::K8s.resolve(None, &k8s).unwrap_err().source_name, "--shards");
        assert!(ShardSpec::K8s.resolve(Some(1), &k8s).is_err());
    }
}
