package types

import (
	"regexp"

	errorsmod "cosmossdk.io/errors"
)

// A payload — an update, an aggregate, a task's initial model — reaches the chain inline (its bytes in the
// message, for small models) or by reference: sha256, size and a locator naming where a content-addressed
// store keeps the bytes. The chain binds the sha256 and size; the locator is untrusted, it only says where
// to look, and each sidecar fetches only from the stores its operator allows (docs/protocol.md, "Blobs").
const (
	// MaxBlobBytes bounds a payload's declared size; max_model_bytes and max_update_bytes may only be lower.
	MaxBlobBytes = 4 << 30
	// MaxLocatorLength bounds a locator.
	MaxLocatorLength = 256
)

// locatorSyntax is a URI scheme followed by "://" and printable ASCII without spaces.
var locatorSyntax = regexp.MustCompile(`^[a-z][a-z0-9+.-]*://[!-~]+$`)

// Blob is one payload as a message carries it: inline bytes, or a size and locator.
type Blob struct {
	Field   string
	Sha256  []byte
	Payload []byte
	Size    uint64
	Locator string
}

// ByReference says whether the payload travels by reference.
func (b Blob) ByReference() bool { return b.Locator != "" }

// Bytes is the payload's size, inline or declared.
func (b Blob) Bytes() uint64 {
	if b.ByReference() {
		return b.Size
	}
	return uint64(len(b.Payload))
}

// ValidateBasic checks the payload without params: inline bytes that hash to Sha256 (a size, if given,
// equal to theirs), or a reference — no bytes, a sha256, a size in [1, MaxBlobBytes], a well-formed locator.
func (b Blob) ValidateBasic() error {
	if !b.ByReference() {
		if b.Size != 0 && b.Size != uint64(len(b.Payload)) {
			return errorsmod.Wrapf(ErrInvalidBlob, "%s has %d bytes but declares size %d", b.Field, len(b.Payload), b.Size)
		}
		return checkPayload(b.Field, b.Sha256, b.Payload)
	}
	if len(b.Payload) != 0 {
		return errorsmod.Wrapf(ErrInvalidBlob, "%s carries both bytes and a locator", b.Field)
	}
	if b.Size == 0 || b.Size > MaxBlobBytes {
		return errorsmod.Wrapf(ErrInvalidBlob, "%s declares size %d, want 1 to %d", b.Field, b.Size, uint64(MaxBlobBytes))
	}
	if len(b.Locator) > MaxLocatorLength || !locatorSyntax.MatchString(b.Locator) {
		return errorsmod.Wrapf(ErrInvalidBlob, "%s locator %.64q is not scheme://location in at most %d printable characters",
			b.Field, b.Locator, MaxLocatorLength)
	}
	return checkSha256(b.Field+" sha256", b.Sha256, nil)
}

// ValidateAgainst checks the payload's path and size against the params: inline only up to
// max_inline_bytes, by reference only above it, and never above limit (max_update_bytes or max_model_bytes).
func (b Blob) ValidateAgainst(p Params, limitName string, limit uint64) error {
	size := b.Bytes()
	switch {
	case size > limit:
		// Too large for the task's kind of payload, whatever the path.
		return errorsmod.Wrapf(ErrPayloadTooLarge, "%s has %d bytes, %s is %d", b.Field, size, limitName, limit)
	case !b.ByReference() && size > p.MaxInlineBytes:
		// Too large to travel in a transaction: it belongs in a blob store.
		return errorsmod.Wrapf(ErrInlineTooLarge, "%s has %d bytes inline, max_inline_bytes is %d: upload it to a blob store and submit a reference",
			b.Field, size, p.MaxInlineBytes)
	case b.ByReference() && size <= p.MaxInlineBytes:
		// Small enough to travel inline: a reference would only add a store every member must reach.
		return errorsmod.Wrapf(ErrInlineRequired, "%s of %d bytes must travel inline (max_inline_bytes is %d)",
			b.Field, size, p.MaxInlineBytes)
	}
	return nil
}

// Blob returns the update's payload.
func (m *MsgRevealUpdate) Blob() Blob {
	return Blob{Field: "payload", Sha256: m.Sha256, Payload: m.Payload, Size: m.SizeBytes, Locator: m.Locator}
}

// Blob returns the aggregate's payload.
func (m *MsgSubmitAggregate) Blob() Blob {
	return Blob{Field: "payload", Sha256: m.ModelSha256, Payload: m.Payload, Size: m.SizeBytes, Locator: m.Locator}
}

// Blob returns the task's initial model.
func (m *MsgCreateTask) Blob() Blob {
	return Blob{Field: "initial_model", Sha256: m.InitialModelSha256, Payload: m.InitialModel, Size: m.InitialModelSize, Locator: m.InitialModelLocator}
}

// Blob returns the global model's payload.
func (m GlobalModel) Blob() Blob {
	return Blob{Field: "payload", Sha256: m.Sha256, Payload: m.Payload, Size: m.SizeBytes, Locator: m.Locator}
}

// Blob returns the stored update's payload.
func (u Update) Blob() Blob {
	return Blob{Field: "payload", Sha256: u.Info.Sha256, Payload: u.Payload, Size: u.Info.SizeBytes, Locator: u.Info.Locator}
}

// Blob returns the stored aggregate's payload.
func (a Aggregate) Blob() Blob {
	return Blob{Field: "payload", Sha256: a.Sha256, Payload: a.Payload, Size: a.SizeBytes, Locator: a.Locator}
}
