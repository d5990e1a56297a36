package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aizone/aizone/internal/yamlpos"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/aizone/aizone/catalog"
	"github.com/aizone/aizone/internal/redact"
	"github.com/aizone/aizone/internal/userfile"
	"github.com/aizone/aizone/inventory"
	"github.com/aizone/aizone/lifecycle"
	"github.com/aizone/aizone/simulation"
)

func newStorageCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "storage",
		Short: "Check lifecycle policies and simulate them over blob inventories",
		Long: `Storage commands work on Azure Blob lifecycle management policies and blob
inventories: validate a policy, play it forward over an inventory report or a
live container to see bytes per tier and cost, and write synthetic
inventories for demos and benchmarks.`,
	}
	c.AddCommand(newStorageSimulateCmd(s), newStorageInventoryGenCmd(s), newStorageValidateCmd(s))
	// Flag errors quote the value given, which may be a SAS or a key put
	// in the wrong place.
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return redact.Error(err) })
	// Without a run function cobra would answer an unknown subcommand by
	// quoting it (perhaps a URL with a SAS) before any of our code runs.
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageErr(redact.Error(fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())))
		}
		return cmd.Help()
	}
	for _, sub := range c.Commands() {
		guard(sub)
	}
	return c
}

// guard keeps secrets out of everything a storage command prints on
// failure: its own errors and those it wraps (the Azure SDK's and
// net/http's quote request URLs whole, SAS included), and cobra's
// argument errors, which quote the arguments. The one redaction function
// is redact.String.
func guard(c *cobra.Command) {
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error { return redact.Error(args(cmd, a)) }
	}
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, a []string) error { return redactErr(run(cmd, a)) }
	}
}

func redactErr(err error) error {
	if ee, ok := err.(*ExitError); ok {
		// Main prints ee.Err, so the redaction goes inside.
		return &ExitError{Code: ee.Code, Err: redact.Error(ee.Err)}
	}
	return redact.Error(err)
}

// intFlag is an integer flag with bounds, checked as the flag is parsed,
// so that no value out of range reaches the code (a huge allocation, an
// overflow) and the error names the flag, the bound and why it is there.
type intFlag struct {
	v        *int
	min, max int
	why      string
}

func newIntFlag(c *cobra.Command, name string, def, lo, hi int, why, usage string) *int {
	v := def
	c.Flags().Var(&intFlag{v: &v, min: lo, max: hi, why: why}, name, fmt.Sprintf("%s, %s to %s", usage, thousands(int64(lo)), thousands(int64(hi))))
	return &v
}

func (f *intFlag) Set(s string) error {
	lo, hi := thousands(int64(f.min)), thousands(int64(f.max))
	n, err := strconv.ParseInt(s, 0, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return fmt.Errorf("not a whole number; want %s to %s", lo, hi)
	case err != nil && strings.HasPrefix(s, "-"), err == nil && n < int64(f.min):
		return fmt.Errorf("below the minimum; want %s to %s", lo, hi)
	case err != nil, n > int64(f.max):
		return fmt.Errorf("above the maximum of %s (%s)", hi, f.why)
	}
	*f.v = int(n)
	return nil
}

func (f *intFlag) String() string {
	if f.v == nil {
		return "0"
	}
	return strconv.Itoa(*f.v)
}

func (f *intFlag) Type() string { return "int" }

// Why each numeric flag has its bound; docs/storage.md lists them.
const (
	whyDays      = "a hundred years, past any retention a policy states; memory and the by_day output grow with the days"
	whyWorkers   = "one reader feeds the workers, so more only wait, and each holds about 150 bytes a simulated day"
	whyBatchRows = "0 keeps each format's default; every worker holds a batch of records in memory"
	whyBlobs     = "a billion rows is about 140 GB of CSV, a hundred times the benchmark"
)

// asOfMin is the earliest --as-of: Azure Storage dates from 2010, and the
// bound keeps every generated time (up to two years before --as-of) far
// from 1970, where a zero time means null in an inventory.
var asOfMin = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func newStorageValidateCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "validate POLICY.json",
		Short: "Check a lifecycle policy against every documented limit and rule",
		Long: `Validate reads a lifecycle management policy ({"rules": [...]}, as
az storage account management-policy create takes it, or wrapped in
"policy" or "properties.policy") and reports every problem with its line,
column and JSON path. --kind and --sku enable the account-specific checks
(tierToHot only on premium block blob accounts, no Archive with ZRS).

Exit status: 0 valid, 2 invalid.`,
		Example: "  aizone storage validate out/storage/lifecycle-policy.json\n  aizone storage validate policy.json --kind StorageV2 --sku Standard_ZRS",
		Args:    cobra.ExactArgs(1),
	}
	kind := c.Flags().String("kind", "", "account kind (StorageV2, BlockBlobStorage) for account-specific checks")
	sku := c.Flags().String("sku", "", "account SKU (Standard_LRS, Standard_ZRS, ...) for account-specific checks")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkAccountFlags(*kind, *sku, true); err != nil {
			return err
		}
		var acct *lifecycle.Account
		if *kind != "" || *sku != "" {
			a := lifecycle.AccountFromSKU(*kind, *sku)
			acct = &a
		}
		p, err := loadPolicy(args[0], acct)
		if err != nil {
			return usageErr(err)
		}
		fmt.Fprintf(s.Out, "%s: valid lifecycle policy with %d rule(s)\n", args[0], len(p.Rules))
		return nil
	}
	return c
}

func newStorageInventoryGenCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "inventory-gen --blobs N --out FILE",
		Short: "Write a synthetic blob inventory report",
		Long: `Inventory-gen writes a realistic Azure Blob inventory report: datasets/,
checkpoints/, logs/, artifacts/ and models/ containers, heavy-tailed sizes,
ages over two years, tiers that follow age, some snapshots and previous
versions. The same seed always writes the same file.`,
		Example: "  aizone storage inventory-gen --blobs 1000000 --out inv.csv\n  aizone storage inventory-gen --blobs 10000000 --out inv.parquet --format parquet --seed 7",
		Args:    cobra.NoArgs,
	}
	blobs := newIntFlag(c, "blobs", 0, 1, inventory.MaxGenerateRows, whyBlobs, "number of rows (blobs, snapshots and versions)")
	out := c.Flags().String("out", "", "file to write")
	format := c.Flags().String("format", "", "csv or parquet (default from the file extension, else csv)")
	seed := c.Flags().Uint64("seed", 1, "random seed")
	asOf := c.Flags().String("as-of", inventory.DefaultAsOf.Format(time.DateOnly), "inventory date, 2000-01-01 or later; all blob times are before it")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if *blobs == 0 {
			return usageErr(fmt.Errorf("--blobs is required: the number of rows, 1 to %s", thousands(inventory.MaxGenerateRows)))
		}
		if *out == "" {
			return usageErr(errors.New("--out is required"))
		}
		f := *format
		if f == "" {
			f = "csv"
			if strings.HasSuffix(strings.ToLower(*out), ".parquet") {
				f = "parquet"
			}
		}
		if f != "csv" && f != "parquet" {
			return usageErr(fmt.Errorf("unknown --format %q; use csv or parquet", f))
		}
		date, err := time.Parse(time.DateOnly, *asOf)
		if err != nil {
			return usageErr(fmt.Errorf("invalid --as-of %q: want YYYY-MM-DD", *asOf))
		}
		if date.Before(asOfMin) {
			return usageErr(fmt.Errorf("--as-of %s is before %s (Azure Storage dates from 2010; generated times go back two years from --as-of and must stay well after 1970, where a zero time means null)",
				*asOf, asOfMin.Format(time.DateOnly)))
		}
		fh, err := userfile.Create(*out)
		if err != nil {
			return usageErr(fmt.Errorf("--out: %w", err))
		}
		w, err := inventory.NewWriter(fh, f)
		if err == nil {
			err = inventory.Generate(w, inventory.GenerateOptions{Rows: *blobs, Seed: *seed, AsOf: date})
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", *out, err)
		}
		fmt.Fprintf(s.Err, "wrote %d rows to %s (%s)\n", *blobs, *out, f)
		return nil
	}
	return c
}

// pricesFile is the --prices format: the catalog's blob_tiers list, at the
// top level or under storage: as in catalog/data/storage.yaml.
type pricesFile struct {
	BlobTiers []catalog.BlobTier `yaml:"blob_tiers"`
	Storage   struct {
		BlobTiers []catalog.BlobTier `yaml:"blob_tiers"`
	} `yaml:"storage"`
}

func loadPrices(cmd *cobra.Command, path string) (simulation.Prices, error) {
	if path == "" {
		cat, err := loadCatalog(cmd)
		if err != nil {
			return simulation.Prices{}, err
		}
		return simulation.PricesFromCatalog(cat)
	}
	data, err := userfile.ReadFile(path)
	if err != nil {
		return simulation.Prices{}, usageErr(fmt.Errorf("--prices: %w", err))
	}
	var pf pricesFile
	if err := yaml.Unmarshal(data, &pf); err != nil {
		return simulation.Prices{}, usageErr(fmt.Errorf("%s: %w", path, err))
	}
	tiers := pf.BlobTiers
	if len(tiers) == 0 {
		tiers = pf.Storage.BlobTiers
	}
	p, err := simulation.PricesFromTiers(tiers)
	if err != nil {
		return p, usageErr(fmt.Errorf("%s: %w", path, err))
	}
	p.Source = path
	return p, nil
}

func newStorageSimulateCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "simulate (--inventory PATH | --container URL) --policy FILE",
		Short: "Play a lifecycle policy forward over a blob inventory and price it",
		Long: `Simulate reads an Azure Blob inventory report (CSV or Parquet; PATH may be a
directory of report files) or lists a live container, and plays the policy's
daily runs forward: bytes in each tier on each day, tier transitions,
deletions, early-deletion fees (Cool 30, Cold 90, Archive 180 days), Set
Blob Tier operations, storage cost, and the savings against no policy.

With --container the Azure identity default chain signs the requests, or a
SAS in the URL, or --connection-string (AZURE_STORAGE_CONNECTION_STRING).

The simulation assumes no reads or writes after the inventory: blobs age,
rules act, nothing is accessed. Prices come from the catalog (--catalog) or
--prices FILE (blob_tiers as in catalog/data/storage.yaml).`,
		Example: "  aizone storage simulate --inventory inv.csv --policy out/storage/lifecycle-policy.json\n" +
			"  aizone storage simulate --inventory 2026/01/01/00-00-00/ --policy p.json --days 730 --format json",
		Args: cobra.NoArgs,
	}
	invPath := c.Flags().String("inventory", "", "inventory report file, or a directory of report files")
	contURL := c.Flags().String("container", "", "container URL to list instead of an inventory")
	connStr := c.Flags().String("connection-string", "", "storage connection string for --container (default $AZURE_STORAGE_CONNECTION_STRING)")
	policyPath := c.Flags().String("policy", "", "lifecycle policy JSON file")
	days := newIntFlag(c, "days", 365, 1, simulation.MaxDays, whyDays, "days to simulate")
	start := c.Flags().String("start", "", "first simulated day, YYYY-MM-DD (default today, UTC)")
	prices := c.Flags().String("prices", "", "YAML or JSON file of blob tier prices (default: the catalog's)")
	kind := c.Flags().String("kind", "StorageV2", "account kind: StorageV2 or BlockBlobStorage")
	sku := c.Flags().String("sku", "Standard_LRS", "account SKU; ZRS, GZRS and RA-GZRS rule out Archive")
	tracking := c.Flags().String("access-tracking-since", "", "date last-access tracking was enabled (default: the start date); \"off\" if it never was")
	workers := newIntFlag(c, "workers", 0, 0, inventory.MaxWorkers, whyWorkers, "parallel workers (0: one per CPU)")
	batchRows := newIntFlag(c, "batch-rows", 0, 0, inventory.MaxBatchRows, whyBatchRows,
		"rows handed to a worker at once (0: 4 MiB of CSV, 8,192 Parquet rows, a listing page; the answer never depends on it)")
	format := addFormatFlag(c, formatText, formatJSON)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		if err := checkAccountFlags(*kind, *sku, false); err != nil {
			return err
		}
		if (*invPath == "") == (*contURL == "") {
			return usageErr(errors.New("give exactly one of --inventory and --container"))
		}
		if *policyPath == "" {
			return usageErr(errors.New("--policy is required"))
		}
		startDate := time.Now().UTC()
		if *start != "" {
			t, err := time.Parse(time.DateOnly, *start)
			if err != nil {
				return usageErr(fmt.Errorf("invalid --start %q: want YYYY-MM-DD", *start))
			}
			startDate = t
		}
		acct := lifecycle.AccountFromSKU(*kind, *sku)
		switch *tracking {
		case "off":
		case "":
			acct.AccessTracking, acct.AccessTrackingSince = true, time.Date(startDate.Year(), startDate.Month(), startDate.Day(), 0, 0, 0, 0, time.UTC).Unix()
		default:
			t, err := time.Parse(time.DateOnly, *tracking)
			if err != nil {
				return usageErr(fmt.Errorf("invalid --access-tracking-since %q: want YYYY-MM-DD or off", *tracking))
			}
			acct.AccessTracking, acct.AccessTrackingSince = true, t.Unix()
		}
		pol, err := loadPolicy(*policyPath, &acct)
		if err != nil {
			return usageErr(err)
		}
		pr, err := loadPrices(cmd, *prices)
		if err != nil {
			return err
		}
		var src inventory.Source
		if *invPath != "" {
			src, err = inventory.Open(*invPath)
		} else {
			cs := *connStr
			if cs == "" {
				cs = os.Getenv("AZURE_STORAGE_CONNECTION_STRING")
			}
			src, err = inventory.OpenContainer(*contURL, cs)
		}
		if err != nil {
			return usageErr(err)
		}
		var rows atomic.Int64
		stop := progress(s.Err, &rows)
		res, err := simulation.Run(cmd.Context(), src, pol, simulation.Options{Days: *days, Start: startDate, Account: acct, Prices: pr,
			Workers: *workers, BatchRows: *batchRows, Progress: &rows})
		stop()
		if err != nil {
			var re *inventory.RowError
			if errors.As(err, &re) {
				return usageErr(err)
			}
			return err
		}
		if *format == formatJSON {
			return writeJSON(s.Out, res)
		}
		return simulationText(s.Out, res)
	}
	return c
}

// loadPolicy reads a lifecycle policy file, which must be a regular file
// (a FIFO would block the command).
func loadPolicy(path string, acct *lifecycle.Account) (*lifecycle.Policy, error) {
	data, err := userfile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading lifecycle policy: %w", err)
	}
	return lifecycle.Load(path, data, acct)
}

// progress shows rows per second on stderr while a simulation runs, only
// when stderr is a terminal; it returns the function that clears it.
func progress(w io.Writer, rows *atomic.Int64) func() {
	return statusLine(w, func(elapsed time.Duration) string {
		n := rows.Load()
		rate := float64(n) / elapsed.Seconds()
		return fmt.Sprintf("simulating: %s rows (%s rows/s)", thousands(n), thousands(int64(rate)))
	})
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func tib(b int64) string { return fmt.Sprintf("%.2f TiB", float64(b)/(1<<40)) }

// simulationText is the human summary: totals, then the tiers at the start,
// every 30 days and at the end.
func simulationText(w io.Writer, r *simulation.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s blobs, %s, %d days from %s\n\n", thousands(r.Blobs), tib(r.Bytes), r.Days, r.Start)
	fmt.Fprintf(&b, "%-12s %12s %12s %12s %12s %10s\n", "date", "hot", "cool", "cold", "archive", "USD/day")
	for i, d := range r.ByDay {
		if i%30 != 0 && i != len(r.ByDay)-1 {
			continue
		}
		t := d.BytesByTier
		fmt.Fprintf(&b, "%-12s %12s %12s %12s %12s %10.2f\n", d.Date, tib(t.Hot), tib(t.Cool), tib(t.Cold), tib(t.Archive), d.CostUSD)
	}
	b.WriteString("\ntransitions:")
	if len(r.Transitions) == 0 {
		b.WriteString(" none")
	}
	for _, k := range transitionKeys(r.Transitions) {
		fmt.Fprintf(&b, " %s %s", k, thousands(r.Transitions[k]))
	}
	fmt.Fprintf(&b, "\ndeleted:     %s blobs, %s\n\n", thousands(r.Deleted.Count), tib(r.Deleted.Bytes))
	fmt.Fprintf(&b, "storage          %14.2f USD\n", r.StorageUSD)
	fmt.Fprintf(&b, "operations       %14.2f USD\n", r.OperationsUSD)
	fmt.Fprintf(&b, "early deletion   %14.2f USD\n", r.EarlyDeletionUSD)
	fmt.Fprintf(&b, "total            %14.2f USD\n", r.TotalUSD)
	fmt.Fprintf(&b, "without policy   %14.2f USD\n", r.BaselineTotalUSD)
	fmt.Fprintf(&b, "savings          %14.2f USD\n", r.SavingsUSD)
	if r.SkippedSoftDeleted > 0 {
		fmt.Fprintf(&b, "\n%s soft-deleted rows left out\n", thousands(r.SkippedSoftDeleted))
	}
	fmt.Fprintf(&b, "prices: %s\n", r.PriceSource)
	_, err := io.WriteString(w, b.String())
	return err
}

func transitionKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// Storage account kinds and SKUs Azure offers for Blob data (the
// lifecycle rules apply to general-purpose v2 and premium block blob
// accounts), as az storage account create takes them.
var (
	accountKinds = []string{"StorageV2", "BlockBlobStorage"}
	accountSKUs  = []string{"Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS", "Premium_LRS", "Premium_ZRS"}
)

// checkAccountFlags refuses an account kind or SKU Azure does not have
// (exit 2), with the nearest one as a hint; empty values pass where the
// flag is optional.
func checkAccountFlags(kind, sku string, optional bool) error {
	check := func(flag, v string, allowed []string) error {
		if v == "" && optional {
			return nil
		}
		for _, a := range allowed {
			if strings.EqualFold(v, a) {
				return nil
			}
		}
		hint := "one of " + strings.Join(allowed, ", ")
		if sg := yamlpos.Suggest(v, allowed); sg != "" {
			hint = fmt.Sprintf("did you mean %s? (%s)", sg, hint)
		}
		return usageErr(fmt.Errorf("--%s %q is not an account %s Azure offers for lifecycle management; %s", flag, v, flag, hint))
	}
	if err := check("kind", kind, accountKinds); err != nil {
		return err
	}
	return check("sku", sku, accountSKUs)
}
