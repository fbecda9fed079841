#!/bin/sh
# headroom plan scenarios/coditect-hybrid.toml — 300 trials per option, seed 11, headroom 0.1.0
#
# A StatefulSet's volumeClaimTemplates cannot change in place: the API forbids updates to
# fields other than replicas, template, updateStrategy and a few more (KEP-661 never merged;
# KEP-4650 had not merged by mid-2026). So each StatefulSet is deleted with its pods and PVCs
# kept (--cascade=orphan), re-applied with the new template, and its existing PVCs are grown
# and annotated one by one. Review before running; it stops at the first error.
set -eu
PLAN_DIR=$(cd "$(dirname "$0")" && pwd)

# 1. StorageClasses, standalone PVCs, Ceph ratios, alert rules.
kubectl apply -f "$PLAN_DIR"/storageclass.yaml
kubectl apply -f "$PLAN_DIR/prometheusrule-headroom.yaml"

# 2. StatefulSet coditect-combined (coditect-app): volumeClaimTemplate workspace 10Gi → 10Gi.
kubectl -n coditect-app delete statefulset coditect-combined --cascade=orphan
kubectl apply -f "$PLAN_DIR"/statefulset.yaml
for pvc in $(kubectl -n coditect-app get pvc -o name | grep -E '^persistentvolumeclaim/workspace-coditect-combined-[0-9]+$'); do
  kubectl -n coditect-app annotate "$pvc" --overwrite resize.topolvm.io/increase=10% resize.topolvm.io/storage_limit=50Gi resize.topolvm.io/threshold=10%
done

# 3. StatefulSet coditect-combined (coditect-app): volumeClaimTemplate theia-config 5Gi → 2Gi.
for pvc in $(kubectl -n coditect-app get pvc -o name | grep -E '^persistentvolumeclaim/theia-config-coditect-combined-[0-9]+$'); do
  # 2Gi is smaller than before: existing PVCs keep their size (a PVC cannot shrink); new replicas get the new size.
  kubectl -n coditect-app annotate "$pvc" resize.topolvm.io/storage_limit- resize.topolvm.io/threshold- resize.topolvm.io/increase- 2>/dev/null || true
done

