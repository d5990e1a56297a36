package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/internal/userfile"
	"github.com/aizone/aizone/prices"
)

// Why the fetch command's numeric flags have their bounds (docs/catalog.md).
const (
	whyPages    = "one size in one region is one page of at most 100 rows; more means the endpoint is not the Retail Prices API"
	whyAttempts = "each attempt on 429 or 503 waits as Retry-After asks, up to two minutes"
)

// newPricesFetchCmd is `aizone catalog prices fetch`: it reads the Retail
// Prices API (or saved pages of it) for the catalog's VM sizes and writes a
// catalog overlay file that --catalog reads.
func newPricesFetchCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "fetch --region R [--region R2...] --out FILE",
		Short: "Read current VM prices from the Azure Retail Prices API into a catalog overlay",
		Long: `Fetch asks the Azure Retail Prices API for the price of every VM size in the
catalog (or those named by --sku) in each --region, and writes FILE: a catalog
file in the format of catalog/data/prices.yaml, each price with its source
(the API, the meter id, the effective date). Put FILE in a directory and pass
--catalog DIR to plan with it; each entry replaces the embedded price of its
size and region.

Linux pay-as-you-go, Spot, Low Priority and 1/3/5-year reservation prices
(a reservation row is the whole term's price; the entry keeps it and its
price per hour of the term) become catalog entries. Windows and dev/test
rows are ignored. With --services (the default) it also asks for the
service meters the catalog uses (Azure Firewall, NAT Gateway, Virtual
Network peering and private endpoints, Azure DNS, Azure NetApp Files,
Azure Managed Lustre, ExpressRoute, Azure Kubernetes Service, Key Vault,
Container Registry, Log Analytics, Storage, Bandwidth) and writes each
meter it finds under service_prices with the catalog's key.

--from DIR reads saved API pages (*.json, each a response body) instead of
the network. The output names no wall-clock time: each price's date is the
meter's effectiveStartDate, or --as-of when given.

Exit status: 0 written; 1 the API failed, gave no usable price, or gave no
pay-as-you-go price for a size the catalog prices in a region (the file is
written with what was found, and the gaps are listed); 2 bad flags or
unreadable saved pages.`,
		Example: `  aizone catalog prices fetch --region eastus --region westus3 --out mycat/retail-prices.yaml
  aizone plan examples/large.yaml --catalog mycat
  aizone catalog prices fetch --region eastus --from saved-pages --as-of 2026-12-01 --out mycat/retail-prices.yaml`,
		Args: cobra.NoArgs,
	}
	regions := c.Flags().StringSlice("region", nil, "Azure region to price (repeatable, or comma-separated)")
	skus := c.Flags().StringSlice("sku", nil, "VM size to price (repeatable; default every size in the catalog)")
	currency := c.Flags().String("currency", "USD", "currency the API prices in; the catalog holds USD, so only USD can be written")
	out := c.Flags().String("out", "", "catalog overlay file to write (*.yaml)")
	from := c.Flags().String("from", "", "read saved API pages (*.json) from this directory instead of the network")
	endpoint := c.Flags().String("endpoint", prices.DefaultEndpoint, "Retail Prices API URL")
	asOf := c.Flags().String("as-of", "", "date (YYYY-MM-DD) written beside each price; rows effective later are ignored (default: each row's effectiveStartDate)")
	maxPages := newIntFlag(c, "max-pages", prices.DefaultMaxPages, 1, 1000, whyPages, "most pages followed for one size in one region")
	attempts := newIntFlag(c, "attempts", prices.DefaultMaxAttempts, 1, 10, whyAttempts, "attempts per request when throttled")
	services := c.Flags().Bool("services", true, "also price the service meters the catalog uses (firewall, private endpoints, NetApp, Managed Lustre, ExpressRoute, ...)")
	format := addFormatFlag(c, formatText, formatJSON)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		req, err := fetchRequest(*regions, *currency, *out, *asOf)
		if err != nil {
			return usageErr(err)
		}
		cat, err := loadCatalog(cmd)
		if err != nil {
			return err
		}
		req.skus, err = pricedSizes(cat, *skus)
		if err != nil {
			return usageErr(err)
		}

		var pages []*prices.Page
		if *from != "" {
			pages, err = prices.ReadDir(*from)
			if err != nil {
				return usageErr(fmt.Errorf("--from: %w", err))
			}
		} else {
			client, err := prices.New(prices.WithEndpoint(*endpoint), prices.WithMaxPages(*maxPages),
				prices.WithRetry(*attempts, prices.DefaultBackoff, prices.DefaultMaxWait))
			if err != nil {
				return usageErr(fmt.Errorf("--endpoint: %w", err))
			}
			pages, err = client.FetchAll(cmd.Context(), req.regions, req.skus, req.currency, fetchProgress(s.Err))
			if err != nil {
				return findingsErr(fmt.Errorf("reading the Retail Prices API: %w", err))
			}
			if *services {
				more, err := client.FetchServices(cmd.Context(), req.regions, meters(cat), req.currency, fetchProgress(s.Err))
				pages = append(pages, more...)
				if err != nil {
					return findingsErr(fmt.Errorf("reading the Retail Prices API: %w", err))
				}
			}
		}
		var svc *prices.ServiceResult
		if *services {
			svc, err = prices.CollectServices(pages, meters(cat), prices.Filter{Currency: req.currency, Regions: req.regions, AsOf: req.asOf})
			if err != nil {
				return usageErr(err)
			}
		}

		res, err := prices.Collect(pages, prices.Filter{Currency: req.currency, SKUs: req.skus, Regions: req.regions, AsOf: req.asOf})
		if err != nil {
			if *from != "" {
				return usageErr(fmt.Errorf("--from %s: %w", *from, err))
			}
			return findingsErr(err)
		}
		opt := prices.OverlayOptions{AsOf: req.asOf, Regions: req.regions, Saved: *from != ""}
		if svc != nil {
			opt.Services = svc.Rates
		}
		ov, err := prices.WriteOverlay(res.Rates, opt)
		if err != nil {
			return usageErr(err)
		}
		missing := missingPrices(cat, req, res.Rates)
		report := fetchReport{Out: req.out, Entries: ov.Entries, Result: res, Missing: missing, Unwritten: ov.Unwritten, Services: svc}
		if ov.Entries > 0 || ov.Services > 0 {
			if err := writeOverlayFile(req.out, ov.Data); err != nil {
				return err
			}
		}
		if *format == formatJSON {
			if err := writeJSON(s.Out, report); err != nil {
				return err
			}
		} else if err := fetchText(s.Out, res.Rates); err != nil {
			return err
		}
		fetchNotes(s.Err, report)
		switch {
		case ov.Entries == 0 && ov.Services > 0:
			return findingsErr(fmt.Errorf("no pay-as-you-go Linux price for any of %d sizes in %s; wrote %d service prices only", len(req.skus), strings.Join(req.regions, ", "), ov.Services))
		case ov.Entries == 0:
			return findingsErr(fmt.Errorf("no pay-as-you-go Linux price for any of %d sizes in %s; nothing written", len(req.skus), strings.Join(req.regions, ", ")))
		case len(missing) > 0:
			return findingsErr(fmt.Errorf("%d sizes the catalog prices got no pay-as-you-go price from the API; their embedded prices stay (listed above)", len(missing)))
		}
		return nil
	}
	return c
}

// fetchReq is a checked set of flags.
type fetchReq struct {
	regions  []string
	skus     []string
	currency string
	out      string
	asOf     string
}

func fetchRequest(regions []string, currency, out, asOf string) (fetchReq, error) {
	r := fetchReq{currency: strings.ToUpper(strings.TrimSpace(currency)), out: out, asOf: asOf}
	seen := map[string]bool{}
	for _, reg := range regions {
		reg = strings.ToLower(strings.TrimSpace(reg))
		if err := prices.CheckRegion(reg); err != nil {
			return r, fmt.Errorf("--region: %w", err)
		}
		if !seen[reg] {
			seen[reg] = true
			r.regions = append(r.regions, reg)
		}
	}
	sort.Strings(r.regions)
	if len(r.regions) == 0 {
		return r, errors.New("--region is required: name the regions to price, such as --region eastus")
	}
	if err := prices.CheckCurrency(r.currency); err != nil {
		return r, fmt.Errorf("--currency: %w", err)
	}
	if r.currency != "USD" {
		return r, fmt.Errorf("--currency %s: the catalog's prices are USD per hour (payg_usd_per_hour), and the API's other currencies are estimates at the day's exchange rate; use USD", r.currency)
	}
	switch ext := strings.ToLower(filepath.Ext(out)); {
	case out == "":
		return r, errors.New("--out is required: the catalog overlay file to write, such as mycat/retail-prices.yaml")
	case ext != ".yaml" && ext != ".yml":
		return r, fmt.Errorf("--out %s: --catalog reads only *.yaml and *.yml files; name it retail-prices.yaml, for example", out)
	}
	if asOf != "" {
		if _, err := time.Parse(time.DateOnly, asOf); err != nil {
			return r, fmt.Errorf("invalid --as-of %q: want YYYY-MM-DD", asOf)
		}
	}
	return r, nil
}

// pricedSizes returns the sizes to price, spelled as the catalog spells
// them: those named, or every size of the catalog.
func pricedSizes(cat *catalog.Catalog, named []string) ([]string, error) {
	if len(named) == 0 {
		return cat.SKUNames(), nil
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range named {
		s, ok := cat.SKU(strings.TrimSpace(n))
		if !ok {
			return nil, fmt.Errorf("--sku %q: not a size in the catalog (aizone catalog skus lists them; add a size with --catalog DIR)", n)
		}
		if !seen[s.Name] {
			seen[s.Name] = true
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// missingPrices lists the sizes the catalog prices in a requested region
// for which the API gave no pay-as-you-go Linux price: those keep an
// embedded price that the fetch was meant to refresh. A size the catalog
// does not price there and the API does not either is simply not offered.
func missingPrices(cat *catalog.Catalog, req fetchReq, rates []prices.Rate) []string {
	got := map[string]bool{}
	for _, r := range rates {
		if r.Kind == prices.PayAsYouGo {
			got[strings.ToLower(r.SKU)+"@"+r.Region] = true
		}
	}
	missing := []string{}
	for _, s := range req.skus {
		for _, reg := range req.regions {
			if _, ok := cat.Price(s, reg); ok && !got[strings.ToLower(s)+"@"+reg] {
				missing = append(missing, s+" "+reg)
			}
		}
	}
	return missing
}

// writeOverlayFile writes the overlay as a regular file (a FIFO or device
// named *.yaml is refused, not blocked on).
func writeOverlayFile(path string, data []byte) error {
	// The file is meant to sit in a catalog directory of its own; make
	// it, as `build -o DIR` does.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return usageErr(fmt.Errorf("--out: %w", err))
	}
	f, err := userfile.Create(path)
	if err != nil {
		return usageErr(fmt.Errorf("--out: %w", err))
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// fetchReport is the --format json output.
type fetchReport struct {
	Out     string `json:"out"`
	Entries int    `json:"entries"`
	*prices.Result
	// Missing are "size region" pairs the catalog prices but the API
	// gave no pay-as-you-go price for (exit 1).
	Missing []string `json:"missing"`
	// Unwritten are pairs with rates but no pay-as-you-go one.
	Unwritten []string `json:"unwritten,omitempty"`
	// Services are the service meter prices found (nil with --services=false).
	Services *prices.ServiceResult `json:"services,omitempty"`
}

// meters lists the service meters the catalog prices, or names for the
// items it cannot price, for the fetch to look up: every service price
// but those that are free by rule.
func meters(cat *catalog.Catalog) []prices.Meter {
	seen := map[string]bool{}
	var out []prices.Meter
	for _, sp := range cat.Services {
		if sp.NoCharge || seen[sp.Key] {
			continue
		}
		seen[sp.Key] = true
		out = append(out, prices.Meter{Key: sp.Key, Service: sp.Service, Product: sp.Product, Meter: sp.Meter, Unit: sp.Unit})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func fetchText(w io.Writer, rates []prices.Rate) error {
	var rows [][]string
	for _, r := range rates {
		term := "-"
		if r.Converted {
			term = fmt.Sprintf("%s / %d h", f(r.TermPrice), r.TermHours)
		}
		rows = append(rows, []string{r.SKU, r.Region, string(r.Kind), fmt.Sprintf("%g", r.PerHour), term, r.EffectiveDate, r.MeterID})
	}
	return writeTable(w, formatText, []string{"size", "region", "kind", "USD/h", "term price", "effective", "meter"}, rows)
}

// fetchNotes says on stderr what was left out and why.
func fetchNotes(w io.Writer, r fetchReport) {
	res := r.Result
	fmt.Fprintf(w, "read %d pages, %d items: %d rates", res.Pages, res.Items, len(res.Rates))
	if len(res.Skipped) > 0 {
		keys := make([]string, 0, len(res.Skipped))
		for k := range res.Skipped {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, res.Skipped[k]))
		}
		fmt.Fprintf(w, "; skipped: %s", strings.Join(parts, ", "))
	}
	if res.Superseded > 0 {
		fmt.Fprintf(w, "; %d rows superseded by a later or primary row", res.Superseded)
	}
	fmt.Fprintln(w)
	if len(res.Malformed) > 0 {
		fmt.Fprintf(w, "%d malformed items, not used:\n", len(res.Malformed))
		for _, m := range res.Malformed {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
	if len(r.Unwritten) > 0 {
		fmt.Fprintf(w, "no pay-as-you-go Linux row, not written: %s\n", strings.Join(r.Unwritten, "; "))
	}
	if len(r.Missing) > 0 {
		fmt.Fprintf(w, "the catalog prices these, the API gave no pay-as-you-go price: %s\n", strings.Join(r.Missing, "; "))
	}
	if sv := r.Services; sv != nil {
		fmt.Fprintf(w, "service meters: %d priced", len(sv.Rates))
		if len(sv.Missing) > 0 {
			fmt.Fprintf(w, "; no row for %d (their embedded price, if any, stays): %s", len(sv.Missing), strings.Join(sv.Missing, "; "))
		}
		fmt.Fprintln(w)
		for _, m := range sv.Malformed {
			fmt.Fprintf(w, "  not used: %s\n", m)
		}
	}
	if r.Entries > 0 || (r.Services != nil && len(r.Services.Rates) > 0) {
		n := r.Entries
		if r.Services != nil {
			n += len(r.Services.Rates)
		}
		fmt.Fprintf(w, "wrote %s: %d prices; plan with --catalog %s\n", r.Out, n, filepath.Dir(r.Out))
		if strings.EqualFold(filepath.Base(r.Out), "prices.yaml") {
			fmt.Fprintln(w, "note: a file named prices.yaml replaces every embedded price, not only these; name it retail-prices.yaml to extend them")
		}
	}
}

// fetchProgress reports a fetch's progress on stderr: a line per query
// would flood a log, so a count is written every few seconds, and nothing
// for a fast fetch.
func fetchProgress(w io.Writer) func(done, total int) {
	last := time.Now()
	return func(done, total int) {
		if time.Since(last) < 5*time.Second {
			return
		}
		last = time.Now()
		fmt.Fprintf(w, "fetched %d of %d sizes and regions\n", done, total)
	}
}
