package prices

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aizone/aizone/internal/userfile"
)

// ErrNoPages is wrapped by ReadDir's error for a directory without pages.
var ErrNoPages = errors.New("no saved pages")

// ReadDir reads saved API pages: every *.json file of dir, in name order,
// each a response body as the API returned it. NextPageLink is not
// followed: the files are the pages. Subdirectories and other files are
// ignored.
func ReadDir(dir string) ([]*Page, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("reading saved pages: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("reading saved pages: %s is not a directory; give a directory of JSON pages", dir)
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading saved pages: %w", err)
	}
	var names []string
	for _, e := range des {
		if !e.IsDir() && strings.HasSuffix(strings.ToLower(e.Name()), ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: %w (expected *.json files, each a Retail Prices API response)", dir, ErrNoPages)
	}
	var pages []*Page
	for _, n := range names {
		data, err := readPage(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		// The page is named by its file name alone, so that reports
		// and output do not depend on where the directory is.
		p, err := ParsePage(n, data)
		if err != nil {
			return nil, err
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// readPage reads a regular file of at most one page's size: a FIFO named
// *.json must not block the command, nor a huge file exhaust memory.
func readPage(path string) ([]byte, error) {
	f, err := userfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading saved page: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading saved page %s: %w", path, err)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("%s: larger than %d MiB; a page holds at most 100 items", path, maxBody>>20)
	}
	return data, nil
}
