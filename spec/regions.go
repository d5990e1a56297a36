package spec

import "sort"

// regions are the public Azure region names (the "name" column of
// `az account list-locations`), so that a typo is caught in the zone file
// rather than at deployment.
var regions = map[string]bool{}

func init() {
	for _, r := range []string{
		"australiacentral", "australiacentral2", "australiaeast", "australiasoutheast",
		"austriaeast", "belgiumcentral", "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast",
		"centralindia", "centralus", "chilecentral", "eastasia", "eastus", "eastus2",
		"francecentral", "francesouth", "germanynorth", "germanywestcentral",
		"indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest",
		"jioindiacentral", "jioindiawest", "koreacentral", "koreasouth", "malaysiawest",
		"mexicocentral", "newzealandnorth", "northcentralus", "northeurope",
		"norwayeast", "norwaywest", "polandcentral", "qatarcentral", "southafricanorth",
		"southafricawest", "southcentralus", "southeastasia", "southindia", "spaincentral",
		"swedencentral", "swedensouth", "switzerlandnorth", "switzerlandwest",
		"uaecentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope",
		"westindia", "westus", "westus2", "westus3",
	} {
		regions[r] = true
	}
}

// KnownRegion reports whether name is a public Azure region name.
func KnownRegion(name string) bool { return regions[name] }

// RegionNames lists the known region names, sorted.
func RegionNames() []string {
	out := make([]string, 0, len(regions))
	for r := range regions {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}
