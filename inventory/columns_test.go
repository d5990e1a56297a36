package inventory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/aizone/aizone/lifecycle"
)

// colRow is one row of a ColumnBatch, for comparisons.
type colRow struct {
	Name                                                              string
	Bytes, Created, Modified, LastAccess, TierChanged, ImmutableUntil int64
	Type                                                              lifecycle.BlobType
	Tier                                                              lifecycle.Tier
	Target                                                            lifecycle.Target
	Deleted, EncryptionScope                                          bool
	Tags                                                              []lifecycle.Tag
}

func rowsOf(c *ColumnBatch) []colRow {
	out := make([]colRow, c.Len())
	for i := range out {
		out[i] = colRow{Name: string(c.Name(i)), Bytes: c.Bytes[i], Created: c.Created[i], Modified: c.Modified[i],
			LastAccess: c.LastAccess[i], TierChanged: c.TierChanged[i], ImmutableUntil: c.ImmutableUntil[i], Type: c.Type[i],
			Tier: c.Tier[i], Target: c.Target[i], Deleted: c.Deleted[i], EncryptionScope: c.EncryptionScope[i]}
		if c.Tags != nil && len(c.Tags[i]) > 0 {
			out[i].Tags = append([]lifecycle.Tag(nil), c.Tags[i]...)
		}
	}
	return out
}

// scanColumns reads a source column-wise and returns its rows in order.
func scanColumns(src Source, opt ScanOptions, p Projection) ([]colRow, error) {
	var mu sync.Mutex
	batches := map[int][]colRow{}
	err := ScanColumns(context.Background(), src, opt, p, func(_ int, c *ColumnBatch) error {
		rows := rowsOf(c)
		mu.Lock()
		defer mu.Unlock()
		if _, dup := batches[c.Seq]; dup {
			return fmt.Errorf("batch %d twice", c.Seq)
		}
		batches[c.Seq] = rows
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []colRow
	for i := 0; i < len(batches); i++ {
		rows, ok := batches[i]
		if !ok {
			return nil, fmt.Errorf("batch %d missing of %d", i, len(batches))
		}
		out = append(out, rows...)
	}
	return out, nil
}

// recordRows is what the column readers must give: the record reader's
// rows as Record.Blob sees them, through a record-only source.
func recordRows(t testing.TB, src Source, p Projection) ([]colRow, error) {
	t.Helper()
	return scanColumns(recordsOnly{src}, ScanOptions{Workers: 2}, p)
}

// recordsOnly hides a source's column scan, so that ScanColumns converts
// its records.
type recordsOnly struct{ Source }

var everything = Projection{LastAccess: true, Tags: true, EncryptionScope: true, Immutability: true}

// TestColumnsMatchRecords: the column readers give, row for row, what the
// record readers give, for generated reports and reports with every
// unusual spelling, for any projection, batch size and worker count.
func TestColumnsMatchRecords(t *testing.T) {
	dir := t.TempDir()
	edge := filepath.Join(dir, "edge.csv")
	os.WriteFile(edge, []byte("\ufeffLast-Modified,Name,Etag,AccessTier,Content-Length,Creation-Time,Tags,LegalHold,BlobType,Snapshot,VersionId,IsCurrentVersion,Deleted,EncryptionScope,ImmutabilityPolicyUntilDate,LastAccessTime,AccessTierChangeTime\r\n"+
		`2024-01-02T00:00:00Z,"c/with,comma ""quoted""",0x1,Cool,7,2024-01-01T00:00:00Z,"{""Project"":""Contoso""}",true,BlockBlob,,,,false,,,,`+"\r\n"+
		"\r\n"+
		`2024-01-02T00:00:00+02:00,c/plain,0x2,,8,2024-01-01T00:00:00Z,,false,,,,,,,,,`+"\r\n"+
		`"Tue, 02 Jan 2024 00:00:00 GMT",c/rfc1123,0x3,cool,209715200000000,2024-01-01,"{""a"":""1"",""b"":""2""}",FALSE,blockblob,,,,False,scope,2030-01-01T00:00:00Z,2024-05-01T00:00:00Z,2024-04-01T00:00:00Z`+"\n"+
		`2024-01-02T00:00:00Z,"c/multi`+"\n"+`line",0x4,P10,9,2024-01-01T00:00:00Z,,,PageBlob,,,,,,,,`+"\n"+
		`2024-01-02T00:00:00Z,c/snap,0x5,Archive,10,2024-01-01T00:00:00Z,,,,2024-03-01T00:00:00.1234567Z,,,,,,,`+"\n"+
		`2024-01-02T00:00:00Z,c/snap,0x5,Hot,10,2024-01-01T00:00:00Z,,,,not-a-time,,,,,,,`+"\n"+
		`2024-01-02T00:00:00Z,c/ver,0x6,Cold,11,2024-01-01T00:00:00Z,,,AppendBlob,,2024-01-01T12:00:00Z,false,,,,,`+"\n"+
		`2024-01-02T00:00:00Z,c/ver,0x6,Cold,11,2024-01-01T00:00:00Z,,,,,opaque-id,FALSE,,,,,`+"\n"+
		`2024-01-02T00:00:00Z,c/ver,0x6,Premium,0011,2024-01-01T00:00:00Z,,,,,2024-01-02T00:00:00Z,true,,,,,`+"\n"+
		`2024-01-02T00:00:00Z,c/a"b"c,0x7,Hot,12,2024-01-01T00:00:00Z,,,,,,,,,,,`+"\n"+
		`2024-01-02T00:00:00Z,c/last,0x8,Hot,13,2024-01-01T00:00:00Z,,true,,,,,true,,,,`), 0o644)

	type row struct {
		Name         string  `parquet:"Name"`
		CreationTime string  `parquet:"Creation-Time"`
		LastModified string  `parquet:"Last-Modified"`
		LastAccess   *string `parquet:"LastAccessTime,optional"`
		Size         int64   `parquet:"Content-Length"`
		Tier         string  `parquet:"AccessTier"`
		Snapshot     *string `parquet:"Snapshot,optional,dict"`
		Deleted      bool    `parquet:"Deleted"`
		Current      *bool   `parquet:"IsCurrentVersion,optional"`
		Version      *string `parquet:"VersionId,optional"`
	}
	access, snap, no := "2024-03-01T00:00:00.0000000Z", "2024-02-01T00:00:00Z", false
	stringTimes := filepath.Join(dir, "strings.parquet")
	f, _ := os.Create(stringTimes)
	w := parquet.NewGenericWriter[row](f, parquet.MaxRowsPerRowGroup(3), parquet.PageBufferSize(64))
	var rows []row
	for i := range 50 {
		r := row{fmt.Sprintf("c/%03d", i/2), "2024-01-01T00:00:00.0000000Z", "2024-01-02T00:00:00Z", nil, int64(i), []string{"Cold", "hot", "", "Archive"}[i%4], nil, i%7 == 0, nil, nil}
		if i%3 == 0 {
			r.LastAccess = &access
		}
		if i%5 == 0 {
			r.Snapshot = &snap
		}
		if i%2 == 0 {
			r.Current, r.Version = &no, &snap
		}
		rows = append(rows, r)
	}
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f.Close()

	files := []string{edge, stringTimes, writeFile(t, dir, "gen.csv", "csv", 12000, 3)}
	pq := filepath.Join(dir, "gen.parquet")
	pf, _ := os.Create(pq)
	pw, _ := NewWriterWith(pf, "parquet", WriterOptions{RowGroupRows: 2500})
	if err := Generate(pw, GenerateOptions{Rows: 12000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	pf.Close()
	files = append(files, pq)

	for _, path := range files {
		for _, p := range []Projection{{}, everything, {LastAccess: true}, {Tags: true, Immutability: true}} {
			src, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := recordRows(t, src, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) < 10 {
				t.Fatalf("%s: %d rows", path, len(want))
			}
			for _, opt := range []ScanOptions{{Workers: 1}, {Workers: 3}, {Workers: 2, BatchRows: 1}, {Workers: 4, BatchRows: 999}} {
				got, err := scanColumns(src, opt, p)
				if err != nil {
					t.Fatalf("%s %+v: %v", filepath.Base(path), opt, err)
				}
				if !reflect.DeepEqual(got, want) {
					for i := range min(len(got), len(want)) {
						if !reflect.DeepEqual(got[i], want[i]) {
							t.Fatalf("%s %+v %+v: row %d\ncolumns %+v\nrecords %+v", filepath.Base(path), p, opt, i, got[i], want[i])
						}
					}
					t.Fatalf("%s %+v %+v: %d rows, records %d", filepath.Base(path), p, opt, len(got), len(want))
				}
			}
		}
	}
}

// TestColumnsProjection: columns left out of the projection are neither
// decoded nor checked, and the projection names the columns it reads.
func TestColumnsProjection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inv.csv")
	os.WriteFile(path, []byte("Name,Creation-Time,Last-Modified,LastAccessTime,Content-Length,AccessTier,Tags\n"+
		"c/a,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,not a date,5,Hot,{not json\n"), 0o644)
	src, _ := Open(path)
	rows, err := scanColumns(src, ScanOptions{}, Projection{})
	if err != nil || len(rows) != 1 || rows[0].LastAccess != 0 || rows[0].Tags != nil {
		t.Errorf("without LastAccessTime and Tags: %+v, %v", rows, err)
	}
	if _, err := scanColumns(src, ScanOptions{}, Projection{LastAccess: true}); err == nil || !strings.Contains(err.Error(), "column LastAccessTime") {
		t.Errorf("with LastAccessTime: %v; want its bad date", err)
	}
	if got, want := (Projection{}).String(), "Name,Creation-Time,Last-Modified,AccessTierChangeTime,Content-Length,BlobType,AccessTier,Snapshot,VersionId,IsCurrentVersion,Deleted"; got != want {
		t.Errorf("columns %s, want %s", got, want)
	}
}

// TestStop: the word-at-a-time search finds what a byte loop finds, at
// every offset and alignment, with the bytes sought next to high bytes.
func TestStop(t *testing.T) {
	alphabet := []byte{'a', ',', '\n', '"', 0x80, 0xff, 0x00, 0x2b, 0x0b, 0x23, 0x01}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		data := make([]byte, rng.IntN(40))
		for i := range data {
			if rng.IntN(4) == 0 {
				data[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				data[i] = alphabet[0]
			}
		}
		from := rng.IntN(len(data) + 1)
		want := from
		for want < len(data) && data[want] != ',' && data[want] != '\n' && data[want] != '"' {
			want++
		}
		if got := stop(data, from); got != want {
			t.Fatalf("stop(%q, %d) = %d, want %d", data, from, got, want)
		}
	}
}

// TestReportTime: the fixed-place reader reads the reports' form and
// agrees with fastTime on it and on one-character changes of it.
func TestReportTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	chars := []byte("0123456789-T:.Z /a\x00\xff")
	for range 200000 {
		ts := []byte(FormatTime(int64(rng.IntN(1<<34)) - 1<<32))
		if len(ts) != reportTimeLen {
			continue
		}
		changed := rng.IntN(2) == 0
		if changed {
			ts[rng.IntN(len(ts))] = chars[rng.IntN(len(chars))]
		}
		got, gok := reportTime(ts)
		want, wok := fastTime(string(ts))
		// Refusing is allowed (fastTime and the setter decide then), but
		// not a report's own form, nor a different answer.
		if gok && (!wok || got != want) || !gok && !changed {
			t.Fatalf("reportTime(%q) = %d, %v; fastTime %d, %v", ts, got, gok, want, wok)
		}
	}
}
