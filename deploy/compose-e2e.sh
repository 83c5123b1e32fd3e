#!/usr/bin/env bash
# The compose stack, run for real in a Docker engine on this machine, with no image registry:
#
#   1. a Docker engine: Debian's docker.io installed and dockerd started if none answers
#   2. every image built offline (deploy/images/build-offline.sh; cached between runs)
#   3. docker-compose.yaml + deploy/compose.offline.yaml + deploy/compose.fakes.yaml up: NATS with
#      JetStream, the six services, the S3 store, the OTLP receiver and fake Sarvam and OpenAI,
#      every published port on a free host port
#   4. every container healthy (and the stages' /readyz reachable through their published ports)
#   5. a simulated Exotel call with real recorded speech through the gateway's published port, then
#      the call record, transcript and stereo recording through the API, the recording's object in
#      the S3 store and the call's trace at the OTLP receiver (deploy/compose-e2e/src/check-call.ts)
#   6. Prometheus scraping every service (all six targets up), the Grafana dashboard and its
#      provisioning well-formed (Grafana itself cannot be had offline)
#   7. on failure, the containers' state and logs
#   8. always: the stack torn down with its volumes, and dockerd stopped if this script started it
#
# Exits 0 only if every step held. Run it as root (it may install packages and start dockerd):
#
#   bash deploy/compose-e2e.sh
#
# Environment: COMPOSE_E2E_PROJECT (compose project name, default audexly-e2e), COMPOSE_E2E_KEEP=1
# (leave the stack and dockerd running afterwards, to look around; tear it down with the
# `down` command it prints), and those of deploy/images/build-offline.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

started_at=$(date +%s)
say() { printf '[compose-e2e %4ss] %s\n' "$(($(date +%s) - started_at))" "$*"; }

PROJECT="${COMPOSE_E2E_PROJECT:-audexly-e2e}"
COMPOSE=(docker-compose -p "${PROJECT}" -f docker-compose.yaml -f deploy/compose.offline.yaml -f deploy/compose.fakes.yaml)
KEEP="${COMPOSE_E2E_KEEP:-0}"
# `up` waits for dependencies' health checks; the API calls behind it get this long (s).
export COMPOSE_HTTP_TIMEOUT=300

# shellcheck source=deploy/docker-engine.sh
source deploy/docker-engine.sh

# Long steps run through `run`: in a session of their own, waited for in the background, so that a
# signal to this script stops them at once (bash runs a trap only after a foreground command ends)
# and the whole step, children included, is stopped before the teardown.
child=""
run() {
  setsid "$@" &
  child=$!
  local rc=0
  wait "${child}" || rc=$?
  child=""
  return "${rc}"
}

stack_up=0
finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "${child}" ]; then
    say "interrupted: stopping the step in progress"
    kill -TERM -- "-${child}" 2>/dev/null || true
    wait "${child}" 2>/dev/null || true
  fi
  if [ "${stack_up}" = 1 ]; then
    if [ "${rc}" != 0 ]; then
      say "FAILED: the containers and their logs"
      "${COMPOSE[@]}" ps || true
      "${COMPOSE[@]}" logs --no-color --tail=150 || true
    fi
    if [ "${KEEP}" = 1 ]; then
      say "COMPOSE_E2E_KEEP=1: the stack keeps running; tear it down with: ${COMPOSE[*]} down -v"
    else
      say "tearing the stack down"
      "${COMPOSE[@]}" down -v --remove-orphans --timeout 20 || rc=1
    fi
  fi
  [ "${KEEP}" = 1 ] || docker_engine_down
  say "$([ "${rc}" = 0 ] && echo PASSED || echo "FAILED (exit ${rc})") in $(($(date +%s) - started_at)) s"
  exit "${rc}"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "1. the Docker engine"
docker_engine_up

say "2a. the host side: the simulated caller and the checks (npm run build's libraries)"
[ -d node_modules ] || ONNXRUNTIME_NODE_INSTALL=skip run npm ci --no-audit --no-fund
run npx tsc -b tsconfig.build.json
run npx tsc -p deploy/compose-e2e/tsconfig.build.json

say "2b. the images, built offline"
run bash deploy/images/build-offline.sh
"${DOCKER}" image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^audexly(-offline)?/' | sort

say "3. the stack up"
# A free host port for each published one: the machine may run NATS on 4222, a dev server on 8000…
read -r -a free < <(node -e '
  const net = require("node:net");
  (async () => {
    const servers = [];
    for (let i = 0; i < 13; i++) {
      const s = net.createServer();
      await new Promise((resolve) => s.listen(0, "127.0.0.1", resolve));
      servers.push(s);
    }
    console.log(servers.map((s) => s.address().port).join(" "));
    for (const s of servers) s.close();
  })();')
export GATEWAY_PUBLISHED_PORT="${free[0]}" API_PUBLISHED_PORT="${free[1]}" \
  NATS_PUBLISHED_PORT="${free[2]}" NATS_MONITOR_PUBLISHED_PORT="${free[3]}" \
  STT_OPS_PUBLISHED_PORT="${free[4]}" LLM_OPS_PUBLISHED_PORT="${free[5]}" \
  TTS_OPS_PUBLISHED_PORT="${free[6]}" RECORDER_OPS_PUBLISHED_PORT="${free[7]}" \
  TRACES_UI_PUBLISHED_PORT="${free[8]}" OTLP_PUBLISHED_PORT="${free[9]}" \
  S3_PUBLISHED_PORT="${free[10]}" S3_CONSOLE_PUBLISHED_PORT="${free[11]}" \
  PROMETHEUS_PUBLISHED_PORT="${free[12]}"
# Fresh secrets each run: the images run with NODE_ENV=production, which requires them.
secret() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
export AUDEXLY_API_TOKEN="$(secret)" AUDEXLY_SECRET_KEY="$(secret)" EXOTEL_STREAM_TOKEN="$(secret)"
export MINIO_ROOT_USER=audexly-e2e MINIO_ROOT_PASSWORD="$(secret)" LOG_LEVEL="${LOG_LEVEL:-info}"
# Leftovers of an interrupted run (same project name) go first.
"${COMPOSE[@]}" down -v --remove-orphans --timeout 5 >/dev/null 2>&1 || true
stack_up=1
run "${COMPOSE[@]}" up -d --no-build

say "4. every container healthy"
deadline=$(($(date +%s) + 300))
declare -A ready=()
while :; do
  pending=()
  for id in $("${COMPOSE[@]}" ps -q); do
    read -r name state health exit_code restarts < <("${DOCKER}" inspect --format \
      '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}} {{.RestartCount}}' "${id}")
    name="${name#/}"
    # A service that exits is restarted by compose (restart: unless-stopped): once is a crash.
    if [ "${restarts}" != 0 ] || [ "${state}" = restarting ]; then
      say "${name} crashed (exit ${exit_code}, restarted ${restarts} times)"
      exit 1
    fi
    case "${state}/${health}" in
      running/healthy) ;;
      exited/none)
        # The one-shot s3-init: done when it exited 0.
        [ "${exit_code}" = 0 ] || { say "${name} exited with ${exit_code}"; exit 1; } ;;
      *) pending+=("${name}:${state}/${health}"); continue ;;
    esac
    [ -n "${ready[${name}]:-}" ] || { ready[${name}]=1; say "  ${name}: ${state}/${health}"; }
  done
  [ "${#pending[@]}" -gt 0 ] || break
  if [ "$(date +%s)" -ge "${deadline}" ]; then
    say "not healthy after 300 s: ${pending[*]}"
    exit 1
  fi
  sleep 2
done
"${COMPOSE[@]}" ps
for port in "${STT_OPS_PUBLISHED_PORT}" "${LLM_OPS_PUBLISHED_PORT}" "${TTS_OPS_PUBLISHED_PORT}" "${RECORDER_OPS_PUBLISHED_PORT}"; do
  curl -fsS --max-time 5 "http://127.0.0.1:${port}/readyz" >/dev/null \
    || { say "a stage's /readyz did not answer on its published port ${port}"; exit 1; }
done
say "every container is healthy; the stages' /readyz answer on their published ports"
# The image's entry point passes NODE_ARGS to node; compose gives the gateway its V8 flags.
gateway_cmdline="$("${COMPOSE[@]}" exec -T gateway cat /proc/1/cmdline | tr '\0' ' ')"
case "${gateway_cmdline}" in
  *--single-threaded\ --heap-growing-percent=100*) say "  the gateway runs: ${gateway_cmdline}" ;;
  *) say "the gateway runs without --single-threaded --heap-growing-percent=100: ${gateway_cmdline}"; exit 1 ;;
esac

say "5. a simulated Exotel call through the gateway's published port, checked through the API"
GATEWAY_STREAM_URL="ws://127.0.0.1:${GATEWAY_PUBLISHED_PORT}/api/v1/telephony/exotel/stream/${EXOTEL_STREAM_TOKEN}" \
  API_URL="http://127.0.0.1:${API_PUBLISHED_PORT}" \
  S3_URL="http://127.0.0.1:${S3_PUBLISHED_PORT}" S3_BUCKET=audexly-recordings S3_REGION=us-east-1 \
  S3_ACCESS_KEY_ID="${MINIO_ROOT_USER}" S3_SECRET_ACCESS_KEY="${MINIO_ROOT_PASSWORD}" \
  TRACES_URL="http://127.0.0.1:${TRACES_UI_PUBLISHED_PORT}" \
  run node --enable-source-maps deploy/compose-e2e/dist/check-call.js

say "6. Prometheus scrapes every service; the Grafana dashboard is well-formed"
run node -e '
  const url = `http://127.0.0.1:${process.env.PROMETHEUS_PUBLISHED_PORT}/api/v1/targets`;
  const deadline = Date.now() + 90_000;
  (async () => {
    for (;;) {
      let up = [], all = [];
      try {
        const { data } = await (await fetch(url)).json();
        all = data.activeTargets;
        up = all.filter((t) => t.health === "up");
      } catch {}
      if (all.length === 6 && up.length === 6) {
        console.log(`prometheus: ${up.map((t) => t.labels.instance).join(", ")} up`);
        return;
      }
      if (Date.now() > deadline) {
        console.error(`prometheus targets not all up: ${JSON.stringify(all.map((t) => [t.labels.instance, t.health, t.lastError]))}`);
        process.exit(1);
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();'
node -e '
  const fs = require("node:fs");
  const dash = JSON.parse(fs.readFileSync("deploy/observability/grafana/dashboards/audexly.json", "utf8"));
  if (!Array.isArray(dash.panels) || dash.panels.length === 0) throw new Error("the Grafana dashboard has no panels");
  console.log(`grafana dashboard "${dash.title}": ${dash.panels.length} panels`);'

