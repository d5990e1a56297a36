package inventory

import (
	"context"
	"fmt"
	"sync"

	"github.com/aizone/aizone/lifecycle"
)

// Projection names the optional columns a consumer needs. Every scan reads
// the columns any lifecycle rule depends on (Name, Creation-Time,
// Last-Modified, Content-Length, BlobType, AccessTier,
// AccessTierChangeTime, and Snapshot, VersionId, IsCurrentVersion and
// Deleted, which tell what a row is); the others only when asked, so that
// a Parquet scan never touches their column chunks.
type Projection struct {
	LastAccess      bool // LastAccessTime
	Tags            bool // Tags
	EncryptionScope bool // EncryptionScope
	Immutability    bool // ImmutabilityPolicyUntilDate and LegalHold
}

// ProjectionFor is what a lifecycle policy reads (lifecycle.Engine.Inputs).
func ProjectionFor(in lifecycle.Inputs) Projection {
	return Projection{LastAccess: in.LastAccess, Tags: in.Tags, EncryptionScope: in.EncryptionScope, Immutability: in.Immutability}
}

// ColumnBatch is a batch of consecutive rows held column by column, as a
// lifecycle run sees them: each row is what Record.Blob returns for it.
// Slices are indexed by row; a column that was not read holds its null
// value. Like a Batch, it is valid only during the callback.
type ColumnBatch struct {
	Seq int // orders batches within a scan, as Batch.Seq
	// Row is the first row's number in its file, for messages: for CSV the
	// line number, for Parquet the 1-based row.
	Row int64

	names   []byte
	nameEnd []int // name i is names[nameEnd[i-1]:nameEnd[i]], nameEnd[-1] being nameStart
	// nameStart is where the first name begins in names (a batch cut from
	// a larger one shares its names).
	nameStart int

	Bytes []int64
	// Created is the time the rules age the object from: the blob's
	// creation for a current version, the snapshot time for a snapshot,
	// the version's time for a previous version (Record.Blob).
	Created     []int64
	Modified    []int64
	LastAccess  []int64 // 0 when null or not read
	TierChanged []int64 // 0 when null
	// ImmutableUntil is the immutability policy's expiry, lifecycle.Forever
	// under a legal hold; 0 when neither (or not read).
	ImmutableUntil  []int64
	Type            []lifecycle.BlobType
	Tier            []lifecycle.Tier // Hot for a block blob without a tier, as Record.Blob infers
	Target          []lifecycle.Target
	Deleted         []bool
	EncryptionScope []bool
	Tags            [][]lifecycle.Tag // nil unless the projection asks for tags

	// Decoding state: what Snapshot and VersionId held, resolved into
	// Target and Created by finish.
	flags    []uint8
	snapTime []int64
	verTime  []int64
	scratch  Record
}

// Len is the number of rows.
func (c *ColumnBatch) Len() int { return len(c.Bytes) }

// Name is row i's name. The bytes alias the batch's buffers.
func (c *ColumnBatch) Name(i int) []byte {
	lo := c.nameStart
	if i > 0 {
		lo = c.nameEnd[i-1]
	}
	return c.names[lo:c.nameEnd[i]]
}

// Row flags, set while decoding.
const (
	flagSnapshot   = 1 << iota // Snapshot is not empty
	flagSnapTime               // ... and is a time (snapTime)
	flagVersion                // VersionId is not empty
	flagVerTime                // ... and is a time (verTime)
	flagNotCurrent             // IsCurrentVersion is false
)

// reset makes n rows of nulls: no name yet, block blobs of no tier,
// current versions, nothing deleted.
func (c *ColumnBatch) reset(n int, tags bool) {
	c.names = c.names[:0]
	c.nameStart = 0
	c.nameEnd = resize(c.nameEnd, n)
	c.Bytes = resize(c.Bytes, n)
	c.Created = resize(c.Created, n)
	c.Modified = resize(c.Modified, n)
	c.LastAccess = resize(c.LastAccess, n)
	c.TierChanged = resize(c.TierChanged, n)
	c.ImmutableUntil = resize(c.ImmutableUntil, n)
	c.Type = resize(c.Type, n)
	c.Tier = resize(c.Tier, n)
	c.Target = resize(c.Target, n)
	c.Deleted = resize(c.Deleted, n)
	c.EncryptionScope = resize(c.EncryptionScope, n)
	c.flags = resize(c.flags, n)
	c.snapTime = resize(c.snapTime, n)
	c.verTime = resize(c.verTime, n)
	if tags {
		c.Tags = resize(c.Tags, n)
	} else {
		c.Tags = nil
	}
}

// resize returns s with n zero elements, reusing its storage.
func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// truncate keeps the first n rows.
func (c *ColumnBatch) truncate(n int) {
	c.nameEnd = c.nameEnd[:n]
	c.Bytes, c.Created, c.Modified, c.LastAccess = c.Bytes[:n], c.Created[:n], c.Modified[:n], c.LastAccess[:n]
	c.TierChanged, c.ImmutableUntil, c.Type, c.Tier = c.TierChanged[:n], c.ImmutableUntil[:n], c.Type[:n], c.Tier[:n]
	c.Target, c.Deleted, c.EncryptionScope = c.Target[:n], c.Deleted[:n], c.EncryptionScope[:n]
	c.flags, c.snapTime, c.verTime = c.flags[:n], c.snapTime[:n], c.verTime[:n]
	if c.Tags != nil {
		c.Tags = c.Tags[:n]
	}
}

// clearRow makes row k, the last one filled, null again.
func (c *ColumnBatch) clearRow(k int) {
	start := c.nameStart
	if k > 0 {
		start = c.nameEnd[k-1]
	}
	c.names = c.names[:start]
	c.nameEnd[k] = start
	c.Bytes[k], c.Created[k], c.Modified[k], c.LastAccess[k], c.TierChanged[k], c.ImmutableUntil[k] = 0, 0, 0, 0, 0, 0
	c.Type[k], c.Tier[k], c.Target[k], c.Deleted[k], c.EncryptionScope[k] = 0, 0, 0, false, false
	c.flags[k], c.snapTime[k], c.verTime[k] = 0, 0, 0
	if c.Tags != nil {
		c.Tags[k] = nil
	}
}

// slice returns rows lo to hi as a batch sharing c's storage.
func (c *ColumnBatch) slice(lo, hi int) *ColumnBatch {
	s := &ColumnBatch{Seq: c.Seq, names: c.names, nameEnd: c.nameEnd[lo:hi], nameStart: c.nameStart,
		Bytes: c.Bytes[lo:hi], Created: c.Created[lo:hi], Modified: c.Modified[lo:hi], LastAccess: c.LastAccess[lo:hi],
		TierChanged: c.TierChanged[lo:hi], ImmutableUntil: c.ImmutableUntil[lo:hi], Type: c.Type[lo:hi], Tier: c.Tier[lo:hi],
		Target: c.Target[lo:hi], Deleted: c.Deleted[lo:hi], EncryptionScope: c.EncryptionScope[lo:hi]}
	if lo > 0 {
		s.nameStart = c.nameEnd[lo-1]
	}
	if c.Tags != nil {
		s.Tags = c.Tags[lo:hi]
	}
	return s
}

// finish resolves what each row is and the time it ages from, as
// Record.Target and Record.Blob do.
func (c *ColumnBatch) finish() {
	for i, f := range c.flags {
		switch {
		case f&flagSnapshot != 0:
			c.Target[i] = lifecycle.TargetSnapshot
			if f&flagSnapTime != 0 {
				c.Created[i] = c.snapTime[i]
			}
		case f&flagVersion != 0 && f&flagNotCurrent != 0:
			c.Target[i] = lifecycle.TargetVersion
			if f&flagVerTime != 0 {
				c.Created[i] = c.verTime[i]
			} else {
				c.Created[i] = c.Modified[i]
			}
		default:
			c.Target[i] = lifecycle.TargetBase
		}
		if c.Tier[i] == lifecycle.TierUnknown && c.Type[i] == lifecycle.BlockBlob {
			c.Tier[i] = lifecycle.TierHot
		}
	}
}

// AppendRow copies row i of src to the end of c, which owns the copy: a
// consumer keeps the rows it needs past the batch this way. finish has run
// on both.
func (c *ColumnBatch) AppendRow(src *ColumnBatch, i int) {
	c.names = append(c.names, src.Name(i)...)
	c.nameEnd = append(c.nameEnd, len(c.names))
	c.Bytes = append(c.Bytes, src.Bytes[i])
	c.Created = append(c.Created, src.Created[i])
	c.Modified = append(c.Modified, src.Modified[i])
	c.LastAccess = append(c.LastAccess, src.LastAccess[i])
	c.TierChanged = append(c.TierChanged, src.TierChanged[i])
	c.ImmutableUntil = append(c.ImmutableUntil, src.ImmutableUntil[i])
	c.Type = append(c.Type, src.Type[i])
	c.Tier = append(c.Tier, src.Tier[i])
	c.Target = append(c.Target, src.Target[i])
	c.Deleted = append(c.Deleted, src.Deleted[i])
	c.EncryptionScope = append(c.EncryptionScope, src.EncryptionScope[i])
	if src.Tags != nil {
		for len(c.Tags) < len(c.Bytes)-1 {
			c.Tags = append(c.Tags, nil)
		}
		c.Tags = append(c.Tags, append([]lifecycle.Tag(nil), src.Tags[i]...))
	}
}

// Reset empties c for AppendRow, keeping its storage.
func (c *ColumnBatch) Reset() {
	c.reset(0, false)
	c.Tags = c.Tags[:0]
}

// appendRecord adds a record as a row (sources that yield records).
func (c *ColumnBatch) appendRecord(r *Record, p Projection) {
	b := r.Blob()
	c.names = append(c.names, r.Name...)
	c.nameEnd = append(c.nameEnd, len(c.names))
	c.Bytes = append(c.Bytes, r.Bytes)
	c.Created = append(c.Created, b.Created)
	c.Modified = append(c.Modified, r.Modified)
	c.LastAccess = append(c.LastAccess, pick(p.LastAccess, r.LastAccess))
	c.TierChanged = append(c.TierChanged, r.TierChanged)
	c.ImmutableUntil = append(c.ImmutableUntil, pick(p.Immutability, r.ImmutableUntil))
	c.Type = append(c.Type, r.Type)
	c.Tier = append(c.Tier, b.Tier)
	c.Target = append(c.Target, b.Target)
	c.Deleted = append(c.Deleted, r.Deleted)
	c.EncryptionScope = append(c.EncryptionScope, p.EncryptionScope && r.EncryptionScp)
	if p.Tags {
		c.Tags = append(c.Tags, r.Tags)
	}
}

func pick(ok bool, v int64) int64 {
	if ok {
		return v
	}
	return 0
}

// ColumnSource is a Source that can also hand out its rows column by
// column, reading only the projected columns. Report files are; a live
// listing is not (ScanColumns converts its records).
type ColumnSource interface {
	ScanColumns(ctx context.Context, opt ScanOptions, p Projection, fn func(worker int, c *ColumnBatch) error) error
}

// ScanColumns scans src in column batches: directly when it is a
// ColumnSource, otherwise by converting its record batches. Batch sequence
// numbers and worker numbers are as Scan's.
func ScanColumns(ctx context.Context, src Source, opt ScanOptions, p Projection, fn func(worker int, c *ColumnBatch) error) error {
	if cs, ok := src.(ColumnSource); ok {
		return cs.ScanColumns(ctx, opt, p, fn)
	}
	var mu sync.Mutex
	bufs := map[int]*ColumnBatch{}
	return src.Scan(ctx, opt, func(w int, b *Batch) error {
		mu.Lock()
		c := bufs[w]
		if c == nil {
			c = &ColumnBatch{}
			bufs[w] = c
		}
		mu.Unlock()
		c.Reset()
		c.Seq = b.Seq
		for i := range b.Records {
			c.appendRecord(&b.Records[i], p)
		}
		return fn(w, c)
	})
}

// field is a report column the column readers decode.
type field uint8

const (
	fieldName field = iota
	fieldCreated
	fieldModified
	fieldLastAccess
	fieldTierChanged
	fieldBytes
	fieldType
	fieldTier
	fieldSnapshot
	fieldVersion
	fieldIsCurrent
	fieldDeleted
	fieldTags
	fieldEncryptionScope
	fieldImmutable
	fieldLegalHold
	numFields
)

var fieldColumns = [numFields]string{ColName, ColCreationTime, ColLastModified, ColLastAccessTime, ColAccessTierChangeTime,
	ColContentLength, ColBlobType, ColAccessTier, ColSnapshot, ColVersionID, ColIsCurrentVersion, ColDeleted, ColTags,
	ColEncryptionScope, ColImmutableUntil, ColLegalHold}

// fieldOf maps a column name to the field it fills when p needs it.
func fieldOf(name string, p Projection) (field, bool) {
	for f, n := range fieldColumns {
		if n != name {
			continue
		}
		switch field(f) {
		case fieldLastAccess:
			return field(f), p.LastAccess
		case fieldTags:
			return field(f), p.Tags
		case fieldEncryptionScope:
			return field(f), p.EncryptionScope
		case fieldImmutable, fieldLegalHold:
			return field(f), p.Immutability
		}
		return field(f), true
	}
	return 0, false
}

// setText fills field f of row i from its text, as the Record setters
// read it: the common spellings directly, anything else through the
// setter itself, so that both readers accept and refuse exactly the same
// values with the same messages. Names must arrive in row order.
func (c *ColumnBatch) setText(f field, i int, s []byte) error {
	switch f {
	case fieldName:
		if len(s) > 0 {
			c.names = append(c.names, s...)
			c.nameEnd[i] = len(c.names)
			return nil
		}
	case fieldCreated, fieldModified, fieldLastAccess, fieldTierChanged:
		if len(s) == 0 && (f == fieldLastAccess || f == fieldTierChanged) {
			c.setTime(f, i, 0) // null
			return nil
		}
		if t, ok := fastTime(bstr(s)); ok {
			c.setTime(f, i, t)
			return nil
		}
	case fieldBytes:
		if n, ok := smallInt(s); ok {
			c.Bytes[i] = n
			return nil
		}
	case fieldType:
		if len(s) == 0 {
			c.Type[i] = lifecycle.BlockBlob
			return nil
		}
		if t, ok := lifecycle.ParseBlobType(bstr(s)); ok {
			c.Type[i] = t
			return nil
		}
	case fieldTier:
		if t, ok := lifecycle.ParseTier(bstr(s)); ok {
			c.Tier[i] = t
			return nil
		}
	case fieldSnapshot, fieldVersion:
		if len(s) == 0 {
			return nil
		}
		set, timed, dst := uint8(flagSnapshot), uint8(flagSnapTime), c.snapTime
		if f == fieldVersion {
			set, timed, dst = flagVersion, flagVerTime, c.verTime
		}
		c.flags[i] |= set
		if t, ok := ParseTime(bstr(s)); ok {
			c.flags[i] |= timed
			dst[i] = t
		}
		return nil
	case fieldIsCurrent, fieldDeleted:
		switch string(s) {
		case "true":
			c.setBool(f, i, true)
			return nil
		case "false":
			c.setBool(f, i, false)
			return nil
		case "":
			c.setBool(f, i, f == fieldIsCurrent)
			return nil
		}
	case fieldEncryptionScope:
		c.EncryptionScope[i] = len(s) > 0
		return nil
	}
	// The rare spellings, and every error.
	r := &c.scratch
	*r = Record{IsCurrent: true}
	if err := setters[fieldColumns[f]](r, bstr(s)); err != nil {
		return err
	}
	switch f {
	case fieldCreated, fieldModified, fieldLastAccess, fieldTierChanged:
		c.setTime(f, i, *timeFields[fieldColumns[f]](r))
	case fieldBytes:
		c.Bytes[i] = r.Bytes
	case fieldType:
		c.Type[i] = r.Type
	case fieldTier:
		c.Tier[i] = r.Tier
	case fieldIsCurrent:
		c.setBool(f, i, r.IsCurrent)
	case fieldDeleted:
		c.setBool(f, i, r.Deleted)
	case fieldTags:
		if c.Tags != nil {
			c.Tags[i] = r.Tags
		}
	case fieldImmutable, fieldLegalHold:
		c.setTime(fieldImmutable, i, r.ImmutableUntil)
	case fieldName:
		return fmt.Errorf("inventory: the name setter accepted an empty name")
	}
	return nil
}

// setTime sets a time field; the immutability fields keep the latest of
// the times they are given.
func (c *ColumnBatch) setTime(f field, i int, t int64) {
	if f == fieldImmutable {
		c.ImmutableUntil[i] = max(c.ImmutableUntil[i], t)
	} else if dst, ok := c.times(f); ok {
		dst[i] = t
	}
}

// times is the column of a time a row keeps as it is (creation, last
// modification, last access, tier change); ok is false for any other
// field.
func (c *ColumnBatch) times(f field) (col []int64, ok bool) {
	switch f {
	case fieldCreated:
		return c.Created, true
	case fieldModified:
		return c.Modified, true
	case fieldLastAccess:
		return c.LastAccess, true
	case fieldTierChanged:
		return c.TierChanged, true
	}
	return nil, false
}

func (c *ColumnBatch) setBool(f field, i int, v bool) {
	switch f {
	case fieldIsCurrent:
		if v {
			c.flags[i] &^= flagNotCurrent
		} else {
			c.flags[i] |= flagNotCurrent
		}
	case fieldDeleted:
		c.Deleted[i] = v
	case fieldLegalHold:
		if v {
			c.ImmutableUntil[i] = lifecycle.Forever
		}
	}
}

// smallInt reads up to 14 decimal digits, no sign: any such number is
// below MaxBlobBytes (15 digits), so only the largest sizes, signs and
// errors take the setter's path.
func smallInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) > 14 {
		return 0, false
	}
	var n int64
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int64(ch-'0')
	}
	return n, true
}
