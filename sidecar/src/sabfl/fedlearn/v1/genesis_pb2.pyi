from amino import amino_pb2 as _amino_pb2
from gogoproto import gogo_pb2 as _gogo_pb2
from sabfl.fedlearn.v1 import params_pb2 as _params_pb2
from sabfl.fedlearn.v1 import round_pb2 as _round_pb2
from sabfl.fedlearn.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GenesisState(_message.Message):
    __slots__ = ("params", "tasks", "global_models", "next_task_id", "rounds", "updates", "commitments", "reveals", "aggregates", "attestations", "validator_stats", "opt_ins", "update_commitments")
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_MODELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUNDS_FIELD_NUMBER: _ClassVar[int]
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    REVEALS_FIELD_NUMBER: _ClassVar[int]
    AGGREGATES_FIELD_NUMBER: _ClassVar[int]
    ATTESTATIONS_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_STATS_FIELD_NUMBER: _ClassVar[int]
    OPT_INS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_COMMITMENTS_FIELD_NUMBER: _ClassVar[int]
    params: _params_pb2.Params
    tasks: _containers.RepeatedCompositeFieldContainer[_task_pb2.Task]
    global_models: _containers.RepeatedCompositeFieldContainer[_task_pb2.GlobalModel]
    next_task_id: int
    rounds: _containers.RepeatedCompositeFieldContainer[_round_pb2.Round]
    updates: _containers.RepeatedCompositeFieldContainer[_round_pb2.Update]
    commitments: _containers.RepeatedCompositeFieldContainer[GenesisCommitment]
    reveals: _containers.RepeatedCompositeFieldContainer[GenesisReveal]
    aggregates: _containers.RepeatedCompositeFieldContainer[_round_pb2.Aggregate]
    attestations: _containers.RepeatedCompositeFieldContainer[GenesisCommitment]
    validator_stats: _containers.RepeatedCompositeFieldContainer[_round_pb2.ValidatorStats]
    opt_ins: _containers.RepeatedCompositeFieldContainer[GenesisOptIn]
    update_commitments: _containers.RepeatedCompositeFieldContainer[_round_pb2.UpdateCommitment]
    def __init__(self, params: _Optional[_Union[_params_pb2.Params, _Mapping]] = ..., tasks: _Optional[_Iterable[_Union[_task_pb2.Task, _Mapping]]] = ..., global_models: _Optional[_Iterable[_Union[_task_pb2.GlobalModel, _Mapping]]] = ..., next_task_id: _Optional[int] = ..., rounds: _Optional[_Iterable[_Union[_round_pb2.Round, _Mapping]]] = ..., updates: _Optional[_Iterable[_Union[_round_pb2.Update, _Mapping]]] = ..., commitments: _Optional[_Iterable[_Union[GenesisCommitment, _Mapping]]] = ..., reveals: _Optional[_Iterable[_Union[GenesisReveal, _Mapping]]] = ..., aggregates: _Optional[_Iterable[_Union[_round_pb2.Aggregate, _Mapping]]] = ..., attestations: _Optional[_Iterable[_Union[GenesisCommitment, _Mapping]]] = ..., validator_stats: _Optional[_Iterable[_Union[_round_pb2.ValidatorStats, _Mapping]]] = ..., opt_ins: _Optional[_Iterable[_Union[GenesisOptIn, _Mapping]]] = ..., update_commitments: _Optional[_Iterable[_Union[_round_pb2.UpdateCommitment, _Mapping]]] = ...) -> None: ...

class GenesisOptIn(_message.Message):
    __slots__ = ("task_id", "validator")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    validator: str
    def __init__(self, task_id: _Optional[int] = ..., validator: _Optional[str] = ...) -> None: ...

class GenesisCommitment(_message.Message):
    __slots__ = ("task_id", "round", "validator", "value")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    VALIDATOR_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    validator: str
    value: bytes
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., validator: _Optional[str] = ..., value: _Optional[bytes] = ...) -> None: ...

class GenesisReveal(_message.Message):
    __slots__ = ("task_id", "round", "reveal")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    REVEAL_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    reveal: _round_pb2.Reveal
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., reveal: _Optional[_Union[_round_pb2.Reveal, _Mapping]] = ...) -> None: ...
