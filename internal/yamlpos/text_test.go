package yamlpos

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/aizone/aizone/internal/userfile"
)

// Numbers written without quotes are numbers wherever text is expected,
// whether the YAML parser typed them (4711) or left them as plain scalars
// (1e308, NaN): all are refused alike, with the quoted form as the hint.
func TestNumbersAreNotText(t *testing.T) {
	tests := []struct {
		name, src string
		pos       Pos
		msg, hint string
	}{
		{"integer", "name: 4711\n", Pos{1, 7}, "expected text, got the number 4711", `"4711"`},
		{"exponent", "name: 1e308\n", Pos{1, 7}, "expected text, got the number 1e308", `"1e308"`},
		{"too large for a float", "name: 1e400\n", Pos{1, 7}, "expected text, got the number 1e400", `"1e400"`},
		{"NaN", "name: NaN\n", Pos{1, 7}, "expected text, got not-a-number (NaN)", `"NaN"`},
		{"Inf", "name: n\nlist: [a, -Inf]\n", Pos{2, 11}, "expected text, got infinity (-Inf)", `"-Inf"`},
		{".inf", "name: n\nplain: .inf\n", Pos{2, 8}, "expected text, got infinity (.inf)", `".inf"`},
		{"hex float", "name: n\ntags: {k: 0x1p4}\n", Pos{2, 11}, "expected text, got the number 0x1p4", `"0x1p4"`},
		{"tag value", "name: n\ntags:\n  k: 1e308\n", Pos{3, 6}, "expected text, got the number 1e308", `"1e308"`},
		{"tag name number", "name: n\ntags:\n  4711: x\n", Pos{3, 3}, "expected a text key, got the number 4711", `"4711"`},
		{"tag name NaN", "name: n\ntags:\n  NaN: x\n", Pos{3, 3}, "expected a text key, got not-a-number (NaN)", `"NaN"`},
		{"tag name boolean", "name: n\ntags:\n  true: x\n", Pos{3, 3}, "expected a text key, got a boolean true", `"true"`},
		{"tag name null", "name: n\ntags:\n  ~: x\n", Pos{3, 3}, "expected a text key, got nothing (null)", "quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeDoc(t, tt.src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if e.Pos != tt.pos || !strings.Contains(e.Msg, tt.msg) || !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("got %v; want %v: %s (hint %s)", e, tt.pos, tt.msg, tt.hint)
			}
		})
	}
	// Quoted, the same values are text.
	d, _, err := decodeDoc(t, "name: \"1e308\"\ntags: {\"4711\": 'NaN', k: \"-Inf\"}\n")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "1e308" || d.Tags["4711"] != "NaN" || d.Tags["k"] != "-Inf" {
		t.Errorf("quoted values: %+v", d)
	}
	// Words that only look alike stay text.
	d, _, err = decodeDoc(t, "name: nano\nlist: [infinite, 1:20, 2024-01-02, v1.2, 1.2.3, 10.0.0.0/8]\n")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "nano" || len(d.List) != 6 {
		t.Errorf("words: %+v", d)
	}
}

// A value reached through an alias is located at the alias, where it is
// used: the anchored original may be valid where it is written.
func TestAliasPositions(t *testing.T) {
	src := "name: n\nitems:\n  - &i {id: a, size: 8GB}\n  - *i\n"
	d, pos, err := decodeDoc(t, src)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Items) != 2 || d.Items[1].ID != "a" {
		t.Fatalf("items %+v", d.Items)
	}
	for path, want := range map[string]Pos{
		"items[0]":      {3, 8},
		"items[0].id":   {3, 13},
		"items[1]":      {4, 5},
		"items[1].id":   {4, 5},
		"items[1].size": {4, 5},
	} {
		if pos[path] != want {
			t.Errorf("%s at %v, want %v", path, pos[path], want)
		}
	}

	tests := []struct {
		name, src string
		pos       Pos
		msg       string
	}{
		{"wrong type at the use", "name: n\nlist: &l [a]\ntags: *l\n", Pos{3, 7}, "expected a mapping, got a list (through alias *l; written at line 2, column 10)"},
		{"inside the anchored value", "name: n\nshape: &s {name: a}\nitems:\n  - *s\n", Pos{4, 5}, `unknown key "name" in items[0] (through alias *s; written at line 2, column 12)`},
		{"nested alias names the outer one", "name: n\nlist: &l [a]\nextra: &e {k: *l}\nshape: *e\n", Pos{4, 8}, `unknown key "k" in shape (through alias *e; written at line 3, column 12)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := decodeDoc(t, tt.src)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *Error", err)
			}
			if e.Pos != tt.pos || !strings.Contains(e.Msg, tt.msg) || e.Hint == "" {
				t.Errorf("got %v; want %v: %s", e, tt.pos, tt.msg)
			}
		})
	}
}

// A %YAML or %TAG directive is part of the one document it precedes.
func TestDirectives(t *testing.T) {
	for _, src := range []string{
		"%YAML 1.1\n---\nname: n\n",
		"%YAML 1.2\n---\nname: n\n",
		"%TAG !e! tag:example.com,2000:\n---\nname: n\n",
		"# a comment\n%YAML 1.2\n---\nname: n\n...\n",
	} {
		d, pos, err := decodeDoc(t, src)
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if d.Name != "n" || pos["name"].Line != strings.Count(src[:strings.Index(src, "name:")], "\n")+1 {
			t.Errorf("%q: name %q at %v", src, d.Name, pos["name"])
		}
	}
	_, _, err := decodeDoc(t, "%YAML 1.2\n---\nname: n\n---\nname: m\n")
	var e *Error
	if !errors.As(err, &e) || e.Pos != (Pos{5, 1}) || !strings.Contains(e.Msg, "more than one YAML document") {
		t.Errorf("two documents after a directive: %v", err)
	}
	_, _, err = decodeDoc(t, "%YAML 2.0\n---\nname: n\n")
	if !errors.As(err, &e) || e.Pos.Line != 1 || !strings.Contains(e.Msg, "YAML version") {
		t.Errorf("unknown version: %v", err)
	}
}

func utf16Bytes(s string, order binary.ByteOrder, bom bool) []byte {
	u := utf16.Encode([]rune(s))
	if bom {
		u = append([]uint16{0xfeff}, u...)
	}
	b := make([]byte, 2*len(u))
	for i, c := range u {
		order.PutUint16(b[2*i:], c)
	}
	return b
}

// YAML readers must accept UTF-16 (YAML 1.2, 5.2); editors on Windows
// save it ("Unicode" in Notepad). UTF-32 is refused by name.
func TestUTF16(t *testing.T) {
	src := "name: café\nlist: [a, \"😀\"]\n"
	for name, data := range map[string][]byte{
		"little-endian with BOM":    utf16Bytes(src, binary.LittleEndian, true),
		"big-endian with BOM":       utf16Bytes(src, binary.BigEndian, true),
		"little-endian without BOM": utf16Bytes(src, binary.LittleEndian, false),
		"big-endian without BOM":    utf16Bytes(src, binary.BigEndian, false),
	} {
		t.Run(name, func(t *testing.T) {
			var d doc
			pos, err := Decode("t.yaml", data, &d, Limits{MaxBytes: 1 << 16, MaxDepth: 8, MaxNodes: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != "café" || len(d.List) != 2 || d.List[1] != "😀" {
				t.Errorf("decoded %+v", d)
			}
			if pos["list[1]"] != (Pos{2, 11}) {
				t.Errorf("list[1] at %v, want 2:11 (columns count characters)", pos["list[1]"])
			}
		})
	}
	bad := []struct {
		name string
		data []byte
		msg  string
	}{
		{"UTF-32 little-endian", append([]byte{0xff, 0xfe, 0, 0}, 'n', 0, 0, 0), "UTF-32: save as UTF-8"},
		{"UTF-32 big-endian", []byte{0, 0, 0xfe, 0xff, 0, 0, 0, 'n'}, "UTF-32: save as UTF-8"},
		{"odd length", append(utf16Bytes("name: n\n", binary.LittleEndian, true), 'x'), "UTF-16 text with an odd number of bytes"},
		{"lone surrogate", append(utf16Bytes("name: n", binary.LittleEndian, true), 0x00, 0xd8, '\n', 0), "UTF-16 text with an unpaired surrogate"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			_, err := Decode("t.yaml", tt.data, &d, Limits{MaxBytes: 1 << 16})
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, tt.msg) || e.Hint == "" {
				t.Errorf("got %v, want %q with a hint", err, tt.msg)
			}
		})
	}
}

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "z.yaml")
	if err := os.WriteFile(file, []byte("name: n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := ReadRegular(file, 100)
	if err != nil || string(data) != "name: n\n" {
		t.Fatalf("regular file: %q, %v", data, err)
	}
	var tl *TooLargeError
	if _, err := ReadRegular(file, 4); !errors.As(err, &tl) || tl.Size != 8 || tl.Max != 4 {
		t.Errorf("too large: %v", err)
	}
	if _, err := ReadRegular(filepath.Join(dir, "nope"), 100); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := ReadRegular(dir, 100); !errors.Is(err, userfile.ErrNotRegular) || !strings.Contains(err.Error(), "a directory") {
		t.Errorf("directory: %v", err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	// A FIFO blocks an open for reading until a writer comes; a
	// device never ends. Neither is read.
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for path, what := range map[string]string{fifo: "a FIFO (named pipe)", link: "a FIFO (named pipe)", "/dev/zero": "a device"} {
		done := make(chan error, 1)
		go func() { _, err := ReadRegular(path, 100); done <- err }()
		var err error
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still reading after 10 s", path)
		}
		if !errors.Is(err, userfile.ErrNotRegular) || !strings.Contains(err.Error(), what) {
			t.Errorf("%s: %v, want not a regular file: %s", path, err, what)
		}
	}
}
