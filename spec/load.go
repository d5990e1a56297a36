package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/aizone/aizone/internal/yamlpos"
)

// Limits on a zone file; generous for a hand-written file, small enough that
// a wrong path (a dataset, a binary) fails fast with a clear message.
var Limits = yamlpos.Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxNodes: 100_000}

// LoadFile reads, decodes, defaults and validates the zone file at path.
func LoadFile(path string) (*Zone, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &yamlpos.Error{File: path, Pos: yamlpos.Pos{Line: 1, Col: 1}, Msg: "no such file", Hint: "give the path of a zone file, such as examples/small.yaml"}
		}
		return nil, fmt.Errorf("reading zone file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading zone file: %w", err)
	}
	if st.IsDir() {
		return nil, &yamlpos.Error{File: path, Pos: yamlpos.Pos{Line: 1, Col: 1}, Msg: "is a directory, not a zone file", Hint: "give the path of a .yaml file"}
	}
	if st.Mode().IsRegular() && st.Size() > int64(Limits.MaxBytes) {
		// Refuse before reading a huge file into memory.
		return nil, tooLarge(path, fmt.Sprintf("%.1f MiB", float64(st.Size())/(1<<20)))
	}
	// Read at most one byte past the limit: a pipe or a device such as
	// /dev/zero has no size to check beforehand and may never end.
	data, err := io.ReadAll(io.LimitReader(f, int64(Limits.MaxBytes)+1))
	if err != nil {
		return nil, fmt.Errorf("reading zone file: %w", err)
	}
	if len(data) > Limits.MaxBytes {
		return nil, tooLarge(path, "more than "+maxSize())
	}
	return Parse(path, data)
}

func maxSize() string { return fmt.Sprintf("%d KiB", Limits.MaxBytes>>10) }

func tooLarge(file, size string) error {
	return &yamlpos.Error{File: file, Pos: yamlpos.Pos{Line: 1, Col: 1},
		Msg:  fmt.Sprintf("file is %s; a zone file is at most %s", size, maxSize()),
		Hint: "a zone file is a short hand-written YAML document; check that the right file was given"}
}

// Parse decodes, defaults and validates a zone file held in memory; file
// names it in errors.
func Parse(file string, data []byte) (*Zone, error) {
	if len(data) > Limits.MaxBytes {
		return nil, tooLarge(file, fmt.Sprintf("%.1f MiB", float64(len(data))/(1<<20)))
	}
	z := &Zone{}
	pos, err := yamlpos.Decode(file, data, z, Limits)
	if err != nil {
		return nil, err
	}
	z.File, z.Pos = file, pos
	ApplyDefaults(z)
	if err := Validate(z); err != nil {
		return nil, err
	}
	return z, nil
}

// ErrorAt returns an error located at the zone-file value at path (or its
// nearest written parent).
func (z *Zone) ErrorAt(path, hint, format string, args ...any) error {
	return &yamlpos.Error{File: z.File, Pos: z.Pos.Lookup(path), Msg: fmt.Sprintf(format, args...), Hint: hint}
}
