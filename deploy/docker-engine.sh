# A Docker engine for a script that needs one, and the machine left as it was. Source it:
#
#   source deploy/docker-engine.sh
#   docker_engine_up          # installs Debian's docker.io and docker-compose if missing; starts
#                             # dockerd if no engine answers (as root)
#   trap docker_engine_down EXIT
#   "${DOCKER}" run …         # Debian's client (/usr/bin/docker)
#   docker_engine_down        # stops dockerd if docker_engine_up started it; else does nothing
#
# An engine that was already running is used and left running. dockerd keeps its images and build
# cache in /var/lib/docker, so a later run on the same machine builds from cache. Its log goes to
# $DOCKER_ENGINE_LOG (a temporary file by default), printed if it does not come up.
#
# DOCKER is Debian's client on purpose: a newer client that may be first on PATH hands
# `docker build` to buildx, which Debian does not package.

DOCKER="${DOCKER:-/usr/bin/docker}"
DOCKER_ENGINE_PID=""

docker_engine_up() {
  if [ ! -x /usr/bin/docker ] || ! command -v dockerd >/dev/null 2>&1 || ! command -v docker-compose >/dev/null 2>&1; then
    echo "== installing Debian's docker.io and docker-compose"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose >/dev/null
  fi
  if "${DOCKER}" info >/dev/null 2>&1; then
    echo "== a Docker engine answers already: using it, and leaving it running"
    return 0
  fi
  DOCKER_ENGINE_LOG="${DOCKER_ENGINE_LOG:-$(mktemp /tmp/dockerd.XXXXXX.log)}"
  echo "== starting dockerd (log: ${DOCKER_ENGINE_LOG})"
  # No inherited stdin/stdout: the engine must not hold a CI log pipe open.
  dockerd >"${DOCKER_ENGINE_LOG}" 2>&1 </dev/null &
  DOCKER_ENGINE_PID=$!
  local _
  for _ in $(seq 1 120); do
    if "${DOCKER}" info >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "${DOCKER_ENGINE_PID}" 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "dockerd did not come up; its log:" >&2
  tail -n 40 "${DOCKER_ENGINE_LOG}" >&2
  docker_engine_down
  return 1
}

docker_engine_down() {
  [ -n "${DOCKER_ENGINE_PID}" ] || return 0
  local pid="${DOCKER_ENGINE_PID}" _
  DOCKER_ENGINE_PID=""
  echo "== stopping the dockerd this script started (pid ${pid})"
  kill -TERM "${pid}" 2>/dev/null || return 0
  # dockerd stops its containers and the containerd it started, then exits (and is reaped here).
  local state
  for _ in $(seq 1 60); do
    state="$(ps -o stat= -p "${pid}" 2>/dev/null || true)"
    case "${state}" in
      "" | Z*) wait "${pid}" 2>/dev/null || true; return 0 ;;
    esac
    sleep 0.5
  done
  echo "dockerd (pid ${pid}) did not stop within 30 s; killing it" >&2
  kill -KILL "${pid}" 2>/dev/null || true
  wait "${pid}" 2>/dev/null || true
}
