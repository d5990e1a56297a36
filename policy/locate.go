package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// walkJSON reads data token by token and calls fn with the JSON path and
// byte offset of every value, in document order: the offset of its key for
// an object member (what a reader looks for), of the value itself
// otherwise. fn returns false to stop. Paths use the engine's spelling: "properties.policyRule.
// if.allOf[1].field". When data is not valid JSON, walkJSON returns the path
// of the value being read and the offset where reading failed, so that a
// syntax error can be reported where it is rather than as a bare offset.
func walkJSON(data []byte, fn func(path string, off int) bool) (failPath string, failOff int, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []jsonFrame
	// start skips the separators after the previous token, so that offsets
	// point at the first byte of the next token.
	start := func() int {
		off := int(dec.InputOffset())
		for off < len(data) {
			switch data[off] {
			case ' ', '\t', '\r', '\n', ',', ':':
				off++
				continue
			}
			break
		}
		return off
	}
	current := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.obj {
			if f.key == "" {
				return f.base // between members: the object itself
			}
			return joinPath(f.base, f.key)
		}
		return fmt.Sprintf("%s[%d]", f.base, f.idx)
	}
	keyOff := 0 // where the key of the member being read starts
	seen := false
	// trailing checks that nothing follows the top-level value.
	trailing := func() (string, int, error) {
		off := start()
		if _, err := dec.Token(); err != io.EOF {
			return "", off, errors.New("data after the top-level value")
		}
		return "", 0, nil
	}
	for {
		off := start()
		tok, terr := dec.Token()
		if terr == io.EOF {
			if len(stack) > 0 || !seen {
				return current(), len(data), errors.New("unexpected end of JSON input")
			}
			return "", 0, nil
		}
		seen = true
		if terr != nil {
			var se *json.SyntaxError
			if errors.As(terr, &se) {
				off = int(se.Offset)
			}
			return current(), off, terr
		}
		// An object key: remember it; its value comes next.
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.obj && top.key == "" {
				if d, ok := tok.(json.Delim); ok && d == '}' {
					stack = stack[:len(stack)-1]
					if !afterValue(&stack) {
						return trailing()
					}
					continue
				}
				keyOff = off
				top.key, _ = tok.(string)
				if top.key == "" {
					// An empty key is legal JSON; give it a visible name.
					top.key = "''"
				}
				continue
			}
			if d, ok := tok.(json.Delim); ok && d == ']' {
				stack = stack[:len(stack)-1]
				if !afterValue(&stack) {
					return trailing()
				}
				continue
			}
		}
		path := current()
		at := off
		if len(stack) > 0 && stack[len(stack)-1].obj {
			at = keyOff
		}
		if !fn(path, at) {
			return "", 0, nil
		}
		switch d, _ := tok.(json.Delim); d {
		case '{':
			stack = append(stack, jsonFrame{obj: true, base: path})
		case '[':
			stack = append(stack, jsonFrame{base: path})
		default:
			if !afterValue(&stack) {
				return trailing()
			}
		}
	}
}

// jsonFrame is an open object or array during walkJSON.
type jsonFrame struct {
	obj  bool
	base string
	key  string // object: the key just read, "" before one
	idx  int    // array: index of the next element
}

// afterValue advances the enclosing container past a value it holds; it
// reports false when the value was the top-level one.
func afterValue(stack *[]jsonFrame) bool {
	s := *stack
	if len(s) == 0 {
		return false
	}
	top := &s[len(s)-1]
	if top.obj {
		top.key = ""
	} else {
		top.idx++
	}
	return true
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

// lineCol converts a byte offset to a 1-based line and column (in bytes).
func lineCol(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// locate finds where path is in data: the start of its value, or of the
// deepest enclosing value present (a missing key is reported at the object
// that should hold it). Paths compare ignoring case, as ARM property names
// do.
func locate(data []byte, path string) (line, col int, ok bool) {
	best, bestLen := -1, -1
	_, _, _ = walkJSON(data, func(p string, off int) bool {
		if strings.EqualFold(p, path) {
			best, bestLen = off, len(p)
			return false
		}
		if len(p) > bestLen && isPathPrefix(p, path) {
			best, bestLen = off, len(p)
		}
		return true
	})
	if best < 0 {
		return 0, 0, false
	}
	line, col = lineCol(data, best)
	return line, col, true
}

// isPathPrefix reports whether p names a value that contains the one path
// names.
func isPathPrefix(p, path string) bool {
	if p == "" {
		return true
	}
	if len(p) >= len(path) || !strings.EqualFold(p, path[:len(p)]) {
		return false
	}
	c := path[len(p)]
	return c == '.' || c == '['
}

// syntaxError describes invalid JSON as a located *Error: the JSON path of
// the value being read when it failed, and its line and column.
func syntaxError(data []byte, err error) *Error {
	path, off, werr := walkJSON(data, func(string, int) bool { return true })
	if werr == nil {
		// The decoder and the walker disagree (they should not); keep the
		// decoder's message.
		return &Error{Err: fmt.Errorf("invalid JSON: %w", err)}
	}
	line, col := lineCol(data, off)
	return &Error{Path: path, Line: line, Col: col, Err: fmt.Errorf("invalid JSON: %w", werr)}
}

// withSource adds the line and column of e's path in data, when e has a
// path and no position yet.
func withSource(data []byte, err error) error {
	var pe *Error
	if data == nil || !errors.As(err, &pe) || pe.Line != 0 || pe.Path == "" {
		return err
	}
	line, col, ok := locate(data, pe.Path)
	if !ok {
		return err
	}
	cp := *pe
	cp.Line, cp.Col = line, col
	return &cp
}
