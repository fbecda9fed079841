#!/usr/bin/env bash
# A real Ceph cluster on loopback for headroom's live tests: one mon, one mgr and OSDs on
# BlueStore files, each OSD its own CRUSH host, of device class hdd, unless told otherwise.
# Nothing leaves 127.0.0.1; every daemon is stopped by its pid file.
#
#   scripts/live-ceph.sh start DIR SIZE_GIB[:HOST[:CLASS]] ...   # one OSD per argument
#   scripts/live-ceph.sh stop DIR
#   scripts/live-ceph.sh fill DIR POOL PREFIX COUNT BYTES   # COUNT objects of BYTES each
#                                      (given LIVE_CEPH_FILL_TIMEOUT seconds, default 120)
#
# `fill` writes through librados (Debian's python3-rados, a dependency of ceph-common) many
# small objects at once, so that each placement group takes its part of the data and the OSDs
# fill by their PG counts, as a pool of many objects does.
#
# After `start`, `ceph -c DIR/ceph.conf …` and `rados -c DIR/ceph.conf …` talk to it.
set -euo pipefail

cmd=${1:?start|stop}
dir=${2:?a folder}

stop() {
  local d=$1
  for pid in "$d"/run/*.pid; do
    [ -e "$pid" ] || continue
    kill "$(cat "$pid")" 2>/dev/null || true
  done
  for pid in "$d"/run/*.pid; do
    [ -e "$pid" ] || continue
    local p
    p=$(cat "$pid")
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    rm -f "$pid"
  done
}

if [ "$cmd" = stop ]; then
  stop "$dir"
  exit 0
fi

if [ "$cmd" = fill ]; then
  pool=${3:?a pool} prefix=${4:?a prefix} count=${5:?a count} bytes=${6:?a size}
  exec timeout "${LIVE_CEPH_FILL_TIMEOUT:-120}" /usr/bin/python3 - "$dir/ceph.conf" "$pool" "$prefix" "$count" "$bytes" <<'PY'
import os, sys, rados
conf, pool, prefix, count, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
cluster = rados.Rados(conffile=conf)
cluster.connect(timeout=30)
io = cluster.open_ioctx(pool)
pending = []
for i in range(count):
    pending.append(io.aio_write_full(f"{prefix}-{i}", os.urandom(size)))
    if len(pending) >= 64:
        for c in pending:
            c.wait_for_complete()
        pending = []
for c in pending:
    c.wait_for_complete()
io.close()
cluster.shutdown()
PY
fi

shift 2
[ $# -ge 1 ] || { echo "start needs at least one OSD size" >&2; exit 2; }
for tool in ceph-mon ceph-mgr ceph-osd ceph monmaptool; do
  command -v "$tool" >/dev/null || { echo "live-ceph: $tool is not installed (apt-get install ceph-mon ceph-mgr ceph-osd ceph-common)" >&2; exit 3; }
done
mkdir -p "$dir"/run "$dir"/log
dir=$(cd "$dir" && pwd)
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
fsid=$(cat /proc/sys/kernel/random/uuid)
conf=$dir/ceph.conf
cat > "$conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$port
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
ms bind msgr2 = false
run dir = $dir/run
admin socket = $dir/run/\$cluster-\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
mon data avail warn = 1
mon data avail crit = 0
mon allow pool delete = true
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd pool default size = 3
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd objectstore = bluestore
osd crush update on start = false
osd class update on start = false
bluestore block create = true
bluestore fsck on mount = false
osd op num threads per shard = 1
osd op num shards = 1
bluestore cache size = 33554432
osd memory target = 268435456
osd class load list = *
osd class default list = *
# Recovery and backfill at full speed (an OSD of class hdd otherwise sleeps 0.1 s an op).
osd recovery sleep = 0
osd recovery sleep hdd = 0
osd recovery sleep ssd = 0
osd recovery sleep hybrid = 0
osd delete sleep hdd = 0
osd max backfills = 4
# Short PG logs, as a cluster that has taken many writes has: an OSD that must take a PG's
# copy then gets it by backfill (which refuses a target past backfillfull: backfill_toofull),
# not by replaying a log that still covers the PG's whole history.
osd min pg log entries = 10
osd max pg log entries = 10
osd pg log dups tracked = 10
osd pg log trim min = 10
mgr initial modules =
[mon.a]
mon data = $dir/mon.a
[mgr.x]
mgr data = $dir/mgr.x
CONF
monmaptool --create --addv a "[v1:127.0.0.1:$port]" --fsid "$fsid" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >/dev/null 2>&1
ceph-mon -c "$conf" -i a
# The monitor answers before anything else is started.
for _ in $(seq 60); do
  timeout 10 ceph -c "$conf" --connect-timeout 5 mon stat >/dev/null 2>&1 && break
  sleep 0.5
done
mkdir -p "$dir/mgr.x"
ceph-mgr -c "$conf" -i x
ceph() { timeout 60 ceph -c "$conf" --connect-timeout 20 "$@"; }
i=0
for spec in "$@"; do
  IFS=: read -r size host class <<<"$spec"
  host=${host:-h$i}
  class=${class:-hdd}
  uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph osd new "$uuid" 2>/dev/null)
  bytes=$(python3 -c "print(int(float('$size') * 2**30))")
  mkdir -p "$dir/osd.$id"
  ceph-osd -c "$conf" -i "$id" --mkfs --osd-uuid "$uuid" --osd-data "$dir/osd.$id" \
    --bluestore-block-size "$bytes" >"$dir/log/mkfs.$id.log" 2>&1
  # Placed in CRUSH here, weighted by size in TiB as Ceph does, with its class: the OSD sends no
  # monitor command of its own at boot (one was once refused, 'wrong fsid', on a loaded machine).
  ceph osd crush add-bucket "$host" host >/dev/null 2>&1 || true
  ceph osd crush move "$host" root=default >/dev/null 2>&1 || true
  weight=$(python3 -c "print(float('$size') / 1024)")
  ceph osd crush add "osd.$id" "$weight" "host=$host" >/dev/null
  ceph osd crush set-device-class "$class" "osd.$id" >/dev/null
  ceph-osd -c "$conf" -i "$id" --osd-data "$dir/osd.$id"
  i=$((i + 1))
done
# Up and in, every one: within 3 minutes (OSDs booting beside a loaded test run take longer
# than the usual 20 s; one such start exceeded a minute).
for _ in $(seq 360); do
  up=$(ceph osd stat -f json 2>/dev/null | python3 -c 'import json,sys;d=json.load(sys.stdin);print(d.get("num_up_osds",0))' || echo 0)
  [ "$up" = "$#" ] && break
  sleep 0.5
done
if [ "$up" != "$#" ]; then
  echo "live-ceph: only $up of $# OSDs came up; the logs' last lines:" >&2
  for log in "$dir"/log/*.log; do echo "== $log" >&2; tail -5 "$log" >&2; done
  stop "$dir"
  exit 1
fi
# The upmap balancer (on by default) would move PGs on its own between captures: the tests
# compare headroom with CRUSH's placement, and a measurement must not change under them. The
# command needs the manager's modules loaded.
for _ in $(seq 60); do
  ceph balancer off >/dev/null 2>&1 && { echo "$conf"; exit 0; }
  sleep 1
done
echo "live-ceph: the manager did not take 'ceph balancer off'" >&2
stop "$dir"
exit 1
