package htmlreport

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/aizone/aizone/internal/testkit"
)

// chromium finds the browser: CHROMIUM_BIN, else chromium on PATH (what
// scripts/setup-chromium.sh installs). Under CI its absence fails the
// test; elsewhere the test is skipped with the reason.
func chromium(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("CHROMIUM_BIN"); b != "" {
		if _, err := os.Stat(b); err != nil {
			t.Fatalf("CHROMIUM_BIN=%s: %v", b, err)
		}
		return b
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const why = "no Chromium: set CHROMIUM_BIN or run scripts/setup-chromium.sh"
	if os.Getenv("CI") == "true" {
		t.Fatal(why + " (required under CI)")
	}
	t.Skip(why)
	return ""
}

// browser starts one headless Chromium for a test. The deadline guards
// against a browser that never answers; it is not a performance limit.
func browser(t *testing.T) context.Context {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	return bctx
}

// visit is what a page did while it loaded.
type visit struct {
	mu       sync.Mutex
	console  []string // console calls of level warning or error, exceptions, browser log warnings and errors
	requests []string // every request the page made, the page itself included
}

func (v *visit) add(ev any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			v.console = append(v.console, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		v.console = append(v.console, "exception: "+msg)
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
			v.console = append(v.console, fmt.Sprintf("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		v.requests = append(v.requests, e.Request.URL)
	}
}

// open loads a page in a new tab and returns what it did, with the tab's
// context for queries.
func open(t *testing.T, bctx context.Context, pageURL string) (context.Context, *visit) {
	t.Helper()
	tctx, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(tctx); err != nil {
		t.Fatal(err)
	}
	v := &visit{}
	if err := chromedp.Listen(tctx, v.add); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("loading %s: %v", pageURL, err)
	}
	// A round trip after the load event: events of the load arrive
	// before the answer to a later command.
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[string](`document.readyState`)); err != nil {
		t.Fatal(err)
	}
	return tctx, v
}

// problems lists what a visit did wrong: console errors and warnings,
// exceptions, and any request for something other than the page.
func (v *visit) problems(pageURL string) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := append([]string(nil), v.console...)
	for _, r := range v.requests {
		if r != pageURL {
			out = append(out, "request: "+r)
		}
	}
	if len(v.requests) == 0 {
		out = append(out, "no request seen for the page itself: the network listener is not working")
	}
	return out
}

// facts are what the test reads back from the DOM: data attributes as
// strings (parsed in Go so that no digit is lost) and drawn sizes.
type facts struct {
	Subnets []struct {
		VNet   string  `json:"vnet"`
		Name   string  `json:"name"`
		Prefix string  `json:"prefix"`
		Text   string  `json:"text"`
		W      float64 `json:"w"`
		H      float64 `json:"h"`
	} `json:"subnets"`
	Pools []struct {
		Workload string  `json:"workload"`
		SKU      string  `json:"sku"`
		Nodes    string  `json:"nodes"`
		Text     string  `json:"text"`
		W        float64 `json:"w"`
		H        float64 `json:"h"`
	} `json:"pools"`
	Monthly string `json:"monthly"`
	OneOff  string `json:"oneOff"`
	Costs   []struct {
		ID    string   `json:"id"`
		Kind  string   `json:"kind"`
		Group string   `json:"group"`
		Total string   `json:"total"`
		Bars  []string `json:"bars"`
	} `json:"costs"`
	Life []struct {
		Container string `json:"container"`
		Days      string `json:"days"`
		Bytes     string `json:"bytes"`
		Total     string `json:"total"`
		Storage   string `json:"storage"`
		Segs      []struct {
			From, To                       string
			Hot, Cool, Cold, Archive, Prem string
		} `json:"segs"`
	} `json:"life"`
	PolicyRows   int  `json:"policyRows"`
	NotEvaluated bool `json:"notEvaluated"`
}

const factsJS = `(() => {
  const all = (sel, root) => [...(root || document).querySelectorAll(sel)];
  const size = e => { const r = e.getBoundingClientRect(); return {w: r.width, h: r.height}; };
  return {
    subnets: all('#topology-svg g.subnet').map(e => ({vnet: e.dataset.vnet, name: e.dataset.subnet, prefix: e.dataset.prefix, text: e.textContent, ...size(e)})),
    pools: all('#topology-svg g.pool').map(e => ({workload: e.dataset.pool, sku: e.dataset.sku, nodes: e.dataset.nodes, text: e.textContent, ...size(e)})),
    monthly: document.getElementById('cost-monthly-total').dataset.usd,
    oneOff: document.getElementById('cost-one-off-total').dataset.usd,
    costs: all('svg.cost-chart').map(s => ({id: s.id, kind: s.dataset.kind, group: s.dataset.group, total: s.dataset.totalUsd,
      bars: all('g.bar', s).map(b => b.dataset.usd)})),
    life: all('svg.lifecycle-chart').map(s => ({container: s.dataset.container, days: s.dataset.days, bytes: s.dataset.bytes,
      total: s.dataset.totalUsd, storage: s.dataset.storageUsd,
      segs: all('g.segment', s).map(g => ({From: g.dataset.from, To: g.dataset.to, Hot: g.dataset.hot, Cool: g.dataset.cool,
        Cold: g.dataset.cold, Archive: g.dataset.archive, Prem: g.dataset.premium}))})),
    policyRows: all('#policy-verdicts tr').length - (document.getElementById('policy-verdicts') ? 1 : 0),
    notEvaluated: !!document.getElementById('policy-not-evaluated'),
  };
})()`

func atof(t *testing.T, what, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%s: %q is not a number", what, s)
	}
	return v
}

func atoi(t *testing.T, what, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s: %q is not an integer", what, s)
	}
	return v
}

// TestBrowser loads every example's page in headless Chromium and checks
// what a reader sees against the plan and the simulator.
func TestBrowser(t *testing.T) {
	bctx := browser(t)
	dir := t.TempDir()
	for _, f := range testkit.Examples(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			in := input(t, f)
			if name == "small" {
				in.Compliance = verdicts(t, in.Plan)
			}
			path := filepath.Join(dir, name+".html")
			if err := os.WriteFile(path, write(t, in), 0o644); err != nil {
				t.Fatal(err)
			}
			pageURL := (&url.URL{Scheme: "file", Path: path}).String()
			tctx, v := open(t, bctx, pageURL)
			for _, p := range v.problems(pageURL) {
				t.Error(p)
			}
			got, err := chromedp.Run(tctx, chromedp.Evaluate[facts](factsJS))
			if err != nil {
				t.Fatal(err)
			}
			checkTopology(t, in, got)
			checkCost(t, in, got)
			checkLifecycle(t, in, got)
			if in.Compliance != nil {
				if got.PolicyRows != len(in.Compliance.Findings) || got.NotEvaluated {
					t.Errorf("policy table has %d rows, want %d findings", got.PolicyRows, len(in.Compliance.Findings))
				}
			} else if !got.NotEvaluated {
				t.Error("no verdicts given, and the page does not say they were not evaluated")
			}
			if *update && name == "small" {
				screenshot(t, tctx)
			}
		})
	}
}

func checkTopology(t *testing.T, in Input, got facts) {
	t.Helper()
	seen := map[string]int{}
	for i, s := range got.Subnets {
		seen[s.VNet+"/"+s.Name] = i
	}
	for _, v := range in.Plan.Network.VNets {
		for _, s := range v.Subnets {
			i, ok := seen[v.Name+"/"+s.Name]
			if !ok {
				t.Errorf("subnet %s/%s is not in the drawing", v.Name, s.Name)
				continue
			}
			d := got.Subnets[i]
			if d.Prefix != s.Prefix || !strings.Contains(d.Text, s.Name) || !strings.Contains(d.Text, s.Prefix) {
				t.Errorf("subnet %s/%s: drawn with prefix %q and text %q, want %s", v.Name, s.Name, d.Prefix, d.Text, s.Prefix)
			}
			if d.W < 10 || d.H < 10 {
				t.Errorf("subnet %s/%s is drawn %gx%g: not visible", v.Name, s.Name, d.W, d.H)
			}
		}
	}
	pools := map[string]int{}
	for i, p := range got.Pools {
		pools[p.Workload] = i
	}
	for _, p := range in.Plan.Compute.Pools {
		i, ok := pools[p.Workload]
		if !ok {
			t.Errorf("pool %s is not in the drawing", p.Workload)
			continue
		}
		d := got.Pools[i]
		if d.SKU != p.SKU || d.Nodes != strconv.Itoa(p.Nodes) || !strings.Contains(d.Text, p.SKU) {
			t.Errorf("pool %s: drawn as %s × %s (%q), want %s × %d", p.Workload, d.Nodes, d.SKU, d.Text, p.SKU, p.Nodes)
		}
		if p.SKU != "" && !strings.Contains(d.Text, fmt.Sprintf("%d × %s", p.Nodes, p.SKU)) {
			t.Errorf("pool %s: the text %q does not say %d × %s", p.Workload, d.Text, p.Nodes, p.SKU)
		}
		if d.W < 10 || d.H < 10 {
			t.Errorf("pool %s is drawn %gx%g: not visible", p.Workload, d.W, d.H)
		}
	}
	if len(got.Pools) != len(in.Plan.Compute.Pools) {
		t.Errorf("%d pools drawn, the plan has %d", len(got.Pools), len(in.Plan.Compute.Pools))
	}
}

func checkCost(t *testing.T, in Input, got facts) {
	t.Helper()
	c := in.Plan.Cost
	if m := atof(t, "monthly total", got.Monthly); m != c.MonthlyUSD {
		t.Errorf("page's monthly total %v, plan's %v", m, c.MonthlyUSD)
	}
	if o := atof(t, "one-off total", got.OneOff); o != c.OneOffUSD {
		t.Errorf("page's one-off total %v, plan's %v", o, c.OneOffUSD)
	}
	if len(got.Costs) != 4 {
		t.Fatalf("%d cost charts, want monthly and one-off by workload and by service", len(got.Costs))
	}
	for _, ch := range got.Costs {
		want := c.MonthlyUSD
		if ch.Kind == kindOneOff {
			want = c.OneOffUSD
		}
		sum := 0.0
		for _, b := range ch.Bars {
			sum += atof(t, ch.ID+" bar", b)
		}
		if math.Abs(sum-want) > 0.005 {
			t.Errorf("%s: bars add up to %.2f, the plan's %s total is %.2f", ch.ID, sum, ch.Kind, want)
		}
		if total := atof(t, ch.ID+" total", ch.Total); math.Abs(total-want) > 0.005 {
			t.Errorf("%s: chart total %.2f, the plan's %s total is %.2f", ch.ID, total, ch.Kind, want)
		}
	}
}

func checkLifecycle(t *testing.T, in Input, got facts) {
	t.Helper()
	if len(got.Life) != len(in.Plan.Storage.Account.Containers) {
		t.Fatalf("%d lifecycle charts, the plan has %d containers", len(got.Life), len(in.Plan.Storage.Account.Containers))
	}
	for i, l := range got.Life {
		sim := in.Lifecycle[i]
		ct := in.Plan.Storage.Account.Containers[i]
		r := sim.Result
		if l.Container != ct.Name || atoi(t, "bytes", l.Bytes) != int64(ct.Bytes) {
			t.Errorf("chart %d is %s of %s bytes, plan's container %s has %d", i, l.Container, l.Bytes, ct.Name, ct.Bytes)
		}
		if d := atoi(t, "days", l.Days); d != int64(r.Days) {
			t.Errorf("%s: %d days drawn, %d simulated", ct.Name, d, r.Days)
		}
		if v := atof(t, "total", l.Total); v != r.TotalUSD {
			t.Errorf("%s: chart total %v, simulator's %v", ct.Name, v, r.TotalUSD)
		}
		if v := atof(t, "storage", l.Storage); v != r.StorageUSD {
			t.Errorf("%s: chart storage %v, simulator's %v", ct.Name, v, r.StorageUSD)
		}
		// The bands, day by day, are the simulator's bytes by tier.
		var drawn, simulated [5]int64
		next := int64(0)
		for _, s := range l.Segs {
			from, to := atoi(t, "from", s.From), atoi(t, "to", s.To)
			if from != next || to <= from {
				t.Errorf("%s: segment [%d, %d) after day %d", ct.Name, from, to, next)
			}
			next = to
			for k, b := range []string{s.Hot, s.Cool, s.Cold, s.Archive, s.Prem} {
				drawn[k] += atoi(t, "bytes", b) * (to - from)
			}
		}
		if next != int64(r.Days) {
			t.Errorf("%s: segments end on day %d of %d", ct.Name, next, r.Days)
		}
		for _, d := range r.ByDay {
			tb := d.BytesByTier
			for k, b := range []int64{tb.Hot, tb.Cool, tb.Cold, tb.Archive, tb.Premium} {
				simulated[k] += b
			}
		}
		if drawn != simulated {
			t.Errorf("%s: byte-days by tier drawn %v, simulated %v", ct.Name, drawn, simulated)
		}
	}
}

// screenshot writes docs/img/report.png: the top of the page at 1280
// pixels wide (topology and cost), small enough to keep in the repository.
func screenshot(t *testing.T, tctx context.Context) {
	t.Helper()
	if err := chromedp.Do(tctx, chromedp.EmulateViewport(1280, 1500)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(tctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join("..", "..", "docs", "img", "report.png")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", out, len(png))
}

// TestBrowserCatches: the harness itself sees a console error, an
// exception and a request for something other than the page, so that a
// clean result above means something.
func TestBrowserCatches(t *testing.T) {
	bctx := browser(t)
	path := filepath.Join(t.TempDir(), "bad.html")
	bad := `<!DOCTYPE html><html><head><title>bad</title></head><body>
<img src="https://example.invalid/x.png" alt="">
<script>console.error("boom"); null.x;</script></body></html>`
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: path}).String()
	_, v := open(t, bctx, pageURL)
	got := strings.Join(v.problems(pageURL), "\n")
	for _, want := range []string{"console.error", "exception:", "request: https://example.invalid/x.png"} {
		if !strings.Contains(got, want) {
			t.Errorf("the harness missed %q; it saw:\n%s", want, got)
		}
	}
}
