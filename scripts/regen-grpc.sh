#!/usr/bin/env bash
# Regenerates the Rust code of the grpc example from its .proto, with no protoc:
# interop/regen (protox + tonic-prost-build, a workspace of its own) writes it, rustfmt
# formats it, and it lands in interop/examples/grpc/generated/, which is committed.
#
#   scripts/regen-grpc.sh           # regenerate in place
#   scripts/regen-grpc.sh --check   # fail if the committed code differs from a fresh run
#
# The generator builds protox and prost-build (a minute or two the first time), so the
# test suite does not run it; `--check` is the cheap-enough check for CI. It uses cargo's
# usual target dir (interop/regen/target, ignored by git) unless CARGO_TARGET_DIR is set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
example="$root/interop/examples/grpc"
committed="$example/generated"

check=false
case "${1-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT

cargo run --quiet --locked --manifest-path "$root/interop/regen/Cargo.toml" -- \
  "$example/proto/greeter.proto" "$example/proto" "$fresh"
# The edition of the crate that includes the code (interop's, the workspace's).
rustfmt --edition 2021 "$fresh"/*.rs

if $check; then
  if diff -ru "$committed" "$fresh"; then
    echo "the generated gRPC code is up to date"
  else
    echo "the generated gRPC code is stale: run scripts/regen-grpc.sh and commit" >&2
    exit 1
  fi
else
  rm -rf "$committed"
  mkdir -p "$committed"
  cp "$fresh"/*.rs "$committed"/
  echo "wrote $(cd "$committed" && ls *.rs | sed "s|^|interop/examples/grpc/generated/|")"
fi
