package inventory

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// Writer writes inventory rows in the report layout this package reads
// (the Columns schema fields).
type Writer interface {
	Write(r *Record) error
	Close() error
}

// NewWriter returns a writer for format "csv" or "parquet".
func NewWriter(w io.Writer, format string) (Writer, error) {
	return NewWriterWith(w, format, WriterOptions{})
}

// WriterOptions tune a writer; the zero value writes the defaults.
type WriterOptions struct {
	// RowGroupRows is the rows per Parquet row group (0: 262,144). Readers
	// give each row group to one worker, so small groups let a small file
	// exercise what only large ones do by default.
	RowGroupRows int
}

// NewWriterWith is NewWriter with options.
func NewWriterWith(w io.Writer, format string, opt WriterOptions) (Writer, error) {
	switch format {
	case "csv":
		return newCSVWriter(w), nil
	case "parquet":
		rg := opt.RowGroupRows
		if rg <= 0 {
			rg = parquetRowGroup
		}
		return newParquetWriter(w, rg), nil
	}
	return nil, fmt.Errorf("unknown inventory format %q; want csv or parquet", format)
}

type csvWriter struct {
	w   *bufio.Writer
	buf []byte
}

func newCSVWriter(w io.Writer) *csvWriter {
	cw := &csvWriter{w: bufio.NewWriterSize(w, 1<<20)}
	cw.w.WriteString(strings.Join(Columns, ",") + "\n")
	return cw
}

// appendField quotes a field when it holds a comma, quote or line break.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

func tierText(r *Record) string { return r.Tier.String() }

func (c *csvWriter) Write(r *Record) error {
	b := c.buf[:0]
	b = appendField(b, r.Name)
	b = append(b, ',')
	b = append(b, FormatTime(r.Created)...)
	b = append(b, ',')
	b = append(b, FormatTime(r.Modified)...)
	b = append(b, ',')
	b = append(b, FormatTime(r.LastAccess)...)
	b = append(b, ',')
	b = strconv.AppendInt(b, r.Bytes, 10)
	b = append(b, ',')
	b = append(b, r.Type.String()...)
	b = append(b, ',')
	b = append(b, tierText(r)...)
	b = append(b, ',')
	b = append(b, FormatTime(r.TierChanged)...)
	b = append(b, ',')
	b = appendField(b, r.Snapshot)
	b = append(b, ',')
	b = appendField(b, r.VersionID)
	b = append(b, ',')
	if r.VersionID != "" {
		b = strconv.AppendBool(b, r.IsCurrent)
	}
	b = append(b, ',')
	b = strconv.AppendBool(b, r.Deleted)
	b = append(b, ',')
	b = appendField(b, FormatTags(r.Tags))
	b = append(b, ',')
	b = appendField(b, FormatTags(r.Metadata))
	b = append(b, '\n')
	c.buf = b
	_, err := c.w.Write(b)
	return err
}

func (c *csvWriter) Close() error { return c.w.Flush() }

// parquetRow is the Parquet layout: the same column names as the CSV
// header; times as TIMESTAMP(MILLIS) UTC, Parquet's own date-time type
// (the reader accepts RFC 3339 strings too); optional columns nullable.
type parquetRow struct {
	Name                 string     `parquet:"Name"`
	CreationTime         time.Time  `parquet:"Creation-Time,timestamp(millisecond)"`
	LastModified         time.Time  `parquet:"Last-Modified,timestamp(millisecond)"`
	LastAccessTime       *time.Time `parquet:"LastAccessTime,optional,timestamp(millisecond)"`
	ContentLength        int64      `parquet:"Content-Length"`
	BlobType             string     `parquet:"BlobType,dict"`
	AccessTier           string     `parquet:"AccessTier,dict"`
	AccessTierChangeTime *time.Time `parquet:"AccessTierChangeTime,optional,timestamp(millisecond)"`
	Snapshot             *string    `parquet:"Snapshot,optional"`
	VersionID            *string    `parquet:"VersionId,optional"`
	IsCurrentVersion     *bool      `parquet:"IsCurrentVersion,optional"`
	Deleted              bool       `parquet:"Deleted"`
	Tags                 *string    `parquet:"Tags,optional"`
	Metadata             *string    `parquet:"Metadata,optional"`
}

type parquetWriter struct {
	w    *parquet.GenericWriter[parquetRow]
	rows []parquetRow
}

// parquetRowGroup bounds the rows buffered before a row group is flushed,
// and so the writer's memory.
const parquetRowGroup = 256 * 1024

func newParquetWriter(w io.Writer, rowGroup int) *parquetWriter {
	return &parquetWriter{w: parquet.NewGenericWriter[parquetRow](w, parquet.Compression(&snappy.Codec{}),
		parquet.MaxRowsPerRowGroup(int64(rowGroup)), parquet.PageBufferSize(256*1024))}
}

func optionalTime(t int64) *time.Time {
	if t == 0 {
		return nil
	}
	v := time.Unix(t, 0).UTC()
	return &v
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (p *parquetWriter) Write(r *Record) error {
	row := parquetRow{Name: r.Name, CreationTime: time.Unix(r.Created, 0).UTC(), LastModified: time.Unix(r.Modified, 0).UTC(),
		LastAccessTime: optionalTime(r.LastAccess), ContentLength: r.Bytes, BlobType: r.Type.String(), AccessTier: tierText(r),
		AccessTierChangeTime: optionalTime(r.TierChanged), Snapshot: optional(r.Snapshot), VersionID: optional(r.VersionID),
		Deleted: r.Deleted, Tags: optional(FormatTags(r.Tags)), Metadata: optional(FormatTags(r.Metadata))}
	if r.VersionID != "" {
		cur := r.IsCurrent
		row.IsCurrentVersion = &cur
	}
	p.rows = append(p.rows, row)
	if len(p.rows) == 4096 {
		return p.flush()
	}
	return nil
}

func (p *parquetWriter) flush() error {
	_, err := p.w.Write(p.rows)
	p.rows = p.rows[:0]
	return err
}

func (p *parquetWriter) Close() error {
	if err := p.flush(); err != nil {
		return err
	}
	return p.w.Close()
}
