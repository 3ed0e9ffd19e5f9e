package app

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
)

const (
	// Name of the app and of its daemon's default home folder.
	Name = "sabfl"
	// AccountAddressPrefix is the bech32 prefix of account addresses.
	AccountAddressPrefix = "sabfl"
	// BondDenom is the one staking, fee and reward denomination.
	BondDenom = "stake"
	// DefaultMinGasPrices is the minimum gas price `sabfld init` writes into app.toml: CheckTx refuses a tx
	// whose fee is below gas limit × price.
	DefaultMinGasPrices = "0.01" + BondDenom
)

// SetAddressPrefixes sets the global bech32 prefixes (accounts, validators, consensus keys).
func SetAddressPrefixes() {
	cfg := sdk.GetConfig()
	cfg.SetBech32PrefixForAccount(AccountAddressPrefix, AccountAddressPrefix+sdk.PrefixPublic)
	cfg.SetBech32PrefixForValidator(AccountAddressPrefix+sdk.PrefixValidator+sdk.PrefixOperator,
		AccountAddressPrefix+sdk.PrefixValidator+sdk.PrefixOperator+sdk.PrefixPublic)
	cfg.SetBech32PrefixForConsensusNode(AccountAddressPrefix+sdk.PrefixValidator+sdk.PrefixConsensus,
		AccountAddressPrefix+sdk.PrefixValidator+sdk.PrefixConsensus+sdk.PrefixPublic)
	sdk.DefaultBondDenom = BondDenom
	cfg.Seal()
}
