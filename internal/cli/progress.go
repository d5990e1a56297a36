package cli

import (
	"context"
	"fmt"
	"io"
	"time"
)

// terminal is a writer that says whether it is a terminal; tests use one
// to see the status line a terminal would.
type terminal interface {
	io.Writer
	Terminal() bool
}

// wantsStatus reports whether w takes a redrawn status line: a terminal
// (isTerminal), or a writer that says it is one.
func wantsStatus(w io.Writer) bool {
	if t, ok := w.(terminal); ok {
		return t.Terminal()
	}
	return isTerminal(w)
}

// statusLine redraws one line on w, five times a second, with what line
// says after the time elapsed, while a long command runs; only when w is
// a terminal (piped, nothing is written). It returns the function that
// clears the line.
func statusLine(w io.Writer, line func(elapsed time.Duration) string) func() {
	if !wantsStatus(w) {
		return func() {}
	}
	tick := time.NewTicker(200 * time.Millisecond)
	stop := statusTicks(w, tick.C, line)
	return func() { tick.Stop(); stop() }
}

// statusTicks draws on every tick, with a spinner before the line.
func statusTicks(w io.Writer, ticks <-chan time.Time, line func(elapsed time.Duration) string) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t0 := time.Now()
	go func() {
		defer close(done)
		spin := `|/-\`
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				fmt.Fprint(w, "\r\033[K")
				return
			case t := <-ticks:
				fmt.Fprintf(w, "\r\033[K%c %s", spin[i%4], line(t.Sub(t0)))
			}
		}
	}()
	return func() { cancel(); <-done }
}
