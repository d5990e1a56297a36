// Package lifecycle models Azure Storage lifecycle management policies in
// their exact JSON shape (the body of a managementPolicies resource and of
// `az storage account management-policy create --policy`), and generates
// the policy a zone's data needs.
package lifecycle

// Policy is the "policy" object: an ordered list of rules.
type Policy struct {
	Rules []Rule `json:"rules"`
}

// Rule is one lifecycle rule.
type Rule struct {
	Enabled    *bool      `json:"enabled,omitempty"`
	Name       string     `json:"name"`
	Type       string     `json:"type"` // always "Lifecycle"
	Definition Definition `json:"definition"`
}

// Definition holds a rule's filters and actions.
type Definition struct {
	Actions Actions  `json:"actions"`
	Filters *Filters `json:"filters,omitempty"`
}

// Filters select the blobs a rule applies to; all filters must match.
type Filters struct {
	BlobIndexMatch []TagFilter `json:"blobIndexMatch,omitempty"`
	BlobTypes      []string    `json:"blobTypes"`
	PrefixMatch    []string    `json:"prefixMatch,omitempty"`
}

// TagFilter matches a blob index tag.
type TagFilter struct {
	Name  string `json:"name"`
	Op    string `json:"op"`
	Value string `json:"value"`
}

// Actions per target: the current version, snapshots, previous versions.
type Actions struct {
	BaseBlob *BaseBlobActions `json:"baseBlob,omitempty"`
	Snapshot *VersionActions  `json:"snapshot,omitempty"`
	Version  *VersionActions  `json:"version,omitempty"`
}

// BaseBlobActions act on the current version of a blob.
type BaseBlobActions struct {
	Delete                      *Condition `json:"delete,omitempty"`
	EnableAutoTierToHotFromCool *bool      `json:"enableAutoTierToHotFromCool,omitempty"`
	TierToArchive               *Condition `json:"tierToArchive,omitempty"`
	TierToCold                  *Condition `json:"tierToCold,omitempty"`
	TierToCool                  *Condition `json:"tierToCool,omitempty"`
	TierToHot                   *Condition `json:"tierToHot,omitempty"`
}

// VersionActions act on snapshots or previous versions.
type VersionActions struct {
	Delete        *Condition `json:"delete,omitempty"`
	TierToArchive *Condition `json:"tierToArchive,omitempty"`
	TierToCold    *Condition `json:"tierToCold,omitempty"`
	TierToCool    *Condition `json:"tierToCool,omitempty"`
	TierToHot     *Condition `json:"tierToHot,omitempty"`
}

// Condition is the age test of an action. Exactly which fields are allowed
// depends on the target and action (see the package documentation).
type Condition struct {
	DaysAfterCreationGreaterThan       *int `json:"daysAfterCreationGreaterThan,omitempty"`
	DaysAfterLastAccessTimeGreaterThan *int `json:"daysAfterLastAccessTimeGreaterThan,omitempty"`
	DaysAfterLastTierChangeGreaterThan *int `json:"daysAfterLastTierChangeGreaterThan,omitempty"`
	DaysAfterModificationGreaterThan   *int `json:"daysAfterModificationGreaterThan,omitempty"`
}

// AfterModification is a condition on days since last modification.
func AfterModification(days int) *Condition {
	return &Condition{DaysAfterModificationGreaterThan: &days}
}

// AfterCreation is a condition on days since creation.
func AfterCreation(days int) *Condition { return &Condition{DaysAfterCreationGreaterThan: &days} }
