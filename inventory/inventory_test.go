package inventory

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/aizone/aizone/lifecycle"
)

// memWriter keeps what Generate writes, to compare with what the readers
// read back.
type memWriter struct{ recs []Record }

func (m *memWriter) Write(r *Record) error {
	c := *r
	c.Tags = append([]lifecycle.Tag(nil), r.Tags...)
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	m.recs = append(m.recs, c)
	return nil
}
func (m *memWriter) Close() error { return nil }

func writeFile(t testing.TB, dir, name, format string, rows int, seed uint64) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(f, format)
	if err != nil {
		t.Fatal(err)
	}
	if err := Generate(w, GenerateOptions{Rows: rows, Seed: seed}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func readAll(t testing.TB, path string) []Record {
	t.Helper()
	src, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ReadAll(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if len(recs[i].Tags) == 0 {
			recs[i].Tags = nil
		}
		recs[i].Metadata = nil
	}
	return recs
}

// TestRoundTrip: what Generate writes, both readers read back exactly,
// in order, across CSV chunk and Parquet row-group boundaries.
func TestRoundTrip(t *testing.T) {
	// 120,000 rows is about 17 MB of CSV: several 4 MB chunks.
	const rows = 120000
	var mem memWriter
	if err := Generate(&mem, GenerateOptions{Rows: rows, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	if len(mem.recs) != rows {
		t.Fatalf("Generate wrote %d rows, want %d", len(mem.recs), rows)
	}
	for i := range mem.recs {
		if mem.recs[i].VersionID == "" {
			mem.recs[i].IsCurrent = true
		}
	}
	dir := t.TempDir()
	for _, format := range []string{"csv", "parquet"} {
		t.Run(format, func(t *testing.T) {
			got := readAll(t, writeFile(t, dir, "inv."+format, format, rows, 3))
			if len(got) != len(mem.recs) {
				t.Fatalf("read %d rows, want %d", len(got), len(mem.recs))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], mem.recs[i]) {
					t.Fatalf("row %d:\n got %+v\nwant %+v", i+2, got[i], mem.recs[i])
				}
			}
		})
	}
}

// TestGenerateShape: the synthetic inventory has what the issue asks for.
func TestGenerateShape(t *testing.T) {
	var mem memWriter
	if err := Generate(&mem, GenerateOptions{Rows: 50000, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]int{}
	var snaps, versions, big, small int
	oldest := DefaultAsOf.Unix()
	for _, r := range mem.recs {
		prefixes[strings.SplitN(r.Name, "/", 2)[0]]++
		switch r.Target() {
		case lifecycle.TargetSnapshot:
			snaps++
		case lifecycle.TargetVersion:
			versions++
		}
		if r.Bytes > 10<<30 {
			big++
		}
		if r.Bytes < 1<<20 {
			small++
		}
		oldest = min(oldest, r.Created)
	}
	for _, p := range []string{"datasets", "checkpoints", "logs", "artifacts"} {
		if prefixes[p] == 0 {
			t.Errorf("no %s/ blobs", p)
		}
	}
	if snaps == 0 || versions == 0 {
		t.Errorf("snapshots %d, versions %d: want some of each", snaps, versions)
	}
	if big == 0 || small == 0 {
		t.Errorf("sizes not heavy-tailed: %d over 10 GiB, %d under 1 MiB", big, small)
	}
	if age := (DefaultAsOf.Unix() - oldest) / lifecycle.Day; age < 600 {
		t.Errorf("oldest blob is %d days old; want ages over about two years", age)
	}
	for i := 1; i < len(mem.recs); i++ {
		if mem.recs[i].Name < mem.recs[i-1].Name {
			t.Fatalf("rows not in name order at %d", i)
		}
	}
	var again memWriter
	Generate(&again, GenerateOptions{Rows: 50000, Seed: 1})
	if !reflect.DeepEqual(mem.recs, again.recs) {
		t.Error("same seed, different inventory")
	}
}

func TestBadInventories(t *testing.T) {
	header := strings.Join(Columns, ",")
	good := "c/a,2024-01-01T00:00:00.0000000Z,2024-01-02T00:00:00Z,,10,BlockBlob,Hot,,,,,false,,"
	dir := t.TempDir()
	pq := writeFile(t, dir, "good.parquet", "parquet", 20000, 1)
	data, err := os.ReadFile(pq)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.parquet")
	os.WriteFile(truncated, data[:len(data)/2], 0o644)
	// Cut inside the data but keep a valid footer: corrupt pages.
	corrupt := append([]byte(nil), data...)
	for i := 4; i < len(corrupt)/2; i += 97 {
		corrupt[i] ^= 0x5a
	}
	corruptPath := filepath.Join(dir, "corrupt.parquet")
	os.WriteFile(corruptPath, corrupt, 0o644)

	tests := []struct {
		name, content, file string
		want                []string
	}{
		{"missing columns", "Name,Content-Length\nc/a,10\n", "", []string{"row 1", "missing required column(s) Creation-Time, Last-Modified, AccessTier"}},
		{"bad date", header + "\n" + good + "\n" + strings.Replace(good, "2024-01-02T00:00:00Z", "02/01/2024", 1) + "\n", "", []string{"row 3", "column Last-Modified", `bad date "02/01/2024"`}},
		{"impossible date", header + "\n" + strings.Replace(good, "2024-01-02", "2024-02-30", 1) + "\n", "", []string{"row 2", "column Last-Modified", "bad date"}},
		{"negative size", header + "\n" + good + "\n" + good + "\n" + strings.Replace(good, ",10,", ",-5,", 1) + "\n", "", []string{"row 4", "column Content-Length", "negative size -5"}},
		{"size above the largest blob", header + "\n" + good + "\n" + strings.Replace(good, ",10,", ",209715200000001,", 1) + "\n", "", []string{"row 3", "column Content-Length", "size 209715200000001 is larger than the largest blob Azure stores, 209715200000000 bytes"}},
		{"size at the int64 limit", header + "\n" + strings.Replace(good, ",10,", ",9223372036854775807,", 1) + "\n", "", []string{"row 2", "column Content-Length", "larger than the largest blob"}},
		{"size beyond int64", header + "\n" + strings.Replace(good, ",10,", ",99999999999999999999999,", 1) + "\n", "", []string{"row 2", "column Content-Length", "size 99999999999999999999999 is larger than the largest blob"}},
		{"negative beyond int64", header + "\n" + strings.Replace(good, ",10,", ",-9223372036854775809,", 1) + "\n", "", []string{"row 2", "column Content-Length", "negative size -9223372036854775809"}},
		{"not a number", header + "\n" + strings.Replace(good, ",10,", ",ten,", 1) + "\n", "", []string{"row 2", "Content-Length", `bad size "ten"`}},
		{"bad tier", header + "\n" + strings.Replace(good, ",Hot,", ",Lukewarm,", 1) + "\n", "", []string{"row 2", "column AccessTier", "Lukewarm"}},
		{"short row", header + "\n" + good + "\nc/b,2024-01-01T00:00:00Z\n", "", []string{"row 3", "2 fields, but the header has 14"}},
		{"truncated quote", header + "\n" + good + "\n\"c/unterminated,2024", "", []string{"row 3", "ends inside a quoted field"}},
		{"empty", "", "", []string{"row 1", "empty file"}},
		{"empty name", header + "\n" + strings.Replace(good, "c/a", "", 1) + "\n", "", []string{"row 2", "column Name", "empty blob name"}},
		{"duplicate column", "Name,Name\n", "", []string{"row 1", "appears twice"}},
		{"truncated parquet", "", truncated, []string{"truncated.parquet", "not a readable Parquet file"}},
		{"corrupt parquet", "", corruptPath, []string{"corrupt.parquet", "row "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.file
			if path == "" {
				path = filepath.Join(t.TempDir(), "inv.csv")
				os.WriteFile(path, []byte(tt.content), 0o644)
			}
			src, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ReadAll(context.Background(), src)
			if err == nil {
				t.Fatal("accepted a bad inventory")
			}
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("error %v does not locate the row", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, path) {
				t.Errorf("error %q does not start with the file name", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			// The column readers refuse the same file with the same message
			// (a corrupt file may fail in another column first).
			_, cerr := scanColumns(src, ScanOptions{Workers: 2}, everything)
			switch {
			case cerr == nil:
				t.Errorf("the column scan accepted it")
			case tt.file == "" && cerr.Error() != msg:
				t.Errorf("the column scan says %q; the record scan %q", cerr, msg)
			case !errors.As(cerr, &re) || !strings.HasPrefix(cerr.Error(), path):
				t.Errorf("the column scan's error %q does not locate the file", cerr)
			}
		})
	}
}

// TestCSVFields covers quoting, CRLF line ends, a byte-order mark, columns
// in another order and columns the simulator ignores.
func TestCSVFields(t *testing.T) {
	content := "\ufeffLast-Modified,Name,Etag,AccessTier,Content-Length,Creation-Time,Tags,LegalHold\r\n" +
		`2024-01-02T00:00:00Z,"c/with,comma ""quoted""",0x1,Cool,7,2024-01-01T00:00:00Z,"{""Project"":""Contoso""}",true` + "\r\n" +
		"\r\n" +
		`2024-01-02T00:00:00+02:00,c/plain,0x2,,8,2024-01-01T00:00:00Z,,false` + "\r\n"
	path := filepath.Join(t.TempDir(), "inv.csv")
	os.WriteFile(path, []byte(content), 0o644)
	got := readAll(t, path)
	want := []Record{
		{Name: `c/with,comma "quoted"`, Created: 1704067200, Modified: 1704153600, Bytes: 7, Tier: lifecycle.TierCool, IsCurrent: true,
			Tags: []lifecycle.Tag{{Key: "Project", Value: "Contoso"}}, ImmutableUntil: lifecycle.Forever},
		{Name: "c/plain", Created: 1704067200, Modified: 1704153600 - 7200, Bytes: 8, IsCurrent: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// TestDirectory: a report folder with several files and a manifest.
func TestDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "part-1.csv", "csv", 300, 1)
	writeFile(t, dir, "part-2.parquet", "parquet", 200, 2)
	os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{}`), 0o644)
	os.WriteFile(filepath.Join(dir, "manifest.checksum"), []byte(`x`), 0o644)
	got := readAll(t, dir)
	if len(got) != 500 {
		t.Errorf("read %d rows from the directory, want 500", len(got))
	}
	if _, err := Open(t.TempDir()); err == nil {
		t.Error("an empty directory opened")
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"2024-05-01T10:00:00.1234567Z", "2024-05-01T10:00:00Z", true},
		{"2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z", true},
		{"2024-02-29T23:59:59Z", "2024-02-29T23:59:59Z", true},
		{"1999-12-31T00:00:00Z", "1999-12-31T00:00:00Z", true},
		{"2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z", true},
		{"Wed, 01 May 2024 10:00:00 GMT", "2024-05-01T10:00:00Z", true},
		{"2023-02-29T00:00:00Z", "", false},
		{"2024-13-01T00:00:00Z", "", false},
		{"2024-05-01T10:00:00.Z", "", false},
		{"yesterday", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseTime(tt.in)
		if ok != tt.ok || ok && time.Unix(got, 0).UTC().Format(time.RFC3339) != tt.want {
			t.Errorf("ParseTime(%q) = %v %v, want %s %v", tt.in, time.Unix(got, 0).UTC(), ok, tt.want, tt.ok)
		}
	}
}

// FuzzCSV: any bytes either read as rows or fail with a located error;
// never a panic, never a negative size.
func FuzzCSV(f *testing.F) {
	header := strings.Join(Columns, ",")
	f.Add([]byte(header + "\nc/a,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,,10,BlockBlob,Hot,,,,,false,,\n"))
	f.Add([]byte(header + "\n\"c/a\"\"\",2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,,10,AppendBlob,,,2024-01-03T00:00:00Z,v1,false,true,\"{\"\"a\"\":1}\",\n"))
	f.Add([]byte("Name,Creation-Time,Last-Modified,Content-Length,AccessTier\r\nx,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,-1,Hot\r\n"))
	// Sizes at and past the bounds: the largest blob, one byte more, the
	// int64 limit (two of them once wrapped the total to -2), past int64
	// both ways, and a negative zero.
	for _, size := range []string{"209715200000000", "209715200000001", "9223372036854775807", "9223372036854775808",
		"99999999999999999999999999", "-9223372036854775808", "-9223372036854775809", "-0", "+5", "0x10"} {
		f.Add([]byte("Name,Creation-Time,Last-Modified,Content-Length,AccessTier\nc/a,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z," + size +
			",Hot\nc/b,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z," + size + ",Cool\n"))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := ReadAll(context.Background(), src)
		cols, cerr := scanColumns(src, ScanOptions{Workers: 2}, everything)
		if (err == nil) != (cerr == nil) || err != nil && err.Error() != cerr.Error() {
			t.Fatalf("the record scan says %v, the column scan %v", err, cerr)
		}
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), path) {
				t.Fatalf("unlocated error: %v", err)
			}
			return
		}
		if want, _ := recordRows(t, src, everything); !reflect.DeepEqual(cols, want) {
			t.Fatalf("the column scan read %+v, the record scan %+v", cols, want)
		}
		var total int64
		for _, r := range recs {
			if r.Bytes < 0 || r.Bytes > MaxBlobBytes || r.Name == "" {
				t.Fatalf("accepted a bad row: %+v", r)
			}
			total += r.Bytes // the bound keeps a sum of a fuzz input's rows in int64
			if total < 0 {
				t.Fatalf("sizes wrapped: %d", total)
			}
		}
		// A clean read writes back and reads the same.
		var buf bytes.Buffer
		w := newCSVWriter(&buf)
		for i := range recs {
			w.Write(&recs[i])
		}
		w.Close()
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		again, err := ReadAll(context.Background(), src)
		if err != nil {
			t.Fatalf("rewritten inventory rejected: %v", err)
		}
		if len(again) != len(recs) {
			t.Fatalf("rewrite has %d rows, want %d", len(again), len(recs))
		}
	})
}

// TestParquetStringTimes: reports whose Parquet times are RFC 3339 strings
// (as in the CSV form) read the same as typed timestamps.
func TestParquetStringTimes(t *testing.T) {
	type row struct {
		Name         string  `parquet:"Name"`
		CreationTime string  `parquet:"Creation-Time"`
		LastModified string  `parquet:"Last-Modified"`
		LastAccess   *string `parquet:"LastAccessTime,optional"`
		Size         int64   `parquet:"Content-Length"`
		Tier         string  `parquet:"AccessTier"`
		Deleted      bool    `parquet:"Deleted"`
	}
	access := "2024-03-01T00:00:00.0000000Z"
	path := filepath.Join(t.TempDir(), "strings.parquet")
	f, _ := os.Create(path)
	w := parquet.NewGenericWriter[row](f)
	if _, err := w.Write([]row{
		{"c/a", "2024-01-01T00:00:00.0000000Z", "2024-01-02T00:00:00.0000000Z", &access, 5, "Cold", false},
		{"c/b", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", nil, 6, "Hot", true},
	}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f.Close()
	got := readAll(t, path)
	want := []Record{
		{Name: "c/a", Created: 1704067200, Modified: 1704153600, LastAccess: 1709251200, Bytes: 5, Tier: lifecycle.TierCold, IsCurrent: true},
		{Name: "c/b", Created: 1704067200, Modified: 1704067200, Bytes: 6, Tier: lifecycle.TierHot, IsCurrent: true, Deleted: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// TestSizeBounds: the largest blob Azure stores reads; one byte more, in
// CSV or as a Parquet INT64, is an error with its file, row and column.
func TestSizeBounds(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "max.csv")
	os.WriteFile(csvPath, []byte("Name,Creation-Time,Last-Modified,Content-Length,AccessTier\n"+
		"c/a,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z,209715200000000,Hot\n"), 0o644)
	if got := readAll(t, csvPath); len(got) != 1 || got[0].Bytes != MaxBlobBytes {
		t.Errorf("the largest blob read as %+v", got)
	}
	type row struct {
		Name         string `parquet:"Name"`
		CreationTime string `parquet:"Creation-Time"`
		LastModified string `parquet:"Last-Modified"`
		Size         int64  `parquet:"Content-Length"`
		Tier         string `parquet:"AccessTier"`
	}
	for _, size := range []int64{MaxBlobBytes + 1, math.MaxInt64} {
		path := filepath.Join(dir, "huge.parquet")
		f, _ := os.Create(path)
		w := parquet.NewGenericWriter[row](f)
		if _, err := w.Write([]row{{"c/a", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", 5, "Hot"},
			{"c/b", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", size, "Hot"}}); err != nil {
			t.Fatal(err)
		}
		w.Close()
		f.Close()
		src, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ReadAll(context.Background(), src)
		var re *RowError
		if !errors.As(err, &re) || re.Row != 2 || re.Column != ColContentLength || !strings.Contains(err.Error(), "larger than the largest blob") {
			t.Errorf("size %d: error %v; want row 2, column Content-Length, larger than the largest blob", size, err)
		}
	}
}

// FuzzParquet: any bytes given as a Parquet report either read as rows
// within the size bounds or fail with an error naming the file; never a
// panic. Seeds: a generated report, one with sizes past the largest blob
// and past int64's wrap, and cut or corrupted copies.
func FuzzParquet(f *testing.F) {
	dir := f.TempDir()
	good, err := os.ReadFile(writeFile(f, dir, "seed.parquet", "parquet", 40, 5))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/3] ^= 0xff
	f.Add(flipped)
	type row struct {
		Name         string `parquet:"Name"`
		CreationTime string `parquet:"Creation-Time"`
		LastModified string `parquet:"Last-Modified"`
		Size         int64  `parquet:"Content-Length"`
		Tier         string `parquet:"AccessTier"`
	}
	for _, size := range []int64{MaxBlobBytes, MaxBlobBytes + 1, math.MaxInt64, math.MinInt64, -1} {
		var buf bytes.Buffer
		w := parquet.NewGenericWriter[row](&buf)
		w.Write([]row{{"c/a", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", size, "Hot"}, {"c/b", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", size, "Hot"}})
		w.Close()
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "fuzz.parquet")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := ReadAll(context.Background(), src)
		cols, cerr := scanColumns(src, ScanOptions{Workers: 2}, Projection{LastAccess: true, Tags: true})
		if cerr != nil && !strings.Contains(cerr.Error(), path) {
			t.Fatalf("column scan error without the file: %v", cerr)
		}
		if err == nil && cerr != nil {
			t.Fatalf("the record scan read it, the column scan says %v", cerr)
		}
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error without the file: %v", err)
			}
			return
		}
		if want, _ := recordRows(t, src, Projection{LastAccess: true, Tags: true}); cerr == nil && !reflect.DeepEqual(cols, want) {
			t.Fatalf("the column scan read %+v, the record scan %+v", cols, want)
		}
		for _, r := range recs {
			if r.Bytes < 0 || r.Bytes > MaxBlobBytes || r.Name == "" {
				t.Fatalf("accepted a bad row: %+v", r)
			}
		}
	})
}
