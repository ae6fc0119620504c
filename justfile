# threads-agent: developer commands. `just --list` explains each; `just up` gives a k3d cluster with
# everything deployed (needs Docker and k3d), `just dev` runs the same services as local processes.

set shell := ["bash", "-euo", "pipefail", "-c"]
set positional-arguments := false

# helm, kubectl and just from scripts/tools.sh; node and pnpm from scripts/bootstrap.sh.
export PATH := justfile_directory() / ".tools/bin" + ":" + justfile_directory() / ".tools/node_modules/.bin" + ":" + env_var("PATH")

cluster := "threads-agent"
namespace := env_var_or_default("NAMESPACE", "threads-agent")
release := env_var_or_default("RELEASE", "threads-agent")
# Push to the registry from the host; the cluster pulls the same images as k3d-threads-registry.localhost:5001.
registry := env_var_or_default("REGISTRY", "localhost:5001")
cluster_registry := "k3d-threads-registry.localhost:5001"
tag := env_var_or_default("TAG", `git rev-parse --short HEAD 2>/dev/null || echo dev`)
services := "orchestrator worker persona-runtime fake-threads agent-launcher"

# List the recipes
default:
    @just --list --unsorted

# Install helm, kubectl and just into .tools/bin (from the npm registry; idempotent)
tools:
    scripts/tools.sh

# Create the k3d cluster and its local registry (deploy/k3d.yaml); a no-op when it exists
bootstrap: tools
    #!/usr/bin/env bash
    set -euo pipefail
    command -v docker >/dev/null || { echo "Docker is required: https://docs.docker.com/get-docker/"; exit 1; }
    docker info >/dev/null 2>&1 || { echo "Docker is installed but its daemon is not running"; exit 1; }
    command -v k3d >/dev/null || { echo "k3d is required: https://k3d.io (brew install k3d, or the install script)"; exit 1; }
    if k3d cluster list -o json | grep -q '"name":"{{ cluster }}"'; then
      echo "k3d cluster {{ cluster }} exists"; k3d cluster start {{ cluster }} >/dev/null
    else
      k3d cluster create --config deploy/k3d.yaml
    fi
    kubectl config use-context k3d-{{ cluster }} >/dev/null
    kubectl get namespace {{ namespace }} >/dev/null 2>&1 || kubectl create namespace {{ namespace }}
    kubectl get nodes

# Build every image (5 services, agent, migrate) from deploy/Dockerfile and push it to the k3d registry
images:
    #!/usr/bin/env bash
    set -euo pipefail
    build() { # name, then docker build arguments
      local name=$1; shift
      echo "== threads-agent/$name:{{ tag }}"
      docker build -f deploy/Dockerfile "$@" -t "{{ registry }}/threads-agent/$name:{{ tag }}" .
      docker push --quiet "{{ registry }}/threads-agent/$name:{{ tag }}"
    }
    for s in {{ services }}; do build "$s" --target service --build-arg SERVICE="$s"; done
    build agent --target agent
    build migrate --target migrate

# Install or upgrade the chart on the k3d cluster with values-dev.yaml and the images just built
deploy-dev: tools
    helm upgrade --install {{ release }} chart --namespace {{ namespace }} --create-namespace \
      -f chart/values-dev.yaml --set fullnameOverride={{ release }} \
      --set global.imageRegistry={{ cluster_registry }} --set global.imageTag={{ tag }} \
      --timeout 10m
    kubectl -n {{ namespace }} rollout status deployment -l app.kubernetes.io/instance={{ release }} --timeout 10m
    helm test {{ release }} --namespace {{ namespace }} --timeout 3m

# Cluster, images and deployment in one go: bootstrap, images, deploy-dev
up: bootstrap images deploy-dev
    @echo "threads-agent is up: 'just demo' runs a task, 'just logs' follows the logs, 'just grafana' opens the dashboards"

# Delete the k3d cluster (and its registry)
down:
    k3d cluster delete {{ cluster }}

# Follow logs: every pod of the release, or one service (`just logs worker`)
logs service="":
    #!/usr/bin/env bash
    set -euo pipefail
    selector="app.kubernetes.io/instance={{ release }}"
    [ -n "{{ service }}" ] && selector="$selector,app.kubernetes.io/component={{ service }}"
    kubectl -n {{ namespace }} logs -f --prefix --all-containers --max-log-requests 30 --tail 50 -l "$selector"

# End-to-end suite against the deployed stack (through a port-forward); without a release it starts the local stack itself
e2e:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! kubectl -n {{ namespace }} get svc {{ release }}-orchestrator >/dev/null 2>&1; then
      echo "no threads-agent release in namespace {{ namespace }}: the e2e suite runs against a local stack it starts (run 'just up' first for the cluster)"
      exec pnpm exec vitest run tests/e2e
    fi
    port=18080
    kubectl -n {{ namespace }} port-forward svc/{{ release }}-orchestrator $port:8080 >/dev/null &
    forward=$!
    trap 'kill $forward 2>/dev/null' EXIT
    for _ in $(seq 1 30); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
    key=$(kubectl -n {{ namespace }} get secret {{ release }} -o jsonpath='{.data.API_KEYS}' 2>/dev/null | base64 -d | cut -d, -f1 || true)
    E2E_BASE_URL="http://127.0.0.1:$port" E2E_API_KEY="$key" E2E_NAMESPACE={{ namespace }} E2E_RELEASE={{ release }} \
      pnpm exec vitest run tests/e2e

# The whole test suite: lint, typecheck, unit, integration, end-to-end, chart checks (scripts/test)
test *args:
    scripts/test {{ args }}

# The chaos suite at full size, printing its table (docs/resilience.md; CHAOS_SIZE=small for the CI sizes)
chaos *args:
    scripts/chaos {{ args }}

# Unit and integration tests of the packages and services only (needs local Redis and PostgreSQL)
unit *args:
    scripts/test packages services {{ args }}

# The hostile-input campaign at full size (30,000 generated requests over every route; scripts/hostile)
hostile *args:
    scripts/hostile {{ args }}

# Lint: biome over the code, helm lint over the chart with every values file
lint: tools
    pnpm exec biome check .
    for f in values.yaml values-dev.yaml values-ci.yaml values-prod.yaml; do helm lint chart --strict -f chart/$f; done

# Lint, typecheck and the delivery checks (chart render, schema, policy, monitoring) — fast, no cluster
check: lint
    pnpm exec tsc -p tsconfig.json
    pnpm exec tsc -p packages/dashboard/tsconfig.json
    pnpm exec vitest run tests/delivery

# Every service as a local process against local Redis and PostgreSQL, no cluster (scripts/up)
dev *args:
    scripts/up {{ args }}

# Submit a demo task to the deployed stack and follow its events live (SSE) until it finishes
demo persona="ai-jesus" input="Shipping on Fridays taught me patience":
    #!/usr/bin/env bash
    set -euo pipefail
    port=18081
    kubectl -n {{ namespace }} port-forward svc/{{ release }}-orchestrator $port:8080 >/dev/null &
    forward=$!
    trap 'kill $forward 2>/dev/null' EXIT
    for _ in $(seq 1 30); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 1; done
    key=$(kubectl -n {{ namespace }} get secret {{ release }} -o jsonpath='{.data.API_KEYS}' 2>/dev/null | base64 -d | cut -d, -f1 || true)
    auth=(); [ -n "$key" ] && auth=(-H "Authorization: Bearer $key")
    task=$(curl -sf "${auth[@]}" -X POST "http://127.0.0.1:$port/v1/tasks" -H 'content-type: application/json' \
      -d "{\"persona_id\":\"{{ persona }}\",\"input\":\"{{ input }}\"}")
    id=$(node -pe 'JSON.parse(process.argv[1]).id' "$task")
    echo "task $id queued; events:"
    curl -sN "${auth[@]}" "http://127.0.0.1:$port/v1/tasks/$id/events" | sed -n 's/^data: //p'
    curl -sf "${auth[@]}" "http://127.0.0.1:$port/v1/tasks/$id" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s);console.log(`\n${t.status}\n\n${t.post?.text ?? JSON.stringify(t.error)}`)})'

# Open the Jaeger UI (port-forward to http://localhost:16686)
jaeger-ui:
    @echo "Jaeger: http://localhost:16686 (Ctrl-C to stop)"
    kubectl -n {{ namespace }} port-forward svc/{{ release }}-jaeger 16686:16686

# Open Grafana (port-forward to http://localhost:3000) and print the admin password
grafana:
    @echo "Grafana: http://localhost:3000  user admin, password: $(kubectl -n {{ namespace }} get secret {{ release }}-grafana -o jsonpath='{.data.GF_SECURITY_ADMIN_PASSWORD}' | base64 -d)"
    kubectl -n {{ namespace }} port-forward svc/{{ release }}-grafana 3000:3000

# Delete the cluster, its registry and volumes, and every local build artefact (.tools, node_modules, dist)
[confirm("Delete the k3d cluster, its registry, .tools/, node_modules/ and build output?")]
reset-hard:
    -k3d cluster delete {{ cluster }}
    -k3d registry delete k3d-threads-registry.localhost
    rm -rf .tools node_modules packages/*/node_modules services/*/node_modules tests/node_modules bench/node_modules packages/*/dist services/*/dist .build .run
    @echo "clean: 'scripts/bootstrap.sh' or 'just up' installs everything again"
