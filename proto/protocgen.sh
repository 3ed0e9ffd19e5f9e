#!/usr/bin/env bash
# Regenerates the Go (gogoproto + grpc-gateway) and Python (protobuf + grpc) code of proto/sabfl/**.
# Offline: protoc comes from grpcio-tools, include paths from the Go module cache, Python stubs are
# compiled against cosmpy's bundled descriptors. Usage: protocgen.sh [GO_OUT_DIR PY_OUT_DIR]
# (defaults: the committed locations, chain/x/fedlearn/types and sidecar/src).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
go_out=${1:-$root/chain/x/fedlearn/types}
py_out=${2:-$root/sidecar/src}
python=${PYTHON:-$root/.venv/bin/python}
bin=$root/build/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

moddir() { (cd "$root/chain" && go list -m -f '{{.Dir}}' "$1"); }
sdk=$(moddir github.com/cosmos/cosmos-sdk)
gogo=$(moddir github.com/cosmos/gogoproto)
cosmosproto=$(moddir github.com/cosmos/cosmos-proto)
gateway=$(moddir github.com/grpc-ecosystem/grpc-gateway)
protos=$(cd "$root/proto" && find sabfl -name '*.proto' | sort)

cd "$root/proto"
mkdir -p "$work/go"
if ! "$python" -m grpc_tools.protoc \
  -I . -I "$sdk/proto" -I "$gogo" -I "$cosmosproto/proto" -I "$gateway/third_party/googleapis" \
  --plugin=protoc-gen-gocosmos="$bin/protoc-gen-gocosmos" \
  --plugin=protoc-gen-grpc-gateway="$bin/protoc-gen-grpc-gateway" \
  --gocosmos_out=plugins=grpc,Mgoogle/protobuf/any.proto=github.com/cosmos/gogoproto/types/any:"$work/go" \
  --grpc-gateway_out=logtostderr=true,allow_colon_final_segments=true:"$work/go" \
  $protos 2>"$work/protoc.log"; then
  cat "$work/protoc.log" >&2
  exit 1
fi
mkdir -p "$go_out"
cp "$work"/go/github.com/sabfl/sabfl/chain/x/fedlearn/types/*.go "$go_out/"

"$python" "$root/proto/cosmpy_descriptor_set.py" "$work/deps.pb"
mkdir -p "$work/py"
"$python" -m grpc_tools.protoc --descriptor_set_in="$work/deps.pb" -I . \
  --python_out="$work/py" --grpc_python_out="$work/py" --pyi_out="$work/py" $protos
mkdir -p "$py_out/sabfl/fedlearn/v1"
cp "$work"/py/sabfl/fedlearn/v1/*.py "$work"/py/sabfl/fedlearn/v1/*.pyi "$py_out/sabfl/fedlearn/v1/"
