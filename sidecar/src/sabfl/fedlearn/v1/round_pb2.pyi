from amino import amino_pb2 as _amino_pb2
from cosmos.base.v1beta1 import coin_pb2 as _coin_pb2
from gogoproto import gogo_pb2 as _gogo_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RoundPhase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROUND_PHASE_UNSPECIFIED: _ClassVar[RoundPhase]
    ROUND_PHASE_SUBMIT: _ClassVar[RoundPhase]
    ROUND_PHASE_COMMIT: _ClassVar[RoundPhase]
    ROUND_PHASE_REVEAL: _ClassVar[RoundPhase]
    ROUND_PHASE_AGGREGATE: _ClassVar[RoundPhase]
    ROUND_PHASE_ATTEST: _ClassVar[RoundPhase]
    ROUND_PHASE_FINALIZED: _ClassVar[RoundPhase]
    ROUND_PHASE_FAILED: _ClassVar[RoundPhase]
    ROUND_PHASE_UPDATE_REVEAL: _ClassVar[RoundPhase]
ROUND_PHASE_UNSPECIFIED: RoundPhase
ROUND_PHASE_SUBMIT: RoundPhase
ROUND_PHASE_COMMIT: RoundPhase
ROUND_PHASE_REVEAL: RoundPhase
ROUND_PHASE_AGGREGATE: RoundPhase
ROUND_PHASE_ATTEST: RoundPhase
ROUND_PHASE_FINALIZED: RoundPhase
ROUND_PHASE_FAILED: RoundPhase
ROUND_PHASE_UPDATE_REVEAL: RoundPhase

class CommitteeMember(_message.Message):
    __slots__ = ("address", "power", "committed", "revealed", "jailed")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    POWER_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_FIELD_NUMBER: _ClassVar[int]
    REVEALED_FIELD_NUMBER: _ClassVar[int]
    JAILED_FIELD_NUMBER: _ClassVar[int]
    address: str
    power: int
    committed: bool
    revealed: bool
    jailed: bool
    def __init__(self, address: _Optional[str] = ..., power: _Optional[int] = ..., committed: bool = ..., revealed: bool = ..., jailed: bool = ...) -> None: ...

class UpdateInfo(_message.Message):
    __slots__ = ("sha256", "participant", "num_samples", "height", "size_bytes", "locator")
    SHA256_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    NUM_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOCATOR_FIELD_NUMBER: _ClassVar[int]
    sha256: bytes
    participant: str
    num_samples: int
    height: int
    size_bytes: int
    locator: str
    def __init__(self, sha256: _Optional[bytes] = ..., participant: _Optional[str] = ..., num_samples: _Optional[int] = ..., height: _Optional[int] = ..., size_bytes: _Optional[int] = ..., locator: _Optional[str] = ...) -> None: ...

class Round(_message.Message):
    __slots__ = ("task_id", "round", "phase", "start_height", "deadline", "seed", "committee", "miner_attempt", "base_model_sha256", "updates", "consensus_losses", "temperature", "weights", "aggregate_sha256", "finalized_sha256", "end_height", "failure_reason", "start_time_unix", "entropy", "update_fees", "updates_dropped", "updates_committed", "updates_revealed")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    START_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_FIELD_NUMBER: _ClassVar[int]
    MINER_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    BASE_MODEL_SHA256_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    CONSENSUS_LOSSES_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_SHA256_FIELD_NUMBER: _ClassVar[int]
    FINALIZED_SHA256_FIELD_NUMBER: _ClassVar[int]
    END_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    START_TIME_UNIX_FIELD_NUMBER: _ClassVar[int]
    ENTROPY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FEES_FIELD_NUMBER: _ClassVar[int]
    UPDATES_DROPPED_FIELD_NUMBER: _ClassVar[int]
    UPDATES_COMMITTED_FIELD_NUMBER: _ClassVar[int]
    UPDATES_REVEALED_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    phase: RoundPhase
    start_height: int
    deadline: int
    seed: bytes
    committee: _containers.RepeatedCompositeFieldContainer[CommitteeMember]
    miner_attempt: int
    base_model_sha256: bytes
    updates: _containers.RepeatedCompositeFieldContainer[UpdateInfo]
    consensus_losses: _containers.RepeatedScalarFieldContainer[int]
    temperature: int
    weights: _containers.RepeatedScalarFieldContainer[int]
    aggregate_sha256: bytes
    finalized_sha256: bytes
    end_height: int
    failure_reason: str
    start_time_unix: int
    entropy: bytes
    update_fees: _coin_pb2.Coin
    updates_dropped: int
    updates_committed: int
    updates_revealed: int
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., phase: _Optional[_Union[RoundPhase, str]] = ..., start_height: _Optional[int] = ..., deadline: _Optional[int] = ..., seed: _Optional[bytes] = ..., committee: _Optional[_Iterable[_Union[CommitteeMember, _Mapping]]] = ..., miner_attempt: _Optional[int] = ..., base_model_sha256: _Optional[bytes] = ..., updates: _Optional[_Iterable[_Union[UpdateInfo, _Mapping]]] = ..., consensus_losses: _Optional[_Iterable[int]] = ..., temperature: _Optional[int] = ..., weights: _Optional[_Iterable[int]] = ..., aggregate_sha256: _Optional[bytes] = ..., finalized_sha256: _Optional[bytes] = ..., end_height: _Optional[int] = ..., failure_reason: _Optional[str] = ..., start_time_unix: _Optional[int] = ..., entropy: _Optional[bytes] = ..., update_fees: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ..., updates_dropped: _Optional[int] = ..., updates_committed: _Optional[int] = ..., updates_revealed: _Optional[int] = ...) -> None: ...

class UpdateCommitment(_message.Message):
    __slots__ = ("task_id", "round", "participant", "commitment", "info")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    participant: str
    commitment: bytes
    info: UpdateInfo
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., participant: _Optional[str] = ..., commitment: _Optional[bytes] = ..., info: _Optional[_Union[UpdateInfo, _Mapping]] = ...) -> None: ...

class Update(_message.Message):
    __slots__ = ("task_id", "round", "info", "payload")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    info: UpdateInfo
    payload: bytes
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., info: _Optional[_Union[UpdateInfo, _Mapping]] = ..., payload: _Optional[bytes] = ...) -> None: ...

class Reveal(_message.Message):
    __slots__ = ("validator", "losses")
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    LOSSES_FIELD_NUMBER: _ClassVar[int]
    validator: str
    losses: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, validator: _Optional[str] = ..., losses: _Optional[_Iterable[int]] = ...) -> None: ...

class Aggregate(_message.Message):
    __slots__ = ("task_id", "round", "miner", "sha256", "payload", "size_bytes", "locator")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    MINER_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOCATOR_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    miner: str
    sha256: bytes
    payload: bytes
    size_bytes: int
    locator: str
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., miner: _Optional[str] = ..., sha256: _Optional[bytes] = ..., payload: _Optional[bytes] = ..., size_bytes: _Optional[int] = ..., locator: _Optional[str] = ...) -> None: ...

class ValidatorStats(_message.Message):
    __slots__ = ("address", "rounds_served", "missed_commits", "missed_reveals", "aggregates_finalized", "miner_failures", "times_penalized", "window_served", "window_missed", "rewards", "missed_attests")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    ROUNDS_SERVED_FIELD_NUMBER: _ClassVar[int]
    MISSED_COMMITS_FIELD_NUMBER: _ClassVar[int]
    MISSED_REVEALS_FIELD_NUMBER: _ClassVar[int]
    AGGREGATES_FINALIZED_FIELD_NUMBER: _ClassVar[int]
    MINER_FAILURES_FIELD_NUMBER: _ClassVar[int]
    TIMES_PENALIZED_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SERVED_FIELD_NUMBER: _ClassVar[int]
    WINDOW_MISSED_FIELD_NUMBER: _ClassVar[int]
    REWARDS_FIELD_NUMBER: _ClassVar[int]
    MISSED_ATTESTS_FIELD_NUMBER: _ClassVar[int]
    address: str
    rounds_served: int
    missed_commits: int
    missed_reveals: int
    aggregates_finalized: int
    miner_failures: int
    times_penalized: int
    window_served: int
    window_missed: int
    rewards: _containers.RepeatedCompositeFieldContainer[_coin_pb2.Coin]
    missed_attests: int
    def __init__(self, address: _Optional[str] = ..., rounds_served: _Optional[int] = ..., missed_commits: _Optional[int] = ..., missed_reveals: _Optional[int] = ..., aggregates_finalized: _Optional[int] = ..., miner_failures: _Optional[int] = ..., times_penalized: _Optional[int] = ..., window_served: _Optional[int] = ..., window_missed: _Optional[int] = ..., rewards: _Optional[_Iterable[_Union[_coin_pb2.Coin, _Mapping]]] = ..., missed_attests: _Optional[int] = ...) -> None: ...
