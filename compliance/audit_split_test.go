package compliance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestSplitterRecyclesBlocks cuts an export into many small blocks and
// checks, at several worker counts, that no block is read into again
// while an element cut from it is with a worker or being collected: each
// element must hash in collect as it did in its worker, and the elements
// collected must be the export's, in order. It also checks that blocks
// are reused at all.
func TestSplitterRecyclesBlocks(t *testing.T) {
	defer func(block, chunk int) { splitBlock, chunkSize = block, chunk }(splitBlock, chunkSize)
	// About five elements a block and a chunk, so that the chunks in
	// flight span fewer blocks than the splitter keeps for reuse.
	splitBlock, chunkSize = 2048, 4
	var export bytes.Buffer
	if err := GenerateEstate(&export, 3000, 20); err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	s := &splitter{r: bytes.NewReader(export.Bytes())}
	if err := s.split(context.Background(), func(elem []byte, _ int) error {
		want = append(want, elem)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(export.Bytes())), nil }
	for _, workers := range []int{1, 2, 7} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			var rec *recycler
			src := func(ctx context.Context, r *recycler, each func([]byte, int) error) error {
				rec = r
				return splitSource(open, nil)(ctx, r, each)
			}
			work := func(c *chunk) {
				sums := make([][32]byte, len(c.elems))
				for k, e := range c.elems {
					sums[k] = sha256.Sum256(e)
					if rand.IntN(8) == 0 {
						runtime.Gosched() // let the splitter run ahead
					}
				}
				c.out = sums
			}
			n := 0
			collect := func(c *chunk) error {
				for k, e := range c.elems {
					if sha256.Sum256(e) != c.out.([][32]byte)[k] {
						return fmt.Errorf("element %d changed between its worker and collect", c.first+k)
					}
					if !bytes.Equal(e, want[n]) {
						return fmt.Errorf("element %d is %.40q, want %.40q", n, e, want[n])
					}
					n++
				}
				return nil
			}
			if err := pipeline(context.Background(), workers, src, work, collect); err != nil {
				t.Fatal(err)
			}
			if n != len(want) {
				t.Fatalf("collected %d elements of %d", n, len(want))
			}
			if rec.reused == 0 {
				t.Error("no block was reused")
			}
		})
	}
}
