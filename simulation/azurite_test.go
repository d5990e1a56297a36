package simulation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/aizone/aizone/inventory"
	"github.com/aizone/aizone/lifecycle"
)

// Azurite's well-known development account (public, documented with the
// emulator; it opens nothing but the local emulator).
const (
	azuriteAccount = "devstoreaccount1"
	azuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// azuriteBin finds the emulator scripts/setup-azurite.sh installed.
func azuriteBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("AZURITE_BIN"); b != "" {
		return b
	}
	wd, _ := os.Getwd()
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			b := filepath.Join(d, ".tools", "azurite", "node_modules", ".bin", "azurite-blob")
			if _, err := os.Stat(b); err == nil {
				return b
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("azurite is not installed; scripts/setup-azurite.sh installs it into .tools (CI requires it)")
	}
	t.Skip("azurite not installed: run scripts/setup-azurite.sh to run the live-container tests")
	return ""
}

// startAzurite runs the Blob emulator on a free loopback port with a
// temporary workspace and stops it when the test ends.
func startAzurite(t *testing.T) (endpoint string) {
	t.Helper()
	bin := azuriteBin(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", fmt.Sprint(port), "--location", t.TempDir(),
		"--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting azurite: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("azurite did not listen on %s within 30 s:\n%s", addr, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Sprintf("http://%s/%s", addr, azuriteAccount)
}

type liveBlob struct {
	name     string
	size     int
	tier     blob.AccessTier
	tags     map[string]string
	meta     map[string]*string
	snapshot bool
}

// TestLiveContainerMatchesInventory lists a real (emulated) container with
// blobs at several tiers, with metadata, tags and a snapshot, checks the
// listing, writes the equivalent inventory report in both formats, and
// requires the simulator to give the same answer from all three.
func TestLiveContainerMatchesInventory(t *testing.T) {
	endpoint := startAzurite(t)
	connStr := fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;", azuriteAccount, azuriteKey, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client, err := azblob.NewClientFromConnectionString(connStr, nil)
	if err != nil {
		t.Fatal(err)
	}
	const cont = "datasets"
	if _, err := client.CreateContainer(ctx, cont, nil); err != nil {
		t.Fatal(err)
	}
	blobs := []liveBlob{
		{name: "corpus/a.jsonl", size: 4096, tier: blob.AccessTierHot, tags: map[string]string{"Project": "Contoso"}, meta: map[string]*string{"owner": to.Ptr("ml")}},
		{name: "corpus/b.jsonl", size: 2048, tier: blob.AccessTierCool, snapshot: true},
		{name: "corpus/c.jsonl", size: 1024, tier: blob.AccessTierCold, tags: map[string]string{"Project": "Fabrikam", "Stage": "raw"}},
		{name: "corpus/d.jsonl", size: 512, tier: blob.AccessTierArchive},
		{name: "logs/run-1.log", size: 100, tier: blob.AccessTierHot, meta: map[string]*string{"job": to.Ptr("pretrain")}},
	}
	for _, b := range blobs {
		bc := client.ServiceClient().NewContainerClient(cont).NewBlockBlobClient(b.name)
		_, err := bc.UploadBuffer(ctx, bytes.Repeat([]byte{'x'}, b.size), &blockblob.UploadBufferOptions{
			AccessTier: to.Ptr(b.tier), Tags: b.tags, Metadata: b.meta})
		if err != nil {
			t.Fatalf("upload %s: %v", b.name, err)
		}
		if b.snapshot {
			if _, err := bc.CreateSnapshot(ctx, nil); err != nil {
				t.Fatalf("snapshot %s: %v", b.name, err)
			}
		}
	}

	src, err := inventory.OpenContainer(endpoint+"/"+cont, connStr)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := inventory.ReadAll(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	// The listing carries what was created.
	byName := map[string][]inventory.Record{}
	for _, r := range recs {
		byName[r.Name] = append(byName[r.Name], r)
	}
	for _, b := range blobs {
		rows := byName[cont+"/"+b.name]
		want := 1
		if b.snapshot {
			want = 2
		}
		if len(rows) != want {
			t.Fatalf("%s: %d rows listed, want %d", b.name, len(rows), want)
		}
		var base inventory.Record
		for _, r := range rows {
			if r.Target() == lifecycle.TargetBase {
				base = r
			}
		}
		wantTier, _ := lifecycle.ParseTier(string(b.tier))
		if base.Bytes != int64(b.size) || base.Tier != wantTier || base.Created == 0 || base.Modified == 0 {
			t.Errorf("%s: listed %+v; want %d bytes in %s with times", b.name, base, b.size, b.tier)
		}
		if got := fmt.Sprint(base.Tags); len(b.tags) > 0 && got != fmt.Sprint(sortedTags(b.tags)) {
			t.Errorf("%s: tags %s, want %v", b.name, got, b.tags)
		}
		for k, v := range b.meta {
			if !strings.Contains(fmt.Sprint(base.Metadata), k+" "+*v) {
				t.Errorf("%s: metadata %v lacks %s=%s", b.name, base.Metadata, k, *v)
			}
		}
	}

	// The equivalent inventory report, in both formats.
	dir := t.TempDir()
	var files []string
	for _, format := range []string{"csv", "parquet"} {
		path := filepath.Join(dir, "inventory."+format)
		f, _ := os.Create(path)
		w, _ := inventory.NewWriter(f, format)
		for i := range recs {
			if err := w.Write(&recs[i]); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		f.Close()
		files = append(files, path)
	}

	p := policy(t, `{"rules": [
		{"name": "contoso", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"], "blobIndexMatch": [{"name": "Project", "op": "==", "value": "Contoso"}]},
		 "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 10}}}}},
		{"name": "corpus", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["datasets/corpus/"]},
		 "actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 2}, "tierToArchive": {"daysAfterModificationGreaterThan": 20}},
		  "snapshot": {"delete": {"daysAfterCreationGreaterThan": 5}}}}}]}`)
	opt := Options{Days: 40, Start: time.Now().UTC(), Prices: prices(t), Account: lifecycle.Account{Redundancy: "LRS"}}
	live, err := Run(ctx, src, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	liveJSON, _ := json.Marshal(live)
	for _, f := range files {
		fsrc, err := inventory.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(ctx, fsrc, p, opt)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(res); string(got) != string(liveJSON) {
			t.Errorf("%s: simulation differs from the live listing\nfile: %s\nlive: %s", filepath.Base(f), got, liveJSON)
		}
	}
	// And the policy did act on the listed blobs: the Contoso blob goes,
	// the snapshot goes, the Hot corpus blob cools.
	if live.Deleted.Count != 2 || live.Transitions["hot->cool"] == 0 || live.Blobs != 6 {
		t.Errorf("unexpected outcome: %d blobs, deleted %+v, transitions %v", live.Blobs, live.Deleted, live.Transitions)
	}
}

// TestLiveContainerPages: listing pages of one, two or three blobs (List
// Blobs' maxresults, which --batch-rows sets) give the answer of one page,
// with several workers: pages are batches, stitched in order.
//
// The container has no snapshots: Azurite 3.37's continuation marker
// names only the blob, so a page that ends inside a blob's snapshots
// skips the rest of them (Azure's marker carries the snapshot too).
func TestLiveContainerPages(t *testing.T) {
	endpoint := startAzurite(t)
	connStr := fmt.Sprintf("DefaultEndpointsProtocol=http;AccountName=%s;AccountKey=%s;BlobEndpoint=%s;", azuriteAccount, azuriteKey, endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client, err := azblob.NewClientFromConnectionString(connStr, nil)
	if err != nil {
		t.Fatal(err)
	}
	const cont = "paged"
	if _, err := client.CreateContainer(ctx, cont, nil); err != nil {
		t.Fatal(err)
	}
	tiers := []blob.AccessTier{blob.AccessTierHot, blob.AccessTierCool, blob.AccessTierHot, blob.AccessTierCold, blob.AccessTierHot, blob.AccessTierArchive, blob.AccessTierHot}
	for i, tier := range tiers {
		name := fmt.Sprintf("shard-%02d", i)
		if i%2 == 1 {
			name = "keep/" + name
		}
		bc := client.ServiceClient().NewContainerClient(cont).NewBlockBlobClient(name)
		if _, err := bc.UploadBuffer(ctx, bytes.Repeat([]byte{'x'}, 100*(i+1)), &blockblob.UploadBufferOptions{AccessTier: to.Ptr(tier)}); err != nil {
			t.Fatal(err)
		}
	}
	p := policy(t, `{"rules": [{"name": "shards", "type": "Lifecycle", "definition": {"filters": {"blobTypes": ["blockBlob"], "prefixMatch": ["paged/shard-"]},
		"actions": {"baseBlob": {"tierToCool": {"daysAfterModificationGreaterThan": 2}, "delete": {"daysAfterModificationGreaterThan": 8}}}}}]}`)
	src, err := inventory.OpenContainer(endpoint+"/"+cont, connStr)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Days: 12, Start: time.Now().UTC(), Prices: prices(t), Account: lifecycle.Account{Redundancy: "LRS"}, Workers: 1}
	one, err := Run(ctx, src, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(one)
	if one.Blobs != int64(len(tiers)) || one.Deleted.Count != 4 {
		t.Fatalf("one page: %d blobs, %d deleted; want %d and 4", one.Blobs, one.Deleted.Count, len(tiers))
	}
	for _, rows := range []int{1, 2, 3} {
		paged := opt
		paged.BatchRows, paged.Workers = rows, 3
		res, err := Run(ctx, src, p, paged)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(res); string(got) != string(want) {
			t.Errorf("pages of %d blobs differ from one page:\n%s\n%s", rows, got, want)
		}
	}
}

func sortedTags(m map[string]string) []lifecycle.Tag {
	var out []lifecycle.Tag
	for k, v := range m {
		out = append(out, lifecycle.Tag{Key: k, Value: v})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Key < out[j-1].Key; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
