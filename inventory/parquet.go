package inventory

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/aizone/aizone/internal/userfile"
)

// parquetBatch is how many rows a worker decodes at a time: enough to
// amortise the per-call cost, small enough that memory stays flat whatever
// the row-group size.
const parquetBatch = 8192

// parquetColumn is one report column the simulator reads.
type parquetColumn struct {
	name  string
	index int // leaf column index in the file
	set   rowSetter
	kind  parquet.Kind
	unit  int64 // for INT64 timestamps: units per second
	// maxDef is the definition level of a present value: 0 for a
	// required column, 1 for an optional one.
	maxDef byte
	// Typed columns skip the text round trip.
	time *func(*Record) *int64
}

// timeFields are the timestamp columns a typed (INT64 TIMESTAMP) Parquet
// column can fill directly.
var timeFields = map[string]func(*Record) *int64{
	ColCreationTime:         func(r *Record) *int64 { return &r.Created },
	ColLastModified:         func(r *Record) *int64 { return &r.Modified },
	ColLastAccessTime:       func(r *Record) *int64 { return &r.LastAccess },
	ColAccessTierChangeTime: func(r *Record) *int64 { return &r.TierChanged },
}

type parquetLayout struct {
	file string
	cols []parquetColumn
}

func newParquetLayout(file string, f *parquet.File) (*parquetLayout, error) {
	l := &parquetLayout{file: file}
	var missing, names []string
	for _, fld := range f.Schema().Fields() {
		names = append(names, fld.Name())
	}
	for _, name := range Columns {
		if setters[name] == nil {
			continue // not needed by a simulation
		}
		c, ok, err := parquetColumnOf(file, f, name)
		if err != nil {
			return nil, err
		}
		if ok {
			l.cols = append(l.cols, c)
		}
	}
	for _, r := range Required {
		if _, ok := f.Schema().Lookup(r); !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, &RowError{File: file, Err: fmt.Errorf("missing required column(s) %s (the file has %s; add them to the inventory rule's schemaFields)",
			strings.Join(missing, ", "), truncate(strings.Join(names, ","), 200))}
	}
	return l, nil
}

// parquetColumnOf maps a report column of the file (ok false when the
// file lacks it) and checks that its type is one the readers take.
func parquetColumnOf(file string, f *parquet.File, name string) (parquetColumn, bool, error) {
	leaf, ok := f.Schema().Lookup(name)
	if !ok {
		return parquetColumn{}, false, nil
	}
	c := parquetColumn{name: name, index: leaf.ColumnIndex, set: setters[name], kind: leaf.Node.Type().Kind(), maxDef: byte(leaf.MaxDefinitionLevel)}
	if leaf.MaxRepetitionLevel > 0 {
		return c, false, &RowError{File: file, Column: name, Err: errors.New("a repeated column; want one value a row")}
	}
	if name == ColName && c.kind != parquet.ByteArray {
		return c, false, &RowError{File: file, Column: name, Err: fmt.Errorf("the column is %s; want a string column", c.kind)}
	}
	switch c.kind {
	case parquet.ByteArray, parquet.Boolean, parquet.Int32:
	case parquet.Int64:
		if lt := leaf.Node.Type().LogicalType(); lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil {
				c.unit = int64(1e9 / ts.Unit.Value.Duration())
			}
		}
		if c.unit == 0 && name != ColContentLength {
			return c, false, &RowError{File: file, Column: name, Err: errors.New("INT64 column without a TIMESTAMP logical type; want a string or a timestamp")}
		}
		if f, ok := timeFields[name]; ok && c.unit != 0 {
			c.time = &f
		}
	default:
		return c, false, &RowError{File: file, Column: name, Err: fmt.Errorf("unsupported Parquet type %s", c.kind)}
	}
	return c, true, nil
}

// cursor reads one column chunk's values across page boundaries.
type cursor struct {
	pages parquet.Pages
	page  parquet.Page
	vals  parquet.ValueReader
	buf   []parquet.Value
	// done are pages whose values the current batch still points into;
	// they go back to the pool only when the next batch is read.
	done []parquet.Page
}

func (c *cursor) release() {
	for _, p := range c.done {
		parquet.Release(p)
	}
	c.done = c.done[:0]
}

func (c *cursor) close() {
	c.release()
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	if c.pages != nil {
		c.pages.Close()
	}
}

// read returns the next n values (fewer only at the end of the chunk).
func (c *cursor) read(n int) ([]parquet.Value, error) {
	if cap(c.buf) < n {
		c.buf = make([]parquet.Value, n)
	}
	buf := c.buf[:n]
	got := 0
	c.release()
	for got < n {
		if c.vals == nil {
			if c.page != nil {
				c.done = append(c.done, c.page)
				c.page = nil
			}
			p, err := c.pages.ReadPage()
			if err == io.EOF {
				return buf[:got], nil
			}
			if err != nil {
				return buf[:got], err
			}
			c.page, c.vals = p, p.Values()
		}
		k, err := c.vals.ReadValues(buf[got:])
		got += k
		if err == io.EOF {
			c.vals = nil
		} else if err != nil {
			return buf[:got], err
		}
	}
	return buf, nil
}

// text turns a value into the text form the shared setters read; the
// returned string may alias the page buffer and is used at once.
func (c *parquetColumn) text(v parquet.Value, scratch []byte) (string, []byte) {
	if v.IsNull() {
		return "", scratch
	}
	switch c.kind {
	case parquet.ByteArray:
		return bstr(v.ByteArray()), scratch
	case parquet.Boolean:
		if v.Boolean() {
			return "true", scratch
		}
		return "false", scratch
	case parquet.Int32:
		scratch = strconv.AppendInt(scratch[:0], int64(v.Int32()), 10)
		return bstr(scratch), scratch
	}
	if c.unit == 0 {
		scratch = strconv.AppendInt(scratch[:0], v.Int64(), 10)
		return bstr(scratch), scratch
	}
	scratch = append(scratch[:0], FormatTime(floorDiv(v.Int64(), c.unit))...)
	return bstr(scratch), scratch
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

type parquetWorker struct {
	recs    []Record
	cols    [][]parquet.Value
	scratch []byte
}

// scanParquet reads a Parquet report; each row group is a job, decoded in
// batches of parquetBatch rows.
func scanParquet(ctx context.Context, file string, seq int, opt ScanOptions, fn func(int, *Batch) error) (int, error) {
	var layout *parquetLayout
	state := make([]parquetWorker, opt.workers())
	return parquetRowGroups(ctx, file, seq, opt, func(_ *parquet.File, l *parquetLayout) error {
		layout = l
		return nil
	}, func(ctx context.Context, w int, rg parquet.RowGroup, seq int, row, batch int64) error {
		return layout.readRowGroup(ctx, rg, seq, row, batch, &state[w], w, fn)
	})
}

// parquetRowGroups opens a Parquet report, hands its footer and record
// layout to open, then each row group to a worker as a job, with the
// sequence number of its first batch and the number of its first row. It
// returns the sequence number after the file's last batch. Both scans
// number batches this way, so that they agree batch for batch.
func parquetRowGroups(ctx context.Context, file string, seq int, opt ScanOptions, open func(*parquet.File, *parquetLayout) error,
	job func(ctx context.Context, w int, rg parquet.RowGroup, seq int, row, batch int64) error) (int, error) {
	fh, err := userfile.Open(file)
	if err != nil {
		return seq, fmt.Errorf("inventory: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return seq, fmt.Errorf("inventory: %w", err)
	}
	f, layout, err := openParquet(file, fh, st.Size())
	if err != nil {
		return seq, err
	}
	if err := open(f, layout); err != nil {
		return seq, err
	}
	p := newPool(ctx, opt.workers())
	batch := int64(parquetBatch)
	if opt.BatchRows > 0 {
		batch = int64(opt.BatchRows)
	}
	var firstRow int64 = 1
	for _, rg := range f.RowGroups() {
		rows := rg.NumRows()
		s0, r0 := seq, firstRow
		seq += int((rows + batch - 1) / batch)
		firstRow += rows
		if !p.submit(func(w int) error { return job(p.ctx, w, rg, s0, r0, batch) }) {
			break
		}
	}
	return seq, p.wait(ctx)
}

// openParquet reads the footer and maps the columns.
func openParquet(file string, fh *os.File, size int64) (f *parquet.File, l *parquetLayout, err error) {
	defer recoverCorrupt(file, func() int64 { return 0 }, &err)
	// parquet-go allocates the footer's stated length before reading it:
	// a corrupt length would cost up to 4 GiB. A footer lies between the
	// leading and trailing magic numbers, so it is at most the file size
	// less 12 bytes.
	var tail [8]byte
	if size < 12 {
		return nil, nil, &RowError{File: file, Err: fmt.Errorf("not a readable Parquet file (truncated or corrupt?): %d bytes", size)}
	}
	if _, err := fh.ReadAt(tail[:], size-8); err != nil {
		return nil, nil, &RowError{File: file, Err: fmt.Errorf("not a readable Parquet file (truncated or corrupt?): %w", err)}
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return nil, nil, &RowError{File: file, Err: fmt.Errorf("not a readable Parquet file (truncated or corrupt?): a footer of %d bytes in a file of %d", n, size)}
	}
	f, err = parquet.OpenFile(fh, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(1<<20))
	if err != nil {
		return nil, nil, &RowError{File: file, Err: fmt.Errorf("not a readable Parquet file (truncated or corrupt?): %w", err)}
	}
	l, err = newParquetLayout(file, f)
	return f, l, err
}

// recoverCorrupt turns a panic inside parquet-go into the error a corrupt
// file gets: some corrupt files make it panic (FuzzParquet found a
// negative page size slicing a buffer), and a report must never crash the
// command with a stack trace. Nothing is kept from the failed read.
func recoverCorrupt(file string, row func() int64, err *error) {
	if r := recover(); r != nil {
		*err = &RowError{File: file, Row: row(), Err: fmt.Errorf("not a readable Parquet file (corrupt?): %v", r)}
	}
}

// guard runs f, a call into parquet-go, under recoverCorrupt. Only those
// calls are guarded, so that a panic in the consumer (a bug) still
// crashes rather than passing for a corrupt file.
func guard(file string, row int64, f func() error) (err error) {
	defer recoverCorrupt(file, func() int64 { return row }, &err)
	return f()
}

func (l *parquetLayout) readRowGroup(ctx context.Context, rg parquet.RowGroup, seq int, row, batch int64, st *parquetWorker, w int, fn func(int, *Batch) error) error {
	curs := make([]cursor, len(l.cols))
	if len(st.cols) < len(l.cols) {
		st.cols = make([][]parquet.Value, len(l.cols))
	}
	return rowGroupBatches(ctx, l.file, rg, row, batch, func(chunks []parquet.ColumnChunk) {
		for i, c := range l.cols {
			curs[i].pages = chunks[c.index].Pages()
		}
	}, func() {
		for i := range curs {
			curs[i].close()
		}
	}, func(n int, row int64) error {
		if err := guard(l.file, row, func() error { return l.decode(curs, n, row, st) }); err != nil {
			return err
		}
		if err := fn(w, &Batch{Seq: seq, Records: st.recs}); err != nil {
			return err
		}
		seq++
		return nil
	})
}

// rowGroupBatches opens the row group's column chunks (open), hands each
// run of at most batch rows to decode with the number of its first row,
// and closes the chunks (close) however it ends. Opening and closing call
// into parquet-go, so they run under guard; decode guards its own calls.
func rowGroupBatches(ctx context.Context, file string, rg parquet.RowGroup, row, batch int64, open func([]parquet.ColumnChunk), close func(), decode func(n int, row int64) error) (err error) {
	defer func() {
		cerr := guard(file, row, func() error {
			close()
			return nil
		})
		if err == nil {
			err = cerr
		}
	}()
	err = guard(file, row, func() error {
		open(rg.ColumnChunks())
		return nil
	})
	if err != nil {
		return err
	}
	for left := rg.NumRows(); left > 0; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int(min(left, batch))
		if err := decode(n, row); err != nil {
			return err
		}
		row += int64(n)
		left -= int64(n)
	}
	return nil
}

// decode reads the next n rows of every column into st.recs; row is the
// first one's number.
func (l *parquetLayout) decode(curs []cursor, n int, row int64, st *parquetWorker) error {
	for i := range l.cols {
		vals, err := curs[i].read(n)
		if err == nil && len(vals) < n {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return &RowError{File: l.file, Row: row + int64(len(vals)), Column: l.cols[i].name,
				Err: fmt.Errorf("reading column (truncated or corrupt file?): %w", err)}
		}
		st.cols[i] = vals
	}
	st.recs = st.recs[:0]
	for k := 0; k < n; k++ {
		st.recs = append(st.recs, Record{IsCurrent: true})
		r := &st.recs[k]
		for i := range l.cols {
			c := &l.cols[i]
			v := st.cols[i][k]
			var err error
			switch {
			case v.IsNull():
				err = c.set(r, "")
			case c.kind == parquet.ByteArray:
				err = c.set(r, bstr(v.ByteArray()))
			case c.time != nil:
				*(*c.time)(r) = floorDiv(v.Int64(), c.unit)
			case c.kind == parquet.Int64 && c.name == ColContentLength:
				r.Bytes = v.Int64()
				err = checkSize(r.Bytes)
			default:
				var s string
				s, st.scratch = c.text(v, st.scratch)
				err = c.set(r, s)
			}
			if err != nil {
				return &RowError{File: l.file, Row: row + int64(k), Column: c.name, Err: err}
			}
		}
	}
	return nil
}
