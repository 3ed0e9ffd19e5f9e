package module

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// AutoCLIOptions generates the module's CLI from its gRPC services.
func (am AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the module parameters"},
				{
					RpcMethod: "Task", Use: "task [task-id]", Short: "Show one task",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "task_id"}},
				},
				{RpcMethod: "Tasks", Use: "tasks", Short: "List tasks"},
				{
					RpcMethod: "GlobalModel", Use: "global-model [task-id]", Short: "Show a task's global model (with payload)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "task_id"}},
				},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.Msg_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{
					RpcMethod: "CreateTask",
					Use:       "create-task [model-spec] [initial-model-sha256] [initial-model] [num-rounds] [committee-size] [budget]",
					Short:     "Create a task and escrow its reward budget (rule and phases as flags)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "model_spec"}, {ProtoField: "initial_model_sha256"}, {ProtoField: "initial_model"},
						{ProtoField: "num_rounds"}, {ProtoField: "committee_size"}, {ProtoField: "budget"},
					},
				},
				{RpcMethod: "UpdateParams", Skip: true}, // authority-gated
			},
		},
	}
}
