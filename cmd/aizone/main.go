// Command aizone designs, checks and emits Azure landing zones for AI on IaaS.
package main

import (
	"context"
	"os"

	"github.com/aizone/aizone/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.StdStreams()))
}
