// Package slurm writes what deploys a zone's Slurm workloads through Azure
// CycleCloud Workspace for Slurm (CCWS), Microsoft's template for a
// CycleCloud server and a Slurm cluster: the template's deployment
// parameters, read from the plan, and the command that deploys them into
// the zone's own network after the zone's template.
//
// One workspace per zone serves every Slurm workload of the zone, one
// partition each: the workspace's Slurm cluster has exactly three
// partitions (htc, hpc and gpu, types.bicep), so a training workload takes
// gpu (a second one hpc) and a data-preparation workload takes htc. Its
// file is slurm/<zone>.parameters.json.
//
// The parameters are written for the template at PinnedCommit (release
// ProjectVersion); tests check them against that commit's Bicep
// declarations. What the plan needs and the template cannot express, or
// what the zone's plan must still add for the workspace (subnets, a
// database), is said in Workspace.Gaps rather than dropped; values only
// known after deployment are placeholders, listed in
// Workspace.Placeholders.
package slurm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/governance"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/naming"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
)

// The workspace's template the parameters are written for.
const (
	// Repository is the workspace's source.
	Repository = "https://github.com/Azure/cyclecloud-slurm-workspace"
	// PinnedCommit is the commit whose bicep/mainTemplate.bicep the
	// parameters fit; the release tag ProjectVersion points at it.
	PinnedCommit = "bc0fc1b76f1141a9e1a77ac7cb9474e39783df89"
	// ProjectVersion is the workspace's release at PinnedCommit.
	ProjectVersion = "2026.07.02"
	// TemplateFile is the ARM template compiled from the workspace's
	// bicep/mainTemplate.bicep at PinnedCommit (docs/slurm.md says how).
	TemplateFile = "mainTemplate.json"
	// Dir is the directory of the parameters files in build's output.
	Dir = "slurm"
)

const parametersSchema = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"

// Choices the plan does not make, each from the workspace's own form
// (uidefinitions/createUiDefinition.json) unless said otherwise.
const (
	// The first of the form's recommended sizes for the CycleCloud VM and
	// the scheduler: 4 vCPUs run CycleCloud and slurmctld for clusters of
	// hundreds of nodes; neither runs jobs.
	cycleCloudSize = "Standard_D4as_v5"
	schedulerSize  = "Standard_D4as_v5"
	// The form's recommended login-node size; one login node, as the form
	// defaults to: users submit jobs there, and compute happens in the
	// partitions.
	loginSize      = "Standard_F4s_v2"
	loginNodes     = 1
	loginNodesMax  = 1
	schedulerNodes = 1
	// Sizes for a partition no workload uses (maximum 0 nodes, "enter 0 to
	// not use this partition"): the form's first recommendation for each,
	// since the partition still names a size.
	idleHTCSize = "Standard_F2s_v2"
	idleHPCSize = "Standard_HB120rs_v3"
	idleGPUSize = "Standard_ND96asr_v4"
	// The form's only Slurm version.
	slurmVersion = "25.11.5"
	// The form's default admin and database user names.
	adminUser    = "hpcadmin"
	databaseUser = "hpcdbadmin"
	// The form's default sizes for the built-in NFS exports on the
	// scheduler: /sched holds Slurm's configuration; /shared holds users'
	// home directories (/shared/home), code and environments, not
	// datasets or checkpoints, which live on the hot tier.
	schedGB  = 30
	sharedGB = 1024
	// Managed Lustre's client mount options, as the form and amlfs.bicep
	// give them.
	lustreMountOptions = "noatime,user_xattr"
	// The partitions' node-count limit in the form (0 to 1000).
	maxPartitionNodes = 1000
	// hpcMaxScalesetSize is the cluster parameter HPCMaxScalesetSize in
	// the workspace's bicep/files-to-load/initial_params.json: the most
	// VMs CycleCloud puts in one scale set of a partition.
	hpcMaxScalesetSize = 100
)

// Names this package gives what the workspace needs from the zone's
// network and does not find there: the network plan should add them under
// these names (see the gaps).
const (
	// CycleCloudSubnet holds the CycleCloud VM and the private endpoint of
	// the workspace's own storage account.
	CycleCloudSubnet = "snet-cyclecloud"
	// MySQLSubnet is delegated to Azure Database for MySQL flexible
	// server, for Slurm's accounting database.
	MySQLSubnet     = "snet-mysql"
	mysqlDelegation = "Microsoft.DBforMySQL/flexibleServers"
	// mysqlSubnetBits is the size the workspace's own network layout gives
	// its database subnet in VNets larger than a /24 (network-new.bicep).
	mysqlSubnetBits = 28
)

// Placeholders for values known only at deployment.
const (
	PlaceholderSubscription = "<SUBSCRIPTION_ID>"
	PlaceholderSSHKey       = "<SSH_PUBLIC_KEY>"
	PlaceholderAdminPass    = "<CCW_ADMIN_PASSWORD>"
	PlaceholderDBPass       = "<CCW_DATABASE_ADMIN_PASSWORD>"
	PlaceholderMySQLFQDN    = "<MYSQL_FQDN>"
	PlaceholderLustreMGS    = "<LUSTRE_MGS_IP>"
	PlaceholderNetAppIP     = "<NETAPP_VOLUME_IP>"
)

// The environment variables the command reads the two passwords from, so
// that no secret is written to a file.
const (
	EnvAdminPassword    = "CCW_ADMIN_PASSWORD"
	EnvDatabasePassword = "CCW_DATABASE_ADMIN_PASSWORD"
)

// Workspace is one CycleCloud Workspace for Slurm deployment.
type Workspace struct {
	// Workload is empty: one workspace serves every Slurm workload of the
	// zone, a partition each (Partitions says which).
	Workload string
	// File is the parameters file's path in build's output,
	// slurm/<zone>.parameters.json.
	File string
	// Parameters is the ARM deployment parameters file: $schema,
	// contentVersion, and parameters {name: {"value": v}}.
	Parameters map[string]any
	// Command deploys the workspace: az deployment sub create with the
	// workspace's compiled template and this parameters file, after the
	// zone's own template and once the placeholders are filled in.
	Command string
	// Gaps are what the plan needs that the workspace's template cannot
	// express, and what the zone's plan must add for it, one a line.
	Gaps []string
	// Placeholders are the values in Parameters or Command to replace
	// before deploying.
	Placeholders []Placeholder
	// Partitions maps each Slurm workload to its partition (htc, hpc or
	// gpu).
	Partitions map[string]string
}

// Placeholder is a value known only at deployment.
type Placeholder struct {
	// Token is the placeholder as written, e.g. <SSH_PUBLIC_KEY>.
	Token string `json:"token"`
	// Where lists the parameters (dotted paths) or "command" that hold it.
	Where []string `json:"where"`
	// How says where the value comes from.
	How string `json:"how"`
}

// Marshal writes the parameters file: indented JSON, keys sorted, the
// placeholders' angle brackets as written (not escaped), and a final
// newline. Writers of the file use it so that the file is byte-identical
// across runs and its placeholders can be found by eye.
func (w Workspace) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(w.Parameters); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Workspaces returns the zone's workspace (none when no workload runs on
// Slurm).
func Workspaces(p *plan.Plan) ([]Workspace, error) {
	if p == nil {
		return nil, errors.New("slurm: no plan")
	}
	var pools []compute.Pool
	for _, pl := range p.Compute.Pools {
		if pl.Orchestrator == compute.OrchestratorSlurm {
			pools = append(pools, pl)
		}
	}
	if len(pools) == 0 {
		return nil, nil
	}
	b := &builder{p: p, zone: p.Zone.Name, rs: resources.Build(p), where: map[string][]string{}}
	w, err := b.workspace(pools)
	if err != nil {
		return nil, err
	}
	return []Workspace{w}, nil
}

type builder struct {
	p    *plan.Plan
	zone string
	rs   []resources.Resource
	gaps []string
	// where and hows collect the placeholders as they are written.
	where map[string][]string
	hows  map[string]string
	order []string
}

func (b *builder) gap(format string, args ...any) {
	b.gaps = append(b.gaps, fmt.Sprintf(format, args...))
}

// ph records a placeholder written at a parameter path, and returns it.
func (b *builder) ph(token, where, how string) string {
	if _, ok := b.where[token]; !ok {
		b.order = append(b.order, token)
	}
	b.where[token] = append(b.where[token], where)
	if b.hows == nil {
		b.hows = map[string]string{}
	}
	b.hows[token] = how
	return token
}

// partition is one of the workspace's three partitions and the pool it
// runs, if any.
type partition struct {
	name string // htc, hpc or gpu
	pool *compute.Pool
}

func (b *builder) workspace(pools []compute.Pool) (Workspace, error) {
	p := b.p
	var sized []compute.Pool
	for _, pl := range pools {
		if pl.SKU == "" {
			b.gap("workload %s (Slurm) has no size in the plan (it is infeasible), so it has no partition", pl.Workload)
			continue
		}
		sized = append(sized, pl)
	}
	if len(sized) == 0 {
		return Workspace{}, fmt.Errorf("slurm: no Slurm workload of zone %s has a size; the plan is infeasible", b.zone)
	}
	parts, anchor := b.assign(sized)
	region := anchor.Region
	if region == "" {
		region = p.Zone.Region
	}
	vnet := p.Network.VNetFor(region)
	if vnet == "" {
		return Workspace{}, fmt.Errorf("slurm: the network plan has no spoke VNet for region %s", region)
	}
	sub := PlaceholderSubscription
	if ss := p.Governance.Subscriptions; len(ss) > 0 && ss[0].ID != "" {
		sub = ss[0].ID
	}
	subHow := "the id of the zone's subscription (the first of placement.subscriptions, where the zone's template is deployed), once subscription vending has created it"
	rgNet := governance.RGName(b.zone, p.Zone.Region, governance.RGNetwork)
	vnetID := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/virtualNetworks/%s", sub, rgNet, vnet)
	if sub == PlaceholderSubscription {
		b.ph(sub, "network.id", subHow)
	}
	computeSubnet := network.PoolSubnetName(anchor.Workload)
	image := schedulerImage(anchor.ImageURN)

	params := map[string]any{}
	set := func(name string, v any) { params[name] = map[string]any{"value": v} }
	set("location", region)
	set("resourceGroup", governance.RGName(b.zone, region, "slurm"))
	set("clusterName", clusterName(b.zone))
	set("adminUsername", adminUser)
	set("adminPassword", b.ph(PlaceholderAdminPass, "adminPassword",
		"the CycleCloud administrator's password (8 to 123 characters with upper and lower case, a digit and a symbol, as the workspace's form requires); the command passes it from $"+EnvAdminPassword+" so that it is never written to the file"))
	set("key", map[string]any{"type": "entered", "value": b.ph(PlaceholderSSHKey, "key.value",
		"the administrators' SSH public key (ssh-rsa or ssh-ed25519 ...), installed for "+adminUser+" on the CycleCloud VM and the cluster's nodes")})
	set("ccVMName", naming.Fit("vm-cyclecloud-"+b.zone, 64))
	set("ccVMSize", cycleCloudSize)
	// No Entra ID single sign-on and so no Open OnDemand (which needs it):
	// both need an app registration the plan does not have, and Open
	// OnDemand adds a web portal; users reach the login node over SSH
	// through the platform's network.
	set("entraIdInfo", map[string]any{"type": "disabled"})
	set("ood", map[string]any{"type": "disabled"})
	set("acceptMarketplaceTerms", false)
	set("slurmSettings", map[string]any{"startCluster": true, "version": slurmVersion,
		// Node health checks keep a node with a failed GPU or InfiniBand
		// link out of jobs, which the restart model's spare nodes assume.
		"healthCheckEnabled": true})
	set("schedulerNode", map[string]any{"sku": schedulerSize, "osImage": image})
	set("loginNodes", map[string]any{"sku": loginSize, "osImage": image, "initialNodes": loginNodes, "maxNodes": loginNodesMax})
	for _, pt := range parts {
		set(pt.name, b.partitionValue(pt, image))
	}
	set("schedFilesystem", map[string]any{"type": "nfs-new", "nfsCapacityInGb": schedGB})
	set("sharedFilesystem", map[string]any{"type": "nfs-new", "nfsCapacityInGb": sharedGB})
	set("additionalFilesystem", b.hotTier())
	// The zone's own VNet, not a new one: in existing-VNet mode the
	// template creates no VNet, NAT gateway, Bastion or peering, so no
	// public IP (the VNet's egress and the hub peering are the zone's).
	set("network", map[string]any{"type": "existing", "name": vnet, "id": vnetID,
		"cyclecloudSubnet": CycleCloudSubnet, "computeSubnet": computeSubnet})
	set("storagePrivateDnsZone", b.blobDNSZone(sub, rgNet, subHow))
	set("databaseConfig", map[string]any{"type": "fqdn", "databaseUser": databaseUser,
		"fqdn": b.ph(PlaceholderMySQLFQDN, "databaseConfig.fqdn", "the fullyQualifiedDomainName of the zone's MySQL flexible server for Slurm accounting (az mysql flexible-server show --query fullyQualifiedDomainName); see the gaps: the plan has none yet")})
	set("databaseAdminPassword", b.ph(PlaceholderDBPass, "databaseAdminPassword",
		"the password of "+databaseUser+" on the MySQL flexible server; the command passes it from $"+EnvDatabasePassword))
	// The workspace's monitoring needs an Azure Monitor workspace and
	// Managed Grafana; see the gaps.
	set("monitoring", map[string]any{"type": "disabled"})
	set("tags", b.tags())

	b.networkGaps(vnet, computeSubnet, parts)
	b.zoneTemplateGaps(parts)
	b.identityGaps(parts)
	b.partitionGaps(parts)
	b.otherGaps(region)

	file := Dir + "/" + b.zone + ".parameters.json"
	if sub == PlaceholderSubscription {
		b.ph(sub, "command", subHow)
	}
	// Subscription scope: the template creates its resource group. The
	// passwords come from the environment, never from the file.
	cmd := fmt.Sprintf("az deployment sub create --subscription %s --name %s --location %s --template-file %s --parameters @%s --parameters adminPassword=\"$%s\" databaseAdminPassword=\"$%s\"",
		sub, "ccw-"+b.zone, region, TemplateFile, file, EnvAdminPassword, EnvDatabasePassword)

	w := Workspace{
		File: file,
		Parameters: map[string]any{
			"$schema":        parametersSchema,
			"contentVersion": "1.0.0.0",
			"parameters":     params,
		},
		Command:    cmd,
		Gaps:       b.gaps,
		Partitions: map[string]string{},
	}
	for _, pt := range parts {
		if pt.pool != nil {
			w.Partitions[pt.pool.Workload] = pt.name
		}
	}
	for _, t := range b.order {
		w.Placeholders = append(w.Placeholders, Placeholder{Token: t, Where: b.where[t], How: b.hows[t]})
	}
	return w, nil
}

// assign gives each Slurm pool a partition, in plan order: the first
// data-preparation pool takes htc (CPU nodes, Spot allowed); the first
// other pool takes gpu; any further pool takes hpc while it is free, and
// beyond that has no partition (a gap). The anchor is the pool whose
// subnet and region the workspace uses: the gpu partition's, else the
// first pool's.
func (b *builder) assign(pools []compute.Pool) ([]partition, compute.Pool) {
	parts := []partition{{name: "htc"}, {name: "hpc"}, {name: "gpu"}}
	byName := func(n string) *partition {
		for i := range parts {
			if parts[i].name == n {
				return &parts[i]
			}
		}
		return nil
	}
	for i := range pools {
		pl := &pools[i]
		want := "gpu"
		if pl.Kind == "data-prep" {
			want = "htc"
		}
		switch {
		case byName(want).pool == nil:
			byName(want).pool = pl
		case byName("hpc").pool == nil:
			byName("hpc").pool = pl
		default:
			b.gap("workload %s (Slurm) has no partition: the workspace's cluster has three (htc, hpc, gpu) and they are taken by %s; give it a Slurm cluster of its own, or another orchestrator",
				pl.Workload, takenBy(parts))
		}
	}
	anchor := pools[0]
	if g := byName("gpu").pool; g != nil {
		anchor = *g
	}
	// Pools in another region than the anchor's cannot join: the
	// workspace deploys into one region and one VNet.
	for i := range parts {
		pl := parts[i].pool
		if pl != nil && pl.Region != anchor.Region {
			b.gap("workload %s runs in %s, but the workspace deploys in %s (one region, one VNet): it has no partition here; give it a workspace of its own in its region",
				pl.Workload, pl.Region, anchor.Region)
			parts[i].pool = nil
		}
	}
	return parts, anchor
}

func takenBy(parts []partition) string {
	var s []string
	for _, pt := range parts {
		if pt.pool != nil {
			s = append(s, pt.pool.Workload+" ("+pt.name+")")
		}
	}
	return strings.Join(s, ", ")
}

// partitionValue is a partition's parameter: the pool's size, image and
// node count (the nodes plus the restart model's spares: Slurm grows the
// partition to at most this), or an unused partition of 0 nodes.
func (b *builder) partitionValue(pt partition, image string) map[string]any {
	v := map[string]any{}
	if pt.pool == nil {
		size := map[string]string{"htc": idleHTCSize, "hpc": idleHPCSize, "gpu": idleGPUSize}[pt.name]
		v["sku"], v["osImage"], v["maxNodes"] = size, image, 0
	} else {
		pl := pt.pool
		img := pl.ImageURN
		if img == "" {
			// The form takes a Marketplace URN for custom images; with none
			// in the plan, the partition boots the scheduler's image.
			img = image
			b.gap("workload %s has no image URN in the plan; its %s partition boots %s", pl.Workload, pt.name, image)
		}
		v["sku"], v["osImage"], v["maxNodes"] = pl.SKU, img, pl.Nodes+pl.SpareNodes
		if zs := zones(pl.Zones); len(zs) > 0 {
			v["availabilityZone"] = zs
		}
	}
	if pt.name == "htc" {
		v["useSpot"] = pt.pool != nil && pt.pool.Priority == "spot"
	}
	return v
}

// zones keeps the availability zones the workspace accepts ('1' to '3').
func zones(zs []string) []any {
	var out []any
	for _, z := range zs {
		if z == "1" || z == "2" || z == "3" {
			out = append(out, z)
		}
	}
	return out
}

// schedulerImage is the CycleCloud image of the scheduler and login nodes:
// the same Ubuntu release as the GPU partition's image, so that every node
// runs the same Slurm build; Ubuntu 24.04, the form's default, otherwise.
func schedulerImage(urn string) string {
	u := strings.ToLower(urn)
	if strings.Contains(u, "2204") || strings.Contains(u, "22_04") || strings.Contains(u, "22.04") {
		return "cycle.image.ubuntu22"
	}
	return "cycle.image.ubuntu24"
}

// clusterName is the zone's name: the workspace wants 3 or more letters,
// digits, @, - or _, and zone names are 2 to 22 lowercase letters, digits
// and hyphens.
func clusterName(zone string) string {
	if len(zone) < 3 {
		return zone + "-slurm"
	}
	return zone
}

// hotTier mounts the zone's hot tier on every node of the cluster,
// through the workspace's additional file system: the existing Managed
// Lustre (aml-existing) or NetApp volume (nfs-existing) the zone's
// template deploys, at the data path's mount point.
func (b *builder) hotTier() map[string]any {
	ht := b.p.Storage.HotTier
	rgStorage := governance.RGName(b.zone, b.p.Zone.Region, governance.RGStorage)
	switch {
	case ht.Kind == "lustre" && ht.SKU != "":
		name := "amlfs-" + b.zone
		for _, r := range b.rs {
			if r.Type == "Microsoft.StorageCache/amlFilesystems" {
				name = r.Name
			}
		}
		how := fmt.Sprintf("the Managed Lustre file system's MGS address, after the zone's template is deployed: az resource show -g %s -n %s --resource-type Microsoft.StorageCache/amlFilesystems --query properties.clientInfo.mgsAddress -o tsv", rgStorage, name)
		return map[string]any{"type": "aml-existing", "ipAddress": b.ph(PlaceholderLustreMGS, "additionalFilesystem.ipAddress", how),
			"mountPath": identity.LustreMount, "mountOptions": lustreMountOptions}
	case ht.Kind == "netapp" && ht.SKU != "":
		token, vers, name := "", "", ""
		for _, r := range b.rs {
			if r.Type != "Microsoft.NetApp/netAppAccounts/capacityPools/volumes" {
				continue
			}
			name = r.Name
			token, _ = r.Properties["creationToken"].(string)
			if ps, ok := r.Properties["protocolTypes"].([]string); ok {
				for _, p := range ps {
					switch p {
					case "NFSv4.1":
						vers = "4.1"
					case "NFSv3":
						if vers == "" {
							vers = "3"
						}
					}
				}
			}
		}
		if token == "" || vers == "" {
			b.gap("the zone's template has no NFS volume of Azure NetApp Files to mount (no creation token or NFS protocol); the hot tier is not mounted")
			return map[string]any{"type": "disabled"}
		}
		parts := strings.Split(name, "/")
		how := fmt.Sprintf("the NetApp volume's mount target address, after the zone's template is deployed: az resource show -g %s -n %s --resource-type Microsoft.NetApp/netAppAccounts/capacityPools/volumes --query properties.mountTargets[0].ipAddress -o tsv",
			rgStorage, strings.Join(parts, "/"))
		// The workspace's default NFS options, with the protocol version
		// the volume exports (its export policy allows only that one), and
		// without nconnect, which the workspace pairs with NFSv3.
		opts := "rw,hard,rsize=262144,wsize=262144,vers=" + vers + ",tcp,_netdev"
		return map[string]any{"type": "nfs-existing", "ipAddress": b.ph(PlaceholderNetAppIP, "additionalFilesystem.ipAddress", how),
			"exportPath": "/" + token, "mountPath": identity.NFSMount, "mountOptions": opts}
	case ht.Kind == "local-nvme":
		b.gap("the hot tier is local NVMe with BlobFuse2, which the workspace cannot mount (its additional file system is NFS, NetApp or Managed Lustre): add a cluster-init spec (clusterInitSpecs) that mounts BlobFuse2 on the partitions' nodes")
	}
	return map[string]any{"type": "disabled"}
}

// blobDNSZone is the privatelink.blob zone the workspace's storage account
// registers its private endpoint in: the one the zone's own storage
// endpoint uses (the platform's, or the zone's). The zone's template
// already links it or the zone's DNS servers resolve it, so the workspace
// creates no VNet link.
func (b *builder) blobDNSZone(sub, rgNet, subHow string) map[string]any {
	for _, pe := range b.p.Network.PrivateEndpoints {
		if pe.GroupID != "blob" {
			continue
		}
		id := pe.DNSZoneID
		if id == "" {
			id = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/privateDnsZones/%s", sub, rgNet, pe.DNSZone)
			if sub == PlaceholderSubscription {
				b.ph(sub, "storagePrivateDnsZone.id", subHow)
			}
		}
		return map[string]any{"type": "existing", "id": id, "vnetLink": false}
	}
	b.gap("the network plan has no private endpoint for Blob, so no privatelink.blob DNS zone for the workspace's storage account; it creates its own zone (storagePrivateDnsZone new)")
	return map[string]any{"type": "new"}
}

// tagTypes are the keys the workspace reads from its tags parameter: the
// resource types ccw.bicep tags (getTags), its resource group
// (mainTemplate.bicep) and the cluster's nodes ('Node Array', passed to
// CycleCloud as the node arrays' tags).
var tagTypes = []string{
	"Resource group",
	"Node Array",
	"Microsoft.Compute/virtualMachines",
	"Microsoft.DBforMySQL/flexibleServers",
	"Microsoft.ManagedIdentity/userAssignedIdentities",
	"Microsoft.NetApp/netAppAccounts",
	"Microsoft.Network/bastionHosts",
	"Microsoft.Network/natGateways",
	"Microsoft.Network/networkInterfaces",
	"Microsoft.Network/networkSecurityGroups",
	"Microsoft.Network/virtualNetworks",
	"Microsoft.Storage/storageAccounts",
	"Microsoft.StorageCache/amlFileSystems",
}

// tags gives every resource the workspace creates, and every cluster
// node, the zone's tags, so that the guardrails that require them on
// resource groups pass and cost reports attribute the GPUs.
func (b *builder) tags() map[string]any {
	out := map[string]any{}
	for _, t := range tagTypes {
		m := map[string]any{}
		for k, v := range b.p.Governance.Tags {
			m[k] = v
		}
		m["aizone-part"] = "slurm"
		out[t] = m
	}
	return out
}

// networkGaps says what the workspace needs from the zone's VNet that the
// network plan does not have.
func (b *builder) networkGaps(vnet, computeSubnet string, parts []partition) {
	subnets := map[string]network.Subnet{}
	var delegatedMySQL string
	for _, v := range b.p.Network.VNets {
		if v.Name != vnet {
			continue
		}
		for _, s := range v.Subnets {
			subnets[s.Name] = s
			if s.Delegation == mysqlDelegation {
				delegatedMySQL = s.Name
			}
		}
	}
	if _, ok := subnets[CycleCloudSubnet]; !ok {
		// The CycleCloud VM's NIC and the blob private endpoint of the
		// workspace's storage account (storage.bicep), sized as aizone
		// sizes pools: hosts plus 25% headroom, plus Azure's five.
		hosts := 2
		bits, _ := network.PrefixFor(hosts + (hosts+3)/4)
		b.gap("network: the plan has no subnet %s in %s; add it: /%d (%d usable), no delegation, an NSG like the pool subnets' (no inbound from the internet), routed through the zone's egress. It holds the CycleCloud VM and the private endpoint of the workspace's storage account (the workspace's own layout gives it a /29, network-new.bicep); the nodes in %s reach CycleCloud on TCP 9443 and 5672, and CycleCloud reaches them on TCP 22",
			CycleCloudSubnet, vnet, bits, network.Usable(bits), computeSubnet)
	}
	if delegatedMySQL == "" {
		b.gap("network: the plan has no subnet delegated to %s in %s; add %s: /%d (%d usable) delegated to %s, no other resources, for Slurm's accounting database (the workspace's own layout gives its database subnet a /%d, network-new.bicep); the nodes in %s reach it on TCP 3306 and 33060",
			mysqlDelegation, vnet, MySQLSubnet, mysqlSubnetBits, network.Usable(mysqlSubnetBits), mysqlDelegation, mysqlSubnetBits, computeSubnet)
	}
	hasMySQL := false
	for _, r := range b.rs {
		if r.Type == mysqlDelegation {
			hasMySQL = true
		}
	}
	if !hasMySQL {
		b.gap("database: the plan has no Azure Database for MySQL flexible server, and the workspace creates none (it only connects to an existing one: its own database creation is switched off, network-new.bicep): the zone must deploy one with private access (VNet integration into %s, with a private DNS zone ending in .mysql.database.azure.com that the zone's DNS servers resolve), administrator %s; its FQDN replaces %s",
			MySQLSubnet, databaseUser, PlaceholderMySQLFQDN)
	}
	// The workspace puts the scheduler, the login nodes and every
	// partition's nodes in one subnet (create_cc_param.py: SubnetId).
	need := schedulerNodes + loginNodesMax
	var shared []string
	for _, pt := range parts {
		if pt.pool == nil {
			continue
		}
		need += pt.pool.Nodes + pt.pool.SpareNodes
		if s := network.PoolSubnetName(pt.pool.Workload); s != computeSubnet {
			shared = append(shared, fmt.Sprintf("%s (%s partition, planned in %s)", pt.pool.Workload, pt.name, s))
		}
	}
	if len(shared) > 0 {
		b.gap("network: the workspace takes one compute subnet for the scheduler, the login nodes and every partition, so the nodes of %s run in %s; the plan's subnet for them stays empty, and %s must hold them all",
			strings.Join(shared, ", "), computeSubnet, computeSubnet)
	}
	if s, ok := subnets[computeSubnet]; !ok {
		b.gap("network: the plan has no subnet %s in %s for the cluster's nodes", computeSubnet, vnet)
	} else if s.Usable < need {
		bits, err := network.PrefixFor(need + (need+3)/4)
		size := "larger"
		if err == nil {
			size = fmt.Sprintf("/%d", bits)
		}
		b.gap("network: %s (%s, %d usable) cannot hold the cluster's %d nodes (partitions at their maximum, %d scheduler, %d login); it needs %s",
			computeSubnet, s.Prefix, s.Usable, need, schedulerNodes, loginNodesMax, size)
	}
	// What the CycleCloud VM's install script fetches (install.sh,
	// cyclecloud_install.py) must pass the zone's egress.
	b.gap("network: egress from %s must allow what the CycleCloud VM's install scripts fetch (install.sh, cyclecloud_install.py): aka.ms (azcopy), github.com releases (the workspace's cluster-init project at %s, and the Open OnDemand project, fetched even with Open OnDemand off), the OS package repositories of its image (apt update, or dnf and yum update), packages.microsoft.com when CycleCloud is not already on the image, and Azure Resource Manager (management.azure.com: CycleCloud signs in with its managed identity, reads its deployment and creates the cluster's VMs); the zone's egress rules cover none of these for that subnet",
		CycleCloudSubnet, ProjectVersion)
}

// zoneTemplateGaps says what the zone's own template deploys that the
// workspace then duplicates.
func (b *builder) zoneTemplateGaps(parts []partition) {
	for _, pt := range parts {
		if pt.pool == nil {
			continue
		}
		name := naming.Fit("vmss-"+pt.pool.Workload, naming.MaxScaleSet)
		for _, r := range b.rs {
			if r.Type == "Microsoft.Compute/virtualMachineScaleSets" && r.Name == name {
				b.gap("zone template: it deploys scale set %s (%d × %s) for Slurm workload %s, and CycleCloud creates the %s partition's nodes itself: deployed together, the nodes are paid twice; the zone's template must leave out the scale set of a Slurm pool (and its proximity placement group: CycleCloud places the partition's scale sets itself)",
					name, pt.pool.Nodes+pt.pool.SpareNodes, pt.pool.SKU, pt.pool.Workload, pt.name)
			}
		}
	}
}

// identityGaps says which of the zone's identities and grants the
// workspace's nodes do not get, and which grants the workspace makes.
func (b *builder) identityGaps(parts []partition) {
	var ids, mounts []string
	for _, pt := range parts {
		if pt.pool == nil {
			continue
		}
		ids = append(ids, identity.PoolIdentityName(b.zone, pt.pool.Workload))
		for _, m := range b.p.Identity.DataPath {
			if m.Workload == pt.pool.Workload && m.Kind == identity.MountBlob {
				mounts = append(mounts, fmt.Sprintf("%s at %s as %s", m.Source, m.Path, m.Identity))
			}
		}
	}
	rgCompute := governance.RGName(b.zone, b.p.Zone.Region, governance.RGCompute)
	gap := fmt.Sprintf("identity: no workspace parameter takes an existing identity for the cluster's nodes (the cluster parameter ManagedIdentity stays null: initial_params.json, create_cc_param.py), so the nodes do not run as %s (resource group %s) and lack its grants; after deployment, set the cluster's ManagedIdentity to it in CycleCloud",
		strings.Join(ids, ", "), rgCompute)
	if len(ids) > 1 {
		// One identity for the whole cluster: each workload's nodes would
		// hold the other workloads' data grants.
		gap = fmt.Sprintf("identity: no workspace parameter takes an existing identity for the cluster's nodes (the cluster parameter ManagedIdentity stays null: initial_params.json, create_cc_param.py), so the nodes do not run as %s (resource group %s) and lack their grants; the cluster has one ManagedIdentity for all its nodes, so setting one after deployment gives every partition that workload's grants: the data path's per-workload least privilege does not survive one cluster",
			strings.Join(ids, " or "), rgCompute)
	}
	b.gap("%s", gap)
	b.gap("identity: the workspace grants the CycleCloud VM's system-assigned identity Contributor, Storage Account Contributor and Storage Blob Data Contributor on the whole subscription (ccw.bicep, vmRoleAssignments.bicep), broader than aizone grants any identity; its own ccwLockerManagedIdentity gets Storage Blob Data Reader on the workspace's storage account")
	if len(mounts) > 0 {
		sort.Strings(mounts)
		b.gap("data path: the workspace has no parameter for Blob mounts, so these are not mounted: %s; add them with a cluster-init spec (clusterInitSpecs) once the nodes run as the identity", strings.Join(mounts, "; "))
	}
}

// partitionGaps says what the workspace's partition types cannot express
// of a pool.
func (b *builder) partitionGaps(parts []partition) {
	for _, pt := range parts {
		pl := pt.pool
		if pl == nil {
			continue
		}
		n := pl.Nodes + pl.SpareNodes
		if pl.Priority == "spot" && pt.name != "htc" {
			after := "set the cluster's GPUUseLowPrio (false in initial_params.json) in CycleCloud after deployment, or plan the workload regular"
			if pt.name == "hpc" {
				after = "the cluster has no Spot parameter for hpc either (initial_params.json); plan the workload regular"
			}
			b.gap("priority: workload %s is planned on Spot, but the workspace's %s partition type (hpc_t) has no Spot setting (only htc has useSpot): its nodes deploy at regular priority and the regular price; %s",
				pl.Workload, pt.name, after)
		}
		if pl.PlacementGroup && pl.ScaleSets > 1 && pt.name != "htc" {
			// The plan spreads the pool over several scale sets (compute
			// pools.go); CycleCloud makes them as each fills.
			b.gap("placement: workload %s spreads its %d nodes over %d scale sets of at most %d VMs; the cluster puts at most %d VMs in a scale set (HPCMaxScalesetSize in initial_params.json) and no workspace parameter changes it; set it to %d in CycleCloud before the partition grows past %d nodes (a scale set in one placement group holds %d VMs, %d after a support request), and have Azure confirm the scale sets share one InfiniBand fabric",
				pl.Workload, n, pl.ScaleSets, pl.ScaleSetNodes, hpcMaxScalesetSize, pl.ScaleSetNodes, hpcMaxScalesetSize, compute.MaxIBScaleSetNodes, compute.MaxIBScaleSetNodesRaised)
		} else if pl.PlacementGroup && n > hpcMaxScalesetSize && pt.name != "htc" {
			b.gap("placement: workload %s needs its %d nodes on one InfiniBand fabric (one scale set), but the cluster puts at most %d VMs in a scale set (HPCMaxScalesetSize in initial_params.json) and no workspace parameter changes it; raise it to %d in CycleCloud before the partition grows past %d nodes (a scale set in one placement group holds %d VMs, %d after a support request)",
				pl.Workload, n, hpcMaxScalesetSize, n, hpcMaxScalesetSize, compute.MaxIBScaleSetNodes, compute.MaxIBScaleSetNodesRaised)
		}
		if pt.name == "htc" && pl.PlacementGroup {
			b.gap("placement: workload %s needs its nodes in one placement group, but it runs in the htc partition, which CycleCloud does not place together", pl.Workload)
		}
		if n > maxPartitionNodes {
			b.gap("size: workload %s needs %d nodes, more than the %d the workspace's form allows a partition", pl.Workload, n, maxPartitionNodes)
		}
	}
}

func (b *builder) otherGaps(region string) {
	if law := b.p.Zone.Placement.LogAnalytics; law != "" {
		b.gap("monitoring: the zone sends diagnostics to Log Analytics (%s), but the workspace's monitoring takes an Azure Monitor workspace, its data collection rule and Managed Grafana, which the plan has none of; monitoring is disabled", law)
	}
	b.gap("governance: the workspace creates resource group %s, which the plan's resource groups do not list; governance should list it (purpose slurm) so that policy checks and reports cover it",
		governance.RGName(b.zone, region, "slurm"))
}
