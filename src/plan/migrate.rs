//! `migrate.sh`: what the plan changes in a live cluster, in steps an operator can run, stop and
//! run again. And `migrate/`, the one object each step applies, so that applying a StorageClass
//! never re-applies a StatefulSet that shares its file (the API refuses a changed
//! `volumeClaimTemplates`: "Forbidden: updates to statefulset spec").
//!
//! The script is bash with `set -euo pipefail`: any failed command (a forbidden `get`, a
//! patch a ResourceQuota refuses) stops it with kubectl's message. Every kubectl call names the
//! context (`--context`, required, and checked against the one `plan --kube-context` was given);
//! `--dry-run` sends every change to the API server with `--dry-run=server` and changes nothing.
//! Each step checks what is already done (a StatefulSet whose template is already the new one
//! is left alone, a PVC already as large is not patched, deletes ignore what is gone), so a
//! re-run after a failure at any step finishes the job. Names are Kubernetes names (checked
//! where the manifests are read) and quoted all the same.

use super::manifests::{Folder, Place, field};
use super::{Changes, volumes};
use crate::names::shell_quote;
use crate::report::Output;
use std::fmt::Write;

/// The folder of the one-object manifests.
pub const FOLDER: &str = "migrate";

/// What of a StatefulSet's volume claim templates the plan sets, one line each (name, size,
/// annotations), as kubectl prints it for the live object and for the file alike: a live
/// object also carries what the API server defaults (`volumeMode`, `status`), which must not
/// make a done step look undone.
const TEMPLATES: &str = r#"{range .spec.volumeClaimTemplates[*]}{.metadata.name}={.spec.resources.requests.storage} {.metadata.annotations}{"\n"}{end}"#;

/// The file of one object: `migrate/<kind>-<namespace>-<name>.yaml` (no namespace for a
/// cluster-wide kind), and its YAML.
fn object(folder: &Folder, at: Place) -> Output {
    let value = folder.get(at);
    let kind = field(value, &["kind"]).unwrap_or("object").to_lowercase();
    let name = field(value, &["metadata", "name"]).unwrap_or("unnamed");
    let file = match field(value, &["metadata", "namespace"]) {
        Some(ns) => format!("{FOLDER}/{kind}-{ns}-{name}.yaml"),
        None => format!("{FOLDER}/{kind}-{name}.yaml"),
    };
    Output::new(
        file,
        yaml_serde::to_string(value)
            .unwrap_or_default()
            .into_bytes(),
    )
}

const PREAMBLE: &str = r#"set -euo pipefail

CONTEXT="$PLANNED_CONTEXT"
DRY_RUN=
while [ "$#" -gt 0 ]; do
  case "$1" in
    --context)
      [ "$#" -ge 2 ] || { echo "migrate.sh: --context needs a context name" >&2; exit 2; }
      CONTEXT=$2
      shift 2
      ;;
    --dry-run) DRY_RUN=--dry-run=server; shift ;;
    *) echo "usage: migrate.sh --context CONTEXT [--dry-run]" >&2; exit 2 ;;
  esac
done
if [ -z "$CONTEXT" ]; then
  echo "migrate.sh: name the cluster with --context CONTEXT (kubectl config get-contexts); the current context is $(kubectl config current-context 2>/dev/null || echo unset)" >&2
  exit 2
fi
if [ -n "$PLANNED_CONTEXT" ] && [ "$CONTEXT" != "$PLANNED_CONTEXT" ]; then
  echo "migrate.sh: this plan is for context $PLANNED_CONTEXT, not $CONTEXT" >&2
  exit 2
fi
kubectl config get-contexts "$CONTEXT" >/dev/null
PLAN_DIR=$(cd "$(dirname "$0")" && pwd)

k() { kubectl --context "$CONTEXT" "$@"; }
# A change: under --dry-run the API server checks it and nothing changes.
change() { if [ -n "$DRY_RUN" ]; then k "$@" "$DRY_RUN"; else k "$@"; fi; }
step() { echo "== $*${DRY_RUN:+ (dry run)}"; }
# Bytes of a Kubernetes quantity: 10Gi, 500G, 1.5Ti, 512Mi.
bytes() {
  awk -v q="$1" 'BEGIN {
    match(q, /^[0-9.]+/); n = substr(q, 1, RLENGTH); u = substr(q, RLENGTH + 1)
    f["Ki"] = 2^10; f["Mi"] = 2^20; f["Gi"] = 2^30; f["Ti"] = 2^40; f["Pi"] = 2^50
    f["k"] = 1e3; f["M"] = 1e6; f["G"] = 1e9; f["T"] = 1e12; f["P"] = 1e15; f[""] = 1
    if (!(u in f)) { print "migrate.sh: not a quantity: " q > "/dev/stderr"; exit 1 }
    printf "%.0f\n", n * f[u]
  }'
}
# grow NAMESPACE PVC SIZE: the PVC's request raised to SIZE where it is smaller (a PVC cannot
# shrink; one already larger, by pvc-autoresizer or by hand, is left as it is).
grow() {
  local have
  have=$(k -n "$1" get "persistentvolumeclaim/$2" -o 'jsonpath={.spec.resources.requests.storage}')
  if [ "$(bytes "$have")" -lt "$(bytes "$3")" ]; then
    change -n "$1" patch "persistentvolumeclaim/$2" --type merge \
      -p "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"$3\"}}}}"
  else
    echo "persistentvolumeclaim/$2: $have, already at least $3"
  fi
}
# replace NAMESPACE STATEFULSET FILE JSONPATH: the StatefulSet deleted with its pods and PVCs
# kept (--cascade=orphan) and re-applied from FILE, unless its volume claim template (read by
# JSONPATH) is already the file's.
replace() {
  local live want
  live=$(k -n "$1" get statefulset "$2" --ignore-not-found -o "jsonpath=$4")
  want=$(k apply --dry-run=client -f "$3" -o "jsonpath=$4")
  if [ "$live" = "$want" ]; then
    echo "statefulset/$2: its volume claim template is already the plan's"
  elif [ -n "$DRY_RUN" ]; then
    change -n "$1" delete statefulset "$2" --cascade=orphan --ignore-not-found
    echo "statefulset/$2: would be re-applied from $3 (the API server checks it once the old one is gone)"
  else
    k -n "$1" delete statefulset "$2" --cascade=orphan --ignore-not-found
    k apply -f "$3"
  fi
}
"#;

/// `migrate.sh` and the manifests it applies, for the changes `ch` made in `folder`.
pub(super) fn outputs(
    folder: &Folder,
    ch: &Changes,
    header: &str,
    context: Option<&str>,
) -> Vec<Output> {
    let mut files: Vec<Output> = Vec::new();
    let mut s = format!(
        "#!/usr/bin/env bash\n# {header}\n#\n# What the plan changes in the cluster, step by step. First\n#   ./migrate.sh --context CONTEXT --dry-run\n# (the API server checks every change, nothing changes), then without --dry-run. Safe to run\n# again after a failure: each step skips what is done. A StatefulSet's volumeClaimTemplates\n# cannot change in place (KEP-661 never merged; KEP-4650 had not merged by mid-2026): it is\n# deleted with its pods and PVCs kept (--cascade=orphan), re-applied, and its existing PVCs\n# are grown and annotated one by one. Rollback: re-apply the manifests as they were (git),\n# after deleting the StatefulSet the same way; a grown PVC cannot shrink.\nPLANNED_CONTEXT={}\n{PREAMBLE}",
        shell_quote(context.unwrap_or(""))
    );
    first_step(&mut s, &mut files, folder, ch);
    let mut n = 1;
    for p in ch.pvcs.iter().filter(|p| p.changed) {
        n += 1;
        pvc_step(&mut s, n, p);
    }
    let mut replaced: Vec<(&str, &str)> = Vec::new();
    for c in ch.statefulsets.iter().filter(|c| c.changed) {
        n += 1;
        let first = !replaced.contains(&(c.namespace.as_str(), c.statefulset.as_str()));
        if first {
            replaced.push((&c.namespace, &c.statefulset));
        }
        statefulset_step(
            &mut s,
            n,
            c,
            first.then(|| object(folder, c.place)),
            &mut files,
        );
    }
    let _ = writeln!(
        s,
        "\necho \"migrate.sh: done${{DRY_RUN:+ (dry run: nothing changed)}}\""
    );
    files.push(Output::script("migrate.sh", s.into_bytes()));
    files
}

/// Step 1: StorageClasses and CephClusters, each from its own file, and the alert rules.
fn first_step(s: &mut String, files: &mut Vec<Output>, folder: &Folder, ch: &Changes) {
    let mut first: Vec<Place> = ch
        .classes
        .iter()
        .map(|c| c.2)
        .chain(ch.ratios.iter().map(|r| r.2))
        .collect();
    first.dedup();
    let _ = writeln!(
        s,
        "\nstep {}",
        shell_quote("1. StorageClasses, CephCluster ratios, alert rules")
    );
    for at in first {
        let file = object(folder, at);
        let _ = writeln!(
            s,
            "change apply -f \"$PLAN_DIR\"/{}",
            shell_quote(&file.name)
        );
        files.push(file);
    }
    let _ = writeln!(
        s,
        "change apply -f \"$PLAN_DIR/prometheusrule-headroom.yaml\""
    );
}

/// A standalone PVC: grown where smaller, annotated.
fn pvc_step(s: &mut String, n: usize, p: &volumes::PvcChange) {
    let (ns, name) = (shell_quote(&p.namespace), shell_quote(&p.name));
    let size = volumes::quantity(p.new_gib);
    let title = format!("{n}. PVC {}/{}: at least {size}", p.namespace, p.name);
    let _ = writeln!(s, "\nstep {}\ngrow {ns} {name} {size}", shell_quote(&title));
    annotate(
        s,
        &ns,
        &format!("persistentvolumeclaim/{name}"),
        &p.annotations,
    );
}

/// A StatefulSet's template: the StatefulSet replaced from `file` (its first template's step
/// only), then each of the template's claims grown to at least its size and annotated.
fn statefulset_step(
    s: &mut String,
    n: usize,
    c: &volumes::TemplateChange,
    file: Option<Output>,
    files: &mut Vec<Output>,
) {
    let (ns, sts) = (shell_quote(&c.namespace), shell_quote(&c.statefulset));
    let size = volumes::quantity(c.new_gib);
    let title = format!(
        "{n}. StatefulSet {}/{}: volumeClaimTemplate {} {} → {size}",
        c.namespace,
        c.statefulset,
        c.template,
        c.old_gib.map_or("unset".into(), volumes::quantity),
    );
    let _ = writeln!(s, "\nstep {}", shell_quote(&title));
    if let Some(file) = file {
        let _ = writeln!(
            s,
            "replace {ns} {sts} \"$PLAN_DIR\"/{} {}",
            shell_quote(&file.name),
            shell_quote(TEMPLATES)
        );
        files.push(file);
    }
    let claims = format!(
        "^persistentvolumeclaim/{}-{}-[0-9]+$",
        c.template.replace('.', "\\."),
        c.statefulset.replace('.', "\\.")
    );
    let _ = writeln!(
        s,
        "pvcs=$(k -n {ns} get pvc -o name)\nfor pvc in $(printf '%s\\n' \"$pvcs\" | grep -E {} || true); do",
        shell_quote(&claims)
    );
    if c.old_gib.is_some_and(|o| c.new_gib < o - 1e-9) {
        let _ = writeln!(
            s,
            "  # {size} is smaller than before: existing PVCs keep their size (a PVC cannot shrink); new replicas get the new size."
        );
    }
    // Each claim at least the template's size: one made before the template grew, or by hand,
    // may be smaller; one larger is left as it is.
    let _ = writeln!(s, "  grow {ns} \"${{pvc#persistentvolumeclaim/}}\" {size}");
    let mut each = String::new();
    annotate(&mut each, &ns, "\"$pvc\"", &c.annotations);
    for line in each.lines() {
        let _ = writeln!(s, "  {line}");
    }
    let _ = writeln!(s, "done");
}

/// The pvc-autoresizer annotations of `target` set (or, where there are none, removed).
fn annotate(
    s: &mut String,
    ns: &str,
    target: &str,
    annotations: &std::collections::BTreeMap<String, String>,
) {
    if annotations.is_empty() {
        let _ = writeln!(
            s,
            "change -n {ns} annotate {target} {}- {}- {}-",
            volumes::LIMIT,
            volumes::THRESHOLD,
            volumes::INCREASE
        );
    } else {
        let _ = writeln!(
            s,
            "change -n {ns} annotate {target} --overwrite {}",
            annotations
                .iter()
                .map(|(k, v)| shell_quote(&format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}
