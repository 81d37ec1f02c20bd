#!/usr/bin/env bash
# Make a one-node SLURM cluster on localhost available, for tests/test_slurm.py.
#
# Idempotent:
#   - if `sinfo` already shows a usable node (idle, mixed or allocated), exit 0 at once;
#   - otherwise, as root: install slurm-wlm and munge (apt, Debian 12), create the munge
#     key, start munged, write /etc/slurm/slurm.conf (one node = this machine, partition
#     `debug`, no accounting), start slurmctld and slurmd, and wait until the node is idle.
#
# Exit codes: 0 the cluster is up; 1 setup failed (message on stderr); 3 not root and
# no working cluster (nothing can be installed or started without root).
#
# Environment: SLURM_CLUSTER_WAIT (seconds to wait for the node, default 60).
#
# The daemons run as root in the background (no systemd needed) and are left running.
# Without accounting, `sacct` does not work: run snakemake's slurm executor with
# `--slurm-status-command squeue` (MinJobAge is kept at 300 s so finished jobs stay
# visible to squeue).
set -euo pipefail

WAIT_S="${SLURM_CLUSTER_WAIT:-60}"
CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
LOG_DIR=/var/log/slurm
PARTITION=debug

log() { echo "slurm_cluster.sh: $*" >&2; }
die() { log "ERROR: $*"; exit "${2:-1}"; }

# True when sinfo answers and lists at least one node ready to take jobs.
cluster_ready() {
    command -v sinfo >/dev/null 2>&1 || return 1
    local states
    states="$(timeout 10 sinfo --noheader --format='%T' 2>/dev/null)" || return 1
    # A trailing '*' (not responding), '~' (powered off), '#', '!', '%' or '$' marks a
    # node that cannot run jobs; only accept plain states.
    grep -Eq '^(idle|mixed|allocated|completing)$' <<<"$states"
}

if cluster_ready; then
    log "a SLURM cluster is already up:"
    sinfo >&2 || true
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v slurmctld >/dev/null 2>&1; then
        die "SLURM is not installed and this is not root: cannot install it (run as root, or install slurm-wlm and munge)" 3
    fi
    die "SLURM is installed but no node is up, and this is not root: cannot start the daemons (start munged, slurmctld and slurmd as root)" 3
fi

# --- 1. packages -----------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 \
    || ! command -v munged >/dev/null 2>&1 || ! command -v sinfo >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "slurm is missing and apt-get is not available (this script supports Debian/Ubuntu)"
    APT_INSTALL=(apt-get install -y -q --no-install-recommends
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
        slurm-wlm munge)
    # Update the package lists only if needed: when they do not know slurm-wlm yet, or
    # when an install from the existing lists fails (stale lists give 404s).
    if ! apt-cache show slurm-wlm >/dev/null 2>&1; then
        log "apt-get update"
        apt-get update -q >&2 || die "apt-get update failed"
    fi
    log "installing slurm-wlm and munge"
    if ! "${APT_INSTALL[@]}" >&2; then
        log "install failed; retrying after apt-get update"
        apt-get update -q >&2 || die "apt-get update failed"
        "${APT_INSTALL[@]}" >&2 || die "apt-get install slurm-wlm munge failed"
    fi
fi
for tool in slurmctld slurmd munged sinfo scontrol; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found after installation"
done

# True when the pid file names a running process of that daemon. A pid file outlives a
# daemon that was killed (a container or session ending), and its pid can by then belong
# to an unrelated process: `kill -0` alone took such a file for a running slurmctld and
# the script then waited for a controller that was never started.
daemon_alive() {  # PIDFILE NAME
    local pid
    [[ -f "$1" ]] || return 1
    pid="$(cat "$1" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]]
}

# --- 2. munge --------------------------------------------------------------------------
munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
    install -d -o munge -g munge -m 0700 /etc/munge
    if [[ ! -s /etc/munge/munge.key ]]; then
        log "creating /etc/munge/munge.key"
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    # A stale socket or pid file from a previous boot stops munged from starting.
    if [[ -f /run/munge/munged.pid ]] && ! daemon_alive /run/munge/munged.pid munged; then
        rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    fi
    log "starting munged"
    # Daemons get no terminal or pipe of ours (a caller capturing our output would
    # otherwise wait for them); what they print at startup goes to a file.
    runuser -u munge -- munged --force </dev/null >>/var/log/munge/munged.start.log 2>&1 \
        || munged --force </dev/null >>/var/log/munge/munged.start.log 2>&1 \
        || die "munged failed to start: $(tail -n 5 /var/log/munge/munged.start.log /var/log/munge/munged.log 2>/dev/null)"
    for _ in $(seq 1 20); do munge_ok && break; sleep 0.5; done
    munge_ok || die "munge does not work after starting munged (see /var/log/munge/munged.log)"
fi

# --- 3. slurm.conf ---------------------------------------------------------------------
HOST="$(hostname -s)"
CPUS="$(nproc)"
MEM_TOTAL_MB="$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)"
# A bit under the machine's memory: slurmd drains a node whose configured RealMemory
# exceeds what it finds.
REAL_MEM_MB=$((MEM_TOTAL_MB * 9 / 10))

install -d -m 0755 "$CONF_DIR" "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd
NEW_CONF="$(cat <<EOF
# Written by physlearn tests/slurm_cluster.sh: a one-node test cluster on localhost.
ClusterName=localcluster
SlurmctldHost=${HOST}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
# Finished jobs stay visible to squeue this long (the snakemake slurm executor's
# squeue status command needs it).
MinJobAge=300
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=${LOG_DIR}/slurmctld.log
SlurmdLogFile=${LOG_DIR}/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=${REAL_MEM_MB} State=UNKNOWN
PartitionName=${PARTITION} Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
EOF
)"
CONF_CHANGED=0
if [[ ! -f "$CONF" ]] || [[ "$(cat "$CONF")" != "$NEW_CONF" ]]; then
    if [[ -f "$CONF" ]]; then
        backup="$CONF.bak.$(date +%Y%m%d%H%M%S)"
        log "backing up the existing $CONF to $backup"
        cp -p "$CONF" "$backup"
    fi
    log "writing $CONF (node $HOST, CPUs=$CPUS, RealMemory=$REAL_MEM_MB, partition $PARTITION)"
    printf '%s\n' "$NEW_CONF" >"$CONF"
    CONF_CHANGED=1
fi

# --- 4. daemons ------------------------------------------------------------------------
slurmctld_answers() { timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; }
start_slurmctld() {
    log "starting slurmctld"
    slurmctld </dev/null >>"$LOG_DIR/slurmctld.start.log" 2>&1 \
        || die "slurmctld failed to start: $(tail -n 20 "$LOG_DIR/slurmctld.start.log" "$LOG_DIR/slurmctld.log" 2>/dev/null)"
}
wait_for_slurmctld() {
    for _ in $(seq 1 40); do
        slurmctld_answers && return 0
        sleep 0.5
    done
    return 1
}

if daemon_alive /run/slurmctld.pid slurmctld; then
    if [[ "$CONF_CHANGED" -eq 1 ]]; then
        log "slurmctld is running; reloading the new configuration"
        scontrol reconfigure >&2 || true
    fi
    if ! wait_for_slurmctld; then
        # Running but not answering (hung, or started with another configuration):
        # end it and start a new one, once.
        log "slurmctld (pid $(cat /run/slurmctld.pid)) does not answer; restarting it"
        kill "$(cat /run/slurmctld.pid)" 2>/dev/null || true
        for _ in $(seq 1 20); do daemon_alive /run/slurmctld.pid slurmctld || break; sleep 0.5; done
        start_slurmctld
    fi
else
    start_slurmctld
fi
wait_for_slurmctld \
    || die "slurmctld does not answer: $(tail -n 20 "$LOG_DIR/slurmctld.log" 2>/dev/null)"

if daemon_alive /run/slurmd.pid slurmd && [[ "$CONF_CHANGED" -eq 1 ]]; then
    # slurmd rereads its configuration only on restart; end the one we know by its pid.
    log "restarting slurmd for the new configuration"
    kill "$(cat /run/slurmd.pid)" 2>/dev/null || true
    for _ in $(seq 1 20); do daemon_alive /run/slurmd.pid slurmd || break; sleep 0.5; done
fi
if ! daemon_alive /run/slurmd.pid slurmd; then
    log "starting slurmd"
    slurmd </dev/null >>"$LOG_DIR/slurmd.start.log" 2>&1 \
        || die "slurmd failed to start: $(tail -n 20 "$LOG_DIR/slurmd.start.log" "$LOG_DIR/slurmd.log" 2>/dev/null)"
fi

# --- 5. wait for the node --------------------------------------------------------------
deadline=$((SECONDS + WAIT_S))
resumed=0
while ((SECONDS < deadline)); do
    if cluster_ready; then
        log "SLURM cluster is up:"
        sinfo >&2
        exit 0
    fi
    state="$(timeout 5 sinfo --noheader --nodes="$HOST" --format='%T' 2>/dev/null || true)"
    # A node left down or drained by an earlier run (or a config change) is resumed once.
    if [[ "$resumed" -eq 0 && "$state" =~ ^(down|drained|draining) ]]; then
        log "node $HOST is $state; resuming it"
        scontrol update NodeName="$HOST" State=RESUME >&2 || true
        resumed=1
    fi
    sleep 1
done

log "the node did not become idle within ${WAIT_S}s"
sinfo >&2 || true
sinfo -R >&2 || true
log "--- tail of $LOG_DIR/slurmctld.log"
tail -n 20 "$LOG_DIR/slurmctld.log" >&2 2>/dev/null || true
log "--- tail of $LOG_DIR/slurmd.log"
tail -n 20 "$LOG_DIR/slurmd.log" >&2 2>/dev/null || true
exit 1
