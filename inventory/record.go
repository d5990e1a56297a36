// Package inventory reads Azure Blob Storage inventory reports (CSV and
// Parquet, with the documented schema fields), lists live containers
// through the Azure SDK, and writes synthetic inventories. Every source
// yields Records in batches, in blob-name order, to parallel workers.
//
// Reading is at the edge of the program: files and the network are touched
// here and nowhere else in the storage path.
package inventory

import (
	"fmt"
	"strings"

	"github.com/aizone/aizone/lifecycle"
)

// Column names, as the blob inventory documentation lists the schema fields
// (../shared/reference/lifecycle.md §6).
const (
	ColName                 = "Name"
	ColCreationTime         = "Creation-Time"
	ColLastModified         = "Last-Modified"
	ColLastAccessTime       = "LastAccessTime"
	ColContentLength        = "Content-Length"
	ColBlobType             = "BlobType"
	ColAccessTier           = "AccessTier"
	ColAccessTierChangeTime = "AccessTierChangeTime"
	ColSnapshot             = "Snapshot"
	ColVersionID            = "VersionId"
	ColIsCurrentVersion     = "IsCurrentVersion"
	ColDeleted              = "Deleted"
	ColTags                 = "Tags"
	ColMetadata             = "Metadata"
	ColEncryptionScope      = "EncryptionScope"
	ColImmutableUntil       = "ImmutabilityPolicyUntilDate"
	ColLegalHold            = "LegalHold"
)

// Required are the columns a simulation cannot do without: which blob, how
// big, which tier, and the two clocks every rule may use. The others are
// optional: a missing LastAccessTime is null, a missing BlobType is a block
// blob, and so on.
var Required = []string{ColName, ColCreationTime, ColLastModified, ColContentLength, ColAccessTier}

// Columns is the order in which this package writes reports.
var Columns = []string{ColName, ColCreationTime, ColLastModified, ColLastAccessTime, ColContentLength, ColBlobType,
	ColAccessTier, ColAccessTierChangeTime, ColSnapshot, ColVersionID, ColIsCurrentVersion, ColDeleted, ColTags, ColMetadata}

// Record is one row of a blob inventory: a current version, a snapshot or
// a previous version. Times are Unix seconds, 0 for null.
type Record struct {
	Name          string // container/blob, as the inventory's Name field holds it
	Type          lifecycle.BlobType
	Tier          lifecycle.Tier
	Bytes         int64
	Created       int64
	Modified      int64
	LastAccess    int64
	TierChanged   int64
	Snapshot      string // snapshot timestamp; "" for a current version or a version
	VersionID     string
	IsCurrent     bool // IsCurrentVersion; true when versioning is off
	Deleted       bool // soft-deleted; not acted on by lifecycle rules
	Tags          []lifecycle.Tag
	Metadata      []lifecycle.Tag
	EncryptionScp bool
	// ImmutableUntil is the immutability policy's expiry, or
	// lifecycle.Forever under a legal hold.
	ImmutableUntil int64
}

// Clone returns a copy that owns its strings: readers hand out records
// whose strings alias buffers they reuse after the batch.
func (r *Record) Clone() Record {
	c := *r
	c.Name = strings.Clone(r.Name)
	c.Snapshot = strings.Clone(r.Snapshot)
	c.VersionID = strings.Clone(r.VersionID)
	c.Tags = append([]lifecycle.Tag(nil), r.Tags...)
	c.Metadata = append([]lifecycle.Tag(nil), r.Metadata...)
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	if len(c.Metadata) == 0 {
		c.Metadata = nil
	}
	return c
}

// Target classifies the row for lifecycle rules.
func (r *Record) Target() lifecycle.Target {
	switch {
	case r.Snapshot != "":
		return lifecycle.TargetSnapshot
	case r.VersionID != "" && !r.IsCurrent:
		return lifecycle.TargetVersion
	}
	return lifecycle.TargetBase
}

// Blob converts the row to the state the lifecycle evaluator reads. A
// snapshot ages from its snapshot time and a previous version from its
// version id (the time that version was written), as the documentation
// says; when those are not timestamps the row's own times stand in.
func (r *Record) Blob() lifecycle.Blob {
	b := lifecycle.Blob{Name: r.Name, Type: r.Type, Target: r.Target(), Tier: r.Tier, Created: r.Created, Modified: r.Modified,
		LastAccess: r.LastAccess, TierChanged: r.TierChanged, Tags: r.Tags, EncryptionScope: r.EncryptionScp, ImmutableUntil: r.ImmutableUntil}
	switch b.Target {
	case lifecycle.TargetSnapshot:
		if t, ok := ParseTime(r.Snapshot); ok {
			b.Created = t
		}
	case lifecycle.TargetVersion:
		if t, ok := ParseTime(r.VersionID); ok {
			b.Created = t
		} else {
			b.Created = r.Modified
		}
	}
	if b.Tier == lifecycle.TierUnknown && b.Type == lifecycle.BlockBlob {
		b.Tier = lifecycle.TierHot // inferred from the account's default tier
	}
	return b
}

// Batch is a run of consecutive rows. Seq orders batches within a scan so
// that a consumer can stitch a blob whose rows straddle two batches.
type Batch struct {
	Seq     int
	Records []Record
}

// RowError locates a bad row.
type RowError struct {
	File   string
	Row    int64 // 1-based; for CSV the line number, the header being line 1
	Column string
	Err    error
}

func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ": column %s", e.Column)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *RowError) Unwrap() error { return e.Err }
