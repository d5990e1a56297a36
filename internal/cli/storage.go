package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/aizone/aizone/catalog"
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
	return c
}

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
		var acct *lifecycle.Account
		if *kind != "" || *sku != "" {
			a := lifecycle.AccountFromSKU(*kind, *sku)
			acct = &a
		}
		p, err := lifecycle.LoadFile(args[0], acct)
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
	blobs := c.Flags().Int("blobs", 0, "number of rows (blobs, snapshots and versions)")
	out := c.Flags().String("out", "", "file to write")
	format := c.Flags().String("format", "", "csv or parquet (default from the file extension, else csv)")
	seed := c.Flags().Uint64("seed", 1, "random seed")
	asOf := c.Flags().String("as-of", inventory.DefaultAsOf.Format(time.DateOnly), "inventory date; all blob times are before it")
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if *blobs <= 0 {
			return usageErr(errors.New("--blobs must be a positive number of rows"))
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
		fh, err := os.Create(*out)
		if err != nil {
			return err
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
	data, err := os.ReadFile(path)
	if err != nil {
		return simulation.Prices{}, usageErr(err)
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
	days := c.Flags().Int("days", 365, "days to simulate")
	start := c.Flags().String("start", "", "first simulated day, YYYY-MM-DD (default today, UTC)")
	prices := c.Flags().String("prices", "", "YAML or JSON file of blob tier prices (default: the catalog's)")
	kind := c.Flags().String("kind", "StorageV2", "account kind: StorageV2 or BlockBlobStorage")
	sku := c.Flags().String("sku", "Standard_LRS", "account SKU; ZRS, GZRS and RA-GZRS rule out Archive")
	tracking := c.Flags().String("access-tracking-since", "", "date last-access tracking was enabled (default: the start date); \"off\" if it never was")
	workers := c.Flags().Int("workers", 0, "parallel workers (default: one per CPU)")
	format := addFormatFlag(c, formatText, formatJSON)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		if (*invPath == "") == (*contURL == "") {
			return usageErr(errors.New("give exactly one of --inventory and --container"))
		}
		if *policyPath == "" {
			return usageErr(errors.New("--policy is required"))
		}
		if *days < 1 {
			return usageErr(fmt.Errorf("--days must be at least 1, got %d", *days))
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
		pol, err := lifecycle.LoadFile(*policyPath, &acct)
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
		res, err := simulation.Run(cmd.Context(), src, pol, simulation.Options{Days: *days, Start: startDate, Account: acct, Prices: pr, Workers: *workers, Progress: &rows})
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

// progress shows rows per second on stderr while a simulation runs, only
// when stderr is a terminal; it returns the function that clears it.
func progress(w io.Writer, rows *atomic.Int64) func() {
	f, ok := w.(*os.File)
	if !ok {
		return func() {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t0 := time.Now()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		spin := `|/-\`
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				fmt.Fprint(f, "\r\033[K")
				return
			case <-tick.C:
				n := rows.Load()
				rate := float64(n) / time.Since(t0).Seconds()
				fmt.Fprintf(f, "\r\033[K%c simulating: %s rows (%s rows/s)", spin[i%4], thousands(n), thousands(int64(rate)))
			}
		}
	}()
	return func() { cancel(); <-done }
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
