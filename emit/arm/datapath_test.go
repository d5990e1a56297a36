package arm_test

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aizone/aizone/emit/k8s"
	"github.com/aizone/aizone/emit/slurm"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
)

// TestDataPathInTemplate proves from the built template that every Batch
// and scale-set workload reaches exactly the data its plan says: each
// mount is configured on its nodes, each Blob mount's identity holds the
// matching role on that container and on no other, and its nodes sit in
// the VNet of the hot tier they mount.
func TestDataPathInTemplate(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, rs, _, _ := built(t, f)
			if !p.Feasible() {
				t.Skip("build refuses an infeasible plan")
			}
			checked := 0
			for _, pl := range p.Compute.Pools {
				if pl.SKU == "" {
					continue
				}
				if pl.Orchestrator == "aks" {
					checked += aksDataPath(t, p, rs, pl.Workload)
					continue
				}
				if pl.Orchestrator == "slurm" {
					checked += slurmDataPath(t, p, pl.Workload)
					continue
				}
				body := poolBody(rs, pl.Workload)
				if body == "" {
					t.Errorf("%s: no pool resource", pl.Workload)
					continue
				}
				id := identity.PoolIdentityName(p.Zone.Name, pl.Workload)
				var want []string
				for _, m := range p.Identity.DataPath {
					if m.Workload != pl.Workload {
						continue
					}
					checked++
					switch m.Kind {
					case identity.MountBlob:
						want = append(want, m.Source)
						if !strings.Contains(body, `"containerName":"`+m.Source+`"`) && !strings.Contains(body, "container: "+m.Source) {
							t.Errorf("%s: no mount of container %s on its nodes", pl.Workload, m.Source)
						}
						role := identity.StorageBlobDataContributor.ID
						if m.ReadOnly {
							role = identity.StorageBlobDataReader.ID
						}
						if !hasAssignment(rs, id, m.Source, role) {
							t.Errorf("%s: %s holds no %s role on %s", pl.Workload, id, map[bool]string{true: "Reader", false: "Contributor"}[m.ReadOnly], m.Source)
						}
					case identity.MountLustre:
						if !strings.Contains(body, "mount -t lustre") && !strings.Contains(body, "bW91bnQgLXQgbHVzdHJl") && !strings.Contains(body, "clientInfo.mgsAddress") {
							t.Errorf("%s: Managed Lustre is not mounted on its nodes", pl.Workload)
						}
						sameVNet(t, p, pl.Workload, "snet-lustre")
					case identity.MountNFS:
						if !strings.Contains(body, "nfsMountConfiguration") && !strings.Contains(body, "mount -t nfs") {
							t.Errorf("%s: the NetApp volume is not mounted on its nodes", pl.Workload)
						}
						sameVNet(t, p, pl.Workload, "snet-netapp")
					}
				}
				// Nothing else: the identity holds data roles on exactly the
				// containers of its data path.
				got := containersOf(rs, id)
				sort.Strings(want)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s: %s reaches containers %v, its data path says %v", pl.Workload, id, got, want)
				}
			}
			t.Logf("%d mounts checked", checked)
		})
	}
}

func poolBody(rs []resources.Resource, workload string) string {
	for _, r := range rs {
		match := r.Type == "Microsoft.Batch/batchAccounts/pools" && strings.HasSuffix(r.Name, "/"+workload)
		if r.Type == "Microsoft.Compute/virtualMachineScaleSets" {
			data, _ := json.Marshal(r.Map())
			match = strings.Contains(string(data), "aizone data path for "+workload+`\n`)
		}
		if match {
			data, _ := json.Marshal(r.Map())
			return string(data)
		}
	}
	return ""
}

func hasAssignment(rs []resources.Resource, principal, container, role string) bool {
	for _, r := range rs {
		if r.Type != "Microsoft.Authorization/roleAssignments" || !strings.Contains(r.Scope, "'"+container+"'") || !strings.Contains(r.Scope, "containers") {
			continue
		}
		if strings.Contains(r.Properties["principalId"].(string), "'"+principal+"'") && strings.Contains(r.Properties["roleDefinitionId"].(string), role) {
			return true
		}
	}
	return false
}

func containersOf(rs []resources.Resource, principal string) []string {
	var out []string
	for _, r := range rs {
		if r.Type != "Microsoft.Authorization/roleAssignments" || !strings.Contains(r.Scope, "blobServices/containers") {
			continue
		}
		if !strings.Contains(r.Properties["principalId"].(string), "'"+principal+"'") {
			continue
		}
		i := strings.LastIndex(r.Scope, ", '")
		out = append(out, strings.TrimSuffix(r.Scope[i+3:], "')]"))
	}
	sort.Strings(out)
	return out
}

// sameVNet checks that a pool's nodes can route to a file system: the
// pool's subnet and the file system's are in one VNet, or in two VNets
// peered directly.
func sameVNet(t *testing.T, p *plan.Plan, workload, subnet string) {
	t.Helper()
	vnetOf := func(name string) string {
		for _, v := range p.Network.VNets {
			for _, s := range v.Subnets {
				if s.Name == name {
					return v.Name
				}
			}
		}
		return ""
	}
	a, b := vnetOf(network.PoolSubnetName(workload)), vnetOf(subnet)
	if a == "" || b == "" {
		t.Errorf("%s: no route from %s (VNet %q) to %s (VNet %q)", workload, network.PoolSubnetName(workload), a, subnet, b)
		return
	}
	if a == b {
		return
	}
	for _, pr := range p.Network.Peerings {
		if pr.VNet == a && pr.RemoteVNet == b {
			return
		}
	}
	t.Errorf("%s: its VNet %s is not peered to %s, which holds %s", workload, a, b, subnet)
}

// slurmDataPath: a Slurm workload's nodes come from the CycleCloud
// workspace, whose parameters mount the hot tier at the data path's
// place; the Blob mounts it cannot express are gaps the plan reports.
func slurmDataPath(t *testing.T, p *plan.Plan, workload string) int {
	t.Helper()
	wss, err := slurm.Workspaces(p)
	if err != nil || len(wss) == 0 {
		t.Fatalf("%s: no Slurm workspace: %v", workload, err)
	}
	params := wss[0].Parameters["parameters"].(map[string]any)
	fs, _ := params["additionalFilesystem"].(map[string]any)["value"].(map[string]any)
	n := 0
	for _, m := range p.Identity.DataPath {
		if m.Workload != workload {
			continue
		}
		n++
		switch m.Kind {
		case identity.MountLustre, identity.MountNFS:
			if fs["mountPath"] != m.Path {
				t.Errorf("%s: the workspace mounts %v at %v, the data path says %s", workload, fs["type"], fs["mountPath"], m.Path)
			}
		case identity.MountBlob:
			found := false
			for _, g := range wss[0].Gaps {
				found = found || strings.Contains(g, m.Source+" at "+m.Path)
			}
			if !found {
				t.Errorf("%s: Blob mount %s is neither made nor reported as a gap", workload, m.Source)
			}
		}
	}
	return n
}

// aksDataPath: a serving workload's pods mount each container of its data
// path through a Blob CSI volume of its manifests, as the workload's
// identity, which holds the matching role on that container and on no
// other, and which trusts the pods' service account.
func aksDataPath(t *testing.T, p *plan.Plan, rs []resources.Resource, workload string) int {
	t.Helper()
	files, err := k8s.Manifests(p)
	if err != nil {
		t.Fatalf("%s: manifests: %v", workload, err)
	}
	var text string
	for _, data := range files {
		if strings.Contains(string(data), "name: "+workload+"\n") {
			text += string(data)
		}
	}
	id := identity.PoolIdentityName(p.Zone.Name, workload)
	n := 0
	var want []string
	for _, m := range p.Identity.DataPath {
		if m.Workload != workload {
			continue
		}
		n++
		if m.Kind != identity.MountBlob {
			t.Errorf("%s: a serving workload mounts %s, which its manifests cannot", workload, m.Kind)
			continue
		}
		want = append(want, m.Source)
		if !strings.Contains(text, "containerName: "+m.Source) || !strings.Contains(text, "mountPath: "+m.Path) {
			t.Errorf("%s: no Blob volume of %s mounted at %s in its manifests", workload, m.Source, m.Path)
		}
		role := identity.StorageBlobDataContributor.ID
		if m.ReadOnly {
			role = identity.StorageBlobDataReader.ID
		}
		if !hasAssignment(rs, id, m.Source, role) {
			t.Errorf("%s: %s holds no role on %s", workload, id, m.Source)
		}
	}
	sort.Strings(want)
	if got := containersOf(rs, id); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: %s reaches containers %v, its data path says %v", workload, id, got, want)
	}
	trusted := false
	for _, r := range rs {
		if r.Type == "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials" && strings.HasPrefix(r.Name, id+"/") {
			trusted = r.Properties["subject"] == identity.FederatedSubject(p.Zone.Name, workload) && strings.Contains(text, "name: "+identity.ServiceAccount(p.Zone.Name, workload))
		}
	}
	if !trusted {
		t.Errorf("%s: no federated credential lets its pods' service account act as %s", workload, id)
	}
	return n
}
