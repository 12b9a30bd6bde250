#!/usr/bin/env bash
# A single-node Slurm on this machine (controller and only compute node), for testing `eos sweep --slurm`
# against the real scheduler: installs Debian's munge, slurmctld and slurmd if missing, writes a minimal
# slurm.conf with this host's CPUs and memory, starts the daemons and waits until the node is idle.
# Runs as root, without systemd or cgroups (a container): proctrack/linuxproc, task/none, no accounting.
# Idempotent: daemons already running with the same configuration are left alone. Stop with stop.sh.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "start.sh: run as root (it installs packages and starts daemons)" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive

packages=(munge slurmctld slurmd slurm-client)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  # policy-rc.d 101: the packages' postinst must not try to start services (no init system here).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

host="$(hostname -s)"
# The node line from slurmd itself: its real CPUs, sockets, cores, threads and memory. Daemons talk over
# 127.0.0.1, so the host name need not resolve (containers).
node="$(slurmd -C | head -n 1)"
conf="$(mktemp)"
cat >"$conf" <<EOF
# Written by scripts/slurm/start.sh: a single-node cluster for tests.
ClusterName=eos
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmdTimeout=300
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=eos Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
install -d /etc/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if ! cmp -s "$conf" /etc/slurm/slurm.conf; then
  # A changed configuration (another host name, CPU count or memory) needs fresh daemons.
  "$(dirname "$0")/stop.sh"
  install -m 0644 "$conf" /etc/slurm/slurm.conf
fi
rm -f "$conf"

# munge: a key shared by all daemons and clients of this one-node cluster.
install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none; }
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
munge -n >/dev/null 2>&1 || runuser -u munge -- /usr/sbin/munged

running /run/slurmctld.pid || slurmctld
running /run/slurmd.pid || slurmd

# A node left down or drained by an earlier run (e.g. the daemons were killed) is returned to service.
for _ in $(seq 60); do
  state="$(sinfo -h -N -n "$host" -o %T 2>/dev/null || true)"
  case "$state" in
    idle | mixed | allocated) echo "slurm: node $host $state ($(sinfo -h -N -n "$host" -o '%c CPUs, %m MB'))"; exit 0 ;;
    down* | drain*) scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 1
done
echo "start.sh: node $host not idle after 60 s (state '${state:-no answer}'); see /var/log/slurm/" >&2
exit 1
