package cost

import (
	"math"
	"strings"
	"testing"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/lifecycle"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/storage"
)

func TestPlan(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	tier := func(name string) float64 {
		bt, ok := c.BlobTier(name)
		if !ok {
			t.Fatalf("no blob tier %s", name)
		}
		return bt.USDPerGBMonth
	}
	svc := func(key string) float64 {
		sp, ok := c.ServiceIn(key, "eastus")
		if !ok || sp.USD <= 0 {
			t.Fatalf("no price for %s", key)
		}
		return sp.USD
	}
	// 1 TB (931 GiB, the billing unit): 30 days Hot, 60 days Cool, deleted
	// at day 90. The average month over the retention is the day-weighted
	// price.
	wantBlob := 1e12 / (1 << 30) * (30*tier("hot") + 60*tier("cool")) / 90
	cases := []struct {
		name     string
		in       Input
		monthly  map[string]float64 // item -> USD per month
		oneOff   map[string]float64 // item -> USD
		unpriced []string           // items not priced, each with a meter
	}{
		{
			name:    "inference runs all month",
			in:      Input{Compute: compute.Result{Pools: []compute.Pool{{Workload: "chat", SKU: "Standard_NC40ads_H100_v5", Nodes: 2, USDPerHour: 20, MonthlyHours: 730}}}},
			monthly: map[string]float64{"chat pool": 20 * 730},
		},
		{
			name: "a training run is one-off, whatever its length",
			in: Input{Compute: compute.Result{Pools: []compute.Pool{{Workload: "pt", SKU: "Standard_ND96isr_H100_v5", Nodes: 10, USDPerHour: 1000, MonthlyHours: 730,
				Training: &compute.TrainingEstimate{Hours: 1000, CostUSD: 1e6}}}}},
			oneOff: map[string]float64{"pt training run": 1e6},
		},
		{
			name: "an unpriced size is never $0: the run is listed with its meter",
			in: Input{Compute: compute.Result{Pools: []compute.Pool{{Workload: "gb", SKU: "Standard_ND128isr_GB300_v6", Nodes: 18,
				Training: &compute.TrainingEstimate{Hours: 300}}, {Workload: "prep", SKU: "Standard_HB176rs_v4", Nodes: 4, MonthlyHours: 100}}}},
			unpriced: []string{"gb training run: not priced (meter Virtual Machines: ND128isrGB300v6", "prep pool: not priced (meter Virtual Machines: HB176rsv4"},
		},
		{
			name:    "NetApp priced by the storage engine",
			in:      Input{Storage: storage.Result{HotTier: storage.HotTier{Kind: "netapp", SKU: "Standard", CapacityTiB: 100, USDPerMonth: 100 * 150}}},
			monthly: map[string]float64{"hot tier NetApp Standard": 100 * 150},
		},
		{
			name:    "NetApp priced from its capacity meter (per GiB-month, else per GiB-hour × 730)",
			in:      Input{Region: "eastus", Storage: storage.Result{HotTier: storage.HotTier{Kind: "netapp", SKU: "Ultra", CapacityTiB: 10}}},
			monthly: map[string]float64{"hot tier NetApp Ultra": 10 * 1024 * 730 * svc("netapp-ultra-gib-hour")},
		},
		{
			name:     "Managed Lustre has no price in the reference",
			in:       Input{Storage: storage.Result{HotTier: storage.HotTier{Kind: "lustre", SKU: "AMLFS-Durable-Premium-250", CapacityTiB: 32}}},
			unpriced: []string{"hot tier Managed Lustre AMLFS-Durable-Premium-250 32 TiB: not priced (meter Azure Managed Lustre"},
		},
		{
			name: "blob follows its lifecycle schedule",
			in: Input{Storage: storage.Result{Account: storage.BlobAccount{Containers: []storage.Container{{Name: "corpus", Bytes: 1e12, RetainDays: 90,
				Schedule: []lifecycle.Step{{Day: 30, Action: "tierToCool"}, {Day: 90, Action: "delete"}}}}}}},
			monthly: map[string]float64{"blob corpus": wantBlob},
		},
		{
			// Served weights have no rule: kept until retired, they are
			// billed in Hot every month, not averaged over no retention.
			name:    "blob without a lifecycle rule stays in Hot every month",
			in:      Input{Storage: storage.Result{Account: storage.BlobAccount{Containers: []storage.Container{{Name: "models", Bytes: 8 << 30, Schedule: []lifecycle.Step{}}}}}},
			monthly: map[string]float64{"blob models": 8 * tier("hot")},
		},
		{
			name: "blob tiered down but never deleted rests in its last tier",
			in: Input{Storage: storage.Result{Account: storage.BlobAccount{Containers: []storage.Container{{Name: "archive", Bytes: 1e12,
				Schedule: []lifecycle.Step{{Day: 30, Action: "tierToCool"}, {Day: 60, Action: "tierToCold"}}}}}}},
			monthly: map[string]float64{"blob archive": 1e12 / (1 << 30) * tier("cold")},
		},
		{
			name: "network: endpoints, zones, a zone-owned hub; moving a corpus in is one-off",
			in: Input{Region: "eastus", Network: network.Result{
				PrivateEndpoints: []network.PrivateEndpoint{{Name: "pe-blob"}}, ComputeEndpoints: []network.PrivateEndpoint{{Name: "pe-kv", TargetType: "Microsoft.KeyVault/vaults", Target: "kv"}},
				PrivateDNSZones: []string{"privatelink.blob.core.windows.net"},
				Hub:             &network.Hub{Firewall: "afw", FirewallTier: "Premium", GatewayName: "ergw", Gateway: "ErGw3AZ"},
				Peerings:        []network.Peering{{Name: "to-hub"}},
				Transfers:       []network.Transfer{{Data: "corpus", Bytes: 400e12}},
				ExpressRoute:    &network.ExpressRoute{Recommended: network.Recommended{Circuit: "10 Gbps"}},
			}},
			monthly: map[string]float64{
				"private endpoints (2)":      2 * 730 * svc("private-endpoint-hour"),
				"private DNS zones (1)":      svc("private-dns-zone-month"),
				"Azure Firewall Premium (1)": 730 * svc("firewall-premium-hour"),
				"Standard public IPs (2)":    2 * 730 * svc("public-ip-standard-hour"),
			},
			oneOff: map[string]float64{"move corpus in over ExpressRoute": 400e3 * (svc("vnet-peering-intra-egress-gb") + svc("vnet-peering-intra-ingress-gb") + svc("private-endpoint-ingress-gb"))},
			unpriced: []string{"ExpressRoute gateway ergw (ErGw3AZ): not priced (meter ExpressRoute", "Key Vault kv operations: not priced (meter Key Vault: Operations",
				"Azure Firewall data processed: not priced (meter Azure Firewall: Premium Data Processed", "ExpressRoute circuit 10 Gbps"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, fs := Plan(c, tc.in)
			monthly, oneOff := map[string]float64{}, map[string]float64{}
			var sumM, sumO float64
			for _, l := range res.Lines {
				if l.Basis == "" || l.Service == "" || l.Meter == "" {
					t.Errorf("line %s lacks a basis, service or meter: %+v", l.Item, l)
				}
				switch l.Kind {
				case Monthly:
					monthly[l.Item] = l.USDPerMonth
					sumM += l.USD
					if l.USD != l.USDPerMonth {
						t.Errorf("monthly line %s: usd %.2f != usd_per_month %.2f", l.Item, l.USD, l.USDPerMonth)
					}
				case OneOff:
					oneOff[l.Item] = l.USD
					sumO += l.USD
					if l.USDPerMonth != 0 {
						t.Errorf("one-off line %s has a monthly amount", l.Item)
					}
				default:
					t.Errorf("line %s has kind %q", l.Item, l.Kind)
				}
				if l.USD <= 0 {
					t.Errorf("line %s is priced at $%.2f; an unpriced item belongs under unpriced", l.Item, l.USD)
				}
			}
			check := func(what string, got, want map[string]float64) {
				for item, w := range want {
					g, ok := got[item]
					if !ok || math.Abs(g-w) > 0.01 {
						t.Errorf("%s %s = %.2f (present %v), want %.2f", what, item, g, ok, w)
					}
				}
			}
			check("monthly", monthly, tc.monthly)
			check("one-off", oneOff, tc.oneOff)
			if math.Abs(res.MonthlyUSD-sumM) > 0.01 || math.Abs(res.OneOffUSD-sumO) > 0.01 {
				t.Errorf("totals %.2f a month, %.2f one-off are not the sums of their lines %.2f, %.2f", res.MonthlyUSD, res.OneOffUSD, sumM, sumO)
			}
			joined := strings.Join(res.Unpriced, "\n")
			for _, u := range tc.unpriced {
				if !strings.Contains(joined, u) {
					t.Errorf("unpriced %q missing from\n%s", u, joined)
				}
			}
			for _, u := range res.Missing {
				if u.Meter == "" || u.Service == "" || u.Why == "" {
					t.Errorf("unpriced item %s lacks its meter, service or reason", u.Item)
				}
				if strings.Contains(u.String(), "$0 ") {
					t.Errorf("unpriced item shown as $0: %s", u)
				}
			}
			if (len(res.Missing) > 0) != (len(fs) > 0) {
				t.Errorf("unpriced items %v without a finding, or a finding without them: %v", res.Unpriced, fs)
			}
		})
	}
}

func TestVMMeter(t *testing.T) {
	for sku, want := range map[string]string{
		"Standard_ND96isr_H100_v5":       "ND96isrH100v5", // gpu-vm-prices.md §3, §5
		"Standard_ND128isr_NDR_GB200_v6": "ND128isrNDRGB200v6",
		"standard_d4ds_v5":               "d4dsv5",
	} {
		if got := VMMeter(sku); got != want {
			t.Errorf("VMMeter(%s) = %s, want %s", sku, got, want)
		}
	}
}

// TestEverySizePricedOrNamed: every size of the catalog either has a
// price, or a pool of it is listed as not priced with the meter that
// would price it; never a line of $0.
func TestEverySizePricedOrNamed(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.SKUs {
		priced := len(c.PricesFor(s.Name)) > 0
		usd := 0.0
		if priced {
			usd = c.PricesFor(s.Name)[0].PAYG
		}
		res, _ := Plan(c, Input{Compute: compute.Result{Pools: []compute.Pool{{Workload: "w", SKU: s.Name, Nodes: 1, USDPerHour: usd, MonthlyHours: 730}}}})
		switch {
		case priced && (len(res.Lines) != 1 || res.Lines[0].USD <= 0):
			t.Errorf("%s has a price but no priced line: %+v", s.Name, res.Lines)
		case !priced && (len(res.Lines) != 0 || len(res.Missing) != 1 || !strings.Contains(res.Missing[0].Meter, "armSkuName "+s.Name)):
			t.Errorf("%s has no price and is not listed with its meter: lines %+v, unpriced %+v", s.Name, res.Lines, res.Missing)
		}
	}
}
