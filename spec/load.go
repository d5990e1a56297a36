package spec

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/aizone/aizone/internal/userfile"
	"github.com/aizone/aizone/internal/yamlpos"
)

// Limits on a zone file; generous for a hand-written file, small enough that
// a wrong path (a dataset, a binary) fails fast with a clear message.
var Limits = yamlpos.Limits{MaxBytes: 1 << 20, MaxDepth: 32, MaxNodes: 100_000}

// LoadFile reads, decodes, defaults and validates the zone file at path.
// Only a regular file is read: a named pipe would block the open until a
// writer came, and a device such as /dev/zero never ends.
func LoadFile(path string) (*Zone, error) {
	at := func(msg, hint string) error {
		return &yamlpos.Error{File: path, Pos: yamlpos.Pos{Line: 1, Col: 1}, Msg: msg, Hint: hint}
	}
	data, err := yamlpos.ReadRegular(path, int64(Limits.MaxBytes))
	var pathErr *fs.PathError
	var large *yamlpos.TooLargeError
	switch {
	case err == nil:
		return Parse(path, data)
	case errors.Is(err, fs.ErrNotExist):
		return nil, at("no such file", "give the path of a zone file, such as examples/small.yaml")
	case errors.Is(err, userfile.ErrNotRegular) && errors.As(err, &pathErr):
		return nil, at(pathErr.Err.Error(), "give the path of a zone file, such as examples/small.yaml")
	case errors.As(err, &large) && large.Size >= 0:
		// Refused before reading a huge file into memory.
		return nil, tooLarge(path, fmt.Sprintf("%.1f MiB", float64(large.Size)/(1<<20)))
	case errors.As(err, &large):
		return nil, tooLarge(path, "more than "+maxSize())
	}
	return nil, fmt.Errorf("reading zone file: %w", err)
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
