#!/bin/sh
# headroom plan scenarios/contabo-ceph.toml — 300 trials per option, seed 11, headroom 0.1.0
#
# A StatefulSet's volumeClaimTemplates cannot change in place: the API forbids updates to
# fields other than replicas, template, updateStrategy and a few more (KEP-661 never merged;
# KEP-4650 had not merged by mid-2026). So each StatefulSet is deleted with its pods and PVCs
# kept (--cascade=orphan), re-applied with the new template, and its existing PVCs are grown
# and annotated one by one. Review before running; it stops at the first error.
set -eu
PLAN_DIR=$(cd "$(dirname "$0")" && pwd)

# 1. StorageClasses, standalone PVCs, Ceph ratios, alert rules.
kubectl apply -f "$PLAN_DIR"/cephcluster.yaml
kubectl apply -f "$PLAN_DIR"/pools.yaml
kubectl apply -f "$PLAN_DIR/prometheusrule-headroom.yaml"

