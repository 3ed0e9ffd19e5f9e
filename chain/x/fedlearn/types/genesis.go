package types

import (
	"bytes"
	"crypto/sha256"
	"fmt"
)

// DefaultGenesis has default params and no tasks.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextTaskId: 1}
}

// Validate checks params, unique task ids below next_task_id, and that every global model belongs to a
// task and hashes to its stated sha256.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextTaskId == 0 {
		return fmt.Errorf("next_task_id must be positive")
	}
	tasks := make(map[uint64]bool, len(gs.Tasks))
	for _, task := range gs.Tasks {
		if task.Id == 0 || task.Id >= gs.NextTaskId {
			return fmt.Errorf("task id %d outside [1, next_task_id=%d)", task.Id, gs.NextTaskId)
		}
		if tasks[task.Id] {
			return fmt.Errorf("duplicate task id %d", task.Id)
		}
		tasks[task.Id] = true
	}
	models := make(map[uint64]bool, len(gs.GlobalModels))
	for _, model := range gs.GlobalModels {
		if !tasks[model.TaskId] {
			return fmt.Errorf("global model of unknown task %d", model.TaskId)
		}
		if models[model.TaskId] {
			return fmt.Errorf("duplicate global model of task %d", model.TaskId)
		}
		models[model.TaskId] = true
		if got := sha256.Sum256(model.Payload); !bytes.Equal(got[:], model.Sha256) {
			return fmt.Errorf("global model of task %d: sha256 mismatch", model.TaskId)
		}
	}
	return nil
}
