from amino import amino_pb2 as _amino_pb2
from cosmos.base.query.v1beta1 import pagination_pb2 as _pagination_pb2
from gogoproto import gogo_pb2 as _gogo_pb2
from google.api import annotations_pb2 as _annotations_pb2
from sabfl.fedlearn.v1 import params_pb2 as _params_pb2
from sabfl.fedlearn.v1 import round_pb2 as _round_pb2
from sabfl.fedlearn.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class QueryParamsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class QueryParamsResponse(_message.Message):
    __slots__ = ("params",)
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    params: _params_pb2.Params
    def __init__(self, params: _Optional[_Union[_params_pb2.Params, _Mapping]] = ...) -> None: ...

class QueryTaskRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    def __init__(self, task_id: _Optional[int] = ...) -> None: ...

class QueryTaskResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _task_pb2.Task
    def __init__(self, task: _Optional[_Union[_task_pb2.Task, _Mapping]] = ...) -> None: ...

class QueryTasksRequest(_message.Message):
    __slots__ = ("pagination",)
    PAGINATION_FIELD_NUMBER: _ClassVar[int]
    pagination: _pagination_pb2.PageRequest
    def __init__(self, pagination: _Optional[_Union[_pagination_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class QueryTasksResponse(_message.Message):
    __slots__ = ("tasks", "pagination")
    TASKS_FIELD_NUMBER: _ClassVar[int]
    PAGINATION_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[_task_pb2.Task]
    pagination: _pagination_pb2.PageResponse
    def __init__(self, tasks: _Optional[_Iterable[_Union[_task_pb2.Task, _Mapping]]] = ..., pagination: _Optional[_Union[_pagination_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class QueryGlobalModelRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    def __init__(self, task_id: _Optional[int] = ...) -> None: ...

class QueryGlobalModelResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: _task_pb2.GlobalModel
    def __init__(self, model: _Optional[_Union[_task_pb2.GlobalModel, _Mapping]] = ...) -> None: ...

class QueryRoundRequest(_message.Message):
    __slots__ = ("task_id", "round")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ...) -> None: ...

class QueryRoundResponse(_message.Message):
    __slots__ = ("round",)
    ROUND_FIELD_NUMBER: _ClassVar[int]
    round: _round_pb2.Round
    def __init__(self, round: _Optional[_Union[_round_pb2.Round, _Mapping]] = ...) -> None: ...

class QueryRoundsRequest(_message.Message):
    __slots__ = ("task_id", "pagination")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    PAGINATION_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    pagination: _pagination_pb2.PageRequest
    def __init__(self, task_id: _Optional[int] = ..., pagination: _Optional[_Union[_pagination_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class QueryRoundsResponse(_message.Message):
    __slots__ = ("rounds", "pagination")
    ROUNDS_FIELD_NUMBER: _ClassVar[int]
    PAGINATION_FIELD_NUMBER: _ClassVar[int]
    rounds: _containers.RepeatedCompositeFieldContainer[_round_pb2.Round]
    pagination: _pagination_pb2.PageResponse
    def __init__(self, rounds: _Optional[_Iterable[_Union[_round_pb2.Round, _Mapping]]] = ..., pagination: _Optional[_Union[_pagination_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class QueryUpdatesRequest(_message.Message):
    __slots__ = ("task_id", "round", "pagination")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    PAGINATION_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    pagination: _pagination_pb2.PageRequest
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., pagination: _Optional[_Union[_pagination_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class QueryUpdatesResponse(_message.Message):
    __slots__ = ("updates", "pagination")
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    PAGINATION_FIELD_NUMBER: _ClassVar[int]
    updates: _containers.RepeatedCompositeFieldContainer[_round_pb2.UpdateInfo]
    pagination: _pagination_pb2.PageResponse
    def __init__(self, updates: _Optional[_Iterable[_Union[_round_pb2.UpdateInfo, _Mapping]]] = ..., pagination: _Optional[_Union[_pagination_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class QueryUpdateRequest(_message.Message):
    __slots__ = ("task_id", "round", "sha256")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    sha256: bytes
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ..., sha256: _Optional[bytes] = ...) -> None: ...

class QueryUpdateResponse(_message.Message):
    __slots__ = ("update",)
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    update: _round_pb2.Update
    def __init__(self, update: _Optional[_Union[_round_pb2.Update, _Mapping]] = ...) -> None: ...

class QueryRevealsRequest(_message.Message):
    __slots__ = ("task_id", "round")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ...) -> None: ...

class QueryRevealsResponse(_message.Message):
    __slots__ = ("reveals",)
    REVEALS_FIELD_NUMBER: _ClassVar[int]
    reveals: _containers.RepeatedCompositeFieldContainer[_round_pb2.Reveal]
    def __init__(self, reveals: _Optional[_Iterable[_Union[_round_pb2.Reveal, _Mapping]]] = ...) -> None: ...

class QueryAggregateRequest(_message.Message):
    __slots__ = ("task_id", "round")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    ROUND_FIELD_NUMBER: _ClassVar[int]
    task_id: int
    round: int
    def __init__(self, task_id: _Optional[int] = ..., round: _Optional[int] = ...) -> None: ...

class QueryAggregateResponse(_message.Message):
    __slots__ = ("aggregate",)
    AGGREGATE_FIELD_NUMBER: _ClassVar[int]
    aggregate: _round_pb2.Aggregate
    def __init__(self, aggregate: _Optional[_Union[_round_pb2.Aggregate, _Mapping]] = ...) -> None: ...

class QueryValidatorStatsRequest(_message.Message):
    __slots__ = ("address",)
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    address: str
    def __init__(self, address: _Optional[str] = ...) -> None: ...

class QueryValidatorStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: _round_pb2.ValidatorStats
    def __init__(self, stats: _Optional[_Union[_round_pb2.ValidatorStats, _Mapping]] = ...) -> None: ...
