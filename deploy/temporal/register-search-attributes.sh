#!/bin/sh
# Registers the rollout's custom search attributes on a Temporal cluster (the compose stack's one-shot setup step).
# Safe to run again: an attribute already registered with the same type is left alone; one with another type fails.
#
#   ROLLOUT_SEARCH_ATTRIBUTES="FlagName=Keyword RolloutPercent=Int ..." TEMPORAL_ADDRESS=host:7233 \
#     TEMPORAL_NAMESPACE=default sh deploy/temporal/register-search-attributes.sh
set -eu

address="${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required, e.g. temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
attributes="${ROLLOUT_SEARCH_ATTRIBUTES:?ROLLOUT_SEARCH_ATTRIBUTES is required: Name=Type pairs separated by spaces}"

# The server can be healthy before its setup has created the namespace: wait for it (up to 2 minutes).
tries=0
until temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "namespace $namespace does not exist on $address after 2 minutes" >&2
    exit 1
  fi
  sleep 2
done

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
