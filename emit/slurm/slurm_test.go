package slurm

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/testkit"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func planOf(t *testing.T, file string) *plan.Plan { return testkit.Plan(t, file, nil) }

func example(name string) func(*testing.T) *plan.Plan {
	return func(t *testing.T) *plan.Plan { return planOf(t, filepath.Join("..", "..", "examples", name)) }
}

// largeTokens is the large example pre-training on more tokens by the
// same deadline: more nodes than one scale set of a placement group takes.
func largeTokens(tokens float64) func(*testing.T) *plan.Plan {
	return func(t *testing.T) *plan.Plan {
		return testkit.Plan(t, filepath.Join("..", "..", "examples", "large.yaml"), func(z *spec.Zone) {
			for i := range z.Workloads {
				if z.Workloads[i].Name == "pretrain" {
					z.Workloads[i].Tokens = units.Count(tokens)
				}
			}
		})
	}
}

// largeNetApp is the large example planned with a catalog that offers no
// Managed Lustre (as in a region without it), so that the hot tier is a
// NetApp Files volume, which the workspace mounts as an existing NFS
// export.
func largeNetApp(t *testing.T) *plan.Plan {
	c, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	c.Storage.Lustre = nil
	z, err := spec.LoadFile(filepath.Join("..", "..", "examples", "large.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := plan.Check(z, c); err != nil {
		t.Fatal(err)
	}
	p := plan.Make(z, c, plan.Options{AsOf: testkit.AsOf})
	if p.Storage.HotTier.Kind != "netapp" {
		t.Fatalf("hot tier %s without Managed Lustre in the catalog, want netapp", p.Storage.HotTier.Kind)
	}
	return p
}

// poolOf is the plan's pool of a workload.
func poolOf(t *testing.T, p *plan.Plan, workload string) compute.Pool {
	t.Helper()
	for _, pl := range p.Compute.Pools {
		if pl.Workload == workload {
			return pl
		}
	}
	t.Fatalf("no pool for %s", workload)
	return compute.Pool{}
}

// oneScaleSetGap is the gap of a pool on one scale set larger than the
// workspace's scale sets; the case fails if the plan no longer makes one.
func oneScaleSetGap(workload string) func(*testing.T, *plan.Plan) []string {
	return func(t *testing.T, p *plan.Plan) []string {
		pl := poolOf(t, p, workload)
		n := pl.Nodes + pl.SpareNodes
		if !pl.PlacementGroup || pl.ScaleSets > 1 || n <= hpcMaxScalesetSize {
			t.Fatalf("%s: %d nodes in %d scale sets (placement group %v): not one scale set over the workspace's %d VMs, so the case no longer checks that gap",
				workload, n, pl.ScaleSets, pl.PlacementGroup, hpcMaxScalesetSize)
		}
		return []string{fmt.Sprintf("placement: workload %s needs its %d nodes on one InfiniBand fabric (one scale set), but the cluster puts at most %d VMs in a scale set", workload, n, hpcMaxScalesetSize)}
	}
}

// spreadGap is the gap of a pool the plan spreads over several scale sets.
func spreadGap(workload string) func(*testing.T, *plan.Plan) []string {
	return func(t *testing.T, p *plan.Plan) []string {
		pl := poolOf(t, p, workload)
		n := pl.Nodes + pl.SpareNodes
		if !pl.PlacementGroup || pl.ScaleSets < 2 || pl.ScaleSets*pl.ScaleSetNodes < n {
			t.Fatalf("%s: %d nodes in %d scale sets of %d (placement group %v): not spread over several, so the case no longer checks that gap",
				workload, n, pl.ScaleSets, pl.ScaleSetNodes, pl.PlacementGroup)
		}
		return []string{fmt.Sprintf("placement: workload %s spreads its %d nodes over %d scale sets of at most %d VMs; the cluster puts at most %d VMs in a scale set", workload, n, pl.ScaleSets, pl.ScaleSetNodes, hpcMaxScalesetSize)}
	}
}

// spotDataPrep is the Managed Lustre example with a data-preparation
// workload on Slurm (preemptible, so planned on Spot) beside the training
// one, and the training pool moved to Spot as well: the case the
// workspace's partition types express only in part.
func spotDataPrep(t *testing.T) *plan.Plan {
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "lustre-slurm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "\ndata:\n", `
  - name: tokenize
    kind: data-prep
    orchestrator: slurm
    vcpus: 704
    duration: 200h
    preemptible: true
data:
`, 1)
	s = strings.Replace(s, "used_by: [cpt-70b]", "used_by: [cpt-70b, tokenize]", 1)
	if s == string(src) {
		t.Fatal("could not add the data-prep workload")
	}
	f := filepath.Join(t.TempDir(), "spot-dataprep.yaml")
	if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	p := planOf(t, f)
	found := false
	for i := range p.Compute.Pools {
		switch pl := &p.Compute.Pools[i]; pl.Workload {
		case "cpt-70b":
			pl.Priority = "spot"
		case "tokenize":
			found = pl.Orchestrator == "slurm" && pl.Kind == "data-prep" && pl.SKU != ""
		}
	}
	if !found {
		t.Fatal("the data-prep workload is not a sized Slurm pool")
	}
	return p
}

func workspace(t *testing.T, p *plan.Plan) Workspace {
	t.Helper()
	ws, err := Workspaces(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 1 {
		t.Fatalf("%d workspaces, want one for the zone", len(ws))
	}
	return ws[0]
}

// value is a parameter's value, read back from the written file.
func value(t *testing.T, w Workspace, name string) any {
	t.Helper()
	data, err := w.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc struct {
		Parameters map[string]struct {
			Value any `json:"value"`
		} `json:"parameters"`
	}
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	e, ok := doc.Parameters[name]
	if !ok {
		t.Fatalf("no parameter %s", name)
	}
	return e.Value
}

func field(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object", k)
		}
		v = m[k]
	}
	return v
}

type workspaceCase struct {
	name       string
	plan       func(*testing.T) *plan.Plan
	file       string
	partitions map[string]string // workload → partition; the others take no nodes
	fsType     string            // additionalFilesystem.type
	htcSpot    bool
	gaps       []string                              // each must start a gap
	gapsOf     func(*testing.T, *plan.Plan) []string // the same, with the plan's figures
	noGaps     []string                              // no gap may contain these
}

var workspaceCases = []workspaceCase{
	{
		name: "lustre-slurm", plan: example("lustre-slurm.yaml"), file: "slurm/adatum-bio.parameters.json",
		partitions: map[string]string{"cpt-70b": "gpu"},
		fsType:     "aml-existing",
		gaps: []string{
			"database: the plan has no Azure Database for MySQL flexible server",
			"network: egress from snet-cyclecloud",
			"identity: no workspace parameter takes an existing identity",
			"identity: the workspace grants the CycleCloud VM's system-assigned identity Contributor",
			"data path: the workspace has no parameter for Blob mounts",
			"monitoring: the zone sends diagnostics to Log Analytics",
			"governance: the workspace creates resource group rg-adatum-bio-slurm-eastus",
		},
		noGaps: []string{"priority:", "placement:", "has no partition", "cannot hold", "the plan has no subnet", "zone template:"},
	},
	{
		name: "large", plan: example("large.yaml"), file: "slurm/fabrikam-llm.parameters.json",
		partitions: map[string]string{"pretrain": "gpu"},
		fsType:     "aml-existing",
		gapsOf:     oneScaleSetGap("pretrain"),
		noGaps:     []string{"priority:", "has no partition", "cannot hold", "the plan has no subnet", "zone template:", "spreads its"},
	},
	{
		name: "large on NetApp", plan: largeNetApp, file: "slurm/fabrikam-llm.parameters.json",
		partitions: map[string]string{"pretrain": "gpu"},
		fsType:     "nfs-existing",
		gapsOf:     oneScaleSetGap("pretrain"),
		noGaps:     []string{"priority:", "has no partition", "cannot hold", "the plan has no subnet", "zone template:"},
	},
	{
		// 5T tokens in the same 21 days take more nodes than a scale set
		// in one placement group holds even after a support request.
		name: "large over several scale sets", plan: largeTokens(5e12), file: "slurm/fabrikam-llm.parameters.json",
		partitions: map[string]string{"pretrain": "gpu"},
		fsType:     "aml-existing",
		gapsOf:     spreadGap("pretrain"),
		noGaps:     []string{"priority:", "has no partition", "cannot hold", "the plan has no subnet", "zone template:", "needs its", "size:"},
	},
	{
		name: "spot training and data-prep", plan: spotDataPrep, file: "slurm/adatum-bio.parameters.json",
		partitions: map[string]string{"cpt-70b": "gpu", "tokenize": "htc"},
		fsType:     "aml-existing",
		htcSpot:    true,
		gaps: []string{
			"priority: workload cpt-70b is planned on Spot, but the workspace's gpu partition type (hpc_t) has no Spot setting",
			"network: the workspace takes one compute subnet for the scheduler, the login nodes and every partition, so the nodes of tokenize (htc partition, planned in snet-tokenize) run in snet-cpt-70b",
			"identity: no workspace parameter takes an existing identity for the cluster's nodes (the cluster parameter ManagedIdentity stays null: initial_params.json, create_cc_param.py), so the nodes do not run as id-adatum-bio-tokenize or id-adatum-bio-cpt-70b",
		},
		noGaps: []string{"priority: workload tokenize", "has no partition", "cannot hold"},
	},
}

// TestWorkspaces builds the workspace of each zone and checks it against
// the workspace's template at the pinned commit (every required parameter
// present, no unknown one, every value of its declared type and within
// its allowed values), then what it says: partitions, node counts, the
// hot tier's mount, Spot, and the gaps.
func TestWorkspaces(t *testing.T) {
	dir := bicepDir(t)
	for _, c := range workspaceCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.plan(t)
			w := workspace(t, p)
			if err := Validate(w, dir); err != nil {
				t.Errorf("parameters do not fit the template:\n%v", err)
			}
			if w.File != c.file || w.Workload != "" {
				t.Errorf("file %q workload %q, want %q and none", w.File, w.Workload, c.file)
			}
			if !reflect.DeepEqual(w.Partitions, c.partitions) {
				t.Errorf("partitions %v, want %v", w.Partitions, c.partitions)
			}
			// A partition grows to its pool's nodes and spares; one
			// without a workload takes none.
			for _, part := range []string{"htc", "hpc", "gpu"} {
				var want int64
				for wl, pt := range c.partitions {
					if pt == part {
						pl := poolOf(t, p, wl)
						if pl.Nodes < 1 {
							t.Fatalf("%s has no nodes in the plan", wl)
						}
						want = int64(pl.Nodes + pl.SpareNodes)
					}
				}
				got, _ := asInt(field(t, value(t, w, part), "maxNodes"))
				if got != want {
					t.Errorf("%s.maxNodes = %d, want %d", part, got, want)
				}
			}
			if got := field(t, value(t, w, "additionalFilesystem"), "type"); got != c.fsType {
				t.Errorf("additionalFilesystem.type = %v, want %s", got, c.fsType)
			}
			if got := field(t, value(t, w, "htc"), "useSpot"); got != c.htcSpot {
				t.Errorf("htc.useSpot = %v, want %v", got, c.htcSpot)
			}
			gaps := c.gaps
			if c.gapsOf != nil {
				gaps = append(slices.Clone(gaps), c.gapsOf(t, p)...)
			}
			for _, want := range gaps {
				found := false
				for _, g := range w.Gaps {
					found = found || strings.HasPrefix(g, want)
				}
				if !found {
					t.Errorf("no gap starts %q; gaps:\n%s", want, strings.Join(w.Gaps, "\n"))
				}
			}
			for _, bad := range c.noGaps {
				for _, g := range w.Gaps {
					if strings.Contains(g, bad) {
						t.Errorf("unexpected gap %q", g)
					}
				}
			}
		})
	}
}

// TestPartitionFromPlan: each partition takes its pool's size, image and
// zones from the plan, and the GPU partition's subnet is the pool's.
func TestPartitionFromPlan(t *testing.T) {
	for _, c := range workspaceCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.plan(t)
			w := workspace(t, p)
			for _, pl := range p.Compute.Pools {
				part, ok := c.partitions[pl.Workload]
				if !ok {
					continue
				}
				v := value(t, w, part)
				if field(t, v, "sku") != pl.SKU || field(t, v, "osImage") != pl.ImageURN {
					t.Errorf("%s: sku %v image %v, want %s %s", part, field(t, v, "sku"), field(t, v, "osImage"), pl.SKU, pl.ImageURN)
				}
				if part == "gpu" {
					if got := field(t, value(t, w, "network"), "computeSubnet"); got != "snet-"+pl.Workload {
						t.Errorf("computeSubnet %v, want the pool's subnet", got)
					}
					if value(t, w, "location") != pl.Region {
						t.Errorf("location %v, want the pool's region %s", value(t, w, "location"), pl.Region)
					}
				}
			}
		})
	}
}

// TestHotTierMount: the hot tier is mounted where the plan's data path
// mounts it, and a NetApp volume at the export path and NFS version the
// zone's template gives it.
func TestHotTierMount(t *testing.T) {
	for _, c := range workspaceCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.plan(t)
			fs := value(t, workspace(t, p), "additionalFilesystem")
			for w := range c.partitions {
				for _, m := range p.Identity.DataPath {
					if m.Workload == w && (m.Kind == identity.MountLustre || m.Kind == identity.MountNFS) && field(t, fs, "mountPath") != m.Path {
						t.Errorf("mountPath %v, but the data path mounts %s at %s", field(t, fs, "mountPath"), m.Source, m.Path)
					}
				}
			}
			if c.fsType != "nfs-existing" {
				return
			}
			volumes := 0
			for _, r := range resources.Build(p) {
				if r.Type != "Microsoft.NetApp/netAppAccounts/capacityPools/volumes" {
					continue
				}
				volumes++
				if want := "/" + r.Properties["creationToken"].(string); field(t, fs, "exportPath") != want {
					t.Errorf("exportPath %v, want %s", field(t, fs, "exportPath"), want)
				}
				if !reflect.DeepEqual(r.Properties["protocolTypes"], []string{"NFSv4.1"}) || !strings.Contains(field(t, fs, "mountOptions").(string), "vers=4.1") {
					t.Errorf("mount options %v for protocols %v", field(t, fs, "mountOptions"), r.Properties["protocolTypes"])
				}
			}
			if volumes != 1 {
				t.Errorf("%d NetApp volumes in the template, want the one the workspace mounts", volumes)
			}
		})
	}
}

var placeholderRE = regexp.MustCompile(`<[A-Z][A-Z0-9_]*>`)

// TestPlaceholders: every placeholder in the file or the command is
// listed with how to get it, every listed one appears where it says, and
// no secret is written: the two passwords come from the environment.
func TestPlaceholders(t *testing.T) {
	for _, c := range workspaceCases {
		t.Run(c.name, func(t *testing.T) {
			w := workspace(t, c.plan(t))
			data, err := w.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]Placeholder{}
			for _, ph := range w.Placeholders {
				listed[ph.Token] = ph
				if ph.How == "" || len(ph.Where) == 0 {
					t.Errorf("%s: no how or where", ph.Token)
				}
				for _, where := range ph.Where {
					var in string
					if where == "command" {
						in = w.Command
					} else {
						path := strings.Split(where, ".")
						var b bytes.Buffer
						enc := json.NewEncoder(&b)
						enc.SetEscapeHTML(false)
						if err := enc.Encode(field(t, value(t, w, path[0]), path[1:]...)); err != nil {
							t.Fatal(err)
						}
						in = b.String()
					}
					if !strings.Contains(in, ph.Token) {
						t.Errorf("%s is not in %s (%s)", ph.Token, where, in)
					}
				}
			}
			for _, tok := range placeholderRE.FindAllString(string(data)+w.Command, -1) {
				if _, ok := listed[tok]; !ok {
					t.Errorf("%s is written but not listed", tok)
				}
			}
			for _, secret := range []struct{ param, env string }{{"adminPassword", EnvAdminPassword}, {"databaseAdminPassword", EnvDatabasePassword}} {
				if v := value(t, w, secret.param); !placeholderRE.MatchString(v.(string)) {
					t.Errorf("%s holds %q, not a placeholder", secret.param, v)
				}
				if !strings.Contains(w.Command, secret.param+`="$`+secret.env+`"`) {
					t.Errorf("the command does not pass %s from $%s", secret.param, secret.env)
				}
			}
		})
	}
}

// TestCommand: the command deploys the compiled template with the file at
// subscription scope, in the workspace's region.
func TestCommand(t *testing.T) {
	w := workspace(t, example("lustre-slurm.yaml")(t))
	want := "az deployment sub create --subscription <SUBSCRIPTION_ID> --name ccw-adatum-bio --location eastus --template-file mainTemplate.json " +
		"--parameters @slurm/adatum-bio.parameters.json --parameters adminPassword=\"$CCW_ADMIN_PASSWORD\" databaseAdminPassword=\"$CCW_DATABASE_ADMIN_PASSWORD\""
	if w.Command != want {
		t.Errorf("command\n got %s\nwant %s", w.Command, want)
	}
}

// TestPrivate: the workspace goes into the zone's own VNet (existing
// mode, so no VNet, NAT gateway, Bastion or peering of its own and no
// public IP), with Open OnDemand and Entra ID off.
func TestPrivate(t *testing.T) {
	for _, c := range workspaceCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.plan(t)
			w := workspace(t, p)
			n := value(t, w, "network").(map[string]any)
			if n["type"] != "existing" {
				t.Errorf("network type %v", n["type"])
			}
			for _, k := range []string{"bastion", "createNatGateway", "vnetToPeer", "addressSpace"} {
				if _, ok := n[k]; ok {
					t.Errorf("network.%s is set", k)
				}
			}
			if n["name"] != p.Network.VNets[0].Name || !strings.HasSuffix(n["id"].(string), "/resourceGroups/rg-"+p.Zone.Name+"-network-"+p.Zone.Region+"/providers/Microsoft.Network/virtualNetworks/"+p.Network.VNets[0].Name) {
				t.Errorf("network %v is not the zone's spoke", n)
			}
			for _, k := range []string{"ood", "entraIdInfo", "monitoring"} {
				if field(t, value(t, w, k), "type") != "disabled" {
					t.Errorf("%s is not disabled", k)
				}
			}
			if field(t, value(t, w, "databaseConfig"), "type") != "fqdn" {
				t.Error("the accounting database is not reached by its private FQDN")
			}
		})
	}
}

// TestTags: every key the workspace reads from its tags parameter (the
// resource types ccw.bicep tags, its resource group, the node arrays) is
// given the zone's tags, and no other key is written.
func TestTags(t *testing.T) {
	dir := bicepDir(t)
	keyRE := regexp.MustCompile(`getTags\('([^']+)'|tags\[\?'([^']+)'\]`)
	want := map[string]bool{}
	for _, f := range []string{"ccw.bicep", "mainTemplate.bicep"} {
		src, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
			want[m[1]+m[2]] = true
		}
	}
	p := example("lustre-slurm.yaml")(t)
	tags := value(t, workspace(t, p), "tags").(map[string]any)
	var got, wantKeys []string
	for k, v := range tags {
		got = append(got, k)
		for tk, tv := range p.Governance.Tags {
			if field(t, v, tk) != tv {
				t.Errorf("tags[%s][%s] = %v, want %s", k, tk, field(t, v, tk), tv)
			}
		}
	}
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	sort.Strings(got)
	sort.Strings(wantKeys)
	if !reflect.DeepEqual(got, wantKeys) {
		t.Errorf("tag keys\n got %v\nwant %v", got, wantKeys)
	}
}

// TestComputeSubnetTooSmall: when the pool's subnet cannot also hold the
// scheduler and the login node, the gap says the size it needs; with room
// for exactly those, there is no gap.
func TestComputeSubnetTooSmall(t *testing.T) {
	const workload, subnet = "cpt-70b", "snet-cpt-70b"
	for _, tc := range []struct {
		name  string
		extra int // usable addresses beyond the partition's nodes
		gap   bool
	}{
		{"the nodes, but not the scheduler and login node", 0, true},
		{"the nodes and the login node, not the scheduler", loginNodesMax, true},
		{"the nodes, the scheduler and the login node", schedulerNodes + loginNodesMax, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := example("lustre-slurm.yaml")(t)
			pl := poolOf(t, p, workload)
			nodes := pl.Nodes + pl.SpareNodes
			var prefix string
			for i := range p.Network.VNets[0].Subnets {
				if s := &p.Network.VNets[0].Subnets[i]; s.Name == subnet {
					s.Usable = nodes + tc.extra
					prefix = s.Prefix
				}
			}
			if prefix == "" {
				t.Fatalf("no subnet %s in the plan", subnet)
			}
			w := workspace(t, p)
			need := nodes + schedulerNodes + loginNodesMax
			start := fmt.Sprintf("network: %s (%s, %d usable) cannot hold the cluster's %d nodes (partitions at their maximum, %d scheduler, %d login); it needs /",
				subnet, prefix, nodes+tc.extra, need, schedulerNodes, loginNodesMax)
			var got []string
			for _, g := range w.Gaps {
				if strings.Contains(g, "cannot hold") {
					got = append(got, g)
				}
			}
			if !tc.gap {
				if len(got) > 0 {
					t.Errorf("unexpected gaps %q", got)
				}
				return
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], start) {
				t.Fatalf("gaps %q, want one starting %q", got, start)
			}
			// The size it asks for holds the cluster with a quarter more
			// for growth, and is the smallest that does.
			bits, err := strconv.Atoi(strings.TrimPrefix(got[0], start))
			if err != nil {
				t.Fatalf("no prefix length at the end of %q: %v", got[0], err)
			}
			room := need + (need+3)/4
			if network.Usable(bits) < room || network.Usable(bits+1) >= room {
				t.Errorf("it asks for /%d (%d usable), not the smallest subnet with %d addresses", bits, network.Usable(bits), room)
			}
		})
	}
}

// TestTooManyWorkloads: a fourth Slurm workload has no partition, and the
// gap says so; the others keep theirs.
func TestTooManyWorkloads(t *testing.T) {
	p := spotDataPrep(t)
	base := p.Compute.Pools
	var extra []struct{ name, kind string }
	extra = append(extra, struct{ name, kind string }{"second", "training"}, struct{ name, kind string }{"third", "training"})
	for _, e := range extra {
		pl := base[0]
		pl.Workload, pl.Kind = e.name, e.kind
		p.Compute.Pools = append(p.Compute.Pools, pl)
	}
	w := workspace(t, p)
	if got := w.Partitions; got["cpt-70b"] != "gpu" || got["tokenize"] != "htc" || got["second"] != "hpc" || got["third"] != "" {
		t.Errorf("partitions %v", got)
	}
	want := "workload third (Slurm) has no partition: the workspace's cluster has three (htc, hpc, gpu) and they are taken by tokenize (htc), second (hpc), cpt-70b (gpu)"
	found := false
	for _, g := range w.Gaps {
		found = found || strings.HasPrefix(g, want)
	}
	if !found {
		t.Errorf("no gap %q; gaps:\n%s", want, strings.Join(w.Gaps, "\n"))
	}
}

// TestNoSlurm: a zone without Slurm workloads has no workspace.
func TestNoSlurm(t *testing.T) {
	for _, f := range []string{"small.yaml", "two-region-inference.yaml"} {
		p := example(f)(t)
		ws, err := Workspaces(p)
		if err != nil || len(ws) != 0 {
			t.Errorf("%s: %d workspaces, %v", f, len(ws), err)
		}
	}
}

// TestDeterministic: the same plan gives byte-identical output.
func TestDeterministic(t *testing.T) {
	for _, c := range workspaceCases {
		t.Run(c.name, func(t *testing.T) {
			a, b := workspace(t, c.plan(t)), workspace(t, c.plan(t))
			da, _ := a.Marshal()
			db, _ := b.Marshal()
			if !bytes.Equal(da, db) || a.Command != b.Command || !reflect.DeepEqual(a.Gaps, b.Gaps) || !reflect.DeepEqual(a.Placeholders, b.Placeholders) {
				t.Error("two runs differ")
			}
		})
	}
}

// TestGolden compares the Managed Lustre example's parameters file with
// testdata (refresh with go test ./emit/slurm/ -run Golden -update).
func TestGolden(t *testing.T) {
	w := workspace(t, example("lustre-slurm.yaml")(t))
	got, err := w.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "adatum-bio.parameters.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("parameters differ from %s (run with -update if the change is intended):\n%s", golden, got)
	}
}

// TestValidateRejects: the check against the workspace's template finds
// each kind of mistake in an otherwise valid parameters file.
func TestValidateRejects(t *testing.T) {
	dir := bicepDir(t)
	cases := []struct {
		name   string
		change func(params map[string]any)
		want   string
	}{
		{"required missing", func(ps map[string]any) { delete(ps, "tags") }, "parameter tags: required (no default, not nullable) but missing"},
		{"unknown parameter", func(ps map[string]any) { ps["bastion"] = map[string]any{"value": true} }, "parameter bastion: not declared by mainTemplate.bicep"},
		{"wrong type", func(ps map[string]any) { val(ps, "htc")["useSpot"] = "yes" }, "htc.useSpot: want a boolean, got a string"},
		{"unknown discriminator", func(ps map[string]any) { val(ps, "network")["type"] = "peered" }, `network: type "peered" is not one of "new", "existing"`},
		{"missing property of a member", func(ps map[string]any) { delete(val(ps, "additionalFilesystem"), "ipAddress") }, "additionalFilesystem.ipAddress: required property missing"},
		{"property of another member", func(ps map[string]any) { val(ps, "network")["bastion"] = false }, "network.bastion: not a property of the type"},
		{"zone out of range", func(ps map[string]any) { val(ps, "gpu")["availabilityZone"] = []any{"4"} }, `gpu.availabilityZone[0]: "4" is not one of "1", "2", "3"`},
		{"length limit", func(ps map[string]any) { ps["ccVMName"] = map[string]any{"value": strings.Repeat("v", 65)} }, "ccVMName: length 65 is above the maximum 64"},
		{"tags of the wrong shape", func(ps map[string]any) { val(ps, "tags")["Node Array"] = "x" }, "tags.Node Array: want an object, got a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := workspace(t, example("lustre-slurm.yaml")(t))
			c.change(w.Parameters["parameters"].(map[string]any))
			err := Validate(w, dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func val(params map[string]any, name string) map[string]any {
	return params[name].(map[string]any)["value"].(map[string]any)
}

// TestDocs: docs/slurm.md names the pinned commit, every placeholder and
// the subnets the gaps ask for, as the package writes them.
func TestDocs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "slurm.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{PinnedCommit, ProjectVersion, PlaceholderSubscription, PlaceholderSSHKey, PlaceholderAdminPass, PlaceholderDBPass,
		PlaceholderMySQLFQDN, PlaceholderLustreMGS, PlaceholderNetAppIP, EnvAdminPassword, EnvDatabasePassword, CycleCloudSubnet, MySQLSubnet,
		mysqlDelegation, slurmVersion, cycleCloudSize, loginSize} {
		if !strings.Contains(string(doc), s) {
			t.Errorf("docs/slurm.md does not mention %s", s)
		}
	}
}
