package yamlpos

import (
	"fmt"
	"io"

	"github.com/aizone/aizone/internal/userfile"
)

// TooLargeError is a file larger than the limit it is read with. Size is
// -1 when the file grew past the limit while it was read.
type TooLargeError struct {
	Path      string
	Size, Max int64
}

func (e *TooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("%s is more than %d bytes", e.Path, e.Max)
	}
	return fmt.Sprintf("%s is %d bytes, more than %d", e.Path, e.Size, e.Max)
}

// ReadRegular reads the regular file at path (following symbolic links),
// at most max bytes, refusing a larger one before reading it. Anything but
// a regular file is refused unread (userfile.Open): opening a named pipe
// blocks until a writer comes, and a device such as /dev/zero never ends;
// that error wraps userfile.ErrNotRegular. A missing file gives an error
// that matches fs.ErrNotExist.
func ReadRegular(path string, max int64) ([]byte, error) {
	f, err := userfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, &TooLargeError{Path: path, Size: st.Size(), Max: max}
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{Path: path, Size: -1, Max: max}
	}
	return data, nil
}
