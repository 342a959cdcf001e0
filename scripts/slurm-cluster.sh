#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for fsearch's Slurm tests (and for trying the Slurm
# backend without a cluster): munged, slurmctld and slurmd on localhost, no accounting.
#   scripts/slurm-cluster.sh start [DIR]   writes DIR/slurm.conf, starts the daemons, waits for the node
#   scripts/slurm-cluster.sh stop  [DIR]   stops them
#   scripts/slurm-cluster.sh env   [DIR]   prints the SLURM_CONF line to export for clients
# DIR defaults to /tmp/fsearch-slurm. Needs root (the daemons run as root here) and Debian's
# slurm-wlm and munge (scripts/setup.sh installs them).
set -euo pipefail
action="${1:-}"
dir="${2:-/tmp/fsearch-slurm}"
conf="$dir/slurm.conf"

start() {
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  # munge: one key per machine; munged refuses to run as root without --force.
  if [ ! -s /etc/munge/munge.key ]; then mungekey --create --keyfile=/etc/munge/munge.key; fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  if ! munge -n >/dev/null 2>&1; then
    munged --force --socket=/run/munge/munge.socket.2 >/dev/null 2>&1 || true
    for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  cpus="$(nproc)"
  memory="$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))"
  cat > "$conf" <<CONF
ClusterName=fsearch-test
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
InactiveLimit=0
KillWait=10
OverTimeLimit=0
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$conf"
  stop_daemons
  slurmctld -f "$conf"
  slurmd -f "$conf"
  for _ in $(seq 100); do
    if sinfo --noheader --format=%T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
      echo "slurm up: export SLURM_CONF=$conf"
      return 0
    fi
    sleep 0.2
  done
  echo "slurm did not come up; see $dir/log" >&2
  tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  return 1
}

stop_daemons() {
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
    if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  for _ in $(seq 50); do
    pgrep -f "slurm(ctld|d) -f $conf" >/dev/null || return 0
    sleep 0.1
  done
  pkill -9 -f "slurm(ctld|d) -f $conf" || true
}

case "$action" in
  start) start ;;
  stop) stop_daemons ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) echo "usage: $0 start|stop|env [DIR]" >&2; exit 2 ;;
esac
