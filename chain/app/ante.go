package app

import (
	errorsmod "cosmossdk.io/errors"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"
	"github.com/cosmos/cosmos-sdk/x/authz"
)

// MaxMsgsPerTx bounds the messages of one tx, counting those wrapped in an authz MsgExec or a gov
// proposal.
const MaxMsgsPerTx = 64

// NewAnteHandler is the SDK's standard ante chain (fees, optionally paid by a fee grant; signatures;
// sequences) preceded by ValidateMsgsDecorator.
func NewAnteHandler(options ante.HandlerOptions, unpacker codectypes.AnyUnpacker) (sdk.AnteHandler, error) {
	standard, err := ante.NewAnteHandler(options)
	if err != nil {
		return nil, err
	}
	validate := NewValidateMsgsDecorator(unpacker, MaxMsgsPerTx)
	return func(ctx sdk.Context, tx sdk.Tx, simulate bool) (sdk.Context, error) {
		return validate.AnteHandle(ctx, tx, simulate, standard)
	}, nil
}

// ValidateMsgsDecorator runs the stateless checks (ValidateBasic) of every message of a tx, including the
// messages wrapped in an authz MsgExec or a gov MsgSubmitProposal. Baseapp checks only the top-level
// messages, so without it a MsgExec could carry a message that its own checks would refuse (an oversize
// decimal string, say) to the message's handler and parser. A wrapping message may only appear at the top
// level, and a tx carries at most maxMsgs messages in all.
type ValidateMsgsDecorator struct {
	unpacker codectypes.AnyUnpacker
	maxMsgs  int
}

func NewValidateMsgsDecorator(unpacker codectypes.AnyUnpacker, maxMsgs int) ValidateMsgsDecorator {
	return ValidateMsgsDecorator{unpacker: unpacker, maxMsgs: maxMsgs}
}

func (d ValidateMsgsDecorator) AnteHandle(ctx sdk.Context, tx sdk.Tx, simulate bool, next sdk.AnteHandler) (sdk.Context, error) {
	msgs := tx.GetMsgs()
	count := len(msgs)
	if count > d.maxMsgs {
		return ctx, errorsmod.Wrapf(sdkerrors.ErrInvalidRequest, "tx has %d messages, limit %d", count, d.maxMsgs)
	}
	for i, msg := range msgs {
		if err := validateBasic(msg); err != nil {
			return ctx, errorsmod.Wrapf(err, "message %d", i)
		}
		inner, err := d.wrapped(msg)
		if err != nil {
			return ctx, errorsmod.Wrapf(err, "message %d", i)
		}
		count += len(inner)
		if count > d.maxMsgs {
			return ctx, errorsmod.Wrapf(sdkerrors.ErrInvalidRequest,
				"tx has more than %d messages, counting wrapped ones", d.maxMsgs)
		}
		for j, m := range inner {
			if isWrapper(m) {
				return ctx, errorsmod.Wrapf(sdkerrors.ErrInvalidRequest,
					"message %d wraps a %s: messages that wrap messages cannot be nested", i, sdk.MsgTypeURL(m))
			}
			if err := validateBasic(m); err != nil {
				return ctx, errorsmod.Wrapf(err, "message %d, wrapped message %d", i, j)
			}
		}
	}
	return next(ctx, tx, simulate)
}

// wrapped returns the messages msg carries for later execution (none if it carries none), unpacked
// through the interface registry.
func (d ValidateMsgsDecorator) wrapped(msg sdk.Msg) ([]sdk.Msg, error) {
	if !isWrapper(msg) {
		return nil, nil
	}
	if err := codectypes.UnpackInterfaces(msg, d.unpacker); err != nil {
		return nil, errorsmod.Wrap(sdkerrors.ErrInvalidRequest, err.Error())
	}
	switch m := msg.(type) {
	case *authz.MsgExec:
		return m.GetMessages()
	case msgsWrapper:
		return m.GetMsgs()
	}
	return nil, nil
}

// msgsWrapper is a message that carries messages to execute later (gov v1 MsgSubmitProposal).
type msgsWrapper interface {
	GetMsgs() ([]sdk.Msg, error)
}

func isWrapper(msg sdk.Msg) bool {
	switch msg.(type) {
	case *authz.MsgExec, msgsWrapper:
		return true
	}
	return false
}

func validateBasic(msg sdk.Msg) error {
	if m, ok := msg.(sdk.HasValidateBasic); ok {
		return m.ValidateBasic()
	}
	return nil
}
