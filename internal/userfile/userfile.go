// Package userfile opens the files a user names on the command line
// (inventories, policies, price lists, outputs) as regular files only.
//
// A FIFO, a socket or a device given where a file is expected would
// block the command or feed it an endless stream: os.Open of a FIFO waits
// for a writer, and reading /dev/zero never ends. So the path is checked
// before it is opened, and opened with O_NONBLOCK so that a FIFO swapped
// in between the check and the open cannot block either; the open file
// is checked once more.
package userfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Open opens path for reading; it must be a regular file (a symbolic link
// to one is followed).
func Open(path string) (*os.File, error) {
	if err := Regular(path); err != nil {
		return nil, err
	}
	// O_NONBLOCK only matters for a FIFO (which then opens at once and is
	// refused below); reads of a regular file never block on it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if err := checkOpen(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadFile reads a regular file whole.
func ReadFile(path string) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Create creates or truncates path for writing. An existing path must be
// a regular file: writing into a FIFO would block until a reader comes,
// and into a device would lose the output.
func Create(path string) (*os.File, error) {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	// With O_NONBLOCK a FIFO created between the check and the open fails
	// (ENXIO without a reader) or opens at once; either way it is refused.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		return nil, err
	}
	if err := checkOpen(f, path); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Regular reports an error unless path names a regular file.
func Regular(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return notRegular(path, st.Mode())
	}
	return nil
}

func checkOpen(f *os.File, path string) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return notRegular(path, st.Mode())
	}
	return nil
}

// ErrNotRegular is wrapped by the error for a path that is not a regular
// file.
var ErrNotRegular = errors.New("not a regular file")

func notRegular(path string, m fs.FileMode) error {
	return &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w but %s; give a file", ErrNotRegular, kind(m))}
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	}
	return "not a plain file"
}
