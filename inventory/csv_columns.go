package inventory

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// csvColumns parses CSV chunks into column batches in one pass over the
// bytes: each field is found and, when the projection needs it, decoded
// where it lies, without building the row's field list or any string.
// A row with a quote inside an unquoted field, or a malformed quoted
// field, is parsed again the record reader's way (rowEnd, splitRow), so
// that both readers cut rows and report errors identically.
type csvColumns struct {
	file   string
	fields []int16 // by column: the field it fills, or -1
	names  []string
}

func newCSVColumns(file string, header [][]byte, p Projection) (*csvColumns, error) {
	rl, err := newCSVLayout(file, header)
	if err != nil {
		return nil, err
	}
	l := &csvColumns{file: file, names: rl.names}
	for _, name := range rl.names {
		f, need := fieldOf(name, p)
		if !need {
			l.fields = append(l.fields, -1)
			continue
		}
		l.fields = append(l.fields, int16(f))
	}
	return l, nil
}

// csvColumnWorker is one worker's batch and buffers.
type csvColumnWorker struct {
	c       ColumnBatch
	fields  [][]byte
	scratch []byte
}

func scanCSVColumns(ctx context.Context, file string, seq int, opt ScanOptions, p Projection, fn func(int, *ColumnBatch) error) (int, error) {
	var l *csvColumns
	state := make([]csvColumnWorker, opt.workers())
	return csvChunks(ctx, file, seq, opt, func(hdr [][]byte) (err error) {
		l, err = newCSVColumns(file, hdr, p)
		return err
	}, func(w int, ch csvChunk) error {
		st := &state[w]
		c := &st.c
		c.reset(int(ch.newlines)+1, p.Tags)
		c.Row = ch.row
		if err := l.parse(ch.data, ch.row, st); err != nil {
			return err
		}
		c.finish()
		if ch.parts == 1 {
			c.Seq = ch.seq
			return fn(w, c)
		}
		rows := c.Len()
		for i := 0; i < ch.parts; i++ {
			lo := min(i*opt.BatchRows, rows)
			hi := min(lo+opt.BatchRows, rows)
			s := c.slice(lo, hi)
			s.Seq = ch.seq + i
			if err := fn(w, s); err != nil {
				return err
			}
		}
		return nil
	})
}

// reportTimeLen is the length of a time as inventory reports write it,
// 2024-05-01T10:00:00.1234567Z.
const reportTimeLen = 28

// reportTime reads a time of exactly the reports' form,
// 2024-05-01T10:00:00.1234567Z, as fastTime does but with the digits at
// fixed places; ok is false for anything else (fastTime and the setter
// then decide).
func reportTime(s []byte) (int64, bool) {
	if len(s) != reportTimeLen || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[27] != 'Z' {
		return 0, false
	}
	bad := false
	d := func(i int) int {
		v := s[i] - '0'
		bad = bad || v > 9
		return int(v)
	}
	y := d(0)*1000 + d(1)*100 + d(2)*10 + d(3)
	mo := d(5)*10 + d(6)
	day := d(8)*10 + d(9)
	h := d(11)*10 + d(12)
	mi := d(14)*10 + d(15)
	se := d(17)*10 + d(18)
	for i := 20; i < 27; i++ {
		d(i)
	}
	if bad || mo < 1 || mo > 12 || day < 1 || day > daysIn(y, mo) || h > 23 || mi > 59 || se > 59 {
		return 0, false
	}
	return civil(y, mo, day)*86400 + int64(h*3600+mi*60+se), true
}

var errSlowRow = errors.New("parse the row the record reader's way")

// parse decodes the rows of data (whole rows; the first on line row) into
// st.c, which has room for every row, and trims it to the rows found.
func (l *csvColumns) parse(data []byte, row int64, st *csvColumnWorker) error {
	c := &st.c
	k := 0
	for i := 0; i < len(data); {
		next, lines, isRow, err := l.fastRow(data, i, k, st)
		if err == errSlowRow {
			next, lines, isRow, err = l.slowRow(data, i, k, row, st)
		}
		if err != nil {
			return err
		}
		if isRow {
			k++
		}
		row += lines
		i = next
	}
	c.truncate(k)
	return nil
}

// fastRow decodes the row at data[i:] into row k of the batch and returns
// where the next row starts and how many lines the row spans.
func (l *csvColumns) fastRow(data []byte, i, k int, st *csvColumnWorker) (next int, lines int64, isRow bool, err error) {
	n := len(data)
	// An empty line is skipped, as the record reader does.
	if data[i] == '\n' {
		return i + 1, 1, false, nil
	}
	if data[i] == '\r' && (i+1 == n || data[i+1] == '\n') {
		return min(i+2, n), 1, false, nil
	}
	lines = 1
	c := &st.c
	col := 0
	for {
		f := int16(-1)
		if col < len(l.fields) {
			f = l.fields[col]
		}
		var fld []byte
		// The common fields of a report, decoded where they lie: an empty
		// field, a time as reports write it, a size.
		if i < n && (data[i] == ',' || data[i] == '\n') {
			if f >= 0 {
				if err := c.setText(field(f), k, nil); err != nil {
					return 0, 0, false, errSlowRow
				}
			}
			goto next
		}
		if f >= 0 && i+reportTimeLen < n && (data[i+reportTimeLen] == ',' || data[i+reportTimeLen] == '\n') {
			if ff := field(f); ff == fieldCreated || ff == fieldModified || ff == fieldLastAccess || ff == fieldTierChanged {
				if t, ok := reportTime(data[i : i+reportTimeLen]); ok {
					c.setTime(ff, k, t)
					i += reportTimeLen
					goto next
				}
			}
		}
		if field(f) == fieldBytes && f >= 0 {
			j := i
			for j < n && j-i < 15 && data[j]-'0' < 10 {
				j++
			}
			if j < n && (data[j] == ',' || data[j] == '\n') {
				if v, ok := smallInt(data[i:j]); ok {
					c.Bytes[k] = v
					i = j
					goto next
				}
			}
		}
		if i < n && data[i] == '"' {
			i++
			s0 := i
			simple := true
			for {
				j := bytes.IndexByte(data[i:], '"')
				if j < 0 {
					return 0, 0, false, errSlowRow
				}
				i += j
				if i+1 < n && data[i+1] == '"' {
					simple = false
					i += 2
					continue
				}
				break
			}
			fld = data[s0:i]
			lines += int64(bytes.Count(fld, []byte{'\n'}))
			i++ // the closing quote
			if i < n && data[i] == '\r' && (i+1 == n || data[i+1] == '\n') {
				i++
			}
			if i < n && data[i] != ',' && data[i] != '\n' {
				return 0, 0, false, errSlowRow
			}
			if !simple {
				st.scratch = st.scratch[:0]
				for q := 0; q < len(fld); q++ {
					st.scratch = append(st.scratch, fld[q])
					if fld[q] == '"' {
						q++ // the escaping quote
					}
				}
				fld = st.scratch
			}
		} else {
			s0 := i
			i = stop(data, i)
			if i < n && data[i] == '"' {
				return 0, 0, false, errSlowRow
			}
			fld = data[s0:i]
			if (i == n || data[i] == '\n') && len(fld) > 0 && fld[len(fld)-1] == '\r' {
				fld = fld[:len(fld)-1]
			}
		}
		if f >= 0 {
			if err := c.setText(field(f), k, fld); err != nil {
				// Any error: the record reader's way decides which one.
				return 0, 0, false, errSlowRow
			}
		}
	next:
		col++
		if i < n && data[i] == ',' {
			i++
			continue
		}
		break
	}
	if col != len(l.fields) {
		return 0, 0, false, errSlowRow
	}
	if i < n {
		i++ // the newline
	}
	return i, lines, true, nil
}

// Bytes with every bit of a byte set in every byte of a word, for the
// word-at-a-time search below.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// stop returns the index of the first comma, newline or quote in data
// from i, or len(data). It tests eight bytes at a time: x-ones &^ x has a
// byte's high bit set at the first zero byte of x (bytes above it may be
// set spuriously, never below), and x is the word xored with the byte
// sought.
func stop(data []byte, i int) int {
	for ; i+8 <= len(data); i += 8 {
		v := binary.LittleEndian.Uint64(data[i:])
		a, b, c := v^(ones*','), v^(ones*'\n'), v^(ones*'"')
		if m := ((a - ones) &^ a) | ((b - ones) &^ b) | ((c - ones) &^ c); m&highs != 0 {
			return i + bits.TrailingZeros64(m&highs)/8
		}
	}
	for ; i < len(data); i++ {
		if ch := data[i]; ch == ',' || ch == '\n' || ch == '"' {
			return i
		}
	}
	return i
}

// slowRow is the record reader's parse of one row, into row k.
func (l *csvColumns) slowRow(data []byte, i, k int, row int64, st *csvColumnWorker) (next int, lines int64, isRow bool, err error) {
	end, adv, lines := rowEnd(data[i:])
	line := data[i : i+end]
	if m := len(line); m > 0 && line[m-1] == '\r' {
		line = line[:m-1]
	}
	if len(line) == 0 {
		return i + adv, lines, false, nil
	}
	st.fields, st.scratch, err = splitRow(line, st.fields, st.scratch)
	if err != nil {
		return 0, 0, false, &RowError{File: l.file, Row: row, Err: err}
	}
	if len(st.fields) != len(l.fields) {
		return 0, 0, false, &RowError{File: l.file, Row: row,
			Err: fmt.Errorf("%d fields, but the header has %d (truncated or malformed row)", len(st.fields), len(l.fields))}
	}
	c := &st.c
	// The fast pass may have filled part of the row: start it again.
	c.clearRow(k)
	for col, f := range l.fields {
		if f < 0 {
			continue
		}
		if err := c.setText(field(f), k, st.fields[col]); err != nil {
			return 0, 0, false, &RowError{File: l.file, Row: row, Column: l.names[col], Err: err}
		}
	}
	return i + adv, lines, true, nil
}
