package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/aizone/aizone/internal/yamlpos"
)

// Limits on a zone file; generous for a hand-written file, small enough that
// a wrong path (a dataset, a binary) fails fast with a clear message.
var Limits = yamlpos.Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxNodes: 100_000}

// LoadFile reads, decodes, defaults and validates the zone file at path.
func LoadFile(path string) (*Zone, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &yamlpos.Error{File: path, Pos: yamlpos.Pos{Line: 1, Col: 1}, Msg: "no such file", Hint: "give the path of a zone file, such as examples/small.yaml"}
		}
		return nil, fmt.Errorf("reading zone file: %w", err)
	}
	if st.IsDir() {
		return nil, &yamlpos.Error{File: path, Pos: yamlpos.Pos{Line: 1, Col: 1}, Msg: "is a directory, not a zone file", Hint: "give the path of a .yaml file"}
	}
	if st.Size() > int64(Limits.MaxBytes) {
		// Refuse before reading a huge file into memory.
		return Parse(path, make([]byte, Limits.MaxBytes+1))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading zone file: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes, defaults and validates a zone file held in memory; file
// names it in errors.
func Parse(file string, data []byte) (*Zone, error) {
	if len(data) > Limits.MaxBytes {
		return nil, &yamlpos.Error{File: file, Pos: yamlpos.Pos{Line: 1, Col: 1},
			Msg:  fmt.Sprintf("file is larger than %d KiB", Limits.MaxBytes>>10),
			Hint: "a zone file is a short hand-written YAML document; check that the right file was given"}
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
