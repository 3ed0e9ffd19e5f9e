package types_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/big"
	"strings"
	"testing"

	sdkmath "cosmossdk.io/math"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/sabfl/sabfl/chain/x/fedlearn/consensus"
	"github.com/sabfl/sabfl/chain/x/fedlearn/types"
)

// FuzzMsgSubmitUpdateValidate: an update commitment is accepted iff it has 32 bytes; a rejection is the
// module's registered invalid-hash error.
func FuzzMsgSubmitUpdateValidate(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add([]byte{})
	f.Add(make([]byte, 31))
	f.Add(make([]byte, 33))
	f.Fuzz(func(t *testing.T, commitment []byte) {
		msg := types.MsgSubmitUpdate{Participant: member, TaskId: 1, Round: 1, Commitment: commitment}
		err := msg.ValidateBasic()
		if len(commitment) == sha256.Size {
			require.NoError(t, err)
			return
		}
		require.ErrorIs(t, err, types.ErrInvalidHash)
	})
}

// FuzzMsgRevealUpdateValidate: a revealed update is accepted iff its payload is non-empty, num_samples > 0,
// sha256 is the payload's and the salt has 32 bytes; a rejection is one of the module's registered errors.
func FuzzMsgRevealUpdateValidate(f *testing.F) {
	payload := []byte("update bytes")
	digest := sha256.Sum256(payload)
	salt := sha256.Sum256([]byte("salt"))
	f.Add(payload, digest[:], uint64(10), false, salt[:])
	f.Add(payload, []byte{}, uint64(10), true, salt[:])
	f.Add([]byte{}, digest[:], uint64(10), false, salt[:])
	f.Add(payload, digest[:], uint64(0), false, salt[:])
	f.Add(payload, digest[:31], uint64(1), false, salt[:])
	f.Add(payload, append(digest[:], 0), uint64(1), false, salt[:])
	f.Add([]byte{0}, make([]byte, 32), uint64(1)<<63, false, salt[:])
	f.Add(payload, digest[:], uint64(10), true, []byte{})
	f.Add(payload, digest[:], uint64(10), true, make([]byte, 33))
	f.Fuzz(func(t *testing.T, payload, digest []byte, numSamples uint64, hashPayload bool, salt []byte) {
		if hashPayload {
			sum := sha256.Sum256(payload)
			digest = sum[:]
		}
		msg := types.MsgRevealUpdate{Participant: member, Sha256: digest, NumSamples: numSamples, Payload: payload, Salt: salt}
		err := msg.ValidateBasic()
		sum := sha256.Sum256(payload)
		valid := len(payload) > 0 && len(payload) <= types.MaxPayloadBytes && numSamples > 0 && bytes.Equal(digest, sum[:]) && len(salt) == 32
		if valid {
			require.NoError(t, err)
			return
		}
		require.Error(t, err)
		require.True(t, errors.Is(err, types.ErrEmptyPayload) || errors.Is(err, types.ErrInvalidSamples) ||
			errors.Is(err, types.ErrInvalidHash) || errors.Is(err, types.ErrHashMismatch) || errors.Is(err, types.ErrPayloadTooLarge) ||
			errors.Is(err, types.ErrInvalidSalt),
			"unregistered error %v", err)
	})
}

// FuzzMsgCreateTaskValidate: validation never panics, and a task it accepts can be run: its rule gives a
// positive τ and softmax weights summing to 1 for any losses up to the cap.
func FuzzMsgCreateTaskValidate(f *testing.F) {
	f.Add("digits/logreg", []byte("model"), true, uint64(5), uint32(3), int32(1), "0.05", "", "", "1", "stake", "400000", uint32(0))
	f.Add("digits/logreg", []byte("model"), true, uint64(5), uint32(3), int32(2), "", "1.5", "0.01", "0.5", "stake", "1", uint32(256))
	f.Add("", []byte("model"), true, uint64(5), uint32(3), int32(1), "0.05", "", "", "1", "stake", "1", uint32(0))
	f.Add("spec", []byte{}, true, uint64(1), uint32(1), int32(1), "1", "", "", "1", "stake", "1", uint32(0))
	f.Add("spec", []byte("model"), false, uint64(1), uint32(1), int32(1), "1", "", "", "1", "stake", "1", uint32(0))
	f.Add("spec", []byte("model"), true, uint64(0), uint32(0), int32(0), "-1", "x", "1e3", "1.0000001", "1x", "-5", uint32(257))
	f.Add("spec", []byte("model"), true, uint64(1), uint32(1), int32(1), "0.000001", "", "", "0.000001", "stake", "", uint32(0))
	f.Add("spec", []byte("model"), true, uint64(1), uint32(1), int32(2), "", "99999999999999999999", "18446744073709.551615", "1", "stake", "9", uint32(0))
	f.Add("spec", []byte("model"), true, uint64(1)<<63, ^uint32(0), int32(7), " 0.5 ", "0", "0", "0", "", "1"+strings.Repeat("0", 80), uint32(1))
	f.Fuzz(func(t *testing.T, spec string, model []byte, hashModel bool, rounds uint64, committee uint32, mode int32,
		temperature, madMultiplier, temperatureMin, scoreStep, denom, amount string, maxUpdates uint32,
	) {
		digest := []byte("not a digest")
		if hashModel {
			sum := sha256.Sum256(model)
			digest = sum[:]
		}
		budget := sdk.Coin{Denom: denom}
		if parsed, ok := sdkmath.NewIntFromString(amount); ok {
			budget.Amount = parsed
		}
		msg := types.MsgCreateTask{
			Creator: member, ModelSpec: spec, InitialModelSha256: digest, InitialModel: model,
			NumRounds: rounds, CommitteeSize: committee, MaxUpdatesPerRound: maxUpdates, Budget: budget,
			Rule: types.AggregationRule{
				TemperatureMode: types.TemperatureMode(mode), Temperature: temperature, MadMultiplier: madMultiplier,
				TemperatureMin: temperatureMin, ScoreStep: scoreStep,
			},
			Phases: types.PhaseLengths{Submit: 5, Commit: 5, Reveal: 5, Aggregate: 5, Attest: 5, UpdateReveal: 5},
		}
		params := types.DefaultParams()
		if msg.ValidateBasic() != nil || msg.ValidateAgainst(params) != nil {
			return
		}
		require.NotEmpty(t, msg.ModelSpec)
		require.LessOrEqual(t, len(msg.ModelSpec), types.MaxModelSpecBytes)
		for _, decimal := range []string{msg.Rule.Temperature, msg.Rule.MadMultiplier, msg.Rule.TemperatureMin, msg.Rule.ScoreStep} {
			require.LessOrEqual(t, len(decimal), types.MaxDecimalLength)
		}
		require.NotEmpty(t, msg.InitialModel)
		require.LessOrEqual(t, uint64(len(msg.InitialModel)), params.MaxModelBytes)
		sum := sha256.Sum256(msg.InitialModel)
		require.Equal(t, sum[:], msg.InitialModelSha256)
		require.True(t, msg.NumRounds > 0 && msg.NumRounds <= params.MaxRounds)
		require.True(t, msg.CommitteeSize > 0 && msg.CommitteeSize <= params.MaxCommitteeSize)
		require.LessOrEqual(t, msg.MaxUpdatesPerRound, params.MaxUpdatesPerRound)
		require.True(t, msg.Budget.IsValid() && msg.Budget.IsPositive())
		step, err := types.ParseMicro(msg.Rule.ScoreStep)
		require.NoError(t, err)
		require.True(t, step > 0 && step <= types.MicroScale)

		rule, err := msg.Rule.TemperatureRule()
		require.NoError(t, err)
		for _, losses := range [][]uint64{{0}, {0, params.LossCap}, {params.LossCap, 1, params.LossCap / 2}} {
			tau, err := rule.Temperature(losses)
			require.NoError(t, err)
			require.Positive(t, tau)
			weights, err := consensus.SoftmaxWeights(losses, rule)
			require.NoError(t, err)
			var total uint64
			for _, w := range weights {
				total += w
			}
			require.Equal(t, consensus.WeightScale, total)
		}
	})
}

// FuzzParseMicro: ParseMicro never panics and accepts exactly the plain decimals (digits[.digits], spaces
// around them ignored, at most MaxDecimalLength characters in all) that are whole micro-units and fit a
// uint64, returning their value in micro-units.
func FuzzParseMicro(f *testing.F) {
	for _, seed := range []string{
		"0", "1", "0.05", "0.000001", "0.0000001", " 2 ", "-1", "-0", "abc", "1e3", "", ".5", "5.", "1.000000",
		"1.000000000", "007.5", "18446744073709.551615", "18446744073709.551616", "99999999999999999999",
		"0x10", "+1", "+", "--1", "-+0.0", "1/2", "1.2.3", "                              1", strings.Repeat("0", 33) + "1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := types.ParseMicro(s)
		want, plain := plainDecimalMicro(strings.TrimSpace(s))
		if plain && want.IsUint64() && len(s) <= types.MaxDecimalLength {
			require.NoError(t, err, "%q", s)
			require.Equal(t, want.Uint64(), got, "%q", s)
			return
		}
		require.Error(t, err, "%q read as %d", s, got)
	})
}

// plainDecimalMicro reads digits[.digits] into micro-units; fractional digits after the 6th must be
// zeros, and at most 18 of them (LegacyDec's precision).
func plainDecimalMicro(s string) (*big.Int, bool) {
	whole, fraction, dot := strings.Cut(s, ".")
	if whole == "" || (dot && fraction == "") || len(fraction) > 18 || strings.Trim(whole+fraction, "0123456789") != "" {
		return nil, false
	}
	if len(fraction) > 6 {
		if strings.Trim(fraction[6:], "0") != "" {
			return nil, false
		}
		fraction = fraction[:6]
	}
	return new(big.Int).SetString(whole+fraction+strings.Repeat("0", 6-len(fraction)), 10)
}
