# A one-node Slurm cluster on this machine, started by hand (no systemd), for tests/slurm/run.sh
# and benchmarks/slurm-audience.sh, which source it from the repository root with `say` defined.
#
# Installs Debian's slurm-wlm and munge when missing, builds paychan (release; $paychan is its
# path), starts munged on a private socket, slurmctld and slurmd with a minimal slurm.conf in a
# temporary folder $tmp (node name = hostname -s, 2 CPUs, private ports and state), and waits for
# the node to be idle. Every daemon it started is stopped by its PID on exit (an EXIT trap), and
# $tmp removed.
# shellcheck shell=bash
repo=$(pwd)
if [ "$(id -u)" != 0 ]; then
  say "must run as root (it installs packages and starts slurmd as root)"; exit 1
fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq slurm-wlm munge >/dev/null
fi

say "building paychan (release)"
cargo build --release --locked --quiet
paychan="$repo/target/release/paychan"

tmp=$(mktemp -d /tmp/paychan-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ "$status" != 0 ]; then
    for log in "$tmp"/*.log; do [ -f "$log" ] && { say "--- $log (last lines)"; tail -n 20 "$log"; }; done
  fi
  rm -rf "$tmp"
  say "stopped the daemons it started (${pids[*]:-none})"
  exit "$status"
}
trap cleanup EXIT

host=$(hostname -s)

# munge: a private socket, key and state, so a system munged (if any) is left alone.
auth=auth/munge
mkdir -p "$tmp/munge"
key=/etc/munge/munge.key
if [ ! -s "$key" ]; then
  key="$tmp/munge/munge.key"
  dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
  chmod 400 "$key"
fi
chown -R munge:munge "$tmp/munge" 2>/dev/null || true
chmod 755 "$tmp/munge"   # munged wants its socket's folder searchable by all
socket="$tmp/munge/munge.socket"
if id munge >/dev/null 2>&1; then
  setpriv --reuid=munge --regid=munge --init-groups \
    munged --foreground --socket="$socket" --key-file="$key" --pid-file="$tmp/munge/munged.pid" \
      --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed" 2>"$tmp/munged.log" &
else
  munged --foreground --force --socket="$socket" --key-file="$key" --pid-file="$tmp/munge/munged.pid" \
    --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed" 2>"$tmp/munged.log" &
fi
pids+=($!)
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
if [ -S "$socket" ] && munge --socket="$socket" -n | unmunge --socket="$socket" >/dev/null 2>&1; then
  say "munged is up (pid ${pids[-1]}, socket $socket)"
else
  say "munged could not start; falling back to AuthType=auth/none"
  auth=auth/none
fi

mkdir -p "$tmp/state" "$tmp/spool" "$tmp/out"
conf="$tmp/slurm.conf"
{
  echo "ClusterName=paychan-test"
  echo "SlurmctldHost=$host(127.0.0.1)"
  echo "SlurmctldPort=16817"
  echo "SlurmdPort=16818"
  echo "SlurmUser=root"
  echo "SlurmdUser=root"
  echo "AuthType=$auth"
  if [ "$auth" = auth/munge ]; then
    echo "CredType=cred/munge"
    echo "AuthInfo=socket=$socket"
  else
    echo "CredType=cred/none"
  fi
  echo "ProctrackType=proctrack/linuxproc"
  echo "TaskPlugin=task/none"
  echo "MailProg=/bin/true"
  echo "SelectType=select/cons_tres"
  echo "SelectTypeParameters=CR_CPU"
  echo "SchedulerType=sched/backfill"
  echo "ReturnToService=2"
  echo "StateSaveLocation=$tmp/state"
  echo "SlurmdSpoolDir=$tmp/spool"
  echo "SlurmctldPidFile=$tmp/slurmctld.pid"
  echo "SlurmdPidFile=$tmp/slurmd.pid"
  echo "SlurmctldLogFile=$tmp/slurmctld.log"
  echo "SlurmdLogFile=$tmp/slurmd.log"
  echo "JobCompType=jobcomp/none"
  echo "AccountingStorageType=accounting_storage/none"
  echo "JobAcctGatherType=jobacct_gather/none"
  echo "NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN"
  echo "PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP"
} > "$conf"
export SLURM_CONF="$conf"

slurmctld -D -i -f "$conf" >"$tmp/slurmctld.stdout.log" 2>&1 &
pids+=($!)
say "slurmctld started (pid ${pids[-1]})"
slurmd -D -f "$conf" >"$tmp/slurmd.stdout.log" 2>&1 &
pids+=($!)
say "slurmd started (pid ${pids[-1]}), node $host"

state=""
for _ in $(seq 120); do
  state=$(sinfo -h -N -n "$host" -o %t 2>/dev/null | head -n1 || true)
  [ "$state" = idle ] && break
  sleep 0.5
done
if [ "$state" != idle ]; then
  say "the node did not become idle (state: '${state:-none}')"; exit 1
fi
say "node $host is idle"

