from amino import amino_pb2 as _amino_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Params(_message.Message):
    __slots__ = ("max_model_bytes", "max_update_bytes", "max_committee_size", "max_rounds", "min_phase_blocks", "max_phase_blocks", "max_updates_per_round")
    MAX_MODEL_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_UPDATE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_COMMITTEE_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_ROUNDS_FIELD_NUMBER: _ClassVar[int]
    MIN_PHASE_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    MAX_PHASE_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    MAX_UPDATES_PER_ROUND_FIELD_NUMBER: _ClassVar[int]
    max_model_bytes: int
    max_update_bytes: int
    max_committee_size: int
    max_rounds: int
    min_phase_blocks: int
    max_phase_blocks: int
    max_updates_per_round: int
    def __init__(self, max_model_bytes: _Optional[int] = ..., max_update_bytes: _Optional[int] = ..., max_committee_size: _Optional[int] = ..., max_rounds: _Optional[int] = ..., min_phase_blocks: _Optional[int] = ..., max_phase_blocks: _Optional[int] = ..., max_updates_per_round: _Optional[int] = ...) -> None: ...
