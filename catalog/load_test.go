package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aizone/aizone/internal/yamlpos"
)

// loadWithin runs Load(dir) and fails the test if it has not returned
// after ten seconds (a FIFO blocks an open for reading until a writer
// comes).
func loadWithin(t *testing.T, dir string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { _, err := Load(dir); done <- err }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("Load(%s) still blocked after 10 s", dir)
		return nil
	}
}

// TestLoadSpecialFiles: a catalog directory is read for its regular
// files only; a FIFO or a device among them, or in place of the
// directory, is an error at once.
func TestLoadSpecialFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "prices.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	err := loadWithin(t, dir)
	var e *yamlpos.Error
	if !errors.As(err, &e) || e.File != fifo || !strings.Contains(e.Msg, "not a regular file but a FIFO (named pipe)") || e.Hint == "" {
		t.Errorf("FIFO in the catalog directory: %v", err)
	}

	// A symbolic link to a device, named like a catalog file.
	dev := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dev, "skus.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := loadWithin(t, dev); !errors.As(err, &e) || !strings.Contains(e.Msg, "not a regular file but a device") {
		t.Errorf("device in the catalog directory: %v", err)
	}

	// The FIFO given as the directory itself.
	if err := loadWithin(t, fifo); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("FIFO as the catalog directory: %v", err)
	}
}

// TestLoadLargeFile: a catalog file larger than the limit is refused
// before it is read.
func TestLoadLargeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(int64(catalogLimits.MaxBytes) + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	err = loadWithin(t, dir)
	var e *yamlpos.Error
	if !errors.As(err, &e) || e.File != path || !strings.Contains(e.Msg, "larger than 8.0 MiB") {
		t.Errorf("large catalog file: %v", err)
	}
}
