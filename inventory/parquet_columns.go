package inventory

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/aizone/aizone/lifecycle"
)

// The column scan of a Parquet report reads only the projected columns'
// chunks and decodes their pages straight from parquet-go's page buffers
// (plain or dictionary-encoded INT64, BYTE_ARRAY and BOOLEAN values, with
// definition levels for nulls) into a ColumnBatch; any other layout goes
// through parquet.Value one value at a time, the way the record reader
// does, so that both accept the same files.

type columnLayout struct {
	file   string
	cols   []parquetColumn
	fields []field
	proj   Projection
}

func newColumnLayout(file string, f *parquet.File, p Projection) (*columnLayout, error) {
	// The record layout's checks (required columns, column types) first:
	// both readers refuse the same files with the same message.
	if _, err := newParquetLayout(file, f); err != nil {
		return nil, err
	}
	l := &columnLayout{file: file, proj: p}
	for _, name := range fieldColumns {
		fld, need := fieldOf(name, p)
		if !need {
			continue
		}
		c, ok, err := parquetColumnOf(file, f, name)
		if err != nil {
			return nil, err
		}
		if ok {
			l.cols = append(l.cols, c)
			l.fields = append(l.fields, fld)
		}
	}
	return l, nil
}

// ScanColumns reads the report files in column batches.
func (s *fileSource) ScanColumns(ctx context.Context, opt ScanOptions, p Projection, fn func(int, *ColumnBatch) error) error {
	return s.scan(opt, func(format, file string, seq int) (int, error) {
		if format == "csv" {
			return scanCSVColumns(ctx, file, seq, opt, p, fn)
		}
		return scanParquetColumns(ctx, file, seq, opt, p, fn)
	})
}

func scanParquetColumns(ctx context.Context, file string, seq int, opt ScanOptions, p Projection, fn func(int, *ColumnBatch) error) (int, error) {
	var l *columnLayout
	batches := make([]ColumnBatch, opt.workers())
	return parquetRowGroups(ctx, file, seq, opt, func(f *parquet.File, _ *parquetLayout) (err error) {
		l, err = newColumnLayout(file, f, p)
		return err
	}, func(ctx context.Context, w int, rg parquet.RowGroup, seq int, row, batch int64) error {
		return l.readRowGroup(ctx, rg, seq, row, batch, &batches[w], w, fn)
	})
}

func (l *columnLayout) readRowGroup(ctx context.Context, rg parquet.RowGroup, seq int, row, batch int64, c *ColumnBatch, w int, fn func(int, *ColumnBatch) error) error {
	curs := make([]pageCursor, len(l.cols))
	return rowGroupBatches(ctx, l.file, rg, row, batch, func(chunks []parquet.ColumnChunk) {
		for i := range l.cols {
			curs[i].col = &l.cols[i]
			curs[i].pages = chunks[l.cols[i].index].Pages()
		}
	}, func() {
		for i := range curs {
			curs[i].close()
		}
	}, func(n int, row int64) error {
		c.reset(n, l.proj.Tags)
		c.Seq, c.Row = seq, row
		for i := range curs {
			if err := guard(l.file, row, func() error { return l.decode(&curs[i], l.fields[i], c, n, row) }); err != nil {
				return err
			}
		}
		c.finish()
		if err := fn(w, c); err != nil {
			return err
		}
		seq++
		return nil
	})
}

// pageCursor walks one column chunk page by page.
type pageCursor struct {
	col   *parquetColumn
	pages parquet.Pages
	page  parquet.Page
	n     int // values in the page
	pos   int // next value (row) in the page
	vi    int // next non-null value
	defs  []byte
	// The page's values, by form; idx indexes the dictionary's when the
	// page is dictionary-encoded.
	idx     []int32
	i64     []int64
	bits    []byte
	data    []byte
	offs    []uint32
	generic []parquet.Value // any other layout, nulls included
	// dict is the page's dictionary; codes are its entries read once as
	// a blob type or tier (codesFor names the dictionary they belong to).
	dict     parquet.Dictionary
	codesFor parquet.Dictionary
	codes    []uint8
}

func (p *pageCursor) close() {
	if p.page != nil {
		parquet.Release(p.page)
		p.page = nil
	}
	if p.pages != nil {
		p.pages.Close()
	}
}

// next loads the next page.
func (p *pageCursor) next() error {
	if p.page != nil {
		parquet.Release(p.page)
		p.page = nil
	}
	pg, err := p.pages.ReadPage()
	if err != nil {
		return err
	}
	p.page = pg
	p.n, p.pos, p.vi = int(pg.NumValues()), 0, 0
	p.defs, p.idx, p.i64, p.bits, p.data, p.offs, p.generic = nil, nil, nil, nil, nil, nil, p.generic[:0]
	present := p.n
	if p.col.maxDef > 0 {
		p.defs = pg.DefinitionLevels()
		if len(p.defs) != p.n {
			return p.readGeneric()
		}
		present = 0
		for _, d := range p.defs {
			if d == p.col.maxDef {
				present++
			}
		}
	}
	d := pg.Data()
	values := d
	p.dict = pg.Dictionary()
	if dict := p.dict; dict != nil {
		if d.Kind() != encoding.Int32 {
			return p.readGeneric()
		}
		p.idx = d.Int32()
		if len(p.idx) != present {
			return p.readGeneric()
		}
		values = dict.Page().Data()
		present = -1 // the dictionary's own length
	}
	if values.Kind() != encodingKind(p.col.kind) {
		return p.readGeneric()
	}
	switch p.col.kind {
	case parquet.Int64:
		p.i64 = values.Int64()
		if present >= 0 && len(p.i64) != present {
			return p.readGeneric()
		}
	case parquet.ByteArray:
		p.data, p.offs = values.ByteArray()
		if present >= 0 && len(p.offs) != present+1 {
			return p.readGeneric()
		}
	case parquet.Boolean:
		if p.idx != nil {
			return p.readGeneric()
		}
		p.bits = values.Boolean()
		if len(p.bits)*8 < present {
			return p.readGeneric()
		}
	default:
		return p.readGeneric()
	}
	return nil
}

// readGeneric reads the page as parquet.Values.
func (p *pageCursor) readGeneric() error {
	p.defs, p.idx, p.i64, p.bits, p.data, p.offs = nil, nil, nil, nil, nil, nil
	if cap(p.generic) < p.n {
		p.generic = make([]parquet.Value, p.n)
	}
	p.generic = p.generic[:p.n]
	got, err := p.page.Values().ReadValues(p.generic)
	if err == io.EOF {
		err = nil
	}
	if err == nil && got != p.n {
		err = fmt.Errorf("%d values in a page of %d", got, p.n)
	}
	return err
}

// decode fills field f of rows 0 to n-1 of c from the cursor; row is the
// batch's first row number.
func (l *columnLayout) decode(p *pageCursor, f field, c *ColumnBatch, n int, row int64) error {
	col := p.col
	fail := func(i int, err error) error {
		return &RowError{File: l.file, Row: row + int64(i), Column: col.name, Err: err}
	}
	var scratch []byte
	for i := 0; i < n; {
		if p.pos == p.n {
			if err := p.next(); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return fail(i, fmt.Errorf("reading column (truncated or corrupt file?): %w", err))
			}
			continue
		}
		k := min(n-i, p.n-p.pos)
		if len(p.generic) == 0 {
			// The common layouts in a loop each.
			done, err := l.decodeRun(p, f, c, i, k)
			if err != nil {
				return fail(i+done, err)
			}
			if done == k {
				i, p.pos = i+k, p.pos+k
				continue
			}
		}
		for ; k > 0; k, i, p.pos = k-1, i+1, p.pos+1 {
			if len(p.generic) > 0 {
				v := p.generic[p.pos]
				var s string
				s, scratch = col.text(v, scratch)
				if v.Kind() == parquet.Int64 && !v.IsNull() && col.unit != 0 && isTime(f) {
					c.setTime(f, i, floorDiv(v.Int64(), col.unit))
					continue
				}
				if err := c.setText(f, i, []byte(s)); err != nil {
					return fail(i, err)
				}
				continue
			}
			if p.defs != nil && p.defs[p.pos] != col.maxDef {
				if !required(f) && f != fieldIsCurrent {
					continue // null: the row keeps its default
				}
				if err := c.setText(f, i, nil); err != nil {
					return fail(i, err)
				}
				continue
			}
			j := p.vi
			p.vi++
			if p.idx != nil {
				j = int(p.idx[j])
			}
			switch col.kind {
			case parquet.Int64:
				v := p.i64[j]
				switch {
				case col.unit != 0 && isTime(f):
					c.setTime(f, i, floorDiv(v, col.unit))
				case f == fieldBytes:
					if err := checkSize(v); err != nil {
						return fail(i, err)
					}
					c.Bytes[i] = v
				default:
					s, sc := col.text(parquet.Int64Value(v), scratch)
					scratch = sc
					if err := c.setText(f, i, []byte(s)); err != nil {
						return fail(i, err)
					}
				}
			case parquet.ByteArray:
				if err := c.setText(f, i, p.data[p.offs[j]:p.offs[j+1]]); err != nil {
					return fail(i, err)
				}
			case parquet.Boolean:
				v := p.bits[j/8]>>(j%8)&1 != 0
				switch f {
				case fieldIsCurrent, fieldDeleted, fieldLegalHold:
					c.setBool(f, i, v)
				default:
					if err := c.setText(f, i, []byte(fmt.Sprint(v))); err != nil {
						return fail(i, err)
					}
				}
			}
		}
	}
	return nil
}

// encodingKind is the kind of a page's values for a column's type.
func encodingKind(k parquet.Kind) encoding.Kind {
	switch k {
	case parquet.Boolean:
		return encoding.Boolean
	case parquet.Int32:
		return encoding.Int32
	case parquet.Int64:
		return encoding.Int64
	case parquet.ByteArray:
		return encoding.ByteArray
	}
	return encoding.Undefined
}

// decodeRun decodes k values of the page into rows i onwards for the
// hot cases: names, typed times and sizes, and booleans. It returns how
// many it did (0 or k): 0 leaves the values to the general loop.
func (l *columnLayout) decodeRun(p *pageCursor, f field, c *ColumnBatch, i, k int) (int, error) {
	col := p.col
	var dst []int64
	switch {
	case col.kind == parquet.Int64 && col.unit != 0:
		var ok bool
		if dst, ok = c.times(f); !ok {
			return 0, nil
		}
	case col.kind == parquet.Int64 && f == fieldBytes:
		dst = c.Bytes
	case col.kind == parquet.ByteArray && f == fieldName:
	case col.kind == parquet.ByteArray && p.idx != nil && (f == fieldType || f == fieldTier):
		if !p.dictCodes(f) {
			return 0, nil
		}
	case col.kind == parquet.Boolean && (f == fieldIsCurrent || f == fieldDeleted):
	default:
		return 0, nil
	}
	defs, maxDef, pos, vi := p.defs, col.maxDef, p.pos, p.vi
	for r := range k {
		if defs != nil && defs[pos+r] != maxDef {
			if required(f) {
				return r, nullErr(c, f, i+r)
			}
			continue // null: the row keeps its default
		}
		j := vi
		vi++
		if p.idx != nil {
			j = int(p.idx[j])
		}
		switch col.kind {
		case parquet.Int64:
			v := p.i64[j]
			if f == fieldBytes {
				if err := checkSize(v); err != nil {
					return r, err
				}
				dst[i+r] = v
			} else {
				dst[i+r] = floorDiv(v, col.unit)
			}
		case parquet.ByteArray:
			if f == fieldType {
				c.Type[i+r] = lifecycle.BlobType(p.codes[j])
				continue
			}
			if f == fieldTier {
				c.Tier[i+r] = lifecycle.Tier(p.codes[j])
				continue
			}
			name := p.data[p.offs[j]:p.offs[j+1]]
			if len(name) == 0 {
				return r, nullErr(c, f, i+r)
			}
			c.names = append(c.names, name...)
			c.nameEnd[i+r] = len(c.names)
		case parquet.Boolean:
			c.setBool(f, i+r, p.bits[j/8]>>(j%8)&1 != 0)
		}
	}
	p.vi = vi
	return k, nil
}

// dictCodes reads the page's dictionary once as blob types or tiers. It
// reports false when an entry is not one (the general loop then says so
// at the row that uses it).
func (p *pageCursor) dictCodes(f field) bool {
	if p.codesFor == p.dict && p.codes != nil {
		return true
	}
	p.codes, p.codesFor = p.codes[:0], nil
	var one ColumnBatch
	one.reset(1, false)
	for j := 0; j+1 < len(p.offs); j++ {
		if err := one.setText(f, 0, p.data[p.offs[j]:p.offs[j+1]]); err != nil {
			return false
		}
		if f == fieldType {
			p.codes = append(p.codes, uint8(one.Type[0]))
		} else {
			p.codes = append(p.codes, uint8(one.Tier[0]))
		}
	}
	p.codesFor = p.dict
	return true
}

// nullErr is the setter's message for a missing required value.
func nullErr(c *ColumnBatch, f field, i int) error {
	if err := c.setText(f, i, nil); err != nil {
		return err
	}
	return fmt.Errorf("no value in the %s column", fieldColumns[f])
}

// required fields make a null an error; every other null is the batch's
// default value.
func required(f field) bool {
	switch f {
	case fieldName, fieldCreated, fieldModified, fieldBytes:
		return true
	}
	return false
}

func isTime(f field) bool {
	switch f {
	case fieldCreated, fieldModified, fieldLastAccess, fieldTierChanged, fieldImmutable:
		return true
	}
	return false
}

// String names the columns a projection reads, for messages and the
// benchmark script.
func (p Projection) String() string {
	var cols []string
	for _, name := range fieldColumns {
		if _, need := fieldOf(name, p); need {
			cols = append(cols, name)
		}
	}
	return strings.Join(cols, ",")
}
