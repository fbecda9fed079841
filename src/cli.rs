//! The command line (clap derive). Defaults live here once, so `--help` and the code agree.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Capacity and cost Monte Carlo for Kubernetes storage: PVC tiers, Rook-Ceph, cloud disks.
#[derive(Debug, Parser)]
#[command(name = "headroom", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate scenarios; write summary.json and timeseries.csv; print a short table.
    Run(RunArgs),
    /// Compare variants on the same simulated futures; paired differences, charts, report.md.
    Compare(CompareArgs),
    /// Size tiers and autoresize settings that meet the targets at least cost; the Ceph
    /// expansion trigger for the lead time, and when orders fall due.
    Recommend(RecommendArgs),
    /// Write the recommendations into the cluster's manifests, with alert rules, a migration
    /// script and a dated plan.
    Plan(PlanArgs),
    /// CI gate: judge scenarios against a budget file and a baseline; exit 0 pass, 1 fail,
    /// 2 bad input.
    Gate(GateArgs),
    /// Check scenario files and print every problem (exit 2 if any).
    Validate(ValidateArgs),
    /// Write a scenario of the cluster as it is, from `ceph` and `kubectl` captures; print
    /// month 0 against them.
    Ingest(IngestArgs),
    /// Join the partial results of `--shard` runs into the report one run would write.
    Merge(MergeArgs),
    /// Fit volume growth from usage history (Prometheus query_range JSON or CSV) and write it
    /// into a scenario.
    Calibrate(CalibrateArgs),
}

/// How `gate` prints its verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GateFormat {
    /// A table per scenario, for a terminal.
    Text,
    /// JSON, for machines.
    Json,
    /// A pull-request comment: a one-line summary, the failures, the rest folded.
    Markdown,
}

/// `headroom gate`.
#[derive(Debug, Clone, Args)]
pub struct GateArgs {
    /// Scenario files (TOML), each run with its own seed and trial count.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// The budget file: limits and regression limits.
    #[arg(long, required_unless_present = "write_baseline")]
    pub budget: Option<PathBuf>,
    /// A baseline written by --write-baseline to judge regressions against.
    #[arg(long, conflicts_with = "against")]
    pub baseline: Option<PathBuf>,
    /// A git revision: judge regressions against the scenarios and catalogs as they are there,
    /// simulated in the same trial loop (paired differences).
    #[arg(long, value_name = "REF")]
    pub against: Option<String>,
    /// Write a baseline of the scenarios to this file instead of judging them: with --budget,
    /// the figures its regressions judge; without, every figure.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "against"])]
    pub write_baseline: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GateFormat::Text)]
    pub format: GateFormat,
    /// Pass (exit 0) when the only doubtful checks are inconclusive: past their allowance but
    /// within the Monte Carlo noise, or fewer trials than the base revision's.
    #[arg(long)]
    pub allow_inconclusive: bool,
    /// With --against: pass a budget loosened since REF (a limit raised, an allowance widened
    /// or a check removed), which otherwise fails, as a change that may let itself through.
    #[arg(long, requires = "against")]
    pub allow_budget_change: bool,
    /// Worker threads (results do not depend on it; at most 16 per core).
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// How `recommend` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecommendFormat {
    /// Tables and sentences for a person.
    Text,
    /// JSON for scripts.
    Json,
}

/// `headroom recommend`.
#[derive(Debug, Clone, Args)]
pub struct RecommendArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RecommendFormat::Text)]
    pub format: RecommendFormat,
    /// Simulation options (trials are per option weighed).
    #[command(flatten)]
    pub sim: SimArgs,
    /// One share of the two sweeps (every size option and every trigger on every trial).
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// `headroom plan`.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Folder of the cluster's manifests (YAML: StatefulSets, PVCs, StorageClasses, Rook
    /// CephCluster and CephBlockPool; other kinds pass through untouched).
    #[arg(long)]
    pub manifests: PathBuf,
    /// Folder to write the plan to (replaced as a whole).
    #[arg(long)]
    pub out: PathBuf,
    /// Labels of the PrometheusRule, `KEY=VALUE[,KEY=VALUE…]` (kube-prometheus-stack loads
    /// only the rules labelled `release: <its release name>`).
    #[arg(long, value_parser = parse_label, value_delimiter = ',')]
    pub rule_labels: Vec<(String, String)>,
    /// The kubectl context `migrate.sh` is for: it refuses any other (without it, the script
    /// asks for `--context` each time it runs).
    #[arg(long)]
    pub kube_context: Option<String>,
    /// The month the plan is made in, `YYYY-MM` (default: this month by the clock): order-by
    /// dates before it are said as overdue.
    #[arg(long, value_parser = parse_year_month)]
    pub today: Option<(i32, u32)>,
    /// Simulation options.
    #[command(flatten)]
    pub sim: SimArgs,
}

/// `YYYY-MM`.
fn parse_year_month(s: &str) -> Result<(i32, u32), String> {
    let (y, m) = s
        .split_once('-')
        .ok_or_else(|| format!("{s:?} is not YYYY-MM"))?;
    match (y.parse::<i32>(), m.parse::<u32>()) {
        (Ok(y), Ok(m))
            if y.to_string().len() == 4 && (1..=12).contains(&m) && m.to_string().len() <= 2 =>
        {
            Ok((y, m))
        }
        _ => Err(format!("{s:?} is not YYYY-MM")),
    }
}

/// `KEY=VALUE`, a Kubernetes label: the key an optional DNS prefix and `/`, then a name of up
/// to 63 letters, digits, `-`, `_`, `.` starting and ending alphanumeric; the value the same
/// or empty.
fn parse_label(s: &str) -> Result<(String, String), String> {
    let (key, value) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))?;
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 63
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && n.starts_with(|c: char| c.is_ascii_alphanumeric())
            && n.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    let (prefix, name) = key.rsplit_once('/').unwrap_or(("", key));
    let prefix_ok = prefix.is_empty()
        || (prefix.len() <= 253
            && prefix.split('.').all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            }));
    if !prefix_ok || !name_ok(name) {
        return Err(format!("{key:?} is not a Kubernetes label key"));
    }
    if !value.is_empty() && !name_ok(value) {
        return Err(format!("{value:?} is not a Kubernetes label value"));
    }
    Ok((key.to_string(), value.to_string()))
}

/// Options of every command that simulates.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Trials (default: the scenario's `trials`, else 10000), 1 to a billion.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=crate::engine::MAX_TRIALS))]
    pub trials: Option<u64>,
    /// Master seed (default: the scenario's `seed`, else one from the clock, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core; at most 16 per core). Results do not depend on
    /// it.
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// No progress bar and no table: files and errors only.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `headroom run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Output folder (default: reports/<scenario>/; with several scenarios, DIR/<scenario>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write one row per trial (the horizon month) to this Parquet file.
    #[arg(long, value_name = "FILE")]
    pub export_trials: Option<PathBuf>,
    /// With --export-trials: one row per trial and month.
    #[arg(long, requires = "export_trials")]
    pub per_month: bool,
    /// Simulation options.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Playing one share of the trials.
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// One share of a run's trials, to be merged with the others by `headroom merge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share, from 0 (Kubernetes' `JOB_COMPLETION_INDEX`).
    pub index: u64,
    /// How many shares.
    pub shares: u64,
}

/// `--threads N`: 1 to 16 per core (more threads than that only add switching, and each holds
/// a trial's state).
fn parse_threads(s: &str) -> Result<usize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of threads"))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = cores * crate::engine::MAX_THREADS_PER_CORE;
    if n == 0 || n > most {
        return Err(format!(
            "{n} threads: use 1 to {most} ({} per core on {cores} cores)",
            crate::engine::MAX_THREADS_PER_CORE
        ));
    }
    Ok(n)
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?} is not I/N (e.g. 3/16)"))?;
    let index: u64 = i
        .trim()
        .parse()
        .map_err(|_| format!("{i:?} is not a share index"))?;
    let shares: u64 = n
        .trim()
        .parse()
        .map_err(|_| format!("{n:?} is not a number of shares"))?;
    if shares == 0 || index >= shares || shares > crate::engine::MAX_TRIALS {
        return Err(format!(
            "share {index} of {shares}: I must be 0…N−1 and 1 ≤ N ≤ {} (and N at most the trials)",
            crate::engine::MAX_TRIALS
        ));
    }
    Ok(Shard { index, shares })
}

/// `--shard I/N --partial FILE`.
#[derive(Debug, Clone, Args)]
pub struct ShardArgs {
    /// Play only share I of N of the trials (I from 0, as Kubernetes' JOB_COMPLETION_INDEX)
    /// and write the partial result to --partial instead of a report; `headroom merge` joins
    /// the shares into the report one run would write.
    #[arg(long, value_name = "I/N", value_parser = parse_shard, requires = "partial")]
    pub shard: Option<Shard>,
    /// Where the share's partial result goes.
    #[arg(long, value_name = "FILE", requires = "shard")]
    pub partial: Option<PathBuf>,
}

/// `headroom merge`.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// Partial results written by `run`/`compare`/`recommend --shard I/N --partial FILE`, in
    /// any order.
    #[arg(required = true)]
    pub partials: Vec<PathBuf>,
    /// Output folder (default: what `run` or `compare` would use; for `recommend`'s shares,
    /// none: the recommendation is printed, and written there as text and JSON when given).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No table: files and errors only.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `headroom compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Scenario files: the first is the baseline the others are compared with.
    #[arg(required = true, num_args = 2..)]
    pub scenarios: Vec<PathBuf>,
    /// Output folder (default: reports/compare-<A>-vs-<B>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Simulation options.
    #[command(flatten)]
    pub sim: SimArgs,
    /// Playing one share of the trials.
    #[command(flatten)]
    pub shard: ShardArgs,
}

/// `headroom validate`.
#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Scenario files (TOML).
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
}

/// `headroom ingest`.
#[derive(Debug, Clone, Args)]
pub struct IngestArgs {
    /// Captures, JSON or YAML, recognised by content: ceph df, ceph osd df [tree], ceph osd
    /// tree, ceph osd dump, ceph status; kubectl get pvc|pv|sts|storageclass; Rook
    /// CephCluster, CephBlockPool, CephFilesystem.
    #[arg(required_unless_present = "live")]
    pub captures: Vec<PathBuf>,
    /// Capture the cluster now: run the read-only `ceph … -f json` commands (and, with
    /// --kubectl or --context, `kubectl get pvc,pv,sts,storageclass -A -o json`), keep their
    /// output in `<scenario>.captures/` beside --out, and ingest them with any captures given.
    #[arg(long)]
    pub live: bool,
    /// With --live: the ceph.conf to pass to `ceph -c`.
    #[arg(long, value_name = "FILE", requires = "live")]
    pub ceph_conf: Option<PathBuf>,
    /// With --live: the Ceph user to pass to `ceph --id`.
    #[arg(long, value_name = "NAME", requires = "live")]
    pub ceph_user: Option<String>,
    /// With --live: capture the claims with kubectl too.
    #[arg(long, requires = "live")]
    pub kubectl: bool,
    /// With --live: the kubectl context (implies --kubectl).
    #[arg(long, value_name = "CONTEXT", requires = "live")]
    pub context: Option<String>,
    /// The scenario file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// The Ceph cluster's name in the scenario, where no Rook CephCluster was captured.
    #[arg(long, default_value = "ceph")]
    pub cluster: String,
    /// Replace --out if it exists (by default an existing scenario, perhaps edited or
    /// calibrated since, is left alone).
    #[arg(long)]
    pub force: bool,
}

/// `headroom calibrate`.
#[derive(Debug, Clone, Args)]
pub struct CalibrateArgs {
    /// Usage history: a Prometheus query_range result (JSON) of kubelet_volume_stats_used_bytes
    /// or ceph_pool_stored, or a CSV of time,volume,used_bytes.
    #[arg(required = true)]
    pub history: PathBuf,
    /// The scenario to write the fitted growth into (edited in place, comments kept).
    #[arg(long)]
    pub scenario: PathBuf,
    /// Which `[[volumes]]` entry a series belongs to, where its name does not say: one
    /// `--volume NAME` fits every series into that entry.
    #[arg(long)]
    pub volume: Option<String>,
    /// A user-count history (CSV time,users) to fit population growth from.
    #[arg(long)]
    pub users: Option<PathBuf>,
    /// The folder for the fit charts, `<scenario>-<volume>-fit.png` (default: the scenario's).
    #[arg(long)]
    pub charts: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
