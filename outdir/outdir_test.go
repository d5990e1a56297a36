package outdir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func read(t *testing.T, p string) string {
	t.Helper()
	d, err := os.ReadFile(p)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(d)
}

func TestWrite(t *testing.T) {
	v1 := map[string][]byte{"arm/main.json": []byte("v1"), "plan.json": []byte("p1"), "gone.md": []byte("old")}
	v2 := map[string][]byte{"arm/main.json": []byte("v2"), "plan.json": []byte("p2")}

	t.Run("empty name", func(t *testing.T) {
		for _, d := range []string{"", "  "} {
			if err := Check(d, false); err == nil {
				t.Errorf("Check(%q) accepted", d)
			}
			if err := Write(d, v1); err == nil {
				t.Errorf("Write(%q) accepted", d)
			}
		}
	})
	t.Run("new, then replaced whole", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		if err := Write(dir, v1); err != nil {
			t.Fatal(err)
		}
		if read(t, filepath.Join(dir, "arm/main.json")) != "v1" || !strings.Contains(read(t, filepath.Join(dir, Marker)), "gone.md") {
			t.Fatal("first write incomplete")
		}
		if err := Check(dir, false); err != nil {
			t.Fatalf("own directory refused: %v", err)
		}
		if err := Write(dir, v2); err != nil {
			t.Fatal(err)
		}
		if read(t, filepath.Join(dir, "arm/main.json")) != "v2" {
			t.Error("not replaced")
		}
		if _, err := os.Stat(filepath.Join(dir, "gone.md")); err == nil {
			t.Error("a file of the earlier output survived: old and new are mixed")
		}
		left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".out.aizone-*"))
		if len(left) > 0 {
			t.Errorf("staging left behind: %v", left)
		}
	})
	t.Run("link in an earlier output is not followed", func(t *testing.T) {
		root := t.TempDir()
		dir, outside := filepath.Join(root, "out"), filepath.Join(root, "outside")
		if err := Write(dir, v1); err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(outside, 0o755)
		os.WriteFile(filepath.Join(outside, "main.json"), []byte("precious"), 0o644)
		os.RemoveAll(filepath.Join(dir, "arm"))
		if err := os.Symlink(outside, filepath.Join(dir, "arm")); err != nil {
			t.Skip(err)
		}
		_ = Write(dir, v2)
		if read(t, filepath.Join(outside, "main.json")) != "precious" {
			t.Error("a file outside the output directory was overwritten through a link")
		}
	})
	t.Run("forced into the user's directory", func(t *testing.T) {
		root := t.TempDir()
		dir, outside := filepath.Join(root, "mine"), filepath.Join(root, "outside")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep"), 0o644)
		if err := Check(dir, false); !errors.Is(err, ErrForeign) {
			t.Fatalf("foreign directory: %v", err)
		}
		if err := Write(dir, v2); err != nil {
			t.Fatal(err)
		}
		if read(t, filepath.Join(dir, "notes.txt")) != "keep" || read(t, filepath.Join(dir, "plan.json")) != "p2" {
			t.Error("forced write lost the user's file or did not write")
		}
		// A link among the paths aizone writes: refused, nothing changes.
		os.MkdirAll(outside, 0o755)
		os.WriteFile(filepath.Join(outside, "main.json"), []byte("precious"), 0o644)
		os.RemoveAll(filepath.Join(dir, "arm"))
		os.Symlink(outside, filepath.Join(dir, "arm"))
		if err := Write(dir, v1); err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("write through a link: %v", err)
		}
		if read(t, filepath.Join(outside, "main.json")) != "precious" || read(t, filepath.Join(dir, "plan.json")) != "p2" {
			t.Error("the refused write changed files")
		}
	})
	t.Run("a failure leaves the earlier output", func(t *testing.T) {
		root := t.TempDir()
		dir := filepath.Join(root, "mine")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep"), 0o644)
		if err := Write(dir, v1); err != nil {
			t.Fatal(err)
		}
		// arm/main.json cannot be written: a file holds the name of its
		// directory. The marker, moved in first, must be put back.
		before := read(t, filepath.Join(dir, Marker))
		os.RemoveAll(filepath.Join(dir, "arm"))
		os.WriteFile(filepath.Join(dir, "arm"), []byte("a file"), 0o644)
		if err := Write(dir, v2); err == nil {
			t.Fatal("write under a file succeeded")
		}
		if got := read(t, filepath.Join(dir, Marker)); got != before {
			t.Errorf("after a failed write the marker is %q, was %q: old and new are mixed", got, before)
		}
		if got := read(t, filepath.Join(dir, "plan.json")); got != "p1" {
			t.Errorf("after a failed write plan.json is %q", got)
		}
	})
	t.Run("names outside the directory", func(t *testing.T) {
		for _, n := range []string{"../x", "/etc/x", "a/../../x"} {
			if err := Write(filepath.Join(t.TempDir(), "o"), map[string][]byte{n: nil}); err == nil {
				t.Errorf("%q accepted", n)
			}
		}
	})
}
