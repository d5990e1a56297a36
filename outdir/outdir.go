// Package outdir writes a command's output files into a directory all or
// nothing: the files are staged in a directory beside the target and moved
// into place only when all of them are written, never through a symbolic
// link, never outside the directory, and never over files the user owns
// unless asked.
package outdir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Marker is the file that marks a directory aizone wrote and lists the
// files aizone owns in it.
const Marker = ".aizone-build"

// ErrForeign is returned when the directory holds files aizone did not
// write and force is off.
var ErrForeign = errors.New("not empty and not written by aizone")

// Check refuses an output directory aizone may not write into: an empty
// name, a path that is not a directory, or a non-empty directory without
// aizone's marker (unless force).
func Check(dir string, force bool) error {
	if strings.TrimSpace(dir) == "" {
		return errors.New("the output directory is empty; give --out DIR (use --out . for the current directory, which must then be empty or aizone's)")
	}
	st, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	if len(entries) == 0 || force {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(dir, Marker)); err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", dir, ErrForeign)
}

// Write writes files (slash-separated relative paths to contents) and the
// marker into dir. When dir does not exist, or holds only what an earlier
// run listed in its marker, the new output replaces it whole: a reader sees
// the old set or the new set, never a mix. When dir holds the user's own
// files (allowed by force), each file is moved in by rename and the
// user's files stay; a path of ours that is a symbolic link, or passes
// through one, is refused before anything is written.
func Write(dir string, files map[string][]byte) error {
	if err := Check(dir, true); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		if err := safeRel(n); err != nil {
			return err
		}
		names = append(names, n)
	}
	sort.Strings(names)
	all := make(map[string][]byte, len(files)+1)
	for n, d := range files {
		all[n] = d
	}
	all[Marker] = []byte("# written by aizone build; aizone overwrites the files listed here\n" + strings.Join(names, "\n") + "\n")

	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	// A directory named through a link is the user's choice: write into
	// the directory it names, beside which the staging happens.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	parent := filepath.Dir(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", parent, err)
	}
	stage, err := os.MkdirTemp(parent, "."+filepath.Base(abs)+".aizone-*")
	if err != nil {
		return fmt.Errorf("staging output: %w", err)
	}
	defer os.RemoveAll(stage)
	for n, d := range all {
		p := filepath.Join(stage, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("staging %s: %w", n, err)
		}
		if err := os.WriteFile(p, d, 0o644); err != nil {
			return fmt.Errorf("staging %s: %w", n, err)
		}
	}
	if err := os.Chmod(stage, 0o755); err != nil {
		return err
	}

	owned, err := onlyOurs(abs)
	if err != nil {
		return err
	}
	if owned {
		return swap(abs, stage)
	}
	return mergeInto(abs, stage, all)
}

// safeRel refuses a file name that could leave the directory.
func safeRel(n string) error {
	clean := filepath.Clean(filepath.FromSlash(n))
	if n == "" || filepath.IsAbs(clean) || clean == "." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) || clean == ".." {
		return fmt.Errorf("output file %q is outside the output directory", n)
	}
	return nil
}

// onlyOurs reports whether dir is absent, empty, or holds nothing but the
// files its marker lists and their directories.
func onlyOurs(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if len(entries) == 0 {
		return true, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, Marker))
	if err != nil {
		return false, nil
	}
	listed := map[string]bool{Marker: true}
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			listed[filepath.FromSlash(l)] = true
			for d := filepath.Dir(filepath.FromSlash(l)); d != "."; d = filepath.Dir(d) {
				listed[d] = true
			}
		}
	}
	ours := true
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if !listed[rel] {
			ours = false
			return filepath.SkipAll
		}
		return nil
	})
	return ours, err
}

// swap replaces dir by stage with two renames; the old directory is
// removed only once the new one is in place (links in it are removed,
// never followed).
func swap(dir, stage string) error {
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(stage, dir); err != nil {
			return fmt.Errorf("writing %s: %w", dir, err)
		}
		return nil
	}
	old := stage + ".old"
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("replacing %s: %w", dir, err)
	}
	if err := os.Rename(stage, dir); err != nil {
		if rerr := os.Rename(old, dir); rerr != nil {
			return fmt.Errorf("replacing %s: %w (and restoring it: %v; the earlier output is in %s)", dir, err, rerr, old)
		}
		return fmt.Errorf("replacing %s: %w", dir, err)
	}
	return os.RemoveAll(old)
}

// mergeInto moves each staged file into dir, which holds the user's own
// files too. Every target path is checked first; an existing file is
// kept aside until all files are in, and put back if one fails.
func mergeInto(dir, stage string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := noLinks(dir, filepath.FromSlash(n)); err != nil {
			return err
		}
	}
	type moved struct{ target, backup string }
	var done []moved
	undo := func() {
		for i := len(done) - 1; i >= 0; i-- {
			m := done[i]
			os.Remove(m.target)
			if m.backup != "" {
				os.Rename(m.backup, m.target)
			}
		}
	}
	backups := stage + ".bak"
	defer os.RemoveAll(backups)
	for i, n := range names {
		target := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			undo()
			return fmt.Errorf("writing %s: %w", target, err)
		}
		m := moved{target: target}
		if _, err := os.Lstat(target); err == nil {
			m.backup = filepath.Join(backups, fmt.Sprint(i))
			if err := os.MkdirAll(backups, 0o700); err != nil {
				undo()
				return err
			}
			if err := os.Rename(target, m.backup); err != nil {
				undo()
				return fmt.Errorf("writing %s: %w", target, err)
			}
		}
		if err := os.Rename(filepath.Join(stage, filepath.FromSlash(n)), target); err != nil {
			if m.backup != "" {
				os.Rename(m.backup, target)
			}
			undo()
			return fmt.Errorf("writing %s: %w", target, err)
		}
		done = append(done, m)
	}
	return nil
}

// noLinks refuses a path under dir that is, or passes through, a symbolic
// link: writing through it could change a file outside dir.
func noLinks(dir, rel string) error {
	p := dir
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if st.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link; aizone does not write through links (remove it, or choose another --out)", p)
		}
	}
	return nil
}
