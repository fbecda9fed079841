//! The plan's Ceph order alert in a real Prometheus (Debian's `prometheus`) scraping a live Ceph
//! through the mgr's `prometheus` module (issue 22): the rule `plan` writes must go from
//! inactive to firing at the step where headroom projects the fullest OSD to pass the trigger,
//! and the order `recommend` dates falls in that step too. A rule on a metric the exporter does
//! not have, or with the wrong labels, stays inactive and fails here.
//!
//! Under `CI=true` a machine without `prometheus` or Ceph fails the test, saying so; elsewhere
//! it is skipped with a notice.

use crate::common::headroom;
use crate::live_ceph::{OBJECT, Snapshot, ingest, object_file, one_trial, projected, start};
use headroom::model::metrics::Metric;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (bound and released: the server binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `GET path` on 127.0.0.1:port (HTTP/1.0, the body), or None when nothing answers.
fn get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.")
        .then_some(())
        .filter(|_| head.split_whitespace().nth(1) == Some("200"))?;
    Some(body.to_string())
}

/// Waits up to `secs` for `done`, asserting with `what` when it never comes.
fn wait_for<T>(secs: u64, what: &str, mut done: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(t) = done() {
            return t;
        }
        assert!(Instant::now() < deadline, "{what} (after {secs} s)");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A Prometheus server, stopped (by its pid) when dropped.
struct Prometheus {
    child: Child,
    port: u16,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Started on a free port with `rules`, scraping the mgr on `target` every second and
    /// evaluating every second, its data in `dir`.
    fn start(dir: &Path, target: u16, rules: &Path) -> Prometheus {
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {}\nscrape_configs:\n  - job_name: ceph\n    static_configs:\n      - targets: ['127.0.0.1:{target}']\n",
                rules.display()
            ),
        )
        .expect("prometheus.yml");
        let port = free_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(
                std::fs::File::create(dir.join("prometheus.log"))
                    .map(Stdio::from)
                    .unwrap_or_else(|_| Stdio::null()),
            )
            .spawn()
            .expect("starting prometheus");
        let p = Prometheus { child, port };
        wait_for(60, "Prometheus did not become ready", || {
            get(port, "/-/ready")
        });
        p
    }

    /// An instant query's first value, if any.
    fn value(&self, promql: &str) -> Option<f64> {
        let q: String = promql
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let body = get(self.port, &format!("/api/v1/query?query={q}"))?;
        let v: Value = serde_json::from_str(&body).ok()?;
        v["data"]["result"][0]["value"][1].as_str()?.parse().ok()
    }

    /// The state of `alert` (`inactive` where Prometheus lists none).
    fn alert_state(&self, alert: &str) -> String {
        let body = get(self.port, "/api/v1/alerts").expect("the alerts API");
        let v: Value = serde_json::from_str(&body).expect("alerts JSON");
        v["data"]["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["labels"]["alertname"] == alert)
            .and_then(|a| a["state"].as_str())
            .unwrap_or("inactive")
            .to_string()
    }
}

/// Whether `tool` is installed; under CI a missing one fails the test.
fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        let why = format!("the live alert test needs {tool} (Debian: apt-get install prometheus)");
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("notice: skipping: {why}");
    }
    found
}

/// Steps of 0.25 GiB into a size-3 pool.
const STEPS: u32 = 9;
/// The capture the plan is made from.
const FROM: u32 = 1;

/// 3 hosts × one 3 GiB OSD, a size-3 pool, ratios 0.75 / 0.8 / 0.85, 0.25 GiB written a step
/// (about 8 points of each OSD). The capture of step 1 is ingested, given the test's growth and
/// an expansion (one host, one month's lead time), and planned at 200 trials; the plan's
/// `alerts/headroom-rules.yaml` is loaded, its `for` cut from 1h to 3s, into a Prometheus that
/// scrapes the mgr's `prometheus` module every second. At each later step, once Prometheus's
/// own reading of the fullest OSD matches `ceph osd df`, the order alert must be inactive before
/// the step headroom projects the trigger passed and firing from it; `recommend` dates the
/// first order in that step.
#[test]
fn the_order_alert_fires_in_prometheus_at_the_step_the_plan_predicts() {
    if !have("prometheus") {
        return;
    }
    let Some(c) = start(&["3", "3", "3"]) else {
        return;
    };
    let work = c.size_3_pool("32", ["0.75", "0.8", "0.85"]);
    let mgr_port = free_port();
    c.ceph(&[
        "config",
        "set",
        "mgr",
        "mgr/prometheus/server_addr",
        "127.0.0.1",
    ]);
    c.ceph(&[
        "config",
        "set",
        "mgr",
        "mgr/prometheus/server_port",
        &mgr_port.to_string(),
    ]);
    c.ceph(&[
        "config",
        "set",
        "mgr",
        "mgr/prometheus/scrape_interval",
        "1",
    ]);
    c.ceph(&["mgr", "module", "enable", "prometheus"]);
    let metrics = wait_for(120, "the mgr's prometheus module did not answer", || {
        get(mgr_port, "/metrics").filter(|m| m.contains("ceph_osd_stat_bytes_used{"))
    });
    assert!(
        metrics.contains("ceph_osd_stat_bytes{"),
        "no ceph_osd_stat_bytes"
    );

    let object = work.join("object");
    object_file(&object, OBJECT);
    let mut steps: Vec<Snapshot> = Vec::new();
    let mut written = 0;
    let write_step = |step: u32, written: &mut u64| {
        for i in 0..4 {
            assert!(
                c.put("rbd", &format!("s{step}-{i}"), &object),
                "step {step}: Ceph refused a write below full"
            );
            *written += OBJECT;
        }
    };
    for step in 0..=FROM {
        if step > 0 {
            write_step(step, &mut written);
        }
        steps.push(c.settle("rbd", written));
    }
    let captures = c.capture(&work.join(format!("step-{FROM}")));
    let ingested = ingest(&captures, &work.join("ingested.toml"));
    // The test's growth, 200 identical trials (so that a target's 95% bound can be met), and
    // an order of one more host landing a month after the trigger.
    let months = STEPS - FROM + 1;
    let scenario = projected(&ingested, months).replace("trials = 1", "trials = 200")
        + "\n\n[ceph.ceph.expansion]\ntrigger = 0.6\nprojected = false\nlead_time_months = 1\nadd = { hosts = 1 }\n";
    let scenario_path = work.join("planned.toml");
    std::fs::write(&scenario_path, &scenario).expect("scenario");
    let manifests = work.join("manifests");
    std::fs::create_dir_all(&manifests).expect("manifests");
    std::fs::write(
        manifests.join("config.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unrelated\n  namespace: rook-ceph\n",
    )
    .expect("a manifest");
    let plan = work.join("plan");
    let planned = headroom()
        .arg("plan")
        .arg(&scenario_path)
        .arg("--manifests")
        .arg(&manifests)
        .args(["--trials", "200", "--seed", "1", "--quiet", "--out"])
        .arg(&plan)
        .output()
        .expect("plan");
    // 0, or 1 where no trigger meets the targets (the alert is then at the lowest tried).
    assert!(
        matches!(planned.status.code(), Some(0 | 1)),
        "plan: {}\n{scenario}",
        String::from_utf8_lossy(&planned.stderr)
    );
    let rules = std::fs::read_to_string(plan.join("alerts/headroom-rules.yaml")).expect("rules");
    let expr_line = rules
        .lines()
        .find(|l| l.contains("expr: max by (cluster) (ceph_osd_stat_bytes_used"))
        .unwrap_or_else(|| panic!("no order alert:\n{rules}"));
    let trigger: f64 = expr_line
        .rsplit(">= ")
        .next()
        .and_then(|t| t.trim().parse().ok())
        .expect("the trigger");
    assert!(rules.contains("for: 1h"), "{rules}");
    let live_rules = work.join("rules.yaml");
    std::fs::write(&live_rules, rules.replace("for: 1h", "for: 3s")).expect("rules");

    // Where headroom projects the trigger passed, and where recommend dates the first order.
    let agg = one_trial(&scenario_path);
    let projected_fullest: Vec<f64> = (0..=(STEPS - FROM) as usize)
        .map(|k| agg.cell(k, Metric::CephFullestOsdUtil).mean())
        .collect();
    let predicted = projected_fullest
        .iter()
        .position(|&u| u >= trigger)
        .expect("the trigger is passed within the steps") as u32
        + FROM;
    let recommended = headroom()
        .arg("recommend")
        .arg(&scenario_path)
        .args(["--trials", "200", "--seed", "1", "--format", "json"])
        .output()
        .expect("recommend");
    let r: Value = serde_json::from_slice(&recommended.stdout).expect("recommend JSON");
    let ordered = r["ceph"][0]["orders"][0]["p50"]
        .as_u64()
        .map(|m| m as u32 + FROM);
    assert_eq!(
        ordered,
        Some(predicted),
        "recommend dates the first order at step {ordered:?}, the projection passes {trigger} at {predicted}: {projected_fullest:?}"
    );
    assert!(
        predicted > FROM,
        "the trigger {trigger} is passed at the capture already: {projected_fullest:?}"
    );

    let prom = Prometheus::start(&work, mgr_port, &live_rules);
    let alert = "HeadroomCephOrderCapacity";
    let mut table = String::from("step  Ceph fullest  Prometheus  headroom  alert\n");
    let mut fired_at = None;
    for step in FROM..=STEPS {
        if step > FROM {
            write_step(step, &mut written);
            steps.push(c.settle("rbd", written));
        }
        let ceph = steps[step as usize].fullest;
        // Prometheus has the step once its own reading of the fullest OSD is Ceph's.
        let seen = wait_for(120, "Prometheus never saw the step's fill", || {
            prom.value("max(ceph_osd_stat_bytes_used / ceph_osd_stat_bytes)")
                .filter(|v| (v - ceph).abs() < 0.005)
        });
        // Three evaluations past `for`.
        std::thread::sleep(Duration::from_secs(6));
        let state = prom.alert_state(alert);
        table.push_str(&format!(
            "{step:>4}  {ceph:>12.4}  {seen:>10.4}  {:>8.4}  {state}\n",
            projected_fullest[(step - FROM) as usize]
        ));
        if state == "firing" {
            fired_at = Some(step);
            break;
        }
        assert!(
            step < predicted,
            "step {step}: the alert is {state}, headroom projected the trigger {trigger} passed\n{table}"
        );
    }
    eprintln!("trigger {trigger}\n{table}");
    assert_eq!(fired_at, Some(predicted), "trigger {trigger}\n{table}");
}
