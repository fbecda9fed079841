#!/usr/bin/env bash
# headroom plan scenarios/coditect-hybrid.toml — 300 trials per option, seed 11, headroom 0.1.0
#
# What the plan changes in the cluster, step by step. First
#   ./migrate.sh --context CONTEXT --dry-run
# (the API server checks every change, nothing changes), then without --dry-run. Safe to run
# again after a failure: each step skips what is done. A StatefulSet's volumeClaimTemplates
# cannot change in place (KEP-661 never merged; KEP-4650 had not merged by mid-2026): it is
# deleted with its pods and PVCs kept (--cascade=orphan), re-applied, and its existing PVCs
# are grown and annotated one by one. Rollback: re-apply the manifests as they were (git),
# after deleting the StatefulSet the same way; a grown PVC cannot shrink.
PLANNED_CONTEXT=''
set -euo pipefail

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

step '1. StorageClasses, CephCluster ratios, alert rules'
change apply -f "$PLAN_DIR"/migrate/storageclass-standard-rwo.yaml
change apply -f "$PLAN_DIR/prometheusrule-headroom.yaml"

step '2. StatefulSet coditect-app/coditect-combined: volumeClaimTemplate workspace 10Gi → 10Gi'
replace coditect-app coditect-combined "$PLAN_DIR"/migrate/statefulset-coditect-app-coditect-combined.yaml '{range .spec.volumeClaimTemplates[*]}{.metadata.name}={.spec.resources.requests.storage} {.metadata.annotations}{"\n"}{end}'
pvcs=$(k -n coditect-app get pvc -o name)
for pvc in $(printf '%s\n' "$pvcs" | grep -E '^persistentvolumeclaim/workspace-coditect-combined-[0-9]+$' || true); do
  grow coditect-app "${pvc#persistentvolumeclaim/}" 10Gi
  change -n coditect-app annotate "$pvc" --overwrite resize.topolvm.io/increase=10% resize.topolvm.io/storage_limit=50Gi resize.topolvm.io/threshold=10%
done

step '3. StatefulSet coditect-app/coditect-combined: volumeClaimTemplate theia-config 5Gi → 2Gi'
pvcs=$(k -n coditect-app get pvc -o name)
for pvc in $(printf '%s\n' "$pvcs" | grep -E '^persistentvolumeclaim/theia-config-coditect-combined-[0-9]+$' || true); do
  # 2Gi is smaller than before: existing PVCs keep their size (a PVC cannot shrink); new replicas get the new size.
  grow coditect-app "${pvc#persistentvolumeclaim/}" 2Gi
  change -n coditect-app annotate "$pvc" resize.topolvm.io/storage_limit- resize.topolvm.io/threshold- resize.topolvm.io/increase-
done

echo "migrate.sh: done${DRY_RUN:+ (dry run: nothing changed)}"
