package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aizone/aizone/internal/userfile"
)

// Source is an inventory to scan: report files, or a live container.
type Source interface {
	// Scan calls fn with consecutive batches of rows, from up to
	// opt.Workers goroutines at once; Batch.Seq gives their order. fn must
	// not keep the batch or its records after it returns: their strings
	// alias buffers that are reused (Record.Clone keeps one).
	Scan(ctx context.Context, opt ScanOptions, fn func(worker int, b *Batch) error) error
	String() string
}

// Bounds of ScanOptions.
const (
	// MaxWorkers bounds the parallel workers. One goroutine reads a file
	// and feeds them, so beyond a few dozen they wait on it, and each
	// costs memory: its buffers, and in a simulation an accumulator of
	// about 150 bytes a simulated day (5 MB at simulation.MaxDays).
	MaxWorkers = 64
	// MaxBatchRows bounds the rows of one batch: each worker holds a
	// batch of records (about 200 bytes each), so the cap keeps memory
	// per worker near 13 MB. The defaults are far below it.
	MaxBatchRows = 65536
)

// ScanOptions say how a source is read. The zero value reads with one
// worker and each format's own batch size.
type ScanOptions struct {
	Workers int // parallel workers, 1 to MaxWorkers; 0 means 1
	// BatchRows caps the rows of one batch, 1 to MaxBatchRows; 0 keeps
	// the format's default: a 4 MiB CSV chunk, 8,192 Parquet rows, a
	// listing page of up to 5,000 blobs. Results never depend on it.
	BatchRows int
}

func (o ScanOptions) check() error {
	if o.Workers < 0 || o.Workers > MaxWorkers {
		return fmt.Errorf("inventory: %d workers; want 1 to %d", o.Workers, MaxWorkers)
	}
	if o.BatchRows < 0 || o.BatchRows > MaxBatchRows {
		return fmt.Errorf("inventory: batches of %d rows; want 1 to %d (0 for the default)", o.BatchRows, MaxBatchRows)
	}
	return nil
}

func (o ScanOptions) workers() int { return max(o.Workers, 1) }

// Open returns the inventory at path: a CSV or Parquet report file, or a
// directory holding report files (an inventory run's folder; manifest and
// checksum files are skipped). Files are read in name order.
//
// Only regular files are read: a FIFO, socket or device, given as the
// path or found in the directory, is refused at once rather than read
// (a FIFO would block until a writer comes).
func Open(path string) (Source, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	var files []string
	if st.IsDir() {
		err := filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || formatOf(p) == "" {
				return nil
			}
			// A report file that is a link is followed; anything else that
			// is not a regular file is an error, not silently skipped, so
			// that no rows go missing unnoticed.
			if err := userfile.Regular(p); err != nil {
				return err
			}
			files = append(files, p)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, fmt.Errorf("inventory: no .csv or .parquet report files under %s", path)
		}
	} else {
		if err := userfile.Regular(path); err != nil {
			return nil, fmt.Errorf("inventory: %w", err)
		}
		files = []string{path}
	}
	return &fileSource{path: path, files: files}, nil
}

// formatOf tells a report file by its extension.
func formatOf(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return "csv"
	case ".parquet":
		return "parquet"
	}
	return ""
}

type fileSource struct {
	path  string
	files []string
}

func (s *fileSource) String() string { return s.path }

func (s *fileSource) Scan(ctx context.Context, opt ScanOptions, fn func(int, *Batch) error) error {
	return s.scan(opt, func(format, file string, seq int) (int, error) {
		if format == "csv" {
			return scanCSV(ctx, file, seq, opt, fn)
		}
		return scanParquet(ctx, file, seq, opt, fn)
	})
}

// scan reads the files in turn, each by its format ("csv" or "parquet"),
// numbering batches on from where the previous file stopped: the record
// and the column scans walk the files alike.
func (s *fileSource) scan(opt ScanOptions, file func(format, file string, seq int) (int, error)) error {
	if err := opt.check(); err != nil {
		return err
	}
	seq := 0
	for _, f := range s.files {
		var err error
		format := formatOf(f)
		if format == "" {
			format, err = sniff(f)
			if err != nil {
				return err
			}
		}
		if seq, err = file(format, f, seq); err != nil {
			return err
		}
	}
	return nil
}

// sniff tells Parquet (which starts with PAR1) from CSV for a file with
// another extension.
func sniff(path string) (string, error) {
	f, err := userfile.Open(path)
	if err != nil {
		return "", fmt.Errorf("inventory: %w", err)
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err == nil && string(magic[:]) == "PAR1" {
		return "parquet", nil
	}
	return "csv", nil
}

// pool runs jobs on a fixed set of workers and stops at the first error.
type pool struct {
	ctx    context.Context
	cancel context.CancelFunc
	jobs   chan func(worker int) error
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newPool(ctx context.Context, workers int) *pool {
	ctx, cancel := context.WithCancel(ctx)
	p := &pool{ctx: ctx, cancel: cancel, jobs: make(chan func(int) error, workers)}
	for w := 0; w < workers; w++ {
		p.wg.Add(1)
		go func(w int) {
			defer p.wg.Done()
			for job := range p.jobs {
				if p.ctx.Err() != nil {
					continue // drain after a failure
				}
				if err := job(w); err != nil {
					p.fail(err)
				}
			}
		}(w)
	}
	return p
}

func (p *pool) fail(err error) {
	p.once.Do(func() {
		p.err = err
		p.cancel()
	})
}

// submit queues a job; it returns false once the pool has stopped.
func (p *pool) submit(job func(int) error) bool {
	select {
	case p.jobs <- job:
		return true
	case <-p.ctx.Done():
		return false
	}
}

// wait finishes the jobs and returns the first error, or the context's.
func (p *pool) wait(parent context.Context) error {
	close(p.jobs)
	p.wg.Wait()
	p.cancel()
	if p.err != nil {
		return p.err
	}
	return parent.Err()
}

// bufPool recycles CSV chunk buffers so that memory stays flat however
// large the file.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize+64*1024); return &b }}

const (
	chunkSize = 4 << 20
	// With a row cap, chunks shrink to about BatchRows rows of this many
	// bytes (report rows are 100 to 300), at least minChunk, so that a
	// small cap spreads the file over many chunks that workers parse in
	// parallel rather than one chunk that one worker cuts into batches.
	csvRowEstimate = 256
	minChunk       = 4 << 10
)

// lastRowEnd finds the end (index after '\n') of the last complete row in
// data, which starts at a row boundary: the last newline that is not inside
// a quoted field. -1 when there is none.
func lastRowEnd(data []byte) int {
	end := len(data)
	for {
		i := bytes.LastIndexByte(data[:end], '\n')
		if i < 0 {
			return -1
		}
		// An even number of quotes before the newline: outside a field.
		if bytes.Count(data[:i], []byte{'"'})%2 == 0 {
			return i + 1
		}
		end = i
	}
}

var errTruncatedQuote = errors.New("the file ends inside a quoted field (truncated?)")

// ReadAll returns every record of a source in order. It holds the whole
// inventory in memory: for tests and small inventories, not for Scan's
// use at scale.
func ReadAll(ctx context.Context, src Source) ([]Record, error) {
	var mu sync.Mutex
	batches := map[int][]Record{}
	err := src.Scan(ctx, ScanOptions{Workers: 2}, func(_ int, b *Batch) error {
		recs := make([]Record, len(b.Records))
		for i := range b.Records {
			recs[i] = b.Records[i].Clone()
		}
		mu.Lock()
		batches[b.Seq] = recs
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Record
	for i := 0; i < len(batches); i++ {
		recs, ok := batches[i]
		if !ok {
			return nil, fmt.Errorf("inventory: batch %d missing", i)
		}
		out = append(out, recs...)
	}
	return out, nil
}
