"""Write a FileDescriptorSet of the cosmos/gogo/google protos our .proto files import, taken from the
stubs cosmpy (and googleapis-common-protos) already ship, so protoc compiles our Python stubs against
exactly those descriptors and no second copy of any cosmos or gogo proto exists."""

import sys

import cosmpy.protos  # noqa: F401  (puts cosmpy's stub folder on sys.path)
from amino import amino_pb2
from cosmos.base.query.v1beta1 import pagination_pb2
from cosmos.base.v1beta1 import coin_pb2
from cosmos.msg.v1 import msg_pb2
from cosmos_proto import cosmos_pb2
from gogoproto import gogo_pb2
from google.api import annotations_pb2
from google.protobuf import descriptor_pb2

ROOTS = [amino_pb2, pagination_pb2, coin_pb2, msg_pb2, cosmos_pb2, gogo_pb2, annotations_pb2]


def descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    """All root files and their transitive dependencies, dependencies first."""
    ordered: list[descriptor_pb2.FileDescriptorProto] = []
    seen: set[str] = set()

    def visit(file_descriptor) -> None:  # type: ignore[no-untyped-def]
        if file_descriptor.name in seen:
            return
        seen.add(file_descriptor.name)
        for dependency in file_descriptor.dependencies:
            visit(dependency)
        proto = descriptor_pb2.FileDescriptorProto()
        file_descriptor.CopyToProto(proto)
        ordered.append(proto)

    for module in ROOTS:
        visit(module.DESCRIPTOR)
    return descriptor_pb2.FileDescriptorSet(file=ordered)


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as out:
        out.write(descriptor_set().SerializeToString())
