from amino import amino_pb2 as _amino_pb2
from cosmos.base.v1beta1 import coin_pb2 as _coin_pb2
from cosmos_proto import cosmos_pb2 as _cosmos_pb2
from gogoproto import gogo_pb2 as _gogo_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TemperatureMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TEMPERATURE_MODE_UNSPECIFIED: _ClassVar[TemperatureMode]
    TEMPERATURE_MODE_FIXED: _ClassVar[TemperatureMode]
    TEMPERATURE_MODE_MAD: _ClassVar[TemperatureMode]

class ScoreProbe(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_PROBE_RAW: _ClassVar[ScoreProbe]
    SCORE_PROBE_REFERENCE: _ClassVar[ScoreProbe]
    SCORE_PROBE_AT_LEAST_REFERENCE: _ClassVar[ScoreProbe]

class TaskStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TASK_STATUS_UNSPECIFIED: _ClassVar[TaskStatus]
    TASK_STATUS_ACTIVE: _ClassVar[TaskStatus]
    TASK_STATUS_COMPLETED: _ClassVar[TaskStatus]
    TASK_STATUS_PENDING: _ClassVar[TaskStatus]
    TASK_STATUS_EXPIRED: _ClassVar[TaskStatus]
TEMPERATURE_MODE_UNSPECIFIED: TemperatureMode
TEMPERATURE_MODE_FIXED: TemperatureMode
TEMPERATURE_MODE_MAD: TemperatureMode
SCORE_PROBE_RAW: ScoreProbe
SCORE_PROBE_REFERENCE: ScoreProbe
SCORE_PROBE_AT_LEAST_REFERENCE: ScoreProbe
TASK_STATUS_UNSPECIFIED: TaskStatus
TASK_STATUS_ACTIVE: TaskStatus
TASK_STATUS_COMPLETED: TaskStatus
TASK_STATUS_PENDING: TaskStatus
TASK_STATUS_EXPIRED: TaskStatus

class AggregationRule(_message.Message):
    __slots__ = ("temperature_mode", "temperature", "mad_multiplier", "temperature_min", "score_step", "probe", "balanced_loss", "relative_loss", "loss_tolerance", "direction_weight", "direction_margin", "norm_limit")
    TEMPERATURE_MODE_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    MAD_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_MIN_FIELD_NUMBER: _ClassVar[int]
    SCORE_STEP_FIELD_NUMBER: _ClassVar[int]
    PROBE_FIELD_NUMBER: _ClassVar[int]
    BALANCED_LOSS_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_LOSS_FIELD_NUMBER: _ClassVar[int]
    LOSS_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_MARGIN_FIELD_NUMBER: _ClassVar[int]
    NORM_LIMIT_FIELD_NUMBER: _ClassVar[int]
    temperature_mode: TemperatureMode
    temperature: str
    mad_multiplier: str
    temperature_min: str
    score_step: str
    probe: ScoreProbe
    balanced_loss: bool
    relative_loss: bool
    loss_tolerance: str
    direction_weight: str
    direction_margin: str
    norm_limit: str
    def __init__(self, temperature_mode: _Optional[_Union[TemperatureMode, str]] = ..., temperature: _Optional[str] = ..., mad_multiplier: _Optional[str] = ..., temperature_min: _Optional[str] = ..., score_step: _Optional[str] = ..., probe: _Optional[_Union[ScoreProbe, str]] = ..., balanced_loss: bool = ..., relative_loss: bool = ..., loss_tolerance: _Optional[str] = ..., direction_weight: _Optional[str] = ..., direction_margin: _Optional[str] = ..., norm_limit: _Optional[str] = ...) -> None: ...

class PhaseLengths(_message.Message):
    __slots__ = ("submit", "commit", "reveal", "aggregate", "attest", "update_reveal")
    SUBMIT_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    REVEAL_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_FIELD_NUMBER: _ClassVar[int]
    ATTEST_FIELD_NUMBER: _ClassVar[int]
    UPDATE_REVEAL_FIELD_NUMBER: _ClassVar[int]
    submit: int
    commit: int
    reveal: int
    aggregate: int
    attest: int
    update_reveal: int
    def __init__(self, submit: _Optional[int] = ..., commit: _Optional[int] = ..., reveal: _Optional[int] = ..., aggregate: _Optional[int] = ..., attest: _Optional[int] = ..., update_reveal: _Optional[int] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("id", "creator", "model_spec", "initial_model_sha256", "num_rounds", "committee_size", "rule", "phases", "max_updates_per_round", "budget", "escrow", "status", "created_height", "current_round", "rounds_finalized", "rounds_failed", "final_model_sha256", "ended_height", "allowed_participants", "update_fee", "quorum_height", "deposit")
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    MODEL_SPEC_FIELD_NUMBER: _ClassVar[int]
    INITIAL_MODEL_SHA256_FIELD_NUMBER: _ClassVar[int]
    NUM_ROUNDS_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_SIZE_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    MAX_UPDATES_PER_ROUND_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    ESCROW_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    CURRENT_ROUND_FIELD_NUMBER: _ClassVar[int]
    ROUNDS_FINALIZED_FIELD_NUMBER: _ClassVar[int]
    ROUNDS_FAILED_FIELD_NUMBER: _ClassVar[int]
    FINAL_MODEL_SHA256_FIELD_NUMBER: _ClassVar[int]
    ENDED_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FEE_FIELD_NUMBER: _ClassVar[int]
    QUORUM_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_FIELD_NUMBER: _ClassVar[int]
    id: int
    creator: str
    model_spec: str
    initial_model_sha256: bytes
    num_rounds: int
    committee_size: int
    rule: AggregationRule
    phases: PhaseLengths
    max_updates_per_round: int
    budget: _coin_pb2.Coin
    escrow: _coin_pb2.Coin
    status: TaskStatus
    created_height: int
    current_round: int
    rounds_finalized: int
    rounds_failed: int
    final_model_sha256: bytes
    ended_height: int
    allowed_participants: _containers.RepeatedScalarFieldContainer[str]
    update_fee: _coin_pb2.Coin
    quorum_height: int
    deposit: _coin_pb2.Coin
    def __init__(self, id: _Optional[int] = ..., creator: _Optional[str] = ..., model_spec: _Optional[str] = ..., initial_model_sha256: _Optional[bytes] = ..., num_rounds: _Optional[int] = ..., committee_size: _Optional[int] = ..., rule: _Optional[_Union[AggregationRule, _Mapping]] = ..., phases: _Optional[_Union[PhaseLengths, _Mapping]] = ..., max_updates_per_round: _Optional[int] = ..., budget: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ..., escrow: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ..., status: _Optional[_Union[TaskStatus, str]] = ..., created_height: _Optional[int] = ..., current_round: _Optional[int] = ..., rounds_finalized: _Optional[int] = ..., rounds_failed: _Optional[int] = ..., final_model_sha256: _Optional[bytes] = ..., ended_height: _Optional[int] = ..., allowed_participants: _Optional[_Iterable[str]] = ..., update_fee: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ..., quorum_height: _Optional[int] = ..., deposit: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ...) -> None: ...

class GlobalModel(_message.Message):
    __slots__ = ("task_id", "round", "sha256", "payload", "size_bytes", "locator")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOCATOR_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    sha256: bytes
    payload: bytes
    size_bytes: int
    locator: str
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., sha256: _Optional[bytes] = ..., payload: _Optional[bytes] = ..., size_bytes: _Optional[int] = ..., locator: _Optional[str] = ...) -> None: ...
