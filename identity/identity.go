// Package identity decides who may do what in a zone: one user-assigned
// managed identity per workload pool, the AKS control-plane and kubelet
// identities, and the built-in role each needs, at the narrowest scope its
// documented requirement allows. A pure engine: the zone, its pools,
// storage and network plans in; identities and grants, each with its reason
// and source, out. The resources package only spells them.
//
// Data access follows the data path: a pool reads the datasets it uses and
// writes checkpoints and artifacts, each grant scoped to one Blob
// container, so that no pool's identity reaches another pool's data.
package identity

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/finding"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/storage"
)

// Identity purposes.
const (
	PurposePool            = "pool"
	PurposeAKSControlPlane = "aks-control-plane"
	PurposeAKSKubelet      = "aks-kubelet"
)

// Principal kinds: a user-assigned identity of the zone, or the HPC Cache
// resource provider's service principal (Managed Lustre's Blob
// integration), whose object id differs per tenant and is a template
// parameter.
const (
	PrincipalIdentity = "identity"
	PrincipalHPCCache = "hpc-cache-resource-provider"
)

// Scope kinds: what a grant is scoped to.
const (
	ScopeContainer      = "container"
	ScopeStorageAccount = "storage-account"
	ScopeSubnet         = "subnet"
	ScopeRouteTable     = "route-table"
	ScopeRegistry       = "registry"
	ScopeKeyVault       = "key-vault"
	ScopeIdentity       = "identity"
	// ScopePlatformDNSZone is a private DNS zone in the platform's DNS
	// resource group (network.private_dns_zones).
	ScopePlatformDNSZone = "platform-private-dns-zone"
)

// AKSPrivateDNSZone is the private DNS zone of a private AKS cluster's API
// server in a region.
func AKSPrivateDNSZone(region string) string { return "privatelink." + region + ".azmk8s.io" }

// Result is the identity part of a plan.
type Result struct {
	Identities []Identity `json:"identities"`
	Grants     []Grant    `json:"grants"`
	// DataPath is what each workload mounts, where and as whom.
	DataPath []Mount `json:"data_path"`
}

// Identity is one user-assigned managed identity.
type Identity struct {
	Name     string `json:"name"`
	Purpose  string `json:"purpose"`
	Workload string `json:"workload,omitempty"`
	Reason   string `json:"reason"`
}

// Grant is one role assignment.
type Grant struct {
	Principal     string `json:"principal"` // identity name, or PrincipalHPCCache
	PrincipalKind string `json:"principal_kind"`
	Role          Role   `json:"role"`
	Scope         Scope  `json:"scope"`
	Reason        string `json:"reason"`
	Source        string `json:"source"`
}

// Scope is the resource a grant applies to, named as the plan names it.
type Scope struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// VNet is a subnet's VNet.
	VNet string `json:"vnet,omitempty"`
}

func (s Scope) String() string {
	if s.VNet != "" {
		return s.Kind + " " + s.VNet + "/" + s.Name
	}
	return s.Kind + " " + s.Name
}

// ServingNamespace is the Kubernetes namespace of a serving workload (its
// own), and ServiceAccount its service account, named after the identity
// it stands for. The workload identity's federated credential trusts
// exactly FederatedSubject; the manifests (emit/k8s) use the same names.
func ServingNamespace(workload string) string { return workload }

// ServiceAccount is the service account of a serving workload.
func ServiceAccount(zone, workload string) string { return PoolIdentityName(zone, workload) }

// FederatedSubject is the subject of a serving workload's federated
// identity credential.
func FederatedSubject(zone, workload string) string {
	return "system:serviceaccount:" + ServingNamespace(workload) + ":" + ServiceAccount(zone, workload)
}

// PoolIdentityName is the identity of a workload's pool.
func PoolIdentityName(zone, workload string) string { return "id-" + zone + "-" + workload }

// AKSIdentityName and KubeletIdentityName are the cluster's identities.
func AKSIdentityName(zone string) string     { return "id-" + zone + "-aks" }
func KubeletIdentityName(zone string) string { return "id-" + zone + "-aks-kubelet" }

// Plan decides the zone's identities and grants.
func Plan(z *spec.Zone, pools []compute.Pool, st storage.Result, nr network.Result) (Result, finding.List) {
	p := planner{z: z, st: st, nr: nr, res: Result{Identities: []Identity{}, Grants: []Grant{}}}
	var aks []compute.Pool
	for _, pl := range pools {
		if pl.SKU == "" {
			continue
		}
		if pl.Orchestrator == compute.OrchestratorAKS {
			aks = append(aks, pl)
		}
		p.pool(pl)
	}
	if len(aks) > 0 {
		p.aks(aks)
	}
	p.lustre()
	sort.SliceStable(p.res.Grants, func(i, j int) bool {
		a, b := p.res.Grants[i], p.res.Grants[j]
		if a.Principal != b.Principal {
			return a.Principal < b.Principal
		}
		if a.Scope.Kind != b.Scope.Kind {
			return a.Scope.Kind < b.Scope.Kind
		}
		if a.Scope.Name != b.Scope.Name {
			return a.Scope.Name < b.Scope.Name
		}
		return a.Role.Name < b.Role.Name
	})
	sort.SliceStable(p.res.Identities, func(i, j int) bool { return p.res.Identities[i].Name < p.res.Identities[j].Name })
	p.res.DataPath = DataPath(p.res, z.Name, pools, st)
	if p.res.DataPath == nil {
		p.res.DataPath = []Mount{}
	}
	return p.res, Audit(p.res.Grants)
}

type planner struct {
	z   *spec.Zone
	st  storage.Result
	nr  network.Result
	res Result
}

func (p *planner) grant(principal string, r Role, s Scope, reason, source string) {
	kind := PrincipalIdentity
	if principal == PrincipalHPCCache {
		kind = PrincipalHPCCache
	}
	p.res.Grants = append(p.res.Grants, Grant{Principal: principal, PrincipalKind: kind, Role: r, Scope: s, Reason: reason, Source: source})
}

// pool gives a workload's pool its identity, its data and its secrets.
func (p *planner) pool(pl compute.Pool) {
	id := PoolIdentityName(p.z.Name, pl.Workload)
	p.res.Identities = append(p.res.Identities, Identity{Name: id, Purpose: PurposePool, Workload: pl.Workload,
		Reason: "the " + pl.Workload + " pool's own identity, so that its data access is its own and no other pool's"})
	for _, c := range p.st.Account.Containers {
		access := p.access(pl, c)
		switch access {
		case "read":
			p.grant(id, StorageBlobDataReader, Scope{Kind: ScopeContainer, Name: c.Name},
				fmt.Sprintf("%s reads %s (%s)", pl.Workload, c.Name, c.Data), srcBlobData)
		case "write":
			p.grant(id, StorageBlobDataContributor, Scope{Kind: ScopeContainer, Name: c.Name},
				fmt.Sprintf("%s writes %s (%s)", pl.Workload, c.Name, c.Data), srcBlobData)
		}
	}
	p.grant(id, KeyVaultSecretsUser, Scope{Kind: ScopeKeyVault, Name: network.KeyVaultName(p.z.Name, p.z.Region)},
		pl.Workload+" reads the secrets its jobs need (tokens, API keys) from the zone's Key Vault in RBAC mode", srcKeyVaultRBAC)
	if pl.Orchestrator != compute.OrchestratorAKS {
		// On AKS the kubelet identity pulls images for every node pool.
		p.grant(id, AcrPull, Scope{Kind: ScopeRegistry, Name: network.RegistryName(p.z.Name, p.z.Region)},
			pl.Workload+"'s nodes pull the training and serving containers from the zone's registry", srcACRRoles)
	}
}

// Access kinds a pool has to a container.
const (
	AccessNone  = ""
	AccessRead  = "read"
	AccessWrite = "write"
)

// Access is what a pool may do in a container: datasets are read by the
// workloads that use them (data preparation writes them); checkpoints are
// written by training; artifacts and models are written by training and
// data preparation and read by inference. A data entry's used_by narrows
// every kind to the workloads it names.
func Access(z *spec.Zone, pl compute.Pool, c storage.Container) string {
	var d *spec.Data
	for i := range z.Data {
		if z.Data[i].Name == c.Name {
			d = &z.Data[i]
		}
	}
	if d != nil && len(d.UsedBy) > 0 {
		used := false
		for _, u := range d.UsedBy {
			used = used || u == pl.Workload
		}
		if !used {
			return AccessNone
		}
	}
	explicit := d != nil && len(d.UsedBy) > 0
	switch c.Data {
	case spec.DataDataset, "":
		switch pl.Kind {
		case spec.KindDataPrep:
			return AccessWrite
		case spec.KindTraining:
			return AccessRead
		}
		if explicit {
			return AccessRead
		}
	case spec.DataCheckpoints:
		if pl.Kind == spec.KindTraining {
			return AccessWrite
		}
	case spec.DataArtifacts:
		switch pl.Kind {
		case spec.KindTraining, spec.KindDataPrep:
			return AccessWrite
		case spec.KindInference:
			return AccessRead
		}
	case spec.DataModels:
		switch pl.Kind {
		case spec.KindTraining:
			return AccessWrite
		case spec.KindInference:
			return AccessRead
		}
	}
	return AccessNone
}

func (p *planner) access(pl compute.Pool, c storage.Container) string { return Access(p.z, pl, c) }

// aks gives the cluster its control-plane and kubelet identities. The
// control plane manages the nodes' subnets and route table (a cluster on
// its own subnets with user-defined routing cannot be created without it)
// and assigns the kubelet identity to the nodes; the kubelet pulls images.
func (p *planner) aks(pools []compute.Pool) {
	cp, kubelet := AKSIdentityName(p.z.Name), KubeletIdentityName(p.z.Name)
	p.res.Identities = append(p.res.Identities,
		Identity{Name: cp, Purpose: PurposeAKSControlPlane, Reason: "the AKS control plane's identity: it manages the cluster's subnets, route table and load balancers"},
		Identity{Name: kubelet, Purpose: PurposeAKSKubelet, Reason: "the identity the AKS nodes (kubelet) use to pull images"})
	// Each region with AKS pools has a cluster with its system pool on
	// that region's spoke: the control plane needs every one of those
	// subnets, keyed vnet/subnet.
	subnets := map[string]Scope{}
	for _, pl := range pools {
		vnet := p.nr.VNetFor(pl.Region)
		for _, name := range []string{network.AKSSystemSubnet, network.PoolSubnetName(pl.Workload)} {
			subnets[vnet+"/"+name] = Scope{Kind: ScopeSubnet, Name: name, VNet: vnet}
		}
	}
	routeTables := map[string]bool{}
	for _, v := range p.nr.VNets {
		for _, s := range v.Subnets {
			if _, ok := subnets[v.Name+"/"+s.Name]; ok && s.RouteTable != "" {
				routeTables[s.RouteTable] = true
			}
		}
	}
	for _, k := range sortedKeys(subnets) {
		p.grant(cp, NetworkContributor, subnets[k],
			"AKS with its own subnets joins nodes and internal load balancers to them", srcAKSIdentity)
	}
	for _, rt := range sortedKeys(routeTables) {
		p.grant(cp, NetworkContributor, Scope{Kind: ScopeRouteTable, Name: rt},
			"AKS with outboundType userDefinedRouting on a route table it does not own needs to read and join it", srcAKSIdentity)
	}
	if p.z.Network.PrivateDNSZones != "" {
		// A private cluster registers its API server in the platform's
		// zone instead of creating one of its own (which ALZ corp
		// forbids), and must be able to write records there.
		regions := map[string]bool{}
		for _, pl := range pools {
			regions[pl.Region] = true
		}
		for _, r := range sortedKeys(regions) {
			p.grant(cp, PrivateDNSZoneContributor, Scope{Kind: ScopePlatformDNSZone, Name: AKSPrivateDNSZone(r)},
				"the private cluster's API server registers in the platform's "+AKSPrivateDNSZone(r)+" zone", srcAKSPrivateDNS)
		}
	}
	p.grant(cp, ManagedIdentityOperator, Scope{Kind: ScopeIdentity, Name: kubelet},
		"a cluster with its own kubelet identity assigns that identity to the nodes", srcAKSIdentity)
	p.grant(kubelet, AcrPull, Scope{Kind: ScopeRegistry, Name: network.RegistryName(p.z.Name, p.z.Region)},
		"the nodes pull serving images from the zone's registry", srcAKSKubelet)
}

// lustre grants the HPC Cache resource provider what Managed Lustre's Blob
// integration requires on the storage account, before the file system is
// created.
func (p *planner) lustre() {
	if p.st.HotTier.Kind != "lustre" || p.st.HotTier.HSM == nil {
		return
	}
	acct := Scope{Kind: ScopeStorageAccount, Name: p.st.Account.Name}
	p.grant(PrincipalHPCCache, StorageAccountContributor, acct, "Managed Lustre's Blob integration manages the account it imports from and exports to", srcAMLFSBlob)
	p.grant(PrincipalHPCCache, StorageBlobDataContributor, acct, "Managed Lustre's Blob integration reads and writes the integrated container and its logging container", srcAMLFSBlob)
}

// Audit flags grants no workload identity should hold: Owner, Contributor
// or User Access Administrator anywhere, since each reaches data or grants
// access to it.
func Audit(grants []Grant) finding.List {
	var fs finding.List
	for _, g := range grants {
		if r, bad := IsPrivileged(g.Role.ID); bad {
			fs.Add(finding.Error, "identity.privileged-role", "identity",
				fmt.Sprintf("%s holds %s on %s: a workload identity never holds Owner, Contributor or User Access Administrator; grant the data role it needs instead", g.Principal, r.Name, g.Scope))
		}
	}
	return fs
}

// ReachableContainers lists the containers a principal holds a data role
// on (directly, or through the whole account).
func (r Result) ReachableContainers(principal string, all []storage.Container) []string {
	var out []string
	for _, g := range r.Grants {
		if g.Principal != principal || !strings.HasPrefix(g.Role.Name, "Storage Blob Data") {
			continue
		}
		switch g.Scope.Kind {
		case ScopeContainer:
			out = append(out, g.Scope.Name)
		case ScopeStorageAccount:
			for _, c := range all {
				out = append(out, c.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
