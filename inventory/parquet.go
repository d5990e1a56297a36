package inventory

import (
	"context"
	"errors"
	"fmt"
	"io"
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
		leaf, ok := f.Schema().Lookup(name)
		if !ok || setters[name] == nil {
			continue // absent, or not needed by a simulation
		}
		c := parquetColumn{name: name, index: leaf.ColumnIndex, set: setters[name], kind: leaf.Node.Type().Kind()}
		if name == ColName && c.kind != parquet.ByteArray {
			return nil, &RowError{File: file, Column: name, Err: fmt.Errorf("the column is %s; want a string column", c.kind)}
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
				return nil, &RowError{File: file, Column: name, Err: errors.New("INT64 column without a TIMESTAMP logical type; want a string or a timestamp")}
			}
			if f, ok := timeFields[name]; ok && c.unit != 0 {
				c.time = &f
			}
		default:
			return nil, &RowError{File: file, Column: name, Err: fmt.Errorf("unsupported Parquet type %s", c.kind)}
		}
		l.cols = append(l.cols, c)
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
	fh, err := userfile.Open(file)
	if err != nil {
		return seq, fmt.Errorf("inventory: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return seq, fmt.Errorf("inventory: %w", err)
	}
	f, err := parquet.OpenFile(fh, st.Size(), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(1<<20))
	if err != nil {
		return seq, &RowError{File: file, Err: fmt.Errorf("not a readable Parquet file (truncated or corrupt?): %w", err)}
	}
	layout, err := newParquetLayout(file, f)
	if err != nil {
		return seq, err
	}
	state := make([]parquetWorker, opt.workers())
	p := newPool(ctx, opt.workers())
	batch := int64(parquetBatch)
	if opt.BatchRows > 0 {
		batch = int64(opt.BatchRows)
	}
	var firstRow int64 = 1
	for _, rg := range f.RowGroups() {
		rg := rg
		rows := rg.NumRows()
		batches := int((rows + batch - 1) / batch)
		s0, r0 := seq, firstRow
		seq += batches
		firstRow += rows
		if !p.submit(func(w int) error { return layout.readRowGroup(p.ctx, rg, s0, r0, batch, &state[w], w, fn) }) {
			break
		}
	}
	return seq, p.wait(ctx)
}

func (l *parquetLayout) readRowGroup(ctx context.Context, rg parquet.RowGroup, seq int, row, batch int64, st *parquetWorker, w int, fn func(int, *Batch) error) error {
	chunks := rg.ColumnChunks()
	curs := make([]cursor, len(l.cols))
	defer func() {
		for i := range curs {
			curs[i].close()
		}
	}()
	for i, c := range l.cols {
		curs[i].pages = chunks[c.index].Pages()
	}
	if len(st.cols) < len(l.cols) {
		st.cols = make([][]parquet.Value, len(l.cols))
	}
	left := rg.NumRows()
	for left > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int(min(left, batch))
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
		if err := fn(w, &Batch{Seq: seq, Records: st.recs}); err != nil {
			return err
		}
		seq++
		row += int64(n)
		left -= int64(n)
	}
	return nil
}
