package compliance

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync/atomic"
)

// errSlowPath says the fast splitter met something it does not handle
// (anything but a plain, well-formed export: a byte order mark, an
// escaped key around "data", malformed JSON). The export is then read
// again by streamElems, whose errors say exactly what is wrong and where.
var errSlowPath = errors.New("export needs the strict reader")

// splitBlock is how much of the export the splitter reads at a time; an
// element longer than a block gets a block of twice its size. A variable
// so that tests can cut many blocks out of a small export.
var splitBlock = 4 << 20

// splitter cuts an export into the bytes of its resources without decoding
// them, so that decoding runs in the workers, on every core. It reads the
// two shapes streamElems reads (a JSON array of resources, or an object
// whose "data" member is that array) and checks their outer structure
// strictly; each element's own bytes are checked by whoever decodes them.
// Slices it hands out stay valid until rec counts them collected: only
// then is their block read into again.
type splitter struct {
	r   io.Reader
	buf []byte
	pos int
	eof bool
	// Read counts the bytes read so far, for progress.
	read func(n int)
	// rec, when not nil, hands back the blocks whose elements have all
	// been collected; handed counts the elements cut so far.
	rec    *recycler
	handed int64
	// retired are the blocks read before buf, oldest first, each with
	// the elements cut before it was retired.
	retired []retiredBlock
}

// recycler says how many elements, from the first, the consumer is done
// with; a splitter then reads into their blocks again rather than
// allocating (a 1M-resource export is 400 MB of blocks otherwise, and
// the garbage collector runs for each 4 MB of them).
type recycler struct {
	collected atomic.Int64
	reused    int // blocks read into again, for tests
}

type retiredBlock struct {
	buf  []byte
	mark int64 // elements cut before it retired: none after used it
}

// maxRetired bounds the blocks kept for reuse: the elements in flight
// span a few.
const maxRetired = 8

// block returns a block of at least size bytes: a retired one whose
// elements are all collected, or a new one.
func (s *splitter) block(size int) []byte {
	if s.rec != nil && s.buf != nil {
		if len(s.retired) == maxRetired {
			s.retired = s.retired[1:]
		}
		s.retired = append(s.retired, retiredBlock{s.buf[:0], s.handed})
		done := s.rec.collected.Load()
		for k, b := range s.retired[:len(s.retired)-1] {
			if b.mark > done {
				break
			}
			if cap(b.buf) >= size {
				s.retired = append(s.retired[:k], s.retired[k+1:]...)
				s.rec.reused++
				return b.buf[:0]
			}
		}
	}
	return make([]byte, 0, size)
}

// more keeps the unread bytes and reads more after them. It reports false
// when the export has ended.
func (s *splitter) more() bool {
	if s.eof {
		return false
	}
	rest := s.buf[s.pos:]
	size := splitBlock
	if 2*len(rest) > size {
		size = 2 * len(rest)
	}
	nb := append(s.block(size), rest...)
	for {
		n, err := s.r.Read(nb[len(nb):cap(nb)])
		nb = nb[:len(nb)+n]
		if n > 0 && s.read != nil {
			s.read(n)
		}
		if err == io.EOF {
			s.eof = true
			break
		}
		if err != nil {
			s.eof = true
			break
		}
		if n > 0 {
			break
		}
	}
	grew := len(nb) > len(rest)
	s.buf, s.pos = nb, 0
	return grew
}

// peek skips white space and returns the next byte; false at the end.
func (s *splitter) peek() (byte, bool) {
	for {
		for s.pos < len(s.buf) {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\r', '\n':
				s.pos++
			default:
				return c, true
			}
		}
		if !s.more() {
			return 0, false
		}
	}
}

// value returns the bytes of the JSON value at the read position and
// moves past it. It finds the value's end by its brackets and strings;
// it does not check what is between them.
func (s *splitter) value() ([]byte, error) {
	for {
		end, complete := valueEnd(s.buf, s.pos)
		if end < 0 {
			return nil, errSlowPath
		}
		if complete {
			v := s.buf[s.pos:end]
			s.pos = end
			return v, nil
		}
		if !s.more() {
			return nil, errSlowPath // truncated
		}
	}
}

// valueEnd finds where the JSON value starting at data[i] ends: -1 when
// it cannot start a value, complete false when data ends first.
func valueEnd(data []byte, i int) (int, bool) {
	switch c := data[i]; c {
	case '{', '[':
		depth := 0
		for j := i; j < len(data); {
			// A table rather than bytes.IndexAny, which builds its set
			// on every call: the spans between these bytes are short.
			for j < len(data) && !structural[data[j]] {
				j++
			}
			if j == len(data) {
				return 0, false
			}
			switch data[j] {
			case '"':
				e, ok := quoteEnd(data, j)
				if !ok {
					return 0, false
				}
				j = e + 1
				continue
			case '{', '[':
				depth++
			default:
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
			j++
		}
		return 0, false
	case '"':
		e, ok := quoteEnd(data, i)
		return e + 1, ok
	case ',', ']', '}', ':':
		return -1, false
	}
	for j := i; j < len(data); j++ {
		switch data[j] {
		case ',', ']', '}', ' ', '\t', '\r', '\n':
			return j, true
		}
	}
	return 0, false
}

// quoteEnd returns the index of the quote ending the string that starts
// at data[i]; false when data ends first.
func quoteEnd(data []byte, i int) (int, bool) {
	q, _, ok := stringClose(data, i)
	return q, ok
}

// stringClose returns the index of the quote ending the string that
// starts at data[i], whether the string has escapes, and false when data
// ends first. It looks for the next quote and then for a backslash
// before it, each with bytes.IndexByte's vector search: most strings have
// no escape.
func stringClose(data []byte, i int) (int, bool, bool) {
	escaped := false
	for j := i + 1; j < len(data); {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, escaped, false
		}
		b := bytes.IndexByte(data[j:j+k], '\\')
		if b < 0 {
			return j + k, escaped, true
		}
		// The escape may be of this quote: step over it and look again.
		escaped = true
		j += b + 2
	}
	return 0, escaped, false
}

// structural marks the bytes valueEnd stops at.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// expect consumes byte c after white space.
func (s *splitter) expect(c byte) bool {
	got, ok := s.peek()
	if !ok || got != c {
		return false
	}
	s.pos++
	return true
}

// split calls each for every element of the export, in order, and
// returns errSlowPath for anything but a well-formed export of the two
// shapes (each element's bytes are the caller's to check).
func (s *splitter) split(ctx context.Context, each func(elem []byte, i int) error) error {
	list := func() error {
		c, ok := s.peek()
		if !ok {
			return errSlowPath
		}
		if c == ']' {
			s.pos++
			return nil
		}
		for i := 0; ; i++ {
			if i%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if _, ok := s.peek(); !ok {
				return errSlowPath
			}
			v, err := s.value()
			if err != nil {
				return err
			}
			s.handed++
			if err := each(v, i); err != nil {
				return err
			}
			c, ok := s.peek()
			switch {
			case !ok:
				return errSlowPath
			case c == ']':
				s.pos++
				return nil
			case c != ',':
				return errSlowPath
			}
			s.pos++
		}
	}
	c, ok := s.peek()
	if !ok {
		return errSlowPath
	}
	s.pos++
	switch c {
	case '[':
		if err := list(); err != nil {
			return err
		}
	case '{':
		found := false
		if c, ok := s.peek(); ok && c == '}' {
			return errSlowPath // no "data": the strict reader says so
		}
		for {
			if c, ok := s.peek(); !ok || c != '"' {
				return errSlowPath
			}
			key, err := s.value()
			if err != nil {
				return err
			}
			// An escaped key might spell "data": the strict reader
			// decodes it.
			if bytes.IndexByte(key, '\\') >= 0 || !validJSON(key) || !s.expect(':') {
				return errSlowPath
			}
			if string(key) == `"data"` {
				if found || !s.expect('[') {
					return errSlowPath
				}
				found = true
				if err := list(); err != nil {
					return err
				}
			} else {
				if _, ok := s.peek(); !ok {
					return errSlowPath
				}
				v, err := s.value()
				if err != nil {
					return err
				}
				if !validJSON(v) {
					return errSlowPath
				}
			}
			c, ok := s.peek()
			if !ok {
				return errSlowPath
			}
			s.pos++
			if c == '}' {
				break
			}
			if c != ',' {
				return errSlowPath
			}
		}
		if !found {
			return errSlowPath
		}
	default:
		return errSlowPath
	}
	if _, ok := s.peek(); ok {
		return errSlowPath // more after the export
	}
	return nil
}
