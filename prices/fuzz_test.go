package prices

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/aizone/aizone/catalog"
)

// FuzzParsePage feeds arbitrary bodies to the page parser and what it
// accepts on to Collect and WriteOverlay: nothing may panic, every item is
// either decoded or reported with its index, every rate is a positive
// finite price, and an overlay, when written, loads as a catalog file.
func FuzzParsePage(f *testing.F) {
	for _, n := range []string{"page-1.json", "page-2.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "pages", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		``, `{}`, `{"Items": []}`, `{"Items": null}`, `{"Items": [1, "x", null, {}]}`,
		`{"Items": [{"armSkuName": "Standard_ND96isr_H100_v5", "armRegionName": "eastus", "meterId": "m", "currencyCode": "USD", "retailPrice": 1e308, "unitOfMeasure": "1 Hour", "type": "Reservation", "reservationTerm": "5 Years", "effectiveStartDate": "2024-05-01T00:00:00Z"}]}`,
		`{"Items": [{"armSkuName": "standard_nd96isr_h100_v5", "armRegionName": "EastUS", "meterId": "m\u0000\n", "currencyCode": "USD", "retailPrice": 5e-324, "unitOfMeasure": "1 Hour", "type": "Consumption", "meterName": "x Spot", "effectiveStartDate": "2024-05-01T00:00:00+14:00"}], "NextPageLink": 3}`,
		"\xef\xbb\xbf{\"Items\": [], \"NextPageLink\": \"https://prices.azure.com:443/api/retail/prices?$skip=100\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePage("fuzz", data)
		if err != nil {
			return
		}
		if len(p.Items)+len(p.Malformed) != p.Total || len(p.Index) != len(p.Items) {
			t.Fatalf("%d items + %d malformed != %d", len(p.Items), len(p.Malformed), p.Total)
		}
		for i, ix := range p.Index {
			if ix < 0 || ix >= p.Total || (i > 0 && ix <= p.Index[i-1]) {
				t.Fatalf("index %v out of order or range", p.Index)
			}
		}
		res, err := Collect([]*Page{p}, Filter{Currency: "USD", SKUs: []string{h100, a100}, Regions: []string{"eastus", "westus3"}})
		if err != nil {
			return
		}
		for _, r := range res.Rates {
			if !(r.PerHour >= 0) || math.IsInf(r.PerHour, 0) {
				t.Fatalf("rate %+v", r)
			}
		}
		o, err := WriteOverlay(res.Rates, OverlayOptions{Regions: []string{"eastus", "westus3"}})
		if err != nil || o.Entries == 0 {
			return
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "rp.yaml"), o.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := catalog.Load(dir); err != nil {
			t.Fatalf("overlay does not load: %v\n%s", err, o.Data)
		}
	})
}
