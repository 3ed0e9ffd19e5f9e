"""Generated protobuf/gRPC stubs of the chain's x/fedlearn module (package sabfl.fedlearn.v1).

cosmpy's bundled cosmos/gogo stubs must be importable before ours: importing cosmpy.protos puts
their folder on sys.path.
"""

import cosmpy.protos  # noqa: F401
