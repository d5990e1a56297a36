package prerequisites

import "strings"

// Quota names that are not VM families: the two regional totals that
// az vm list-usage reports next to the family quotas (Q-VCPU, Q-SPOT).
const (
	// QuotaCores is "Total Regional vCPUs": every regular (pay-as-you-go)
	// VM of every family in the region counts against it too.
	QuotaCores = "cores"
	// QuotaLowPriority is "Total Regional Low-priority vCPUs": Spot VMs of
	// every family draw on this one pool and not on their family's quota.
	QuotaLowPriority = "lowPriorityCores"
)

// familyQuota maps a catalog family (catalog.SKU.Family) to the name the
// Resource SKUs API gives the size's family, which is the name.value
// az vm list-usage reports for that family's vCPU quota.
type familyQuota struct {
	Family    string // catalog family
	QuotaName string // name.value in az vm list-usage, as the source spells it
	Source    string // key into sources
}

// familyQuotas is the table; sources are in sources below. Azure spells a
// few names with spaces or in other cases in different APIs ("standard
// NDAMSv4_A100Family" in the Resource SKUs API, "standardNDAMSv4_A100Family"
// in quota requests), so usage is matched ignoring case and spaces
// (Usage.Item).
var familyQuotas = []familyQuota{
	{"ND H100 v5", "standardNDSH100v5Family", "Q-ASPIRE"},
	{"ND H200 v5", "standardNDISRH200V5Family", "Q-ASPIRE"},
	{"ND MI300X v5", "standardNDISv5MI300XFamily", "Q-ASPIRE"},
	{"ND GB200 v6", "standardNDISRGB200V6NDRFamily", "Q-ASPIRE"},
	{"ND GB300 v6", "standardNDISRGB300V6Family", "Q-ASPIRE"},
	{"NDm A100 v4", "standardNDAMSv4_A100Family", "Q-ASPIRE"},
	{"ND A100 v4", "Standard NDASv4_A100 Family", "Q-ASPIRE"},
	{"NC A100 v4", "StandardNCADSA100v4Family", "Q-ASPIRE"},
	{"NCads H100 v5", "StandardNCadsH100v5Family", "Q-ASPIRE"},
	{"NCCads H100 v5", "StandardNCCads2023Family", "Q-ASPIRE"},
	{"NCasT4_v3", "Standard NCASv3_T4 Family", "Q-ASPIRE"},
	{"NVadsA10 v5", "StandardNVADSA10v5Family", "Q-ASPIRE"},
	{"NDv2", "standardNDSv2Family", "Q-ASPIRE"},
	{"NCv3", "standardNCSv3Family", "Q-ASPIRE"},
	{"HBv4", "standardHBv4Family", "Q-ASPIRE"},
	{"Ddsv5", "standardDDSv5Family", "Q-ASPIRE"},
	{"Edsv5", "standardEDSv5Family", "Q-ASPIRE"},
}

// unconfirmedSizes are sizes whose catalog family has a quota name but
// whose own membership the source does not show: the GB300 page of the
// source lists Standard_ND128isr_GB300_v6 only. They get the "not known"
// note rather than a guess.
var unconfirmedSizes = map[string]bool{
	"standard_nd128isrg5_gb300_v6": true,
}

// Source is where a quota fact was read.
type Source struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Ref   string `json:"ref"`
}

// Sources lists the documents the package's facts come from, by key.
var Sources = []Source{
	{"Q-ASPIRE", "Aspire AKS node VM size reference (generated from the Azure Resource SKUs API; one class per VM family, named by the family)",
		"microsoft/aspire src/Aspire.Hosting.Azure.Kubernetes/AksNodeVmSizes.cs @5bd693ae, published at aspire.dev/reference/api/csharp/aspire.hosting.azure.kubernetes/"},
	{"Q-OCP", "OpenShift Container Platform 4 on Azure: tested machine types by family (agrees with Q-ASPIRE for the GPU and HPC families it lists)",
		"docs.redhat.com installing on Azure, 'Tested instance types for Azure'"},
	{"Q-VCPU", "Check vCPU quotas (two tiers: Total Regional vCPUs and the VM-family vCPUs; az vm list-usage)",
		"MicrosoftDocs/azure-compute-docs articles/virtual-machines/quotas.md @02773904"},
	{"Q-SPOT", "Increase spot vCPU family quotas (spot vCPU quotas apply across all VM families) and Use Azure Spot Virtual Machines (a separate quota pool)",
		"MicrosoftDocs/azure-docs articles/quotas/spot-quota.md @02d00dc8; MicrosoftDocs/azure-compute-docs articles/virtual-machines/spot-vms.md @3bbed19b"},
	{"Q-REGION", "Increase regional vCPU quotas (a VM-series increase raises the regional limit by the same amount; requests need Contributor)",
		"MicrosoftDocs/azure-docs articles/quotas/regional-quota-requests.md @18ea00a3"},
	{"Q-BATCH", "Batch service quotas and limits (Batch service allocation mode: the Batch account's core quotas; user subscription mode: the subscription's)",
		"MicrosoftDocs/azure-docs articles/batch/batch-quota-limit.md @0076a623; Batch management API BatchAccount.dedicatedCoreQuotaPerVMFamily, lowPriorityCoreQuota"},
	{"R-ROLES", "Azure built-in roles (Privileged, Networking, Management and governance, Storage)",
		"MicrosoftDocs/azure-docs articles/role-based-access-control/built-in-roles/*.md"},
	{"R-PEER", "Create, change, or delete a virtual network peering: Permissions (Microsoft.Network/virtualNetworks/peer/action on the other network)",
		"MicrosoftDocs/azure-docs articles/virtual-network/virtual-network-manage-peering.md @016ebafe"},
	{"R-POLAKS", "Azure Policy for Kubernetes: install the add-on for AKS (prerequisite: register the Microsoft.PolicyInsights resource provider)",
		"MicrosoftDocs/azure-docs articles/governance/policy/concepts/policy-for-kubernetes.md"},
	{"R-AKSIB", "AKS: register the AKSInfinibandSupport feature so RDMA sizes of a node pool share one InfiniBand network",
		"MicrosoftDocs/azure-aks-docs @fb060abe (N-AKS in ../shared/reference/network.md)"},
}

// QuotaName returns the az vm list-usage name of a catalog family's vCPU
// quota and its source key; ok is false when the table does not know it.
func QuotaName(family string) (name, source string, ok bool) {
	for _, f := range familyQuotas {
		if strings.EqualFold(f.Family, family) {
			return f.QuotaName, f.Source, true
		}
	}
	return "", "", false
}

// quotaKey folds the spellings Azure uses for one quota name (case, and
// spaces some APIs insert) to one key.
func quotaKey(name string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", ""))
}
