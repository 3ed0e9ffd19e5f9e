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
					RpcMethod: "Round", Use: "round [task-id] [round]", Short: "Show a round (round 0 = the current one): phase, committee, losses, weights, hashes",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "task_id"}, {ProtoField: "round"}},
				},
				{
					RpcMethod: "Rounds", Use: "rounds [task-id]", Short: "List a task's rounds",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "task_id"}},
				},
				{
					RpcMethod: "Updates", Use: "updates [task-id] [round]", Short: "List a live round's updates (no payloads)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "task_id"}, {ProtoField: "round"}},
				},
				{
					RpcMethod: "Update", Use: "update [task-id] [round] [sha256]", Short: "Show one update with its payload",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "task_id"}, {ProtoField: "round"}, {ProtoField: "sha256"}},
				},
				{
					RpcMethod: "Reveals", Use: "reveals [task-id] [round]", Short: "Show a live round's revealed losses",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "task_id"}, {ProtoField: "round"}},
				},
				{
					RpcMethod: "Aggregate", Use: "aggregate [task-id] [round]", Short: "Show a live round's aggregate with its payload",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "task_id"}, {ProtoField: "round"}},
				},
				{
					RpcMethod: "ValidatorStats", Use: "validator-stats [address]", Short: "Show a validator's committee record",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}},
				},
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
				{
					RpcMethod: "SubmitUpdate", Use: "submit-update [task-id] [round] [commitment]",
					Short: "Commit to a participant update in SUBMIT (the sidecar's participant does this)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "task_id"}, {ProtoField: "round"}, {ProtoField: "commitment"},
					},
				},
				{
					RpcMethod: "RevealUpdate", Use: "reveal-update [task-id] [round] [sha256] [num-samples] [salt] [payload]",
					Short: "Reveal a committed participant update in UPDATE_REVEAL (the sidecar's participant does this)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{
						{ProtoField: "task_id"}, {ProtoField: "round"}, {ProtoField: "sha256"}, {ProtoField: "num_samples"},
						{ProtoField: "salt"}, {ProtoField: "payload"},
					},
				},
				// Commit, reveal, aggregate and attest carry machine-made bytes: the validator sidecar sends them.
				{RpcMethod: "CommitLosses", Skip: true},
				{RpcMethod: "RevealLosses", Skip: true},
				{RpcMethod: "SubmitAggregate", Skip: true},
				{RpcMethod: "AttestAggregate", Skip: true},
				{RpcMethod: "UpdateParams", Skip: true}, // authority-gated
			},
		},
	}
}
