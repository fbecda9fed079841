//! `ingest --live`: the read-only commands an operator would run to capture a cluster, run
//! here, each output kept beside the scenario so that the ingest can be read and replayed.

use crate::cli::IngestArgs;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `ceph` commands `ingest` reads (all read-only), and the file each output is kept in.
const CEPH: [(&str, &[&str]); 5] = [
    ("ceph-df.json", &["df", "detail"]),
    ("ceph-osd-df-tree.json", &["osd", "df", "tree"]),
    ("ceph-osd-dump.json", &["osd", "dump"]),
    (
        "ceph-osd-crush-rule-dump.json",
        &["osd", "crush", "rule", "dump"],
    ),
    ("ceph-status.json", &["status"]),
];

/// Where the captures of `out` are kept: `<stem>.captures/` beside it.
pub fn captures_dir(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ingested".into());
    out.with_file_name(format!("{stem}.captures"))
}

/// Runs the commands, writes their outputs into the captures folder and returns the files.
/// A command that is not installed, fails or prints nothing is an error that names it.
pub fn capture(args: &IngestArgs) -> anyhow::Result<Vec<PathBuf>> {
    let dir = captures_dir(&args.out);
    let mut files = Vec::new();
    for (file, words) in CEPH {
        files.push(run(ceph(args, words), &dir, file)?);
    }
    // Where each pool's new data lands: its PGs' up sets, a pool at a time (the file named by
    // the pool's id, which is safe as a name where the pool's name may not be).
    for (id, name) in pools(&files[0])? {
        let file = format!("ceph-pg-ls-by-pool-{id}.json");
        files.push(run(ceph(args, &["pg", "ls-by-pool", &name]), &dir, &file)?);
    }
    if args.kubectl || args.context.is_some() {
        let mut cmd = Command::new("kubectl");
        if let Some(context) = &args.context {
            cmd.arg("--context").arg(context);
        }
        cmd.args(["get", "pvc,pv,sts,storageclass", "-A", "-o", "json"]);
        files.push(run(cmd, &dir, "kubectl-claims.json")?);
    }
    Ok(files)
}

/// A read-only `ceph` command with the operator's conf and user, as JSON.
fn ceph(args: &IngestArgs, words: &[&str]) -> Command {
    let mut cmd = Command::new("ceph");
    if let Some(conf) = &args.ceph_conf {
        cmd.arg("-c").arg(conf);
    }
    if let Some(user) = &args.ceph_user {
        cmd.arg("--id").arg(user);
    }
    cmd.args(["--connect-timeout", "30"])
        .args(words)
        .args(["-f", "json"]);
    cmd
}

/// The pools (id, name) of a `ceph df` capture.
fn pools(df: &Path) -> anyhow::Result<Vec<(i64, String)>> {
    let text = std::fs::read_to_string(df).with_context(|| format!("reading {}", df.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("--live: {} is not JSON", df.display()))?;
    Ok(doc["pools"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|p| Some((p["id"].as_i64()?, p["name"].as_str()?.to_string())))
        .collect())
}

/// Runs one command and keeps its output as `dir/file`.
fn run(mut cmd: Command, dir: &Path, file: &str) -> anyhow::Result<PathBuf> {
    let shown = shown(&cmd);
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "--live: `{}` is not installed here (or not on PATH); run ingest where it is, or capture by hand and pass the files",
            cmd.get_program().to_string_lossy()
        ),
        Err(e) => return Err(e).with_context(|| format!("--live: running `{shown}`")),
    };
    if !out.status.success() {
        bail!(
            "--live: `{shown}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        bail!("--live: `{shown}` printed nothing");
    }
    let path = dir.join(file);
    super::output::write_file(&path, &out.stdout)?;
    println!("ran `{shown}` → {}", path.display());
    Ok(path)
}

/// A command as a person would type it.
fn shown(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| crate::names::shell_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}
