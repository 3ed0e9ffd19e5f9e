from amino import amino_pb2 as _amino_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Params(_message.Message):
    __slots__ = ("max_model_bytes", "max_update_bytes", "max_committee_size", "max_rounds", "min_phase_blocks", "max_phase_blocks", "max_updates_per_round", "loss_cap", "weight_tolerance", "max_miner_attempts", "participant_reward_bps", "committee_reward_bps", "miner_reward_bps", "liveness_window", "liveness_max_missed", "liveness_slash_fraction", "miner_slash_fraction", "jail_duration_seconds")
    MAX_MODEL_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_UPDATE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_COMMITTEE_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_ROUNDS_FIELD_NUMBER: _ClassVar[int]
    MIN_PHASE_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    MAX_PHASE_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    MAX_UPDATES_PER_ROUND_FIELD_NUMBER: _ClassVar[int]
    LOSS_CAP_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    MAX_MINER_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_REWARD_BPS_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_REWARD_BPS_FIELD_NUMBER: _ClassVar[int]
    MINER_REWARD_BPS_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_WINDOW_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_MAX_MISSED_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_SLASH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    MINER_SLASH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    JAIL_DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    max_model_bytes: int
    max_update_bytes: int
    max_committee_size: int
    max_rounds: int
    min_phase_blocks: int
    max_phase_blocks: int
    max_updates_per_round: int
    loss_cap: int
    weight_tolerance: int
    max_miner_attempts: int
    participant_reward_bps: int
    committee_reward_bps: int
    miner_reward_bps: int
    liveness_window: int
    liveness_max_missed: int
    liveness_slash_fraction: str
    miner_slash_fraction: str
    jail_duration_seconds: int
    def __init__(self, max_model_bytes: _Optional[int] = ..., max_update_bytes: _Optional[int] = ..., max_committee_size: _Optional[int] = ..., max_rounds: _Optional[int] = ..., min_phase_blocks: _Optional[int] = ..., max_phase_blocks: _Optional[int] = ..., max_updates_per_round: _Optional[int] = ..., loss_cap: _Optional[int] = ..., weight_tolerance: _Optional[int] = ..., max_miner_attempts: _Optional[int] = ..., participant_reward_bps: _Optional[int] = ..., committee_reward_bps: _Optional[int] = ..., miner_reward_bps: _Optional[int] = ..., liveness_window: _Optional[int] = ..., liveness_max_missed: _Optional[int] = ..., liveness_slash_fraction: _Optional[str] = ..., miner_slash_fraction: _Optional[str] = ..., jail_duration_seconds: _Optional[int] = ...) -> None: ...
