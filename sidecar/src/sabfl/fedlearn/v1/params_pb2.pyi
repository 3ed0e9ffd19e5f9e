from amino import amino_pb2 as _amino_pb2
from cosmos.base.v1beta1 import coin_pb2 as _coin_pb2
from gogoproto import gogo_pb2 as _gogo_pb2
from sabfl.fedlearn.v1 import task_pb2 as _task_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Params(_message.Message):
    __slots__ = ("max_model_bytes", "max_update_bytes", "max_committee_size", "max_rounds", "max_phase_blocks", "max_updates_per_round", "loss_cap", "max_miner_attempts", "participant_reward_bps", "committee_reward_bps", "miner_reward_bps", "liveness_window", "liveness_max_missed", "liveness_slash_fraction", "miner_slash_fraction", "jail_duration_seconds", "min_phases", "max_active_tasks", "max_active_tasks_per_creator", "min_round_reward", "max_idle_blocks", "model_retention_blocks", "max_task_steps_per_block", "min_opt_in_power_bps", "max_inline_bytes", "opt_in_grace_blocks", "task_deposit")
    MAX_MODEL_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_UPDATE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_COMMITTEE_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_ROUNDS_FIELD_NUMBER: _ClassVar[int]
    MAX_PHASE_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    MAX_UPDATES_PER_ROUND_FIELD_NUMBER: _ClassVar[int]
    LOSS_CAP_FIELD_NUMBER: _ClassVar[int]
    MAX_MINER_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_REWARD_BPS_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_REWARD_BPS_FIELD_NUMBER: _ClassVar[int]
    MINER_REWARD_BPS_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_WINDOW_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_MAX_MISSED_FIELD_NUMBER: _ClassVar[int]
    LIVENESS_SLASH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    MINER_SLASH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    JAIL_DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MIN_PHASES_FIELD_NUMBER: _ClassVar[int]
    MAX_ACTIVE_TASKS_FIELD_NUMBER: _ClassVar[int]
    MAX_ACTIVE_TASKS_PER_CREATOR_FIELD_NUMBER: _ClassVar[int]
    MIN_ROUND_REWARD_FIELD_NUMBER: _ClassVar[int]
    MAX_IDLE_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    MODEL_RETENTION_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    MAX_TASK_STEPS_PER_BLOCK_FIELD_NUMBER: _ClassVar[int]
    MIN_OPT_IN_POWER_BPS_FIELD_NUMBER: _ClassVar[int]
    MAX_INLINE_BYTES_FIELD_NUMBER: _ClassVar[int]
    OPT_IN_GRACE_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    TASK_DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    max_model_bytes: int
    max_update_bytes: int
    max_committee_size: int
    max_rounds: int
    max_phase_blocks: int
    max_updates_per_round: int
    loss_cap: int
    max_miner_attempts: int
    participant_reward_bps: int
    committee_reward_bps: int
    miner_reward_bps: int
    liveness_window: int
    liveness_max_missed: int
    liveness_slash_fraction: str
    miner_slash_fraction: str
    jail_duration_seconds: int
    min_phases: _task_pb2.PhaseLengths
    max_active_tasks: int
    max_active_tasks_per_creator: int
    min_round_reward: _coin_pb2.Coin
    max_idle_blocks: int
    model_retention_blocks: int
    max_task_steps_per_block: int
    min_opt_in_power_bps: int
    max_inline_bytes: int
    opt_in_grace_blocks: int
    task_deposit: _coin_pb2.Coin
    def __init__(self, max_model_bytes: _Optional[int] = ..., max_update_bytes: _Optional[int] = ..., max_committee_size: _Optional[int] = ..., max_rounds: _Optional[int] = ..., max_phase_blocks: _Optional[int] = ..., max_updates_per_round: _Optional[int] = ..., loss_cap: _Optional[int] = ..., max_miner_attempts: _Optional[int] = ..., participant_reward_bps: _Optional[int] = ..., committee_reward_bps: _Optional[int] = ..., miner_reward_bps: _Optional[int] = ..., liveness_window: _Optional[int] = ..., liveness_max_missed: _Optional[int] = ..., liveness_slash_fraction: _Optional[str] = ..., miner_slash_fraction: _Optional[str] = ..., jail_duration_seconds: _Optional[int] = ..., min_phases: _Optional[_Union[_task_pb2.PhaseLengths, _Mapping]] = ..., max_active_tasks: _Optional[int] = ..., max_active_tasks_per_creator: _Optional[int] = ..., min_round_reward: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ..., max_idle_blocks: _Optional[int] = ..., model_retention_blocks: _Optional[int] = ..., max_task_steps_per_block: _Optional[int] = ..., min_opt_in_power_bps: _Optional[int] = ..., max_inline_bytes: _Optional[int] = ..., opt_in_grace_blocks: _Optional[int] = ..., task_deposit: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ...) -> None: ...
