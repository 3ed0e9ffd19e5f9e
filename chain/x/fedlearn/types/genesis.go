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
// task and is a valid blob (inline bytes hashing to its sha256, or a well-formed reference), as are the
// updates and aggregates of open rounds.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextTaskId == 0 {
		return fmt.Errorf("next_task_id must be positive")
	}
	tasks := make(map[uint64]Task, len(gs.Tasks))
	for _, task := range gs.Tasks {
		if task.Id == 0 || task.Id >= gs.NextTaskId {
			return fmt.Errorf("task id %d outside [1, next_task_id=%d)", task.Id, gs.NextTaskId)
		}
		if _, seen := tasks[task.Id]; seen {
			return fmt.Errorf("duplicate task id %d", task.Id)
		}
		if err := task.validate(); err != nil {
			return fmt.Errorf("task %d: %w", task.Id, err)
		}
		tasks[task.Id] = task
	}
	models := make(map[uint64]bool, len(gs.GlobalModels))
	for _, model := range gs.GlobalModels {
		if _, ok := tasks[model.TaskId]; !ok {
			return fmt.Errorf("global model of unknown task %d", model.TaskId)
		}
		if models[model.TaskId] {
			return fmt.Errorf("duplicate global model of task %d", model.TaskId)
		}
		models[model.TaskId] = true
		if err := model.Blob().ValidateBasic(); err != nil {
			return fmt.Errorf("global model of task %d: %w", model.TaskId, err)
		}
	}
	type roundID struct{ task, round uint64 }
	rounds := make(map[roundID]bool, len(gs.Rounds))
	for _, round := range gs.Rounds {
		task, ok := tasks[round.TaskId]
		if !ok {
			return fmt.Errorf("round %d of unknown task %d", round.Round, round.TaskId)
		}
		if rounds[roundID{round.TaskId, round.Round}] {
			return fmt.Errorf("duplicate round %d/%d", round.TaskId, round.Round)
		}
		if err := round.validate(task); err != nil {
			return fmt.Errorf("round %d/%d: %w", round.TaskId, round.Round, err)
		}
		rounds[roundID{round.TaskId, round.Round}] = true
	}
	for _, task := range gs.Tasks {
		if task.Status == TASK_STATUS_ACTIVE && task.CurrentRound > 0 && !rounds[roundID{task.Id, task.CurrentRound}] {
			return fmt.Errorf("active task %d has no record of its current round %d", task.Id, task.CurrentRound)
		}
	}
	for _, o := range gs.OptIns {
		if _, ok := tasks[o.TaskId]; !ok {
			return fmt.Errorf("opt-in of %s to unknown task %d", o.Validator, o.TaskId)
		}
		if err := checkAddress("opt-in validator", o.Validator); err != nil {
			return err
		}
	}
	for _, update := range gs.Updates {
		if !rounds[roundID{update.TaskId, update.Round}] {
			return fmt.Errorf("update of unknown round %d/%d", update.TaskId, update.Round)
		}
		if err := update.Blob().ValidateBasic(); err != nil {
			return fmt.Errorf("update of round %d/%d: %w", update.TaskId, update.Round, err)
		}
	}
	for _, sealed := range gs.UpdateCommitments {
		if !rounds[roundID{sealed.TaskId, sealed.Round}] {
			return fmt.Errorf("update commitment of unknown round %d/%d", sealed.TaskId, sealed.Round)
		}
		if err := checkAddress("update commitment participant", sealed.Participant); err != nil {
			return err
		}
		if err := checkSha256("update commitment", sealed.Commitment, nil); err != nil {
			return err
		}
	}
	for _, aggregate := range gs.Aggregates {
		if !rounds[roundID{aggregate.TaskId, aggregate.Round}] {
			return fmt.Errorf("aggregate of unknown round %d/%d", aggregate.TaskId, aggregate.Round)
		}
		if err := aggregate.Blob().ValidateBasic(); err != nil {
			return fmt.Errorf("aggregate of round %d/%d: %w", aggregate.TaskId, aggregate.Round, err)
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

// validate checks a task record on its own.
func (t Task) validate() error {
	if err := checkAddress("creator", t.Creator); err != nil {
		return err
	}
	if _, ok := TaskStatus_name[int32(t.Status)]; !ok || t.Status == TASK_STATUS_UNSPECIFIED {
		return fmt.Errorf("invalid status %d", t.Status)
	}
	if err := checkLength("model_spec", len(t.ModelSpec), MaxModelSpecBytes); err != nil {
		return err
	}
	if err := t.Rule.Validate(); err != nil {
		return err
	}
	if t.NumRounds == 0 || t.CurrentRound > t.NumRounds {
		return fmt.Errorf("current round %d outside [0, num_rounds=%d]", t.CurrentRound, t.NumRounds)
	}
	if t.CommitteeSize == 0 || t.CommitteeSize > MaxCommitteeSize {
		return fmt.Errorf("committee size %d outside [1, %d]", t.CommitteeSize, MaxCommitteeSize)
	}
	if !t.Budget.IsValid() || !t.Escrow.IsValid() || t.Escrow.Denom != t.Budget.Denom || t.Escrow.Amount.GT(t.Budget.Amount) {
		return fmt.Errorf("escrow %s must be a valid coin of the budget's denom, at most the budget %s", t.Escrow, t.Budget)
	}
	if !t.Deposit.IsValid() {
		return fmt.Errorf("deposit %s must be a valid coin", t.Deposit)
	}
	if t.QuorumHeight < 0 || (t.QuorumHeight > 0 && t.QuorumHeight < t.CreatedHeight) {
		return fmt.Errorf("quorum height %d before the task's creation at %d", t.QuorumHeight, t.CreatedHeight)
	}
	return nil
}

// validate checks a round record against its task.
func (r Round) validate(task Task) error {
	if r.Round == 0 || r.Round > task.CurrentRound {
		return fmt.Errorf("round number outside [1, current round %d]", task.CurrentRound)
	}
	if _, ok := RoundPhase_name[int32(r.Phase)]; !ok || r.Phase == ROUND_PHASE_UNSPECIFIED {
		return fmt.Errorf("invalid phase %d", r.Phase)
	}
	if len(r.Committee) == 0 || len(r.Committee) > MaxCommitteeSize {
		return fmt.Errorf("committee of %d members, want 1 to %d", len(r.Committee), MaxCommitteeSize)
	}
	if int(r.MinerAttempt) >= len(r.Committee) {
		return fmt.Errorf("miner attempt %d of a committee of %d", r.MinerAttempt, len(r.Committee))
	}
	for _, m := range r.Committee {
		if err := checkAddress("committee member", m.Address); err != nil {
			return err
		}
	}
	if len(r.Updates) > MaxUpdatesPerRound {
		return fmt.Errorf("%d updates, limit %d", len(r.Updates), MaxUpdatesPerRound)
	}
	for i, u := range r.Updates {
		if len(u.Sha256) != sha256.Size || (i > 0 && bytes.Compare(r.Updates[i-1].Sha256, u.Sha256) >= 0) {
			return fmt.Errorf("updates must be distinct sha256 hashes in ascending order")
		}
	}
	if n := len(r.ConsensusLosses); n != 0 && n != len(r.Updates) {
		return fmt.Errorf("%d consensus losses for %d updates", n, len(r.Updates))
	}
	if n := len(r.Weights); n != 0 && n != len(r.Updates) {
		return fmt.Errorf("%d weights for %d updates", n, len(r.Updates))
	}
	return nil
}
