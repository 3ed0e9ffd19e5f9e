// Command sabfld is the sabfl chain daemon and CLI.
package main

import (
	"fmt"
	"os"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"

	"github.com/sabfl/sabfl/chain/app"
	"github.com/sabfl/sabfl/chain/cmd/sabfld/cmd"
)

func main() {
	if err := svrcmd.Execute(cmd.NewRootCmd(), "SABFLD", app.DefaultNodeHome); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
