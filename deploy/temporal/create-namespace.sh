#!/bin/sh
# Creates the namespace the rollouts run in and registers the rollout's custom search attributes in it: the compose
# stack's one-shot `temporal-create-namespace` job, run once the server is up, with the `temporal` CLI of admin-tools.
# Safe to run again: an existing namespace is kept as it is, and an attribute already registered with the same type is
# left alone (one registered with another type makes `create` fail, which this job reports).
#
#   TEMPORAL_ADDRESS=temporal:7233 TEMPORAL_NAMESPACE=default \
#     ROLLOUT_SEARCH_ATTRIBUTES="FlagName=Keyword RolloutPercent=Int …" sh deploy/temporal/create-namespace.sh
set -eu

address="${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required, e.g. temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-7d}"
attributes="${ROLLOUT_SEARCH_ATTRIBUTES:?ROLLOUT_SEARCH_ATTRIBUTES is required: Name=Type pairs separated by spaces}"

# Ask the server on its IPv4 address: the CLI may otherwise try an IPv6 address the server does not listen on.
host="${address%:*}"
port="${address##*:}"
ipv4="$(getent ahostsv4 "$host" 2>/dev/null | awk 'NR == 1 { print $1 }')"
if [ -n "$ipv4" ]; then address="$ipv4:$port"; fi

# retry <attempts> <what to say when they are used up> <command…>: runs the command every 2 s until it succeeds.
retry() {
  attempts="$1" failure="$2"
  shift 2
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge "$attempts" ]; then
      echo "$failure" >&2
      exit 1
    fi
    sleep 2
  done
}

# The port opens before the frontend serves: wait up to two minutes for the cluster to answer.
retry 60 "Temporal at $address ($host:$port) is not healthy after two minutes" temporal operator cluster health --address "$address"

if temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
else
  temporal operator namespace create --address "$address" --namespace "$namespace" --retention "$retention"
  echo "created namespace $namespace (retention $retention)"
fi

# A namespace just created can take a moment to be usable for its search attributes.
retry 30 "cannot list the search attributes of namespace $namespace on $address after a minute" \
  temporal operator search-attribute list --address "$address" --namespace "$namespace"
existing="$(temporal operator search-attribute list --address "$address" --namespace "$namespace")"

for pair in $attributes; do
  name="${pair%%=*}"
  type="${pair#*=}"
  if printf '%s\n' "$existing" | grep -Eq "^[[:space:]]*${name}[[:space:]]+${type}[[:space:]]*$"; then
    echo "search attribute $name ($type) is already registered in $namespace"
    continue
  fi
  temporal operator search-attribute create --address "$address" --namespace "$namespace" --name "$name" --type "$type"
  echo "registered search attribute $name ($type) in $namespace"
done
