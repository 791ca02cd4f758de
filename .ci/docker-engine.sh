#!/usr/bin/env bash
# Starts a private Docker engine for the Docker tests and builds a small local image, then prints
# the variables the tests read. Usage: eval "$(.ci/docker-engine.sh start DIR)"; .ci/docker-engine.sh stop DIR
# (No registry is reachable here: the image is a `docker import` of a busybox root filesystem.)
set -euo pipefail
cmd=$1
dir=$2
case "$cmd" in
  start)
    mkdir -p "$dir"
    dockerd --storage-driver=vfs --iptables=false --bridge=none --host="unix://$dir/docker.sock" \
      --data-root="$dir/data" --exec-root="$dir/exec" --pidfile="$dir/pid" >"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 100); do
      docker -H "unix://$dir/docker.sock" version >/dev/null 2>&1 && break
      sleep 0.2
    done
    docker -H "unix://$dir/docker.sock" version >/dev/null || { cat "$dir/dockerd.log" >&2; exit 1; }
    root="$dir/rootfs"
    mkdir -p "$root/bin" "$root/www"
    cp "$(command -v busybox)" "$root/bin/busybox"
    for tool in sh sleep httpd echo cat ls env true false wget; do ln -sf busybox "$root/bin/$tool"; done
    echo ok >"$root/www/index.html"
    tar -C "$root" -c . | docker -H "unix://$dir/docker.sock" import - helmsman/busybox:local >/dev/null
    echo "export DOCKER_HOST=unix://$dir/docker.sock HELMSMAN_DOCKER_IMAGE=helmsman/busybox:local"
    ;;
  stop)
    [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
    for _ in $(seq 1 150); do [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null || break; sleep 0.2; done
    # dockerd leaves its network namespace mounted under the folder.
    awk -v d="$dir" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null || true
    rm -rf "$dir" 2>/dev/null || true
    ;;
esac
