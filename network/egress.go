package network

import (
	"sort"
	"strings"

	"github.com/aizone/aizone/compute"
)

// EgressRule is one outbound allow rule the zone needs from whichever
// firewall inspects its traffic: the zone hub's (resources turns the rules
// into its firewall policy) or the platform hub's (the platform team adds
// them). Everything a rule does not allow stays denied.
//
// Application rules name FQDNs or FQDN tags and pair Protocols with Ports
// by index ("Http" with "80", "Https" with "443"); network rules name
// Destinations (prefixes or service tags) and allow every combination of
// Protocols and Ports.
type EgressRule struct {
	// Collection is the rule group (EgressAKS, EgressGPU, ...): one rule
	// collection group of a firewall policy.
	Collection string `json:"collection"`
	Kind       string `json:"kind"` // RuleApplication or RuleNetwork
	// Priority is the collection's: lower goes first.
	Priority int    `json:"priority"`
	Name     string `json:"name"`
	// Sources are the prefixes of the zone's subnets that need the rule.
	Sources      []string `json:"sources"`
	FQDNs        []string `json:"fqdns,omitempty"`
	FQDNTags     []string `json:"fqdn_tags,omitempty"`
	Destinations []string `json:"destinations,omitempty"`
	Protocols    []string `json:"protocols"`
	Ports        []string `json:"ports"`
	Reason       string   `json:"reason"`
	// Source is the documentation page the rule comes from.
	Source string `json:"source"`
}

// Egress rule kinds, as Azure Firewall policies name their rule types.
const (
	RuleApplication = "application"
	RuleNetwork     = "network"
)

// Egress rule groups. Each is one rule collection group of a zone-owned
// firewall's policy; the priorities leave room below (for the platform's
// own groups) and between.
const (
	EgressAKS      = "aks"
	EgressGPU      = "gpu"
	EgressLustre   = "lustre"
	EgressBatch    = "batch"
	EgressPackages = "packages"
	EgressMonitor  = "monitor"
)

var egressPriority = map[string]int{
	EgressAKS: 200, EgressGPU: 300, EgressLustre: 400, EgressBatch: 500, EgressPackages: 600, EgressMonitor: 700,
}

// The documentation each group's rules come from. Facts only: hosts, tags,
// ports, and when the page says a rule is not needed.
const (
	// Required and optional outbound rules of AKS clusters, the GPU node
	// FQDNs and the add-ons' FQDNs.
	docAKSOutbound = "https://learn.microsoft.com/azure/aks/outbound-rules-control-egress"
	// The AzureKubernetesService FQDN tag on Azure Firewall (http 80 and
	// https 443).
	docAKSFirewall = "https://learn.microsoft.com/azure/aks/limit-egress-traffic"
	// The NVIDIA device plugin DaemonSet AKS GPU pools need, pulled from
	// nvcr.io.
	docAKSGPU = "https://learn.microsoft.com/azure/aks/use-nvidia-gpu"
	// NVIDIA's NGC catalog: framework and CUDA containers come from nvcr.io.
	docNGC = "https://docs.nvidia.com/ngc/latest/ngc-user-guide.html"
	// Managed Lustre behind Azure Firewall: its application and network
	// rules.
	docLustreFirewall = "https://learn.microsoft.com/azure/azure-managed-lustre/configure-firewall"
	// Lustre client packages, which must match the kernel, come from
	// packages.microsoft.com.
	docLustreClient = "https://learn.microsoft.com/azure/azure-managed-lustre/client-install"
	// Simplified compute node communication: one outbound rule to
	// BatchNodeManagement.<region>; Storage.<region> is no longer needed.
	docBatch = "https://learn.microsoft.com/azure/batch/simplified-compute-node-communication"
	// Azure Machine Learning's compute (Batch-based Ubuntu nodes): Ubuntu
	// archives on port 80 and the Python package index.
	docAMLOutbound = "https://learn.microsoft.com/azure/machine-learning/how-to-access-azureml-behind-firewall"
	// Azure Monitor Agent's firewall endpoints.
	docAMA = "https://learn.microsoft.com/azure/azure-monitor/agents/azure-monitor-agent-network-configuration"
)

// egressRules lists what the zone needs out, whatever its egress: the
// zone's own firewall enforces exactly these, a platform firewall must
// allow them, and behind a NAT gateway they say what a firewall added
// later must let through. Only groups the plan needs appear: AKS rules
// with an AKS cluster, Lustre rules with Managed Lustre, and so on.
//
// Left out on purpose, each because its documentation says it is not
// needed here:
//   - AKS network rules (UDP 1194, TCP 9000, TCP 443 to the API server):
//     not required for private clusters, and the zone's cluster is private
//     (its API server has a private endpoint in the cluster's VNet).
//   - NTP (UDP 123) for AKS nodes: not required for nodes provisioned after
//     March 2021; Azure VMs take time from the host.
//   - Storage.<region> for Batch: only the classic communication mode
//     needed it; the zone's pools use simplified communication.
//   - Ubuntu archives for AKS nodes: recommended only for in-place OS
//     updates; AKS's default node OS upgrade channel is NodeImage.
//   - The zone's storage account, Key Vault, container registry and Batch
//     account API: reached through private endpoints, never the firewall.
func (p *planner) egressRules() {
	n := p.egressNeeds()
	var rules []EgressRule
	add := func(group, kind, name string, sources []string, r EgressRule) {
		if len(sources) == 0 {
			return
		}
		r.Collection, r.Kind, r.Priority, r.Name, r.Sources = group, kind, egressPriority[group], name, sources
		rules = append(rules, r)
	}
	web := func(fqdns ...string) EgressRule {
		return EgressRule{FQDNs: fqdns, Protocols: []string{"Http", "Https"}, Ports: []string{"80", "443"}}
	}
	https := func(fqdns ...string) EgressRule {
		return EgressRule{FQDNs: fqdns, Protocols: []string{"Https"}, Ports: []string{"443"}}
	}
	with := func(r EgressRule, reason, source string) EgressRule {
		r.Reason, r.Source = reason, source
		return r
	}

	// AKS: the cluster's nodes, system pool included.
	tag := web()
	tag.FQDNs, tag.FQDNTags = nil, []string{"AzureKubernetesService"}
	add(EgressAKS, RuleApplication, "aks-fqdn-tag", n.aks, with(tag,
		"Azure Firewall's AzureKubernetesService tag: the FQDNs AKS nodes need, kept current by Microsoft as AKS changes them", docAKSFirewall))
	add(EgressAKS, RuleApplication, "aks-required-fqdns", n.aks, with(https("acs-mirror.azureedge.net", "login.microsoftonline.com", "management.azure.com",
		"mcr.microsoft.com", "*.data.mcr.microsoft.com", "mcr-0001.mcr-msedge.net", "packages.microsoft.com"),
		"the FQDNs AKS requires, spelled out for firewalls without the AKS tag: system images from MCR and its CDN, Azure Resource Manager, Entra ID sign-in, cached apt packages, CNI binaries", docAKSOutbound))
	add(EgressAKS, RuleApplication, "aks-azure-policy", n.aks, with(https("data.policy.core.windows.net", "store.policy.core.windows.net", "dc.services.visualstudio.com"),
		"the cluster runs the Azure Policy add-on, which pulls its policies and Gatekeeper artifacts and reports compliance and telemetry", docAKSOutbound))

	// GPUs: AKS installs the NVIDIA driver itself but needs NVIDIA's and
	// Docker's repositories for it; the device plugin and NGC containers
	// come from nvcr.io. AMD pools (ROCm images, AMD GPU Operator) are not
	// covered by these rules.
	add(EgressGPU, RuleApplication, "aks-gpu-driver", n.aksGPU, with(https("download.docker.com", "nvidia.github.io", "us.download.nvidia.com"),
		"AKS GPU nodes install and run the NVIDIA driver from NVIDIA's and Docker's repositories", docAKSOutbound))
	add(EgressGPU, RuleApplication, "aks-nvidia-device-plugin", n.aksGPU, with(https("nvcr.io"),
		"the NVIDIA device plugin that makes GPUs schedulable on AKS (and the GPU Operator, if the team uses it) is pulled from NVIDIA's registry", docAKSGPU))
	add(EgressGPU, RuleApplication, "ngc-containers", n.vmGPU, with(https("nvcr.io"),
		"GPU nodes run NVIDIA's framework and CUDA containers (PyTorch, NeMo, Triton) from the NGC registry; the HPC images carry the driver and container toolkit for them", docNGC))

	// Managed Lustre: its own subnet, as its firewall guide lists. Traffic
	// within the subnet never reaches the firewall (the VNet's route is
	// more specific than the default route), so its intra-subnet rule is
	// not needed here.
	add(EgressLustre, RuleNetwork, "lustre-dependencies", n.lustre, EgressRule{
		Destinations: []string{"ActionGroup", "ApiManagement", "AzureActiveDirectory", "AzureDataLake", "AzureKeyVault", "AzureMonitor",
			"AzureResourceManager", "EventHub", "GuestAndHybridManagement", "Storage"},
		Protocols: []string{"TCP"}, Ports: []string{"443"},
		Reason: "Managed Lustre reaches the Azure services it depends on for security, engineering diagnostics and Blob integration", Source: docLustreFirewall})
	add(EgressLustre, RuleNetwork, "lustre-ntp", n.lustre, EgressRule{
		Destinations: []string{"168.61.215.74/32"}, Protocols: []string{"UDP"}, Ports: []string{"123"},
		Reason: "Managed Lustre synchronises its clock with Microsoft's NTP server", Source: docLustreFirewall})
	add(EgressLustre, RuleApplication, "lustre-microsoft-fqdns", n.lustre, with(web("*.azure.com", "*.azure.net", "*.microsoft.com", "*.windows.com", "*.windows.net"),
		"Managed Lustre reaches Blob Storage, metrics, diagnostics and health monitoring on Microsoft domains", docLustreFirewall))
	add(EgressLustre, RuleApplication, "lustre-other-fqdns", n.lustre, with(web("*.archive.ubuntu.com", "*.cvd.clamav.net", "*.trafficmanager.net"),
		"Managed Lustre's servers take OS security updates, malware signatures and load balancer endpoints", docLustreFirewall))

	// Batch: pools use simplified node communication. The zone's node
	// management private endpoint carries this traffic when nodes resolve
	// the privatelink zone; the rule is the documented path otherwise.
	for _, region := range n.batchRegions {
		add(EgressBatch, RuleNetwork, "batch-node-management-"+region, n.batch[region], EgressRule{
			Destinations: []string{"BatchNodeManagement." + region}, Protocols: []string{"TCP"}, Ports: []string{"443"},
			Reason: "Batch nodes (simplified communication) open their connection to Batch node management in the account's region; the node management private endpoint serves it when its DNS zone resolves",
			Source: docBatch})
	}

	// Packages for VM-based pools (Batch, scale sets, Slurm), which run the
	// Ubuntu HPC images and install software at start and in jobs. Conda
	// is left out: the images do not use it, and Anaconda's default
	// channels carry licence terms a platform team must decide on; add
	// conda.anaconda.org for conda-forge if the team needs it.
	add(EgressPackages, RuleApplication, "ubuntu-archives", n.ubuntu, with(web("archive.ubuntu.com", "azure.archive.ubuntu.com", "security.ubuntu.com"),
		"Ubuntu nodes take security patches and packages (kernel headers for drivers and Lustre) from the Ubuntu archives; Azure's images use the azure.archive mirror", docAMLOutbound))
	add(EgressPackages, RuleApplication, "python-packages", n.vm, with(https("files.pythonhosted.org", "pypi.org"),
		"jobs install Python packages from PyPI: pypi.org serves the index, files.pythonhosted.org the packages", docAMLOutbound))
	add(EgressPackages, RuleApplication, "lustre-client-packages", n.lustreClients, with(https("packages.microsoft.com"),
		"Lustre clients need the amlfs client package matching each new kernel, from Microsoft's package repository", docLustreClient))

	// Azure Monitor Agent, when the zone sends diagnostics to the
	// platform's workspace: the landing-zone policies (ALZ
	// Deploy-VMSS-Monitoring) install the agent on the zone's scale sets,
	// which must then reach its control and ingestion endpoints.
	var handlers []string
	for _, region := range n.monitorRegions {
		handlers = append(handlers, region+".handler.control.monitor.azure.com")
	}
	add(EgressMonitor, RuleApplication, "azure-monitor-agent", n.monitor, with(https(append([]string{"global.handler.control.monitor.azure.com", "*.ods.opinsights.azure.com", "*.oms.opinsights.azure.com"}, handlers...)...),
		"the zone sends diagnostics to the platform's workspace: Azure Monitor Agent on its scale sets fetches data collection rules from the control handlers and sends to the workspace's ingestion endpoint", docAMA))

	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Priority < rules[j].Priority })
	if rules == nil {
		rules = []EgressRule{}
	}
	p.res.EgressRules = rules
}

// egressNeeds are the subnet prefixes of each kind of workload, in the
// order the plan lists the VNets and their subnets.
type egressNeeds struct {
	aks, aksGPU, vm, vmGPU, ubuntu, lustre, lustreClients, monitor []string
	batch                                                          map[string][]string // by region
	batchRegions, monitorRegions                                   []string            // sorted
}

func (p *planner) egressNeeds() egressNeeds {
	n := egressNeeds{batch: map[string][]string{}}
	pools := map[string]compute.Pool{}
	for _, pl := range p.pools {
		if pl.SKU != "" {
			pools[pl.Workload] = pl
		}
	}
	lustre := p.st.HotTier.Kind == "lustre"
	monitor := map[string]bool{}
	for _, s := range p.spokes {
		for _, sub := range s.vnet.Subnets {
			if sub.Prefix == "" {
				continue // not allocated: the plan has already failed
			}
			if sub.Kind == KindLustre {
				n.lustre = append(n.lustre, sub.Prefix)
			}
			if sub.Kind == KindAKSSystem {
				n.aks = append(n.aks, sub.Prefix)
			}
			pl, ok := pools[sub.Pool]
			if sub.Kind != KindPool || !ok {
				continue
			}
			nvidia := pl.GPU != "" && !strings.Contains(pl.ImageStack, "amd")
			switch pl.Orchestrator {
			case compute.OrchestratorAKS:
				n.aks = append(n.aks, sub.Prefix)
				if nvidia {
					n.aksGPU = append(n.aksGPU, sub.Prefix)
				}
				continue
			case compute.OrchestratorBatch:
				region := pl.Region
				if region == "" {
					region = p.z.Region
				}
				n.batch[region] = append(n.batch[region], sub.Prefix)
			case compute.OrchestratorVMSS, compute.OrchestratorSlurm:
				// Scale sets live in the zone's subscription, where the
				// landing zone's monitoring policy reaches them; Batch
				// pools' VMs do not (Batch service allocation mode).
				if p.z.Placement.LogAnalytics != "" {
					n.monitor = append(n.monitor, sub.Prefix)
					monitor[s.vnet.Region] = true
				}
			}
			n.vm = append(n.vm, sub.Prefix)
			if nvidia {
				n.vmGPU = append(n.vmGPU, sub.Prefix)
			}
			if strings.Contains(strings.ToLower(pl.ImageURN), "ubuntu") {
				n.ubuntu = append(n.ubuntu, sub.Prefix)
			}
			if lustre {
				n.lustreClients = append(n.lustreClients, sub.Prefix)
			}
		}
	}
	for r := range n.batch {
		n.batchRegions = append(n.batchRegions, r)
	}
	for r := range monitor {
		n.monitorRegions = append(n.monitorRegions, r)
	}
	sort.Strings(n.batchRegions)
	sort.Strings(n.monitorRegions)
	return n
}
