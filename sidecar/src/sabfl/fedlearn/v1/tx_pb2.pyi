from amino import amino_pb2 as _amino_pb2
from cosmos.base.v1beta1 import coin_pb2 as _coin_pb2
from cosmos.msg.v1 import msg_pb2 as _msg_pb2
from cosmos_proto import cosmos_pb2 as _cosmos_pb2
from gogoproto import gogo_pb2 as _gogo_pb2
from sabfl.fedlearn.v1 import params_pb2 as _params_pb2
from sabfl.fedlearn.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MsgCreateTask(_message.Message):
    __slots__ = ("creator", "model_spec", "initial_model_sha256", "initial_model", "num_rounds", "committee_size", "rule", "phases", "max_updates_per_round", "budget", "allowed_participants", "update_fee", "initial_model_size", "initial_model_locator")
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    MODEL_SPEC_FIELD_NUMBER: _ClassVar[int]
    INITIAL_MODEL_SHA256_FIELD_NUMBER: _ClassVar[int]
    INITIAL_MODEL_FIELD_NUMBER: _ClassVar[int]
    NUM_ROUNDS_FIELD_NUMBER: _ClassVar[int]
    COMMITTEE_SIZE_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    MAX_UPDATES_PER_ROUND_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FEE_FIELD_NUMBER: _ClassVar[int]
    INITIAL_MODEL_SIZE_FIELD_NUMBER: _ClassVar[int]
    INITIAL_MODEL_LOCATOR_FIELD_NUMBER: _ClassVar[int]
    creator: str
    model_spec: str
    initial_model_sha256: bytes
    initial_model: bytes
    num_rounds: int
    committee_size: int
    rule: _task_pb2.AggregationRule
    phases: _task_pb2.PhaseLengths
    max_updates_per_round: int
    budget: _coin_pb2.Coin
    allowed_participants: _containers.RepeatedScalarFieldContainer[str]
    update_fee: _coin_pb2.Coin
    initial_model_size: int
    initial_model_locator: str
    def __init__(self, creator: _Optional[str] = ..., model_spec: _Optional[str] = ..., initial_model_sha256: _Optional[bytes] = ..., initial_model: _Optional[bytes] = ..., num_rounds: _Optional[int] = ..., committee_size: _Optional[int] = ..., rule: _Optional[_Union[_task_pb2.AggregationRule, _Mapping]] = ..., phases: _Optional[_Union[_task_pb2.PhaseLengths, _Mapping]] = ..., max_updates_per_round: _Optional[int] = ..., budget: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ..., allowed_participants: _Optional[_Iterable[str]] = ..., update_fee: _Optional[_Union[_coin_pb2.Coin, _Mapping]] = ..., initial_model_size: _Optional[int] = ..., initial_model_locator: _Optional[str] = ...) -> None: ...

class MsgCreateTaskResponse(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    def __init__(self, task_id: _Optional[int] = ...) -> None: ...

class MsgUpdateParams(_message.Message):
    __slots__ = ("authority", "params")
    AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    authority: str
    params: _params_pb2.Params
    def __init__(self, authority: _Optional[str] = ..., params: _Optional[_Union[_params_pb2.Params, _Mapping]] = ...) -> None: ...

class MsgUpdateParamsResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MsgSubmitUpdate(_message.Message):
    __slots__ = ("participant", "task_id", "round", "commitment")
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    participant: str
    task_id: int
    round: int
    commitment: bytes
    def __init__(self, participant: _Optional[str] = ..., task_id: _Optional[int] = ..., round: _Optional[int] = ..., commitment: _Optional[bytes] = ...) -> None: ...

class MsgRevealUpdate(_message.Message):
    __slots__ = ("participant", "task_id", "round", "sha256", "num_samples", "payload", "size_bytes", "locator", "salt")
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    NUM_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOCATOR_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    participant: str
    task_id: int
    round: int
    sha256: bytes
    num_samples: int
    payload: bytes
    size_bytes: int
    locator: str
    salt: bytes
    def __init__(self, participant: _Optional[str] = ..., task_id: _Optional[int] = ..., round: _Optional[int] = ..., sha256: _Optional[bytes] = ..., num_samples: _Optional[int] = ..., payload: _Optional[bytes] = ..., size_bytes: _Optional[int] = ..., locator: _Optional[str] = ..., salt: _Optional[bytes] = ...) -> None: ...

class MsgRevealUpdateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MsgSubmitUpdateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MsgCommitLosses(_message.Message):
    __slots__ = ("validator", "task_id", "round", "commitment")
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    COMMITMENT_FIELD_NUMBER: _ClassVar[int]
    validator: str
    task_id: int
    round: int
    commitment: bytes
    def __init__(self, validator: _Optional[str] = ..., task_id: _Optional[int] = ..., round: _Optional[int] = ..., commitment: _Optional[bytes] = ...) -> None: ...

class MsgCommitLossesResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MsgRevealLosses(_message.Message):
    __slots__ = ("validator", "task_id", "round", "salt", "losses")
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    LOSSES_FIELD_NUMBER: _ClassVar[int]
    validator: str
    task_id: int
    round: int
    salt: bytes
    losses: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, validator: _Optional[str] = ..., task_id: _Optional[int] = ..., round: _Optional[int] = ..., salt: _Optional[bytes] = ..., losses: _Optional[_Iterable[int]] = ...) -> None: ...

class MsgRevealLossesResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MsgSubmitAggregate(_message.Message):
    __slots__ = ("miner", "task_id", "round", "model_sha256", "payload", "size_bytes", "locator")
    MINER_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    MODEL_SHA256_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LOCATOR_FIELD_NUMBER: _ClassVar[int]
    miner: str
    task_id: int
    round: int
    model_sha256: bytes
    payload: bytes
    size_bytes: int
    locator: str
    def __init__(self, miner: _Optional[str] = ..., task_id: _Optional[int] = ..., round: _Optional[int] = ..., model_sha256: _Optional[bytes] = ..., payload: _Optional[bytes] = ..., size_bytes: _Optional[int] = ..., locator: _Optional[str] = ...) -> None: ...

class MsgSubmitAggregateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MsgAttestAggregate(_message.Message):
    __slots__ = ("validator", "task_id", "round", "model_sha256")
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    MODEL_SHA256_FIELD_NUMBER: _ClassVar[int]
    validator: str
    task_id: int
    round: int
    model_sha256: bytes
    def __init__(self, validator: _Optional[str] = ..., task_id: _Optional[int] = ..., round: _Optional[int] = ..., model_sha256: _Optional[bytes] = ...) -> None: ...

class MsgAttestAggregateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MsgOptIn(_message.Message):
    __slots__ = ("validator", "task_id")
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    validator: str
    task_id: int
    def __init__(self, validator: _Optional[str] = ..., task_id: _Optional[int] = ...) -> None: ...

class MsgOptInResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
