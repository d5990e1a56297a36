package yamlpos

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

const saveAsUTF8 = "in the editor, save the file with the encoding UTF-8"

// toUTF8 returns the text of data as UTF-8 without a byte-order mark.
// YAML 1.2 (section 5.2) allows UTF-8, UTF-16 and UTF-32 and tells them
// apart by the byte-order mark or, without one, by where the zero bytes of
// the first character (ASCII in any YAML file) fall. UTF-16 is what
// Windows editors save as "Unicode", so it is read; UTF-32 is refused by
// name rather than called binary.
func toUTF8(file string, data []byte) ([]byte, error) {
	asciiAt := func(i int) bool {
		c := data[i]
		return c >= 0x20 && c < 0x7f || c == '\t' || c == '\n' || c == '\r'
	}
	switch {
	case bytes.HasPrefix(data, []byte{0, 0, 0xfe, 0xff}), bytes.HasPrefix(data, []byte{0xff, 0xfe, 0, 0}),
		len(data) >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0 && asciiAt(3),
		len(data) >= 4 && asciiAt(0) && data[1] == 0 && data[2] == 0 && data[3] == 0:
		return nil, &Error{File: file, Pos: Pos{1, 1}, Msg: "UTF-32: save as UTF-8", Hint: saveAsUTF8 + "; aizone reads UTF-8 and UTF-16"}
	case bytes.HasPrefix(data, []byte("\ufeff")):
		// Editors on Windows may start a UTF-8 file with a byte-order
		// mark, which the YAML lexer would read as part of the first key.
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		return fromUTF16(file, data[2:], binary.BigEndian)
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		return fromUTF16(file, data[2:], binary.LittleEndian)
	case len(data) >= 2 && data[0] == 0 && asciiAt(1):
		return fromUTF16(file, data, binary.BigEndian)
	case len(data) >= 2 && asciiAt(0) && data[1] == 0:
		return fromUTF16(file, data, binary.LittleEndian)
	}
	return data, nil
}

func fromUTF16(file string, data []byte, order binary.ByteOrder) ([]byte, error) {
	bad := func(format string, args ...any) error {
		return &Error{File: file, Pos: Pos{1, 1}, Msg: fmt.Sprintf(format, args...) + "; UTF-16: save as UTF-8", Hint: saveAsUTF8}
	}
	if len(data)%2 != 0 {
		return nil, bad("UTF-16 text with an odd number of bytes (%d)", len(data))
	}
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i += 2 {
		r := rune(order.Uint16(data[i:]))
		if utf16.IsSurrogate(r) {
			var r2 rune = utf8.RuneError
			if i+4 <= len(data) {
				r2 = rune(order.Uint16(data[i+2:]))
			}
			if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
				return nil, bad("UTF-16 text with an unpaired surrogate at byte %d", i)
			}
			i += 2
		}
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}
