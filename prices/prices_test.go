package prices

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aizone/aizone/catalog"
)

const (
	h100 = "Standard_ND96isr_H100_v5"
	a100 = "Standard_NC24ads_A100_v4"
)

// row returns an item in the API's shape: a Linux pay-as-you-go row of
// sku in region, changed by the options.
func row(sku, region string, price float64, opts ...func(map[string]any)) map[string]any {
	meter := strings.TrimPrefix(sku, "Standard_")
	m := map[string]any{
		"currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": price, "unitPrice": price,
		"armRegionName": region, "location": region, "effectiveStartDate": "2024-05-01T00:00:00Z",
		"meterId": "m-" + sku + "-" + region, "meterName": meter, "productId": "P", "skuId": "P/1",
		"productName": "Virtual Machines Test Series", "skuName": meter, "serviceName": "Virtual Machines",
		"serviceId": "S", "serviceFamily": "Compute", "unitOfMeasure": "1 Hour", "type": "Consumption",
		"isPrimaryMeterRegion": true, "armSkuName": sku,
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

func set(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }

func spot(m map[string]any) {
	m["meterName"] = m["meterName"].(string) + " Spot"
	m["skuName"] = m["skuName"].(string) + " Spot"
	m["meterId"] = m["meterId"].(string) + "-spot"
}

func lowPriority(m map[string]any) {
	// Only skuName says it: the parser must look at both names.
	m["skuName"] = m["skuName"].(string) + " Low Priority"
	m["meterId"] = m["meterId"].(string) + "-lp"
}

func windows(m map[string]any) {
	m["productName"] = m["productName"].(string) + " Windows"
	m["meterId"] = m["meterId"].(string) + "-win"
}

func reservation(term string) func(map[string]any) {
	return func(m map[string]any) {
		m["type"] = "Reservation"
		m["reservationTerm"] = term
		m["meterId"] = m["meterId"].(string) + "-r" + term
	}
}

// page encodes items as a response body.
func page(t testing.TB, next string, items ...any) []byte {
	t.Helper()
	if items == nil {
		items = []any{} // an empty answer is an empty array, not null
	}
	env := map[string]any{"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
		"Items": items, "Count": len(items), "NextPageLink": nil}
	if next != "" {
		env["NextPageLink"] = next
	}
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parse(t testing.TB, data []byte) *Page {
	t.Helper()
	p, err := ParsePage("test", data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var usdAll = Filter{Currency: "USD", SKUs: []string{h100, a100}, Regions: []string{"eastus", "westus3"}}

// rate finds the one rate of a kind.
func rate(t testing.TB, res *Result, sku, region string, k Kind) Rate {
	t.Helper()
	for _, r := range res.Rates {
		if r.SKU == sku && r.Region == region && r.Kind == k {
			return r
		}
	}
	t.Fatalf("no %s rate for %s in %s among %+v", k, sku, region, res.Rates)
	return Rate{}
}

func TestClassifyRows(t *testing.T) {
	p := parse(t, page(t, "",
		row(h100, "eastus", 98.32),
		row(h100, "eastus", 102.736, windows),
		row(h100, "eastus", 18.169536, spot),
		row(h100, "eastus", 39.5, lowPriority),
		row(h100, "eastus", 41.094, lowPriority, windows),
		row(h100, "eastus", 551221, reservation("1 Year")),
		row(h100, "eastus", 1134310, reservation("3 Years")),
		row(h100, "eastus", 60, set("type", "DevTestConsumption")),
		row(h100, "westus", 127.816),
		row(h100, "eastus", 1, set("serviceName", "Storage")),
	))
	res, err := Collect([]*Page{p}, usdAll)
	if err != nil {
		t.Fatal(err)
	}
	if got := rate(t, res, h100, "eastus", PayAsYouGo); got.PerHour != 98.32 || got.Converted {
		t.Errorf("pay-as-you-go = %+v, want the Linux 98.32 (the Windows row shares its meterName)", got)
	}
	if got := rate(t, res, h100, "eastus", Spot).PerHour; got != 18.169536 {
		t.Errorf("spot = %v", got)
	}
	if got := rate(t, res, h100, "eastus", LowPriority).PerHour; got != 39.5 {
		t.Errorf("low priority = %v, want the Linux row's 39.5", got)
	}
	// gpu-vm-prices.md §6: 551,221 / 8,760 = 62.93 and 1,134,310 / 26,280 = 43.16.
	r1 := rate(t, res, h100, "eastus", Reserved1Y)
	if r1.PerHour != 62.924772 || !r1.Converted || r1.TermPrice != 551221 || r1.TermHours != 8760 {
		t.Errorf("1-year reservation = %+v, want 62.924772 per hour converted from 551221 over 8760 h", r1)
	}
	r3 := rate(t, res, h100, "eastus", Reserved3Y)
	if r3.PerHour != 43.162481 || r3.TermHours != 26280 {
		t.Errorf("3-year reservation = %+v, want 43.162481 per hour over 26280 h", r3)
	}
	if len(res.Rates) != 5 {
		t.Errorf("%d rates, want 5: %+v", len(res.Rates), res.Rates)
	}
	want := map[string]int{SkipWindows: 2, SkipDevTest: 1, SkipNotWanted: 1, SkipService: 1}
	for k, n := range want {
		if res.Skipped[k] != n {
			t.Errorf("skipped[%q] = %d, want %d (all: %v)", k, res.Skipped[k], n, res.Skipped)
		}
	}
	if len(res.Malformed) != 0 {
		t.Errorf("malformed: %v", res.Malformed)
	}
}

func TestMalformedItemsReported(t *testing.T) {
	p := parse(t, page(t, "",
		row(h100, "eastus", 98.32),
		"not an object",
		row(h100, "eastus", 1, set("retailPrice", "98.32")),
		row(h100, "eastus", 0, set("meterId", "zero")),
		row(h100, "eastus", 1, set("currencyCode", "EUR")),
		row(h100, "eastus", 1, set("effectiveStartDate", "last week")),
		row(h100, "eastus", 1, reservation("2 Years")),
		row("", "eastus", 1),
		row(h100, "eastus", 1, set("unitOfMeasure", "1/Month")),
		row(h100, "eastus", 1, set("type", "")),
	))
	res, err := Collect([]*Page{p}, usdAll)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rates) != 1 || res.Rates[0].PerHour != 98.32 {
		t.Errorf("rates = %+v, want the one good row", res.Rates)
	}
	var idx []int
	for _, m := range res.Malformed {
		if m.Page != "test" || m.Reason == "" {
			t.Errorf("malformed item without page or reason: %+v", m)
		}
		idx = append(idx, m.Index)
	}
	if fmt.Sprint(idx) != "[1 2 3 4 5 6 7 8 9]" {
		t.Errorf("malformed indexes = %v, want 1..9; %v", idx, res.Malformed)
	}
	for _, s := range []string{"retailPrice", "not a positive price", "EUR", "RFC 3339", "reservationTerm", "armSkuName", "unitOfMeasure", "no type"} {
		if !strings.Contains(fmt.Sprint(res.Malformed), s) {
			t.Errorf("no malformed reason mentions %q: %v", s, res.Malformed)
		}
	}

	// Nothing usable at all is an error, not an empty result.
	bad := parse(t, page(t, "", "x", row(h100, "eastus", -1)))
	if _, err := Collect([]*Page{bad}, usdAll); !errors.Is(err, ErrNothingUsable) {
		t.Errorf("only malformed items: err = %v, want ErrNothingUsable", err)
	}
	// No items at all is an empty result: the size is not offered there.
	empty := parse(t, page(t, ""))
	if res, err := Collect([]*Page{empty}, usdAll); err != nil || len(res.Rates) != 0 {
		t.Errorf("empty page: %+v, %v", res, err)
	}
}

func TestParsePageRefusesOtherJSON(t *testing.T) {
	for _, in := range []string{``, `[]`, `{"error": {"code": "BadRequest"}}`, `{"Items": 3}`, `<html>`} {
		if _, err := ParsePage("x", []byte(in)); !errors.Is(err, ErrNotAPage) {
			t.Errorf("ParsePage(%q) err = %v, want ErrNotAPage", in, err)
		}
	}
}

func TestCollectPicksOneRowWhateverTheOrder(t *testing.T) {
	old := row(h100, "eastus", 90, set("effectiveStartDate", "2023-01-01T00:00:00Z"), set("meterId", "a"))
	cur := row(h100, "eastus", 98.32, set("meterId", "b"))
	future := row(h100, "eastus", 110, set("effectiveStartDate", "2027-01-01T00:00:00Z"), set("meterId", "c"))
	secondary := row(h100, "eastus", 97, set("isPrimaryMeterRegion", false), set("meterId", "0"))
	f := usdAll
	f.AsOf = "2026-12-01"
	var first []byte
	for i, order := range [][]any{{old, cur, future, secondary}, {secondary, future, cur, old}, {cur, secondary, old, future}} {
		res, err := Collect([]*Page{parse(t, page(t, "", order...))}, f)
		if err != nil {
			t.Fatal(err)
		}
		got := rate(t, res, h100, "eastus", PayAsYouGo)
		if got.PerHour != 98.32 {
			t.Errorf("order %d: chose %+v, want the primary row in effect latest before --as-of", i, got)
		}
		if res.Skipped[SkipFuture] != 1 || res.Superseded != 2 {
			t.Errorf("order %d: skipped %v, superseded %d", i, res.Skipped, res.Superseded)
		}
		o, err := WriteOverlay(res.Rates, OverlayOptions{AsOf: f.AsOf, Regions: f.Regions})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = o.Data
		} else if !bytes.Equal(first, o.Data) {
			t.Errorf("order %d: overlay differs:\n%s\nvs\n%s", i, o.Data, first)
		}
	}
}

func TestCurrencies(t *testing.T) {
	for _, c := range []string{"USD", "EUR", "JPY"} {
		if err := CheckCurrency(c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	for _, c := range []string{"", "usd", "XYZ", "US Dollar", "BTC"} {
		if err := CheckCurrency(c); err == nil {
			t.Errorf("%q accepted", c)
		}
	}
	if _, err := Collect(nil, Filter{Currency: "XYZ"}); err == nil {
		t.Error("Collect accepted an unknown currency")
	}
	if _, err := WriteOverlay([]Rate{{SKU: h100, Region: "eastus", Kind: PayAsYouGo, PerHour: 90, Currency: "EUR"}}, OverlayOptions{}); err == nil {
		t.Error("WriteOverlay wrote EUR into payg_usd_per_hour")
	}
}

// server serves pages by path; each handler may answer with an error first.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func newServer(t *testing.T, h func(s *server, w http.ResponseWriter, r *http.Request)) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.URL.RequestURI())
		s.mu.Unlock()
		h(s, w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func client(t *testing.T, s *server, sl *sleeps, opts ...Option) *Client {
	t.Helper()
	c, err := New(append([]Option{WithEndpoint(s.URL + "/api/retail/prices"), WithSleep(sl.sleep), WithRetry(4, time.Second, time.Minute)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFetchFollowsNextPageLink(t *testing.T) {
	s := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("$skip") {
		case "":
			w.Write(page(t, s.URL+"/api/retail/prices?"+r.URL.RawQuery+"&$skip=100", row(h100, "eastus", 98.32), row(h100, "eastus", 102.736, windows)))
		case "100":
			w.Write(page(t, strings.Replace(s.URL+r.URL.RequestURI(), "$skip=100", "$skip=200", 1), row(h100, "eastus", 18.169536, spot)))
		case "200":
			w.Write(page(t, "", row(h100, "eastus", 551221, reservation("1 Year"))))
		default:
			http.Error(w, "no such page", http.StatusNotFound)
		}
	})
	sl := &sleeps{}
	pages, err := client(t, s, sl).Fetch(context.Background(), Query{Region: "eastus", SKU: h100, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 || len(s.requests) != 3 {
		t.Fatalf("%d pages from %d requests, want 3: %v", len(pages), len(s.requests), s.requests)
	}
	first := s.requests[0]
	for _, want := range []string{"currencyCode=%27USD%27", "$filter=serviceName%20eq%20%27Virtual%20Machines%27%20and%20armRegionName%20eq%20%27eastus%27%20and%20armSkuName%20eq%20%27Standard_ND96isr_H100_v5%27"} {
		if !strings.Contains(first, want) {
			t.Errorf("first request %s lacks %s", first, want)
		}
	}
	res, err := Collect(pages, usdAll)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rates) != 3 || res.Pages != 3 || res.Items != 4 || res.Skipped[SkipWindows] != 1 {
		t.Errorf("result %+v", res)
	}
}

func TestFetchRetriesThrottling(t *testing.T) {
	n := 0
	s := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
		n++
		switch n {
		case 1:
			w.Header().Set("Retry-After", "3")
			http.Error(w, "Too many requests", http.StatusTooManyRequests)
		case 2:
			http.Error(w, "unavailable", http.StatusServiceUnavailable) // no Retry-After: backoff
		default:
			w.Write(page(t, "", row(h100, "eastus", 98.32)))
		}
	})
	sl := &sleeps{}
	pages, err := client(t, s, sl).Fetch(context.Background(), Query{Region: "eastus", SKU: h100, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || n != 3 {
		t.Errorf("%d pages after %d requests", len(pages), n)
	}
	if fmt.Sprint(sl.d) != "[3s 1s]" {
		t.Errorf("waits = %v, want [3s 1s]: Retry-After honoured, then the backoff", sl.d)
	}
}

func TestFetchGivesUp(t *testing.T) {
	ctx := context.Background()
	q := Query{Region: "eastus", SKU: h100, Currency: "USD"}
	t.Run("attempts", func(t *testing.T) {
		s := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		sl := &sleeps{}
		_, err := client(t, s, sl).Fetch(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "after 4 attempts") || len(s.requests) != 4 || len(sl.d) != 3 {
			t.Errorf("err %v after %d requests and %d waits", err, len(s.requests), len(sl.d))
		}
	})
	t.Run("retry-after too long", func(t *testing.T) {
		s := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		sl := &sleeps{}
		_, err := client(t, s, sl).Fetch(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "asks to wait 1h0m0s") || len(sl.d) != 0 {
			t.Errorf("err %v, waits %v", err, sl.d)
		}
	})
	t.Run("bad request", func(t *testing.T) {
		s := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"Error":{"Code":"BadRequest","Message":"Invalid OData parameters supplied"}}`, http.StatusBadRequest)
		})
		_, err := client(t, s, &sleeps{}).Fetch(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "400 Bad Request") || !strings.Contains(err.Error(), "Invalid OData") || len(s.requests) != 1 {
			t.Errorf("err %v after %d requests", err, len(s.requests))
		}
	})
	t.Run("endless pages", func(t *testing.T) {
		n := 0
		s := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
			n++
			w.Write(page(t, fmt.Sprintf("%s/api/retail/prices?p=%d", s.URL, n)))
		})
		_, err := client(t, s, &sleeps{}, WithMaxPages(3)).Fetch(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "more than 3 pages") || n != 3 {
			t.Errorf("err %v after %d pages", err, n)
		}
	})
	t.Run("page loop", func(t *testing.T) {
		s := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
			w.Write(page(t, s.URL+"/api/retail/prices?same"))
		})
		_, err := client(t, s, &sleeps{}).Fetch(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "already read") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("foreign next page", func(t *testing.T) {
		s := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
			w.Write(page(t, "https://example.com/api/retail/prices?$skip=100"))
		})
		_, err := client(t, s, &sleeps{}).Fetch(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "refusing") || len(s.requests) != 1 {
			t.Errorf("err %v after %d requests", err, len(s.requests))
		}
	})
	t.Run("canceled while waiting", func(t *testing.T) {
		s := newServer(t, func(s *server, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		c, err := New(WithEndpoint(s.URL), WithRetry(3, time.Hour, time.Hour)) // the real sleep
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		if _, err := c.Fetch(ctx, q); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v, want the context's", err)
		}
	})
}

func TestQueryNamesChecked(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{
		{Region: "East US", SKU: h100, Currency: "USD"},
		{Region: "eastus' or 1 eq 1 or 'x", SKU: h100, Currency: "USD"},
		{Region: "eastus", SKU: "Standard_X' or 'a", Currency: "USD"},
		{Region: "eastus", SKU: h100, Currency: "XYZ"},
	} {
		if _, err := c.URL(q); err == nil {
			t.Errorf("URL(%+v) accepted", q)
		}
	}
	u, err := c.URL(Query{Region: "eastus", SKU: h100, Currency: "EUR"})
	if err != nil || !strings.HasPrefix(u, DefaultEndpoint+"?currencyCode=%27EUR%27&$filter=") {
		t.Errorf("URL = %s, %v", u, err)
	}
	for _, e := range []string{"ftp://x/y", "prices.azure.com", "http://"} {
		if _, err := New(WithEndpoint(e)); err == nil {
			t.Errorf("endpoint %q accepted", e)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"0": 0, "7": 7 * time.Second, "Tue, 01 Dec 2026 12:00:30 GMT": 30 * time.Second,
		"Tue, 01 Dec 2026 11:00:00 GMT": 0, "99999999999999999999": 0,
	} {
		got, ok := retryAfter(in, now)
		if in == "99999999999999999999" {
			if ok {
				t.Errorf("%q read as %v", in, got)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("retryAfter(%q) = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "soon", "-5"} {
		if _, ok := retryAfter(in, now); ok {
			t.Errorf("retryAfter(%q) read", in)
		}
	}
}

func TestReadDirSavedPages(t *testing.T) {
	pages, err := ReadDir(filepath.Join("testdata", "pages"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Collect(pages, Filter{Currency: "USD", SKUs: []string{h100, a100}, Regions: []string{"eastus"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sku  string
		kind Kind
		want float64
	}{
		{h100, PayAsYouGo, 98.32}, {h100, Spot, 18.169536}, {h100, LowPriority, 39.328},
		{h100, Reserved1Y, 62.924772}, {h100, Reserved3Y, 43.162481}, {a100, PayAsYouGo, 3.673}, {a100, Spot, 0.444433},
	} {
		if got := rate(t, res, c.sku, "eastus", c.kind).PerHour; got != c.want {
			t.Errorf("%s %s = %v, want %v", c.sku, c.kind, got, c.want)
		}
	}
	if len(res.Malformed) != 1 || res.Malformed[0].Page != "page-2.json" || res.Malformed[0].Index != 3 {
		t.Errorf("malformed = %v, want page-2.json item 3", res.Malformed)
	}
	if res.Skipped[SkipWindows] != 2 || res.Skipped[SkipDevTest] != 1 || res.Skipped[SkipNotWanted] != 1 {
		t.Errorf("skipped = %v", res.Skipped)
	}

	if _, err := ReadDir(t.TempDir()); !errors.Is(err, ErrNoPages) {
		t.Errorf("empty dir: %v", err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "a.json"), []byte(`{"nope": 1}`), 0o644)
	if _, err := ReadDir(bad); !errors.Is(err, ErrNotAPage) {
		t.Errorf("not a page: %v", err)
	}
}

// TestOverlayLoadsInCatalog writes an overlay and loads it as --catalog
// does: its prices replace the embedded ones of the same size and region
// and leave the others alone.
func TestOverlayLoadsInCatalog(t *testing.T) {
	p := parse(t, page(t, "",
		row(h100, "eastus", 99.5), row(h100, "eastus", 19.25, spot), row(h100, "eastus", 40, lowPriority),
		row(h100, "eastus", 551221, reservation("1 Year")),
		row(a100, "westus3", 3.5),      // spot omitted: the entry has none
		row(a100, "eastus", 0.4, spot), // no pay-as-you-go: not written
	))
	res, err := Collect([]*Page{p}, usdAll)
	if err != nil {
		t.Fatal(err)
	}
	o, err := WriteOverlay(res.Rates, OverlayOptions{Regions: usdAll.Regions})
	if err != nil {
		t.Fatal(err)
	}
	if o.Entries != 2 || fmt.Sprint(o.Unwritten) != "[Standard_NC24ads_A100_v4 eastus]" {
		t.Errorf("entries %d, unwritten %v", o.Entries, o.Unwritten)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "retail-prices.yaml"), o.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, o.Data)
	}
	pr, ok := cat.Price(h100, "eastus")
	if !ok || pr.PAYG != 99.5 || pr.Spot == nil || *pr.Spot != 19.25 || pr.Date != "2024-05-01" ||
		pr.Source != "RP-eastus-ND96isr_H100_v5-payg" || pr.SpotSource != "RP-eastus-ND96isr_H100_v5-spot" {
		t.Errorf("overlaid price = %+v", pr)
	}
	src := cat.Sources[pr.Source]
	if !strings.Contains(src.Ref, "meterId m-"+h100+"-eastus") || !strings.Contains(src.Ref, "effectiveStartDate 2024-05-01") || src.Date != "2024-05-01" {
		t.Errorf("source = %+v", src)
	}
	if pr, _ := cat.Price(a100, "westus3"); pr.PAYG != 3.5 || pr.Spot != nil {
		t.Errorf("westus3 A100 = %+v, want 3.5 and no spot", pr)
	}
	def, _ := catalog.Default()
	if want, _ := def.Price(a100, "eastus"); want == nil {
		t.Fatal("embedded catalog lost the A100 eastus price")
	} else if got, _ := cat.Price(a100, "eastus"); got.PAYG != want.PAYG || got.Source != want.Source {
		t.Errorf("A100 eastus = %+v, want the embedded %+v (the overlay had no pay-as-you-go row)", got, want)
	}
	for _, s := range []string{"#   low-priority: 40 USD/h", "#   reservation-1y: 62.924772 USD/h converted = 551221 USD for the term / 8760 h"} {
		if !bytes.Contains(o.Data, []byte(s)) {
			t.Errorf("overlay lacks %q:\n%s", s, o.Data)
		}
	}

	// With --as-of the date is the fetch date, for every price and source.
	o2, err := WriteOverlay(res.Rates, OverlayOptions{AsOf: "2026-12-01", Regions: usdAll.Regions})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(o2.Data, []byte(`date: "2024-05-01"`)) || !bytes.Contains(o2.Data, []byte(`date: "2026-12-01"`)) {
		t.Errorf("--as-of not used as the date:\n%s", o2.Data)
	}
}

// TestOverlayQuotesPageText: names from a page go into YAML strings and
// comments; a quote, a newline or a control character must not break the
// file or inject keys.
func TestOverlayQuotesPageText(t *testing.T) {
	p := parse(t, page(t, "", row(h100, "eastus", 98.32,
		set("productName", "Evil\"}, {sku: x\n# injected\u0007"), set("meterName", "ND\r\nprices: []"))))
	res, err := Collect([]*Page{p}, usdAll)
	if err != nil {
		t.Fatal(err)
	}
	o, err := WriteOverlay(res.Rates, OverlayOptions{Regions: usdAll.Regions})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rp.yaml"), o.Data, 0o644)
	cat, err := catalog.Load(dir)
	if err != nil {
		t.Fatalf("%v\n%s", err, o.Data)
	}
	if pr, _ := cat.Price(h100, "eastus"); pr.PAYG != 98.32 || !strings.Contains(cat.Sources[pr.Source].Ref, `Evil"}, {sku: x # injected`) {
		t.Errorf("price %+v, source %+v", pr, cat.Sources[pr.Source])
	}
}
