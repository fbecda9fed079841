//! Documentation that cannot drift (issue 12): the figures the README prints are the program's.
//! The sample run, the compare paragraphs and the recommendation are run again with the same
//! commands, trials and seeds, and the README's text blocks must be exactly what they print;
//! the bundled-scenario table's month-0 figures are computed and must appear in its rows. A
//! change in the model that moves them fails here until the README is updated.

use crate::common::*;
use headroom::engine::replay_trial;
use headroom::model::metrics::Metric;

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The README's ```text block whose first line is `first`.
fn block(readme: &str, first: &str) -> String {
    let start = readme
        .find(&format!("```text\n{first}\n"))
        .unwrap_or_else(|| panic!("README has no text block starting {first:?}"));
    let body = &readme[start + "```text\n".len()..];
    body[..body.find("```").unwrap()].to_string()
}

/// Runs `headroom args… --out DIR/name` and returns its standard output with DIR replaced by
/// the folder the README names (`reports`).
fn printed(args: &[&str], name: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(name);
    let assert = headroom()
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    String::from_utf8(assert.get_output().stdout.clone())
        .unwrap()
        .replace(&dir.path().display().to_string(), "reports")
}

/// Asserts the README's block equals what the program prints, line by line.
#[track_caller]
fn same_text(readme_block: &str, program: &str, what: &str) {
    for (i, (want, got)) in readme_block.lines().zip(program.lines()).enumerate() {
        assert_eq!(
            want.trim_end(),
            got.trim_end(),
            "README's {what}, line {}, differs from the program's output; update the README",
            i + 1
        );
    }
    assert_eq!(
        readme_block.trim_end().lines().count(),
        program.trim_end().lines().count(),
        "README's {what} has another length than the program's output:\n{program}"
    );
}

/// "The two commands": the first one's printout (10,000 trials, seed 42).
#[test]
fn the_sample_run_is_what_run_prints() {
    let out = printed(
        &["run", "scenarios/coditect-hybrid.toml"],
        "coditect-hybrid",
    );
    let want = block(
        &readme(),
        "coditect-hybrid — 10000 trials, seed 42, 24 months, USD",
    );
    same_text(&want, &out, "sample run");
}

/// `compare`'s paragraphs for the three Coditect variants (10,000 trials, seed 42).
#[test]
fn the_compare_paragraphs_are_what_compare_prints() {
    let out = printed(
        &[
            "compare",
            "scenarios/coditect-standard.toml",
            "scenarios/coditect-hybrid.toml",
            "scenarios/coditect-hybrid-autoresize.toml",
        ],
        "tiers",
    );
    let want = block(
        &readme(),
        "coditect-standard vs coditect-hybrid vs coditect-hybrid-autoresize — 10000 trials each, seed 42, 24 months, USD",
    );
    same_text(&want, &out, "compare example");
}

/// `recommend`'s answer for coditect-hybrid's workspace (10,000 trials).
#[test]
fn the_recommendation_is_what_recommend_prints() {
    let assert = headroom()
        .args(["recommend", "scenarios/coditect-hybrid.toml"])
        .assert()
        .success();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let want = block(
        &readme(),
        "workspace: 10 GiB with autoresize +10% when free < 10%, up to 50 GiB is the cheapest option that meets the",
    );
    // The README shows the recommendation's sentence, wrapped; the command prints it on one
    // line, and more after it.
    let program = out
        .lines()
        .find(|l| l.starts_with("workspace: "))
        .expect("recommend names the workspace template");
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        words(&want),
        words(program),
        "README's recommendation differs from the program's output; update the README"
    );
}

/// The gate's pull-request comment: coditect's base growth raised from 6% to 8% a month on a
/// branch, judged `--against HEAD` with the project's budget (the README's markdown example).
#[test]
fn the_gate_comment_is_what_gate_prints() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir_all(repo.join("scenarios")).unwrap();
    std::fs::create_dir_all(repo.join("pricing")).unwrap();
    for file in [
        "budget.toml",
        "scenarios/coditect-hybrid.toml",
        "scenarios/coditect-base.toml",
    ] {
        std::fs::copy(root().join(file), repo.join(file)).unwrap();
    }
    for entry in std::fs::read_dir(root().join("pricing")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, repo.join("pricing").join(path.file_name().unwrap())).unwrap();
    }
    git(repo, &["init", "-q"]);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "base"]);
    let base = repo.join("scenarios/coditect-base.toml");
    let text = std::fs::read_to_string(&base).unwrap();
    let growth = "rate = { normal = { mean = 0.06, sd = 0.03 } }";
    assert!(text.contains(growth), "coditect-base.toml's growth moved");
    std::fs::write(
        &base,
        text.replace(growth, "rate = { normal = { mean = 0.08, sd = 0.03 } }"),
    )
    .unwrap();
    let assert = assert_cmd::Command::cargo_bin("headroom")
        .unwrap()
        .current_dir(repo)
        .args(["gate", "--budget", "budget.toml", "--against", "HEAD"])
        .args(["scenarios/coditect-hybrid.toml", "--format", "markdown"])
        .assert()
        .code(1);
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let want = block(&readme(), "<!-- headroom-gate -->");
    let program: String = out
        .lines()
        .take(want.lines().count())
        .map(|l| format!("{l}\n"))
        .collect();
    same_text(&want, &program, "gate comment");
}

/// Money as the README writes it: $1,205.48, $183 (no cents when whole).
fn dollars(x: f64) -> String {
    let cents = (x * 100.0).round() as u64;
    let whole = cents / 100;
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if cents % 100 == 0 {
        format!("${grouped}")
    } else {
        format!("${grouped}.{:02}", cents % 100)
    }
}

/// The row of the bundled-scenario table for `file`.
fn row(readme: &str, file: &str) -> String {
    readme
        .lines()
        .find(|l| l.starts_with(&format!("| `{file}` |")))
        .unwrap_or_else(|| panic!("README's scenario table has no row for {file}"))
        .to_string()
}

/// The bundled-scenario table: each month-0 figure in it, computed (month 0 has no draws, so
/// one replayed trial is every trial).
#[test]
fn the_scenario_tables_month0_figures_are_computed() {
    let readme = readme();
    let month0 = |file: &str, metric: Metric| {
        replay_trial(&load(&format!("scenarios/{file}")).model, 1, 0).get(0, metric)
    };
    for (file, metric, pattern) in [
        ("coditect-standard.toml", Metric::CostStorage, "= {}"),
        (
            "coditect-standard.toml",
            Metric::CostTotal,
            "; {} with compute",
        ),
        ("coditect-hybrid.toml", Metric::CostStorage, "= {};"),
        ("coditect-hybrid.toml", Metric::CostTotal, "; {} ("),
        ("adr029-starter.toml", Metric::CostTotal, "= {} |"),
        ("adr029-production.toml", Metric::CostTotal, "= {} ("),
        ("adr029-enterprise.toml", Metric::CostTotal, "= {} ("),
    ] {
        let want = pattern.replace("{}", &dollars(month0(file, metric)));
        let r = row(&readme, file);
        assert!(
            r.contains(&want),
            "README's row for {file} should say {want:?} ({} at month 0):\n{r}",
            metric.name()
        );
    }
    // Capacities: Contabo's raw and usable GiB, the external cluster's raw.
    let contabo = row(&readme, "contabo-ceph.toml");
    let raw = month0("contabo-ceph.toml", Metric::CephRawCapacityGib);
    let usable = month0("contabo-ceph.toml", Metric::CephUsableGib);
    assert!(
        contabo.contains(&format!("{raw:.0} GiB raw, {usable:.1} GiB usable")),
        "{contabo}"
    );
    let external = row(&readme, "contabo-ceph-external.toml");
    let raw = month0("contabo-ceph-external.toml", Metric::CephRawCapacityGib);
    assert!(
        external.contains(&format!("{raw:.0} GiB raw")),
        "{external}"
    );
}

/// "`ingest` and `calibrate`": the month-0 table of the fixtures' shop is what `ingest`
/// prints.
#[test]
fn the_ingest_table_is_what_ingest_prints() {
    let readme = readme();
    let captures = [
        "checkmk-nvme16-ceph-df-detail.json",
        "shop-pvc.yaml",
        "shop-sts.json",
        "shop-storageclass.json",
    ]
    .map(|f| format!("tests/fixtures/captures/{f}"));
    let mut args = vec!["ingest"];
    args.extend(captures.iter().map(String::as_str));
    let program = printed(&args, "shop.toml");
    same_text(
        &block(&readme, "wrote reports/shop.toml"),
        &program,
        "ingest table",
    );
}

/// The calibrate line is what `calibrate` prints for `tests/calibrate.rs`'s 40 drawn volumes.
#[test]
fn the_calibrate_line_is_what_calibrate_prints() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, claims) = crate::calibrate::lognormal_history(40, 12, 0.5, 0.6, 11);
    let (_, mut cmd) = crate::calibrate::calibrate_command(dir.path(), &csv, &claims, None);
    let out = cmd.assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let line = stdout.lines().find(|l| l.starts_with("data: ")).unwrap();
    let readme = readme();
    let block = block(&readme, line);
    assert_eq!(
        block.trim_end(),
        line,
        "README's calibrate line differs from the program's"
    );
}
