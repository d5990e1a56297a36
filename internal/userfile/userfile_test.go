package userfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRegularOnly(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	os.WriteFile(file, []byte("data"), 0o644)
	link := filepath.Join(dir, "link.txt")
	os.Symlink(file, link)
	if data, err := ReadFile(link); err != nil || string(data) != "data" {
		t.Errorf("a link to a regular file: %q, %v", data, err)
	}
	if _, err := Open(dir); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "a directory") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := Create(dir); !errors.Is(err, ErrNotRegular) {
		t.Errorf("creating over a directory: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
	f, err := Create(filepath.Join(dir, "new.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()

	if _, err := exec.LookPath("mkfifo"); err != nil {
		t.Skip("no mkfifo")
	}
	fifo := filepath.Join(dir, "fifo")
	if out, err := exec.Command("mkfifo", fifo).CombinedOutput(); err != nil {
		t.Fatalf("mkfifo: %v %s", err, out)
	}
	// Neither call may block on the FIFO: each must return at once.
	for name, call := range map[string]func() error{
		"open":   func() error { _, err := Open(fifo); return err },
		"create": func() error { _, err := Create(fifo); return err },
	} {
		done := make(chan error, 1)
		go func() { done <- call() }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "FIFO") {
				t.Errorf("%s: %v", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s blocked on a FIFO", name)
		}
	}
}
