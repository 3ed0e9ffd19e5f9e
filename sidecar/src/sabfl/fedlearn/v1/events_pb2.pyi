from cosmos.base.v1beta1 import coin_pb2 as _coin_pb2
from gogoproto import gogo_pb2 as _gogo_pb2
from sabfl.fedlearn.v1 import params_pb2 as _params_pb2
from sabfl.fedlearn.v1 import round_pb2 as _round_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventTaskCreated(_message.Message):
    __slots__ = ("task_id", "creator", "budget", "num_rounds", "initial_model_sha256")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    NUM_ROUNDS_FIELD_NUMBER: _ClassVar[int]
    INITIAL_MODEL_SHA256_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    creator: str
    budget: _coin_pb2.Coin
    num_rounds: int
    initial_model_sha256: bytes
    def __init__(self, task_id: _Optional[int] = ..., creator: _Optional[str] = ..., budget: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ..., num_rounds: _Optional[int] = ..., initial_model_sha256: _Optional[bytes] = ...) -> None: ...

class EventParamsUpdated(_message.Message):
    __slots__ = ("params",)
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    params: _params_pb2.Params
    def __init__(self, params: _Optional[_Union[_params_pb2.Params, _Mapping]] = ...) -> None: ...

class EventRoundStarted(_message.Message):
    __slots__ = ("task_id", "round", "committee", "seed", "deadline")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    committee: _containers.RepeatedScalarFieldContainer[str]
    seed: bytes
    deadline: int
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., committee: _Optional[_Iterable[str]] = ..., seed: _Optional[bytes] = ..., deadline: _Optional[int] = ...) -> None: ...

class EventUpdateCommitted(_message.Message):
    __slots__ = ("task_id", "round", "participant", "commitment")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    participant: str
    commitment: bytes
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., participant: _Optional[str] = ..., commitment: _Optional[bytes] = ...) -> None: ...

class EventUpdateAccepted(_message.Message):
    __slots__ = ("task_id", "round", "participant", "sha256", "size_bytes", "locator")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOCATOR_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    participant: str
    sha256: bytes
    size_bytes: int
    locator: str
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., participant: _Optional[str] = ..., sha256: _Optional[bytes] = ..., size_bytes: _Optional[int] = ..., locator: _Optional[str] = ...) -> None: ...

class EventLossesCommitted(_message.Message):
    __slots__ = ("task_id", "round", "validator")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    validator: str
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., validator: _Optional[str] = ...) -> None: ...

class EventLossesRevealed(_message.Message):
    __slots__ = ("task_id", "round", "validator")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    validator: str
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., validator: _Optional[str] = ...) -> None: ...

class EventPhaseAdvanced(_message.Message):
    __slots__ = ("task_id", "round", "to", "early", "deadline")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    EARLY_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    to: _round_pb2.RoundPhase
    early: bool
    deadline: int
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., to: _Optional[_Union[_round_pb2.RoundPhase, str]] = ..., early: bool = ..., deadline: _Optional[int] = ..., **kwargs) -> None: ...

class EventAggregateAccepted(_message.Message):
    __slots__ = ("task_id", "round", "miner", "sha256")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    MINER_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    miner: str
    sha256: bytes
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., miner: _Optional[str] = ..., sha256: _Optional[bytes] = ...) -> None: ...

class EventAggregateAttested(_message.Message):
    __slots__ = ("task_id", "round", "validator", "sha256", "matches_miner")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    MATCHES_MINER_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    validator: str
    sha256: bytes
    matches_miner: bool
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., validator: _Optional[str] = ..., sha256: _Optional[bytes] = ..., matches_miner: bool = ...) -> None: ...

class EventRoundFinalized(_message.Message):
    __slots__ = ("task_id", "round", "sha256", "miner")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    MINER_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    sha256: bytes
    miner: str
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., sha256: _Optional[bytes] = ..., miner: _Optional[str] = ...) -> None: ...

class EventRoundFailed(_message.Message):
    __slots__ = ("task_id", "round", "reason")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    reason: str
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class EventRewardPaid(_message.Message):
    __slots__ = ("task_id", "round", "recipient", "role", "amount")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    recipient: str
    role: str
    amount: _coin_pb2.Coin
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., recipient: _Optional[str] = ..., role: _Optional[str] = ..., amount: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ...) -> None: ...

class EventValidatorPenalized(_message.Message):
    __slots__ = ("task_id", "round", "validator", "reason", "slash_fraction", "jailed_until_unix")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    SLASH_FRACTION_FIELD_NUMBER: _ClassVar[int]
    JAILED_UNTIL_UNIX_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    validator: str
    reason: str
    slash_fraction: str
    jailed_until_unix: int
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., validator: _Optional[str] = ..., reason: _Optional[str] = ..., slash_fraction: _Optional[str] = ..., jailed_until_unix: _Optional[int] = ...) -> None: ...

class EventTaskCompleted(_message.Message):
    __slots__ = ("task_id", "rounds_finalized", "rounds_failed", "refund")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUNDS_FINALIZED_FIELD_NUMBER: _ClassVar[int]
    ROUNDS_FAILED_FIELD_NUMBER: _ClassVar[int]
    REFUND_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    rounds_finalized: int
    rounds_failed: int
    refund: _coin_pb2.Coin
    def __init__(self, task_id: _Optional[int] = ..., rounds_finalized: _Optional[int] = ..., rounds_failed: _Optional[int] = ..., refund: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ...) -> None: ...

class EventValidatorOptedIn(_message.Message):
    __slots__ = ("task_id", "validator")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    validator: str
    def __init__(self, task_id: _Optional[int] = ..., validator: _Optional[str] = ...) -> None: ...

class EventTaskActivated(_message.Message):
    __slots__ = ("task_id", "opted_in_power_bps")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    OPTED_IN_POWER_BPS_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    opted_in_power_bps: int
    def __init__(self, task_id: _Optional[int] = ..., opted_in_power_bps: _Optional[int] = ...) -> None: ...

class EventTaskQuorumReached(_message.Message):
    __slots__ = ("task_id", "opted_in_power_bps", "activation_height")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    OPTED_IN_POWER_BPS_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    opted_in_power_bps: int
    activation_height: int
    def __init__(self, task_id: _Optional[int] = ..., opted_in_power_bps: _Optional[int] = ..., activation_height: _Optional[int] = ...) -> None: ...

class EventTaskExpired(_message.Message):
    __slots__ = ("task_id", "reason", "refund", "deposit_burnt")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REFUND_FIELD_NUMBER: _ClassVar[int]
    DEPOSIT_BURNT_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    reason: str
    refund: _coin_pb2.Coin
    deposit_burnt: _coin_pb2.Coin
    def __init__(self, task_id: _Optional[int] = ..., reason: _Optional[str] = ..., refund: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ..., deposit_burnt: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ...) -> None: ...
