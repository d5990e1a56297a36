package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unsafe"

	"github.com/aizone/aizone/internal/userfile"
)

// csvLayout maps a report's header to the code that reads each column.
type csvLayout struct {
	file    string
	setters []rowSetter // by column index; nil for columns the simulator ignores
	names   []string
}

func newCSVLayout(file string, header [][]byte) (*csvLayout, error) {
	l := &csvLayout{file: file}
	seen := map[string]bool{}
	for _, h := range header {
		name := strings.TrimSpace(string(h))
		name = strings.TrimPrefix(name, "\ufeff") // a byte-order mark before the first name
		l.names = append(l.names, name)
		l.setters = append(l.setters, setters[name])
		if seen[name] && name != "" {
			return nil, &RowError{File: file, Row: 1, Err: fmt.Errorf("column %q appears twice in the header", name)}
		}
		seen[name] = true
	}
	var missing []string
	for _, r := range Required {
		if !seen[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return nil, &RowError{File: file, Row: 1, Err: fmt.Errorf("missing required column(s) %s (the header has %s; add them to the inventory rule's schemaFields)",
			strings.Join(missing, ", "), truncate(strings.Join(l.names, ","), 200))}
	}
	return l, nil
}

// splitRow splits one CSV row (RFC 4180: comma separated, fields optionally
// quoted, "" escaping a quote) into fields. Unquoted fields alias row;
// quoted fields with escapes are copied into scratch.
func splitRow(row []byte, out [][]byte, scratch []byte) ([][]byte, []byte, error) {
	out = out[:0]
	scratch = scratch[:0]
	i := 0
	for {
		if i < len(row) && row[i] == '"' {
			i++
			start := i
			simple := true
			for {
				j := bytes.IndexByte(row[i:], '"')
				if j < 0 {
					return out, scratch, errors.New("unterminated quoted field")
				}
				i += j
				if i+1 < len(row) && row[i+1] == '"' {
					simple = false
					i += 2
					continue
				}
				break
			}
			field := row[start:i]
			if !simple {
				s0 := len(scratch)
				for k := 0; k < len(field); k++ {
					scratch = append(scratch, field[k])
					if field[k] == '"' {
						k++ // skip the escaping quote
					}
				}
				field = scratch[s0:]
			}
			out = append(out, field)
			i++ // closing quote
			if i == len(row) {
				return out, scratch, nil
			}
			if row[i] != ',' {
				return out, scratch, fmt.Errorf("unexpected %q after a quoted field", row[i])
			}
			i++
			continue
		}
		j := bytes.IndexByte(row[i:], ',')
		if j < 0 {
			out = append(out, row[i:])
			return out, scratch, nil
		}
		out = append(out, row[i:i+j])
		i += j + 1
	}
}

// rowEnd returns the length of the first row of data (up to, not including,
// its newline) and where the next row starts, honouring newlines inside
// quoted fields.
func rowEnd(data []byte) (end, next int, lines int64) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return len(data), len(data), 1
	}
	if bytes.IndexByte(data[:i], '"') < 0 {
		return i, i + 1, 1
	}
	inQuote := false
	lines = 1
	for k := 0; k < len(data); k++ {
		switch data[k] {
		case '"':
			inQuote = !inQuote
		case '\n':
			if !inQuote {
				return k, k + 1, lines
			}
			lines++
		}
	}
	return len(data), len(data), lines
}

// bstr views b as a string without copying, for values parsed on the spot;
// setters that keep a string clone it.
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// parseRows turns a chunk of complete rows into records. firstRow is the
// file line number of the chunk's first row.
func (l *csvLayout) parseRows(data []byte, firstRow int64, recs []Record, fields [][]byte, scratch []byte) ([]Record, [][]byte, []byte, error) {
	row := firstRow
	for len(data) > 0 {
		end, next, lines := rowEnd(data)
		line := data[:end]
		data = data[next:]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			row += lines
			continue
		}
		var err error
		fields, scratch, err = splitRow(line, fields, scratch)
		if err != nil {
			return recs, fields, scratch, &RowError{File: l.file, Row: row, Err: err}
		}
		if len(fields) != len(l.setters) {
			return recs, fields, scratch, &RowError{File: l.file, Row: row,
				Err: fmt.Errorf("%d fields, but the header has %d (truncated or malformed row)", len(fields), len(l.setters))}
		}
		recs = append(recs, Record{IsCurrent: true})
		r := &recs[len(recs)-1]
		for c, set := range l.setters {
			if set == nil {
				continue
			}
			if err := set(r, bstr(fields[c])); err != nil {
				return recs, fields, scratch, &RowError{File: l.file, Row: row, Column: l.names[c], Err: err}
			}
		}
		row += lines
	}
	return recs, fields, scratch, nil
}

// csvWorker holds one worker's reusable buffers.
type csvWorker struct {
	recs    []Record
	fields  [][]byte
	scratch []byte
}

// scanCSV reads a CSV report in chunks cut at row boundaries; workers parse
// chunks in parallel. It returns the next batch sequence number.
func scanCSV(ctx context.Context, file string, seq int, opt ScanOptions, fn func(int, *Batch) error) (int, error) {
	var layout *csvLayout
	state := make([]csvWorker, opt.workers())
	return csvChunks(ctx, file, seq, opt, func(hdr [][]byte) (err error) {
		layout, err = newCSVLayout(file, hdr)
		return err
	}, func(w int, ch csvChunk) error {
		st := &state[w]
		var err error
		st.recs, st.fields, st.scratch, err = layout.parseRows(ch.data, ch.row, st.recs[:0], st.fields, st.scratch)
		if err != nil {
			return err
		}
		if ch.parts == 1 {
			// Empty batches are passed on too: consumers count on every Seq.
			return fn(w, &Batch{Seq: ch.seq, Records: st.recs})
		}
		if len(st.recs) > ch.parts*opt.BatchRows {
			return fmt.Errorf("inventory: %s: %d rows in a chunk of %d lines (a bug in the chunking)", file, len(st.recs), ch.newlines+1)
		}
		for i := 0; i < ch.parts; i++ {
			lo := min(i*opt.BatchRows, len(st.recs))
			hi := min(lo+opt.BatchRows, len(st.recs))
			if err := fn(w, &Batch{Seq: ch.seq + i, Records: st.recs[lo:hi]}); err != nil {
				return err
			}
		}
		return nil
	})
}

// csvChunk is a run of whole rows of a CSV report, and the sequence
// numbers of its batches: parts of them, from seq.
type csvChunk struct {
	data     []byte
	row      int64 // line number of the first row
	newlines int64
	seq      int
	parts    int
}

// csvChunks reads a CSV report in chunks cut at row boundaries and hands
// them to workers in parallel; header gets the first row first. It returns
// the next batch sequence number.
func csvChunks(ctx context.Context, file string, seq int, opt ScanOptions, header func([][]byte) error, job func(w int, ch csvChunk) error) (int, error) {
	f, err := userfile.Open(file)
	if err != nil {
		return seq, fmt.Errorf("inventory: %w", err)
	}
	defer f.Close()

	readSize := chunkSize
	if opt.BatchRows > 0 {
		readSize = min(max(opt.BatchRows*csvRowEstimate, minChunk), chunkSize)
	}
	p := newPool(ctx, opt.workers())
	carry := []byte{}
	row := int64(1)
	eof := false
	haveHeader := false
	for !eof && p.ctx.Err() == nil {
		bp := bufPool.Get().(*[]byte)
		buf := append((*bp)[:0], carry...)
		if want := len(buf) + readSize; cap(buf) < want {
			// A row longer than a chunk: grow rather than split it.
			nb := make([]byte, len(buf), max(2*cap(buf), want))
			copy(nb, buf)
			buf = nb
		}
		n, rerr := io.ReadFull(f, buf[len(buf):len(buf)+readSize])
		buf = buf[:len(buf)+n]
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			eof = true
		case rerr != nil:
			p.fail(fmt.Errorf("inventory: reading %s: %w", file, rerr))
		}
		start := 0
		if !haveHeader {
			end, next, _ := rowEnd(buf)
			if end == len(buf) && !eof {
				carry = append(carry[:0], buf...)
				*bp = buf[:0]
				bufPool.Put(bp)
				continue
			}
			if len(bytes.TrimSpace(buf)) == 0 {
				p.fail(&RowError{File: file, Row: 1, Err: errors.New("empty file; an inventory CSV starts with a header row")})
				break
			}
			hdr, _, err := splitRow(bytes.TrimRight(buf[:end], "\r"), nil, nil)
			if err == nil {
				err = header(hdr)
			} else {
				err = &RowError{File: file, Row: 1, Err: err}
			}
			if err != nil {
				p.fail(err)
				break
			}
			haveHeader = true
			start = next
			row = 2
		}
		cut := len(buf)
		if !eof {
			cut = start + lastRowEnd(buf[start:])
			if cut < start {
				carry = append(carry[:0], buf[start:]...)
				*bp = buf[:0]
				bufPool.Put(bp)
				continue
			}
		} else if bytes.Count(buf[start:], []byte{'"'})%2 != 0 {
			lines := int64(bytes.Count(buf[start:], []byte{'\n'}))
			p.fail(&RowError{File: file, Row: row + lines, Err: errTruncatedQuote})
			break
		}
		carry = append(carry[:0], buf[cut:]...)
		ch := csvChunk{data: buf[start:cut], row: row}
		ch.newlines = int64(bytes.Count(ch.data, []byte{'\n'}))
		row += ch.newlines
		// The chunk's batches get their sequence numbers now, before it is
		// parsed: a chunk holds at most one row more than it has newlines
		// (the last row of a file may lack one), so that many rows, cut
		// every BatchRows, bound the batches; unused numbers go out as
		// empty batches.
		ch.parts = 1
		if opt.BatchRows > 0 {
			ch.parts = int((ch.newlines + 1 + int64(opt.BatchRows) - 1) / int64(opt.BatchRows))
		}
		ch.seq = seq
		seq += ch.parts
		ok := p.submit(func(w int) error {
			defer func() { *bp = buf[:0]; bufPool.Put(bp) }()
			return job(w, ch)
		})
		if !ok {
			break
		}
	}
	if err := p.wait(ctx); err != nil {
		return seq, err
	}
	if !haveHeader {
		return seq, &RowError{File: file, Row: 1, Err: errors.New("empty file; an inventory CSV starts with a header row")}
	}
	return seq, nil
}
