from amino import amino_pb2 as _amino_pb2
from gogoproto import gogo_pb2 as _gogo_pb2
from sabfl.fedlearn.v1 import params_pb2 as _params_pb2
from sabfl.fedlearn.v1 import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GenesisState(_message.Message):
    __slots__ = ("params", "tasks", "global_models", "next_task_id")
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_MODELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_TASK_ID_FIELD_NUMBER: _ClassVar[int]
    params: _params_pb2.Params
    tasks: _containers.RepeatedCompositeFieldContainer[_task_pb2.Task]
    global_models: _containers.RepeatedCompositeFieldContainer[_task_pb2.GlobalModel]
    next_task_id: int
    def __init__(self, params: _Optional[_Union[_params_pb2.Params, _Mapping]] = ..., tasks: _Optional[_Iterable[_Union[_task_pb2.Task, _Mapping]]] = ..., global_models: _Optional[_Iterable[_Union[_task_pb2.GlobalModel, _Mapping]]] = ..., next_task_id: _Optional[int] = ...) -> None: ...
