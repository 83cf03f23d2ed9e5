#!/bin/sh
# `sluice run` in a docker compose container, its /metrics reachable by the compose network's
# Prometheus: bound to every interface of the container, and answering to the Host names a
# scraper sends, the service's name and the container's own addresses (deploy/prometheus
# finds each replica by address). The metrics server refuses any other Host (DNS rebinding).
#   sh deploy/compose/sluice-run.sh <service> <topology.ts> [sluice run options]
set -eu
service=$1
shift
hosts=$service
# hostname -i: the container's addresses, from the /etc/hosts Docker writes
for address in $(hostname -i); do hosts="$hosts,$address"; done
exec npx sluice run "$@" --metrics-host 0.0.0.0 --query-allowed-hosts "$hosts"
