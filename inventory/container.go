package inventory

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/aizone/aizone/internal/redact"
	"github.com/aizone/aizone/lifecycle"
)

// maxListPage is the most blobs List Blobs returns in one page.
const maxListPage = 5000

// ContainerSource lists a live container with the properties an inventory
// report would hold: metadata, tags, snapshots and versions included.
type ContainerSource struct {
	client *container.Client
	name   string // container name, the first part of each Name
	desc   string // the URL with any secret masked, for messages
}

// OpenContainer connects to a container. With a connection string (the
// --connection-string flag or AZURE_STORAGE_CONNECTION_STRING) the
// container is named by containerURL's last path segment or given alone;
// a URL with a SAS query needs no other credential; otherwise the Azure
// identity default chain (environment, workload identity, managed
// identity, Azure CLI) signs the requests.
//
// The URL may hold a SAS: it is kept out of every message (see
// internal/redact), as is the connection string.
func OpenContainer(containerURL, connectionString string) (*ContainerSource, error) {
	var c *container.Client
	var err error
	desc := redact.String(containerURL)
	name := containerURL
	if u, perr := url.Parse(containerURL); perr == nil && u.Host != "" {
		name = strings.Trim(u.Path, "/")
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:] // path-style URLs (emulators) put the account first
		}
		switch {
		case connectionString != "":
			c, err = container.NewClientFromConnectionString(connectionString, name, nil)
		case u.RawQuery != "":
			c, err = container.NewClientWithNoCredential(containerURL, nil)
		default:
			cred, cerr := azidentity.NewDefaultAzureCredential(nil)
			if cerr != nil {
				return nil, fmt.Errorf("container %s: no credential: %w", desc, cerr)
			}
			c, err = container.NewClient(containerURL, cred, nil)
		}
	} else {
		if connectionString == "" {
			return nil, fmt.Errorf("container %q: give a URL such as https://ACCOUNT.blob.core.windows.net/CONTAINER, or a connection string", desc)
		}
		c, err = container.NewClientFromConnectionString(connectionString, name, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", desc, err)
	}
	if name == "" {
		return nil, errors.New("container URL names no container")
	}
	return &ContainerSource{client: c, name: name, desc: desc}, nil
}

func (s *ContainerSource) String() string { return s.desc }

// Scan lists the container page by page (names come in order, a blob's
// snapshots and versions beside it) and hands each page to the workers.
func (s *ContainerSource) Scan(ctx context.Context, opt ScanOptions, fn func(int, *Batch) error) error {
	if err := opt.check(); err != nil {
		return err
	}
	lo := &container.ListBlobsFlatOptions{
		Include: container.ListBlobsInclude{Metadata: true, Tags: true, Snapshots: true, Versions: true, LegalHold: true, ImmutabilityPolicy: true},
	}
	if opt.BatchRows > 0 {
		// The service returns at most 5,000 blobs a page whatever is asked.
		lo.MaxResults = to.Ptr(int32(min(opt.BatchRows, maxListPage)))
	}
	pager := s.client.NewListBlobsFlatPager(lo)
	p := newPool(ctx, opt.workers())
	seq := 0
	for pager.More() && p.ctx.Err() == nil {
		page, err := pager.NextPage(p.ctx)
		if err != nil {
			// The SDK's error quotes the request URL, SAS and all.
			p.fail(redact.Error(fmt.Errorf("listing %s: %w", s.desc, err)))
			break
		}
		recs := make([]Record, 0, len(page.Segment.BlobItems))
		for _, item := range page.Segment.BlobItems {
			r, err := s.record(item)
			if err != nil {
				p.fail(err)
				break
			}
			recs = append(recs, r)
		}
		b := &Batch{Seq: seq, Records: recs}
		seq++
		if !p.submit(func(w int) error { return fn(w, b) }) {
			break
		}
	}
	return p.wait(ctx)
}

func unix(t *time.Time) int64 {
	if t == nil || t.IsZero() {
		return 0
	}
	return t.Unix()
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// record converts a listed blob to an inventory row, field for field as
// the inventory report names them.
func (s *ContainerSource) record(item *container.BlobItem) (Record, error) {
	r := Record{Name: s.name + "/" + str(item.Name), IsCurrent: true, Snapshot: str(item.Snapshot), VersionID: str(item.VersionID)}
	if item.IsCurrentVersion != nil {
		r.IsCurrent = *item.IsCurrentVersion
	}
	if item.Deleted != nil {
		r.Deleted = *item.Deleted
	}
	p := item.Properties
	if p == nil {
		return r, fmt.Errorf("listing %s: blob %s has no properties", s.desc, r.Name)
	}
	r.Created, r.Modified, r.LastAccess, r.TierChanged = unix(p.CreationTime), unix(p.LastModified), unix(p.LastAccessedOn), unix(p.AccessTierChangeTime)
	if r.Created == 0 {
		r.Created = r.Modified
	}
	if p.ContentLength != nil {
		r.Bytes = *p.ContentLength
		if err := checkSize(r.Bytes); err != nil {
			return r, fmt.Errorf("listing %s: blob %s: Content-Length: %w", s.desc, r.Name, err)
		}
	}
	if p.BlobType != nil {
		r.Type, _ = lifecycle.ParseBlobType(string(*p.BlobType))
	}
	if p.AccessTier != nil {
		r.Tier, _ = lifecycle.ParseTier(string(*p.AccessTier))
	}
	r.EncryptionScp = str(p.EncryptionScope) != ""
	r.ImmutableUntil = unix(p.ImmutabilityPolicyExpiresOn)
	if p.LegalHold != nil && *p.LegalHold {
		r.ImmutableUntil = lifecycle.Forever
	}
	if item.BlobTags != nil {
		for _, t := range item.BlobTags.BlobTagSet {
			if t != nil {
				r.Tags = append(r.Tags, lifecycle.Tag{Key: str(t.Key), Value: str(t.Value)})
			}
		}
		sort.Slice(r.Tags, func(i, j int) bool { return r.Tags[i].Key < r.Tags[j].Key })
	}
	for k, v := range item.Metadata {
		r.Metadata = append(r.Metadata, lifecycle.Tag{Key: k, Value: str(v)})
	}
	sort.Slice(r.Metadata, func(i, j int) bool { return r.Metadata[i].Key < r.Metadata[j].Key })
	return r, nil
}
