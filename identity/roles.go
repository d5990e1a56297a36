package identity

// Role is an Azure built-in role: its name, its role definition id (the
// same in every tenant) and the page that documents it.
type Role struct {
	Name   string `json:"name"`
	ID     string `json:"id"`
	Source string `json:"source"`
}

// rolesSource is Microsoft's list of built-in roles, where each id below
// is published.
const rolesSource = "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles"

// The built-in roles aizone grants, and the three it never grants on data.
var (
	NetworkContributor         = Role{"Network Contributor", "4d97b98b-1d4f-4787-a291-c67834d212e7", rolesSource}
	PrivateDNSZoneContributor  = Role{"Private DNS Zone Contributor", "b12aa53e-6015-4669-85d0-8515ebb3ae7f", rolesSource}
	ManagedIdentityOperator    = Role{"Managed Identity Operator", "f1a07417-d97a-45cb-824c-7a7467783830", rolesSource}
	AcrPull                    = Role{"AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d", rolesSource}
	StorageBlobDataReader      = Role{"Storage Blob Data Reader", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", rolesSource}
	StorageBlobDataContributor = Role{"Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe", rolesSource}
	StorageAccountContributor  = Role{"Storage Account Contributor", "17d1049b-9a84-46fb-8f53-869881c3d3ab", rolesSource}
	KeyVaultSecretsUser        = Role{"Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6", rolesSource}

	Owner                   = Role{"Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", rolesSource}
	Contributor             = Role{"Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c", rolesSource}
	UserAccessAdministrator = Role{"User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", rolesSource}
)

// privileged are roles that can read or change any data, or grant access
// to it, under their scope: no workload identity holds them.
var privileged = map[string]Role{Owner.ID: Owner, Contributor.ID: Contributor, UserAccessAdministrator.ID: UserAccessAdministrator}

// IsPrivileged reports whether a role definition id is Owner, Contributor
// or User Access Administrator.
func IsPrivileged(roleID string) (Role, bool) {
	r, ok := privileged[roleID]
	return r, ok
}

// Documented requirements behind each grant.
const (
	srcAKSIdentity   = "https://learn.microsoft.com/azure/aks/use-managed-identity"
	srcAKSKubelet    = "https://learn.microsoft.com/azure/aks/cluster-container-registry-integration"
	srcAKSPrivateDNS = "https://learn.microsoft.com/azure/aks/private-clusters"
	srcAMLFSBlob     = "https://learn.microsoft.com/azure/azure-managed-lustre/amlfs-prerequisites"
	srcBlobData      = "https://learn.microsoft.com/azure/storage/blobs/assign-azure-role-data-access"
	srcKeyVaultRBAC  = "https://learn.microsoft.com/azure/key-vault/general/rbac-guide"
	srcACRRoles      = "https://learn.microsoft.com/azure/container-registry/container-registry-roles"
)
