package network

// geopolitical maps Azure regions to the ExpressRoute geopolitical region
// that decides the circuit SKU: a Standard circuit reaches every Azure
// region of its peering location's geopolitical region, Premium reaches all
// of them (N-ERFAQ, N-ERLOC).
//
// The stored copy of the ExpressRoute locations table (N-ERLOC) predates
// many regions. Regions it lists are marked "listed"; the others are placed
// by the same boundaries (country or continent) and marked "inferred", so
// that the plan can say when a SKU choice rests on an inference.
var geopolitical = map[string]struct {
	area   string
	listed bool
}{
	// Listed in N-ERLOC.
	"australiacentral": {"Australia Government", true}, "australiacentral2": {"Australia Government", true},
	"francecentral": {"Europe", true}, "francesouth": {"Europe", true}, "northeurope": {"Europe", true},
	"westeurope": {"Europe", true}, "ukwest": {"Europe", true}, "uksouth": {"Europe", true},
	"eastus": {"North America", true}, "westus": {"North America", true}, "eastus2": {"North America", true},
	"westus2": {"North America", true}, "centralus": {"North America", true}, "southcentralus": {"North America", true},
	"northcentralus": {"North America", true}, "westcentralus": {"North America", true},
	"canadacentral": {"North America", true}, "canadaeast": {"North America", true},
	"eastasia": {"Asia", true}, "southeastasia": {"Asia", true},
	"westindia": {"India", true}, "centralindia": {"India", true}, "southindia": {"India", true},
	"japanwest": {"Japan", true}, "japaneast": {"Japan", true},
	"australiasoutheast": {"Oceania", true}, "australiaeast": {"Oceania", true},
	"koreacentral": {"South Korea", true}, "koreasouth": {"South Korea", true},
	"uaecentral": {"UAE", true}, "uaenorth": {"UAE", true},
	"southafricawest": {"South Africa", true}, "southafricanorth": {"South Africa", true},
	"brazilsouth": {"South America", true},

	// Newer regions, placed by the same boundaries.
	"westus3": {"North America", false}, "mexicocentral": {"North America", false},
	"brazilsoutheast": {"South America", false}, "chilecentral": {"South America", false},
	"austriaeast": {"Europe", false}, "belgiumcentral": {"Europe", false}, "germanynorth": {"Europe", false},
	"germanywestcentral": {"Europe", false}, "italynorth": {"Europe", false}, "norwayeast": {"Europe", false},
	"norwaywest": {"Europe", false}, "polandcentral": {"Europe", false}, "spaincentral": {"Europe", false},
	"swedencentral": {"Europe", false}, "swedensouth": {"Europe", false}, "switzerlandnorth": {"Europe", false},
	"switzerlandwest": {"Europe", false},
	"jioindiacentral": {"India", false}, "jioindiawest": {"India", false},
	"indonesiacentral": {"Asia", false}, "malaysiawest": {"Asia", false},
	"newzealandnorth": {"Oceania", false},
	"israelcentral":   {"Middle East", false}, "qatarcentral": {"Middle East", false},
}

// Geography returns the ExpressRoute geopolitical region of an Azure
// region, and whether the stored locations table lists it (false: inferred
// from its country; "" when unknown).
func Geography(region string) (area string, listed bool) {
	g, ok := geopolitical[region]
	if !ok {
		return "", false
	}
	return g.area, g.listed
}
