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
	type roundID struct{ task, round uint64 }
	rounds := make(map[roundID]bool, len(gs.Rounds))
	for _, round := range gs.Rounds {
		if !tasks[round.TaskId] {
			return fmt.Errorf("round %d of unknown task %d", round.Round, round.TaskId)
		}
		rounds[roundID{round.TaskId, round.Round}] = true
	}
	for _, update := range gs.Updates {
		if !rounds[roundID{update.TaskId, update.Round}] {
			return fmt.Errorf("update of unknown round %d/%d", update.TaskId, update.Round)
		}
		if got := sha256.Sum256(update.Payload); !bytes.Equal(got[:], update.Info.Sha256) {
			return fmt.Errorf("update of round %d/%d: sha256 mismatch", update.TaskId, update.Round)
		}
	}
	for _, aggregate := range gs.Aggregates {
		if !rounds[roundID{aggregate.TaskId, aggregate.Round}] {
			return fmt.Errorf("aggregate of unknown round %d/%d", aggregate.TaskId, aggregate.Round)
		}
	}
	for _, c := range append(append([]GenesisCommitment{}, gs.Commitments...), gs.Attestations...) {
		if !rounds[roundID{c.TaskId, c.Round}] {
			return fmt.Errorf("commitment or attestation of unknown round %d/%d", c.TaskId, c.Round)
		}
	}
	for _, r := range gs.Reveals {
		if !rounds[roundID{r.TaskId, r.Round}] {
			return fmt.Errorf("reveal of unknown round %d/%d", r.TaskId, r.Round)
		}
	}
	return nil
}
