package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aizone/aizone/catalog"
)

const (
	fetchH100 = "Standard_ND96isr_H100_v5"
	fetchA100 = "Standard_NC24ads_A100_v4"
)

// savedPages are the prices package's test pages (see its testdata/README.md).
var savedPages = filepath.Join("..", "..", "prices", "testdata", "pages")

// apiRow is an item in the Retail Prices API's shape.
func apiRow(sku, region, meter string, price float64, extra ...string) map[string]any {
	m := map[string]any{
		"currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": price, "unitPrice": price,
		"armRegionName": region, "location": region, "effectiveStartDate": "2026-10-01T00:00:00Z",
		"meterId":   fmt.Sprintf("meter-%s-%s-%s", region, sku, strings.ReplaceAll(meter, " ", "-")),
		"meterName": meter, "productName": "Virtual Machines Test Series", "skuName": meter,
		"serviceName": "Virtual Machines", "serviceFamily": "Compute", "unitOfMeasure": "1 Hour",
		"type": "Consumption", "isPrimaryMeterRegion": true, "armSkuName": sku,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

var filterRE = regexp.MustCompile(`armRegionName eq '([a-z0-9]+)' and armSkuName eq '([A-Za-z0-9_-]+)'`)

// serviceFilterRE reads a service query: rows["eastus svc:Azure Firewall|"]
// answers serviceName 'Azure Firewall' in eastus, any product.
var serviceFilterRE = regexp.MustCompile(`^serviceName eq '([^']+)' and armRegionName eq '([a-z0-9]+)'( and productName eq '([^']+)')?$`)

// svcRow is a service meter's row in the API's shape.
func svcRow(service, product, meter, unit, region string, price float64, extra ...string) map[string]any {
	m := apiRow("", region, meter, price, extra...)
	m["serviceName"], m["productName"], m["unitOfMeasure"], m["armSkuName"] = service, product, unit, ""
	m["meterId"] = fmt.Sprintf("meter-%s-%s-%s", region, strings.ReplaceAll(service, " ", "-"), strings.ReplaceAll(meter, " ", "-"))
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// priceAPI is a local Retail Prices API: rows[region+" "+sku] is the
// answer to one query, served at most per page items a page, linked by
// NextPageLink. The first request is throttled with Retry-After: 0.
type priceAPI struct {
	*httptest.Server
	rows    map[string][]any
	perPage int
	mu      sync.Mutex
	calls   int
	pages   map[string]int
}

func newPriceAPI(t *testing.T, perPage int, rows map[string][]any) *priceAPI {
	a := &priceAPI{rows: rows, perPage: perPage, pages: map[string]int{}}
	a.Server = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.Close)
	return a
}

func (a *priceAPI) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.calls++
	first := a.calls == 1
	a.mu.Unlock()
	if first {
		w.Header().Set("Retry-After", "0")
		http.Error(w, "Too many requests", http.StatusTooManyRequests)
		return
	}
	q := r.URL.Query()
	if q.Get("currencyCode") != "'USD'" {
		http.Error(w, "currency", http.StatusBadRequest)
		return
	}
	var key string
	if m := filterRE.FindStringSubmatch(q.Get("$filter")); m != nil {
		key = m[1] + " " + m[2]
	} else if m := serviceFilterRE.FindStringSubmatch(q.Get("$filter")); m != nil {
		key = m[2] + " svc:" + m[1] + "|" + m[4]
	} else {
		http.Error(w, "filter", http.StatusBadRequest)
		return
	}
	items := a.rows[key]
	skip := 0
	fmt.Sscan(q.Get("$skip"), &skip)
	end := min(skip+a.perPage, len(items))
	page := map[string]any{"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
		"Items": append([]any{}, items[min(skip, end):end]...), "Count": end - min(skip, end), "NextPageLink": nil}
	if end < len(items) {
		q.Set("$skip", fmt.Sprint(end))
		page["NextPageLink"] = a.URL + r.URL.Path + "?" + q.Encode()
	}
	a.mu.Lock()
	a.pages[key]++
	a.mu.Unlock()
	json.NewEncoder(w).Encode(page)
}

// h100Rows: a size whose answer spans three pages of two items.
func h100Rows() []any {
	return []any{
		apiRow(fetchH100, "eastus", "ND96isrH100v5", 99.5),
		apiRow(fetchH100, "eastus", "ND96isrH100v5", 104, "productName", "Virtual Machines Test Series Windows"),
		apiRow(fetchH100, "eastus", "ND96isrH100v5 Spot", 19.25),
		apiRow(fetchH100, "eastus", "ND96isrH100v5 Low Priority", 40),
		apiRow(fetchH100, "eastus", "ND96isrH100v5", 551221, "type", "Reservation", "reservationTerm", "1 Year"),
		apiRow(fetchH100, "eastus", "ND96isrH100v5", 1134310, "type", "Reservation", "reservationTerm", "3 Years"),
	}
}

func TestPricesFetchFromAPI(t *testing.T) {
	rows := map[string][]any{
		"eastus " + fetchH100: h100Rows(),
		"eastus " + fetchA100: {apiRow(fetchA100, "eastus", "NC24ads A100 v4", 3.5), apiRow(fetchA100, "eastus", "NC24ads A100 v4 Spot", 0.42)},
	}
	var files [][]byte
	for run := 0; run < 2; run++ {
		api := newPriceAPI(t, 2, rows)
		dir := filepath.Join(t.TempDir(), "mycat")
		out := filepath.Join(dir, "retail-prices.yaml")
		code, stdout, stderr := runCLI(t, "catalog", "prices", "fetch", "--region", "eastus", "--sku", fetchH100, "--sku", "nc24ads_a100_v4",
			"--endpoint", api.URL+"/api/retail/prices", "--out", out)
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		if api.pages["eastus "+fetchH100] != 3 {
			t.Errorf("H100 answer read in %d pages, want 3", api.pages["eastus "+fetchH100])
		}
		for _, want := range []string{"reservation-1y  62.924772  551221 / 8760 h", "low-priority    40"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		if !strings.Contains(stderr, "windows 1") || !strings.Contains(stderr, "wrote "+out+": 2 prices") {
			t.Errorf("stderr:\n%s", stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, data)

		// The overlay overrides the embedded price of its sizes and
		// regions, through --catalog as a user passes it.
		cat, err := catalog.Load(dir)
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		if p, _ := cat.Price(fetchH100, "eastus"); p.PAYG != 99.5 || *p.Spot != 19.25 || p.Source != "RP-eastus-ND96isr_H100_v5-payg" || p.Date != "2026-10-01" {
			t.Errorf("H100 eastus = %+v", p)
		}
		code, list, stderr := runCLI(t, "catalog", "prices", "--catalog", dir, "--format", "json")
		if code != 0 || !strings.Contains(list, `"payg_usd_per_hour": 99.5`) || !strings.Contains(list, `"source": "RP-eastus-NC24ads_A100_v4-payg"`) {
			t.Errorf("catalog prices --catalog: exit %d, %s\n%s", code, stderr, list)
		}
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Errorf("two fetches of the same answers differ:\n%s\n---\n%s", files[0], files[1])
	}
}

func TestPricesFetchFromSavedPages(t *testing.T) {
	var outs [][]byte
	for run := 0; run < 2; run++ {
		out := filepath.Join(t.TempDir(), "retail-prices.yaml")
		code, stdout, stderr := runCLI(t, "catalog", "prices", "fetch", "--from", savedPages, "--region", "eastus",
			"--sku", fetchH100, "--sku", fetchA100, "--as-of", "2026-12-01", "--out", out, "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		var rep struct {
			Entries   int
			Rates     []struct{ Kind string }
			Malformed []struct {
				Page   string
				Index  int
				Reason string
			}
			Skipped map[string]int
			Missing []string
		}
		if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		if rep.Entries != 2 || len(rep.Rates) != 7 || len(rep.Missing) != 0 || rep.Skipped["windows"] != 2 {
			t.Errorf("report %+v", rep)
		}
		if len(rep.Malformed) != 1 || rep.Malformed[0].Page != "page-2.json" || rep.Malformed[0].Index != 3 || !strings.Contains(rep.Malformed[0].Reason, "retailPrice") {
			t.Errorf("malformed = %+v", rep.Malformed)
		}
		if !strings.Contains(stderr, "page-2.json: item 3:") {
			t.Errorf("stderr does not list the malformed item:\n%s", stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(`date: "2026-12-01"`)) || !bytes.Contains(data, []byte("from saved API pages")) {
			t.Errorf("overlay:\n%s", data)
		}
		outs = append(outs, data)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two runs over the same pages differ")
	}
}

// A size the catalog prices in a region, which the API does not price
// there, leaves its embedded price in force: exit 1, the file written.
func TestPricesFetchMissingSize(t *testing.T) {
	api := newPriceAPI(t, 100, map[string][]any{"eastus " + fetchH100: h100Rows()})
	out := filepath.Join(t.TempDir(), "rp.yaml")
	code, _, stderr := runCLI(t, "catalog", "prices", "fetch", "--region", "eastus,eastus2,westus3", "--sku", fetchH100,
		"--endpoint", api.URL, "--out", out)
	if code != ExitFindings {
		t.Errorf("exit %d, want 1\n%s", code, stderr)
	}
	// eastus2 is priced in the embedded catalog; westus3 is not, so its
	// absence is no gap.
	if !strings.Contains(stderr, "the API gave no pay-as-you-go price: Standard_ND96isr_H100_v5 eastus2\n") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the prices found were not written: %v", err)
	}

	// Nothing usable: nothing written, exit 1.
	api = newPriceAPI(t, 100, map[string][]any{"eastus " + fetchH100: {
		apiRow(fetchH100, "eastus", "ND96isrH100v5", 104, "productName", "Virtual Machines Test Series Windows")}})
	out = filepath.Join(t.TempDir(), "rp.yaml")
	code, _, stderr = runCLI(t, "catalog", "prices", "fetch", "--region", "eastus", "--sku", fetchH100, "--endpoint", api.URL, "--out", out)
	if code != ExitFindings || !strings.Contains(stderr, "nothing written") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("an empty overlay was written")
	}

	// The API failing is exit 1 too, with its status.
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Invalid OData parameters supplied", http.StatusBadRequest)
	}))
	defer fail.Close()
	code, _, stderr = runCLI(t, "catalog", "prices", "fetch", "--region", "eastus", "--sku", fetchH100, "--endpoint", fail.URL, "--out", out)
	if code != ExitFindings || !strings.Contains(stderr, "400 Bad Request") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

func TestPricesFetchBadInput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "rp.yaml")
	notPage := filepath.Join(dir, "notpages")
	os.Mkdir(notPage, 0o755)
	os.WriteFile(filepath.Join(notPage, "x.json"), []byte(`{"value": []}`), 0o644)
	base := []string{"catalog", "prices", "fetch", "--from", savedPages}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", out}, "--region is required"},
		{[]string{"--region", "East US", "--out", out}, "region \"east us\""},
		{[]string{"--region", "eastus'", "--out", out}, "--region"},
		{[]string{"--region", "eastus", "--currency", "XYZ", "--out", out}, "unknown currency \"XYZ\""},
		{[]string{"--region", "eastus", "--currency", "EUR", "--out", out}, "use USD"},
		{[]string{"--region", "eastus"}, "--out is required"},
		{[]string{"--region", "eastus", "--out", filepath.Join(dir, "rp.txt")}, "only *.yaml"},
		{[]string{"--region", "eastus", "--out", out, "--as-of", "yesterday"}, "--as-of"},
		{[]string{"--region", "eastus", "--out", out, "--sku", "Standard_Nope"}, "not a size in the catalog"},
		{[]string{"--region", "eastus", "--out", out, "--max-pages", "0"}, "below the minimum"},
		{[]string{"--region", "eastus", "--out", out, "--format", "markdown"}, "--format"},
	} {
		code, _, stderr := runCLI(t, append(base, c.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", filepath.Join(dir, "none")}, "--from"},
		{[]string{"--from", notPage}, "not a Retail Prices API page"},
		{[]string{"--endpoint", "ftp://example.com/prices"}, "--endpoint"},
	} {
		args := append([]string{"catalog", "prices", "fetch", "--region", "eastus", "--out", out, "--sku", fetchH100}, c.args...)
		code, _, stderr := runCLI(t, args...)
		if code != ExitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused command wrote its output")
	}
}

// tiered makes a row a higher volume tier's.
func tiered(m map[string]any) map[string]any { m["tierMinimumUnits"] = 100000.0; return m }

// TestPricesFetchServices: the fetch asks for each service meter the
// catalog uses, follows the pages of a long answer, keeps Consumption
// rows of the first tier, reports a row in the wrong unit, and writes the
// prices under service_prices, where the cost engine finds them and says
// that they came from the overlay.
func TestPricesFetchServices(t *testing.T) {
	pl := "Virtual Network Private Link"
	rows := map[string][]any{
		"eastus " + fetchH100: h100Rows(),
		"eastus svc:Azure Firewall|": {
			svcRow("Azure Firewall", "Azure Firewall", "Standard Deployment", "1 Hour", "eastus", 1.3),
			svcRow("Azure Firewall", "Azure Firewall", "Standard Data Processed", "1 GB", "eastus", 0.016),
			tiered(svcRow("Azure Firewall", "Azure Firewall", "Standard Data Processed", "1 GB", "eastus", 0.008, "meterId", "tier2")),
		},
		// Three pages of two rows: the endpoint's meter is on the last.
		"eastus svc:Virtual Network|" + pl: {
			svcRow("Virtual Network", pl, "Standard Data Processed - Ingress", "1 GB", "eastus", 0.01),
			svcRow("Virtual Network", pl, "Standard Data Processed - Egress", "1 GB", "eastus", 0.01),
			svcRow("Virtual Network", pl, "Standard Data Processed - Ingress", "1 GB", "eastus", 0.005, "type", "DevTestConsumption", "meterId", "devtest"),
			svcRow("Virtual Network", pl, "Other Meter", "1 Hour", "eastus", 9),
			svcRow("Virtual Network", pl, "Standard Private Endpoint", "1 Hour", "eastus", 0.012),
		},
		"eastus svc:Azure Managed Lustre|": {svcRow("Azure Managed Lustre", "Azure Managed Lustre", "Durable Premium 250 Capacity", "1 TiB/Hour", "eastus", 0.35)},
		// The wrong unit: reported, not divided.
		"eastus svc:Key Vault|Key Vault": {svcRow("Key Vault", "Key Vault", "Operations", "1 Hour", "eastus", 0.03)},
	}
	api := newPriceAPI(t, 2, rows)
	dir := filepath.Join(t.TempDir(), "mycat")
	out := filepath.Join(dir, "retail-prices.yaml")
	code, stdout, stderr := runCLI(t, "catalog", "prices", "fetch", "--region", "eastus", "--sku", fetchH100,
		"--endpoint", api.URL+"/api/retail/prices", "--out", out, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if api.pages["eastus svc:Virtual Network|"+pl] != 3 {
		t.Errorf("private link answer read in %d pages, want 3", api.pages["eastus svc:Virtual Network|"+pl])
	}
	var rep struct {
		Services struct {
			Rates []struct {
				Key string
				USD float64
			}
			Malformed []struct{ Reason string }
			Missing   []string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	got := map[string]float64{}
	for _, r := range rep.Services.Rates {
		got[r.Key] = r.USD
	}
	want := map[string]float64{"firewall-standard-hour": 1.3, "firewall-standard-gb": 0.016, "private-endpoint-hour": 0.012,
		"private-endpoint-ingress-gb": 0.01, "private-endpoint-egress-gb": 0.01, "lustre-capacity": 0.35}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if _, ok := got["key-vault-operations"]; ok || len(rep.Services.Malformed) != 1 || !strings.Contains(rep.Services.Malformed[0].Reason, `unitOfMeasure "1 Hour", but the catalog prices it per 10K operations`) {
		t.Errorf("wrong-unit row: rates %v, malformed %+v", got, rep.Services.Malformed)
	}
	if !strings.Contains(strings.Join(rep.Services.Missing, ";"), "expressroute-circuit eastus") {
		t.Errorf("missing = %v", rep.Services.Missing)
	}
	cat, err := catalog.Load(dir)
	if err != nil {
		data, _ := os.ReadFile(out)
		t.Fatalf("%v\n%s", err, data)
	}
	sp, ok := cat.ServiceIn("private-endpoint-hour", "eastus")
	if !ok || sp.USD != 0.012 || sp.Embedded() || sp.Date != "2026-10-01" {
		t.Errorf("private endpoint price = %+v", sp)
	}
	// The H100 overlay entry carries Low Priority and the reservations
	// as fields, each per hour over its term.
	p, _ := cat.Price(fetchH100, "eastus")
	if p.LowPriority == nil || *p.LowPriority != 40 || len(p.Reservations) != 2 || p.Reservations[0].USDPerHour != 62.924772 || p.Reservations[1].TermUSD != 1134310 {
		t.Errorf("H100 eastus = %+v", p)
	}
	// A plan with the overlay prices its endpoints with it and says so.
	code, planOut, stderr := runCLI(t, "plan", filepath.Join("..", "..", "examples", "large.yaml"), "--catalog", dir, "--as-of", "2026-11-27", "--format", "json")
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	var pj struct {
		Cost struct {
			Lines  []struct{ Item, Basis string }
			Prices struct {
				Overlay      int
				OverlayFiles []string `json:"overlay_files"`
			}
		}
	}
	if err := json.Unmarshal([]byte(planOut), &pj); err != nil {
		t.Fatal(err)
	}
	if pj.Cost.Prices.Overlay == 0 || len(pj.Cost.Prices.OverlayFiles) != 1 || pj.Cost.Prices.OverlayFiles[0] != out {
		t.Errorf("price age = %+v", pj.Cost.Prices)
	}
	found := false
	for _, l := range pj.Cost.Lines {
		if strings.HasPrefix(l.Item, "private endpoints") && strings.Contains(l.Basis, "$0.012") && strings.Contains(l.Basis, "RP-eastus-private-endpoint-hour") {
			found = true
		}
	}
	if !found {
		t.Errorf("no private endpoint line priced from the overlay: %+v", pj.Cost.Lines)
	}
}
