// Package naming derives the Azure resource names aizone generates from
// the zone file's names, within each type's documented rules, and finds
// the collisions two user names would cause once derived. Derivations are
// deterministic: a name cut to fit keeps a short hash of the whole, so two
// long names never become one.
package naming

import (
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
)

// Documented limits (Microsoft's "Naming rules and restrictions for Azure
// resources", https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).
const (
	MaxNSG           = 80 // Microsoft.Network/networkSecurityGroups
	MaxSubnet        = 80 // Microsoft.Network/virtualNetworks/subnets
	MaxScaleSet      = 64 // Microsoft.Compute/virtualMachineScaleSets (Linux)
	MaxComputerName  = 58 // a Linux scale set's computerNamePrefix; Azure appends a suffix
	MaxAKSPool       = 12 // Linux agent pools: lowercase letters and digits
	MaxPlacement     = 80 // proximity placement groups
	MaxIdentity      = 128
	MaxBlobContainer = 63
)

// Fit returns name unchanged when it has at most max characters, and
// otherwise its first characters and a hash of the whole, max long, so
// that names cut to fit stay distinct.
func Fit(name string, max int) string {
	if len(name) <= max {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	suffix := fmt.Sprintf("-%06x", h.Sum32()&0xffffff)
	head := strings.TrimRight(name[:max-len(suffix)], "-_.")
	return head + suffix
}

// AKSPool is the agent pool name of a workload: lowercase letters and
// digits, starting with a letter, at most 12 characters. Different
// workloads can give the same pool name (chat-1 and chat1); Collisions
// finds them.
func AKSPool(workload string) string {
	var s strings.Builder
	for _, r := range workload {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			s.WriteRune(r)
		}
	}
	n := s.String()
	if n == "" || n[0] < 'a' {
		n = "gpu" + n
	}
	if len(n) > MaxAKSPool {
		n = n[:MaxAKSPool]
	}
	return n
}

// ReservedAKSPools are agent pool names aizone's clusters use themselves.
var ReservedAKSPools = map[string]string{"system": "the cluster's system pool"}

var containerRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)

// ContainerProblem says why name is not a valid Blob container name, or
// "" when it is: 3 to 63 lowercase letters, digits and single hyphens,
// starting and ending with a letter or digit.
func ContainerProblem(name string) string {
	switch {
	case len(name) < 3 || len(name) > MaxBlobContainer:
		return fmt.Sprintf("a Blob container name has 3 to 63 characters, %q has %d", name, len(name))
	case strings.Contains(name, "--"):
		return fmt.Sprintf("a Blob container name has no consecutive hyphens (%q)", name)
	case !containerRE.MatchString(name):
		return fmt.Sprintf("a Blob container name has lowercase letters, digits and single hyphens, starting and ending with a letter or digit (%q)", name)
	}
	return ""
}

// Collision is two user names that derive to one resource name.
type Collision struct {
	First, Second int // indexes of the two names, First < Second
	Derived       string
}

// Collisions finds the names whose derivation by f collides, in order.
func Collisions(names []string, f func(string) string) []Collision {
	seen := map[string]int{}
	var out []Collision
	for i, n := range names {
		d := f(n)
		if j, ok := seen[d]; ok {
			out = append(out, Collision{First: j, Second: i, Derived: d})
			continue
		}
		seen[d] = i
	}
	return out
}

// Compact is a zone name without hyphens, cut to n characters: the stem
// of names whose type allows only letters and digits.
func Compact(zone string, n int) string {
	s := strings.ReplaceAll(zone, "-", "")
	if len(s) > n {
		s = s[:n]
	}
	return s
}

// ZoneHash is six hex digits that tell one zone and region from another,
// for the globally unique names (storage account, Key Vault, registry).
func ZoneHash(zone, region string) string {
	h := fnv.New32a()
	h.Write([]byte(zone + "/" + region))
	return fmt.Sprintf("%06x", h.Sum32()&0xffffff)
}
