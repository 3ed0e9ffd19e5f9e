from cosmos.base.v1beta1 import coin_pb2 as _coin_pb2
from gogoproto import gogo_pb2 as _gogo_pb2
from sabfl.fedlearn.v1 import params_pb2 as _params_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Mapping as _Mapping, Optional as _Optional, Union as _Union

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
