package nodeinit

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/aizone/aizone/health"
	"github.com/aizone/aizone/identity"
	"github.com/goccy/go-yaml"
)

var spec = Spec{
	Workload: "pretrain",
	Account:  "stzone123456",
	Mounts: []identity.Mount{
		{Workload: "pretrain", Kind: identity.MountBlob, Source: "web-corpus", Path: "/mnt/blob/web-corpus", ReadOnly: true, Identity: "id-z-pretrain"},
		{Workload: "pretrain", Kind: identity.MountBlob, Source: "checkpoints", Path: "/mnt/blob/checkpoints", Identity: "id-z-pretrain"},
		{Workload: "pretrain", Kind: identity.MountLustre, Source: "amlfs-z", Path: identity.LustreMount},
	},
	Health: &health.Thresholds{SKU: "Standard_ND96isr_H100_v5", GPUs: 8, IBLinks: 8, NCCLBusGBps: 431},
}

func TestCloudInit(t *testing.T) {
	var b strings.Builder
	for _, p := range CloudInit(spec) {
		if p.Value != "" {
			b.WriteString("VALUE-" + p.Value)
			continue
		}
		b.WriteString(p.Text)
	}
	text := b.String()
	var doc struct {
		WriteFiles []struct{ Path, Content, Permissions string } `yaml:"write_files"`
		RunCmd     [][]string                                    `yaml:"runcmd"`
	}
	if err := yaml.UnmarshalWithOptions([]byte(text), &doc, yaml.Strict()); err != nil {
		t.Fatalf("cloud-config does not parse: %v\n%s", err, text)
	}
	files := map[string]string{}
	for _, f := range doc.WriteFiles {
		files[f.Path] = f.Content
	}
	mount := files["/opt/aizone/mount.sh"]
	for _, want := range []string{"read-only: true", "container: web-corpus", "container: checkpoints", "mode: msi", "mount -t lustre", "blobfuse2 mount /mnt/blob/web-corpus"} {
		if !strings.Contains(mount, want) {
			t.Errorf("mount script lacks %q:\n%s", want, mount)
		}
	}
	if !strings.Contains(files["/etc/aizone/env"], "AMLFS_MGS=VALUE-lustre-mgs") || !strings.Contains(files["/etc/aizone/env"], "AZURE_CLIENT_ID=VALUE-identity-client-id") {
		t.Errorf("env file: %q", files["/etc/aizone/env"])
	}
	if !strings.Contains(files[health.ScriptPath], "want_busbw=431.0") || len(doc.RunCmd) != 2 {
		t.Errorf("health check not written or run: %v", doc.RunCmd)
	}
}

func TestStartTask(t *testing.T) {
	cmd := StartTask(spec)
	re := regexp.MustCompile(`echo ([A-Za-z0-9+/=]+) \| base64 -d > (\S+)`)
	got := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(cmd, -1) {
		d, err := base64.StdEncoding.DecodeString(m[1])
		if err != nil {
			t.Fatal(err)
		}
		got[m[2]] = string(d)
	}
	if !strings.Contains(got["/opt/aizone/mount.sh"], "mount -t lustre") || strings.Contains(got["/opt/aizone/mount.sh"], "blobfuse2") {
		t.Errorf("the start task mounts what Batch mounts itself, or not Lustre:\n%s", got["/opt/aizone/mount.sh"])
	}
	if !strings.Contains(got["/opt/aizone/link.sh"], `ln -sfn "$AZ_BATCH_NODE_MOUNTS_DIR/blob-web-corpus" /mnt/blob/web-corpus`) {
		t.Errorf("links:\n%s", got["/opt/aizone/link.sh"])
	}
	if !strings.Contains(got[health.ScriptPath], "all_reduce_perf") || !strings.HasSuffix(cmd, "bash "+health.ScriptPath+"'") {
		t.Error("the health check does not run last, failing the task")
	}
}
