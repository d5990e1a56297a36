// Command auditbench serves scripts/bench-audit.sh: it writes the
// synthetic Resource Graph export the audit benchmarks read, and decodes
// an export with encoding/json on every core, the floor the audit's speed
// is measured against.
//
//	auditbench gen RESOURCES FILE          write RESOURCES resources and 20 subscriptions rows
//	auditbench gen-varied RESOURCES FILE   the same, of resources far less alike (GenerateVariedEstate)
//	auditbench floor FILE                  decode FILE into maps; print the count and the time
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/aizone/aizone/compliance"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "auditbench:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	switch {
	case len(args) == 3 && (args[0] == "gen" || args[0] == "gen-varied"):
		n, err := strconv.Atoi(args[1])
		if err != nil || n < 0 {
			return fmt.Errorf("%s %q: want a count of resources", args[0], args[1])
		}
		f, err := os.Create(args[2])
		if err != nil {
			return err
		}
		gen := func(w io.Writer) error { return compliance.GenerateEstate(w, n, 20) }
		if args[0] == "gen-varied" {
			gen = func(w io.Writer) error { return compliance.GenerateVariedEstate(w, n) }
		}
		if err := gen(f); err != nil {
			f.Close()
			return fmt.Errorf("writing %s: %w", args[2], err)
		}
		return f.Close()
	case len(args) == 2 && args[0] == "floor":
		t0 := time.Now()
		n, err := compliance.DecodeFloor(context.Background(), compliance.FileOpener(args[1]), 0)
		if err != nil {
			return fmt.Errorf("%s: %w", args[1], err)
		}
		fmt.Printf("%d resources decoded in %.2f s\n", n, time.Since(t0).Seconds())
		return nil
	}
	return fmt.Errorf("usage: auditbench gen|gen-varied RESOURCES FILE | auditbench floor FILE")
}
