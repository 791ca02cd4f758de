#!/usr/bin/env bash
# Starts a three-member etcd cluster on loopback for the etcd tests, waits until every member is
# healthy, then prints the variables the tests read. Usage: eval "$(.ci/etcd-cluster.sh start DIR)";
# .ci/etcd-cluster.sh stop DIR.
# DIR holds each member's data folder, log, pid (member-N.pid: a test kills its leader by it) and
# launch script (member-N.sh, which starts it again), and `members` (name, client URL, peer URL,
# one member a line). etcd keeps its defaults for durability (fsync, snapshot count);
# auto-compaction is off because the registry compacts.
set -euo pipefail
cmd=$1
dir=$2
# Client ports 23790-23792, peer ports 23800-23802: away from etcd's 2379/2380 so a developer's own
# etcd does not clash. ETCD_CLIENT_BASE and ETCD_PEER_BASE move them (a test's private cluster).
client_base=${ETCD_CLIENT_BASE:-23790}
peer_base=${ETCD_PEER_BASE:-23800}
count=3
case "$cmd" in
  start)
    for i in $(seq 0 $((count - 1))); do
      for port in $((client_base + i)) $((peer_base + i)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
          echo "port $port is in use: stop what listens there (.ci/etcd-cluster.sh stop DIR for an earlier cluster)" >&2
          exit 1
        fi
      done
    done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    initial=""
    for i in $(seq 0 $((count - 1))); do
      initial="${initial:+$initial,}member-$i=http://127.0.0.1:$((peer_base + i))"
    done
    : >"$dir/members"
    servers=""
    for i in $(seq 0 $((count - 1))); do
      client="http://127.0.0.1:$((client_base + i))"
      peer="http://127.0.0.1:$((peer_base + i))"
      echo "member-$i $client $peer" >>"$dir/members"
      servers="${servers:+$servers,}$client"
      # --initial-cluster-state new is ignored once the data folder exists, so the script also restarts.
      cat >"$dir/member-$i.sh" <<EOF
#!/usr/bin/env bash
echo \$\$ >"$dir/member-$i.pid"
exec etcd --name member-$i --data-dir "$dir/member-$i" \\
  --listen-client-urls $client --advertise-client-urls $client \\
  --listen-peer-urls $peer --initial-advertise-peer-urls $peer \\
  --initial-cluster $initial --initial-cluster-state new --initial-cluster-token helmsman-ci \\
  --auto-compaction-retention=0 --logger=zap >>"$dir/member-$i.log" 2>&1 </dev/null
EOF
      chmod +x "$dir/member-$i.sh"
      # Its own session, so the member outlives the shell that started it.
      setsid "$dir/member-$i.sh" &
    done
    # Node rather than curl: the tests need it anyway, and a minimal image may lack curl.
    healthy='fetch(process.argv[1], { signal: AbortSignal.timeout(1000) }).then((r) => r.json()).then((j) => process.exit(j.health === "true" ? 0 : 1), () => process.exit(1))'
    for i in $(seq 0 $((count - 1))); do
      for _ in $(seq 1 150); do
        node -e "$healthy" "http://127.0.0.1:$((client_base + i))/health" && continue 2
        sleep 0.2
      done
      echo "etcd member-$i did not become healthy; its log:" >&2
      tail -n 30 "$dir/member-$i.log" >&2
      exit 1
    done
    echo "export HELMSMAN_ETCD_SERVERS=$servers HELMSMAN_ETCD_DIR=$dir"
    ;;
  stop)
    pids=""
    for f in "$dir"/member-*.pid; do
      [ -f "$f" ] && pids="$pids $(cat "$f")"
    done
    for pid in $pids; do kill "$pid" 2>/dev/null || true; done
    for pid in $pids; do
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
