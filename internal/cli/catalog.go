package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/aizone/aizone/catalog"
	"github.com/spf13/cobra"
)

// catalogView is one listing: its JSON value and its table.
type catalogView struct {
	short string
	data  func(c *catalog.Catalog) any
	table func(c *catalog.Catalog) ([]string, [][]string)
}

func f(v float64) string {
	if v == 0 {
		return "-"
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

var catalogViews = map[string]catalogView{
	"skus": {
		short: "VM sizes: GPUs, memory, interconnect, InfiniBand, disks, network",
		data:  func(c *catalog.Catalog) any { return c.SKUs },
		table: func(c *catalog.Catalog) ([]string, [][]string) {
			var rows [][]string
			for _, s := range c.SKUs {
				ib := "-"
				if s.InfiniBand {
					ib = f(s.IBGbpsPerVM) + " Gb/s"
				}
				rows = append(rows, []string{s.Name, fmt.Sprint(s.VCPUs), f(s.MemoryGiB), s.GPU, f(s.GPUs), f(s.GPUMemoryGB), s.ScaleUp, ib, f(s.LocalNVMeGiB), f(s.NetworkMbps), s.Retirement, s.Source})
			}
			return []string{"size", "vcpus", "memory", "gpu", "gpus", "gpu GB", "scale-up", "infiniband", "nvme GiB", "net Mbps", "retires", "source"}, rows
		},
	},
	"gpus": {
		short: "GPU peaks (BF16, FP8), HBM, NVLink and measured ceilings",
		data:  func(c *catalog.Catalog) any { return c.GPUs },
		table: func(c *catalog.Catalog) ([]string, [][]string) {
			var rows [][]string
			for _, g := range c.GPUs {
				rows = append(rows, []string{g.Name, f(g.BF16TFLOPS), f(g.FP8TFLOPS), f(g.HBMGB), f(g.HBMTBps), f(g.NVLinkGBps), f(g.GEMMTFLOPS), f(g.HBMMeasuredTBps), f(g.NCCLBusGBps), g.Source})
			}
			return []string{"gpu", "bf16 TF", "fp8 TF", "HBM GB", "HBM TB/s", "link GB/s", "GEMM TF (meas.)", "HBM TB/s (meas.)", "NCCL GB/s (meas.)", "source"}, rows
		},
	},
	"models": {
		short: "Model architectures: parameters, layers, hidden, heads, KV heads, vocabulary, context",
		data:  func(c *catalog.Catalog) any { return c.Models },
		table: func(c *catalog.Catalog) ([]string, [][]string) {
			var rows [][]string
			for _, m := range c.Models {
				rows = append(rows, []string{m.Name, fmt.Sprintf("%.4gB", m.Params/1e9), fmt.Sprintf("%.4gB", m.Active()/1e9), fmt.Sprint(m.Layers), fmt.Sprint(m.Hidden), fmt.Sprint(m.Heads), fmt.Sprint(m.KVHeads), fmt.Sprint(m.Vocab), fmt.Sprint(m.Context), m.Source})
			}
			return []string{"model", "params", "active", "layers", "hidden", "heads", "kv heads", "vocab", "context", "source"}, rows
		},
	},
	"prices": {
		short: "Pay-as-you-go and spot prices per size and region, with date",
		data:  func(c *catalog.Catalog) any { return c.Prices },
		table: func(c *catalog.Catalog) ([]string, [][]string) {
			var rows [][]string
			for _, p := range c.Prices {
				spot := "-"
				if p.Spot != nil {
					spot = f(*p.Spot)
				}
				rows = append(rows, []string{p.SKU, p.Region, f(p.PAYG), spot, p.Date, p.Source})
			}
			sort.SliceStable(rows, func(i, j int) bool {
				if rows[i][0] != rows[j][0] {
					return rows[i][0] < rows[j][0]
				}
				return rows[i][1] < rows[j][1]
			})
			return []string{"size", "region", "USD/h", "spot USD/h", "date", "source"}, rows
		},
	},
	"storage": {
		short: "Managed Lustre SKUs, NetApp Files levels, Blob tiers",
		data:  func(c *catalog.Catalog) any { return c.Storage },
		table: func(c *catalog.Catalog) ([]string, [][]string) {
			var rows [][]string
			for _, l := range c.Storage.Lustre {
				rows = append(rows, []string{"managed lustre", l.Name, fmt.Sprintf("%s MB/s per TiB; %s–%s TiB in %s TiB steps", f(l.MBpsPerTiB), f(l.MinTiB), f(l.MaxTiB), f(l.IncrementTiB)), l.Source})
			}
			for _, n := range c.Storage.NetApp {
				rows = append(rows, []string{"netapp files", n.Name, fmt.Sprintf("%s MiB/s per TiB", f(n.MiBpsPerTiB)), n.Source})
			}
			for _, t := range c.Storage.BlobTiers {
				rows = append(rows, []string{"blob tier", t.Name, fmt.Sprintf("$%g per GB-month; minimum %d days", t.USDPerGBMonth, t.MinimumDays), t.Source + ", " + t.PriceSource})
			}
			return []string{"service", "name", "figures", "source"}, rows
		},
	},
	"network": {
		short: "ExpressRoute circuit sizes and gateway SKUs",
		data:  func(c *catalog.Catalog) any { return c.Network },
		table: func(c *catalog.Catalog) ([]string, [][]string) {
			var rows [][]string
			for _, ci := range c.Network.Circuits {
				kind := "provider circuit"
				if ci.Direct {
					kind = "ExpressRoute Direct"
				}
				rows = append(rows, []string{kind, f(ci.Mbps) + " Mbps", "", ci.Source})
			}
			for _, g := range c.Network.Gateways {
				name := g.Name
				if g.ScaleUnits > 0 {
					name = fmt.Sprintf("%s ×%d", g.Name, g.ScaleUnits)
				}
				rows = append(rows, []string{"gateway " + name, f(g.Mbps) + " Mbps", fmt.Sprintf("fastpath %v, %d circuits", g.FastPath, g.MaxConnections), g.Source})
			}
			return []string{"item", "bandwidth", "notes", "source"}, rows
		},
	},
	"images": {
		short: "Curated HPC/AI images and their GPU driver stacks",
		data:  func(c *catalog.Catalog) any { return c.Images },
		table: func(c *catalog.Catalog) ([]string, [][]string) {
			var rows [][]string
			for _, im := range c.Images {
				rows = append(rows, []string{im.Name, im.URN, im.Stack, im.Driver, im.CUDA, im.Source})
			}
			return []string{"image", "urn", "stack", "driver", "cuda", "source"}, rows
		},
	},
	"sources": {
		short: "Where every catalog fact was read",
		data:  func(c *catalog.Catalog) any { return c.Sources },
		table: func(c *catalog.Catalog) ([]string, [][]string) {
			var rows [][]string
			for k, s := range c.Sources {
				rows = append(rows, []string{k, s.Title, s.Ref, s.Date})
			}
			sort.Slice(rows, func(i, j int) bool { return rows[i][0] < rows[j][0] })
			return []string{"key", "title", "reference", "date"}, rows
		},
	},
}

func newCatalogCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "catalog",
		Short: "List the facts aizone decides with, each with its source",
		Long: `Catalog lists the embedded facts: VM sizes, GPUs, models, prices, storage,
network offerings, images and their sources. --catalog DIR replaces
embedded files of the same name and extends the rest.`,
		Example: "  aizone catalog skus\n  aizone catalog models --format json",
		Args:    cobra.NoArgs,
	}
	names := make([]string, 0, len(catalogViews))
	for n := range catalogViews {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		v := catalogViews[name]
		sub := &cobra.Command{Use: name, Short: v.short, Args: cobra.NoArgs}
		format := addFormatFlag(sub, formatText, formatJSON, formatMarkdown)
		sub.RunE = func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(*format, formatText, formatJSON, formatMarkdown); err != nil {
				return err
			}
			cat, err := loadCatalog(cmd)
			if err != nil {
				return err
			}
			if *format == formatJSON {
				return writeJSON(s.Out, v.data(cat))
			}
			head, rows := v.table(cat)
			return writeTable(s.Out, *format, head, rows)
		}
		if name == "prices" {
			sub.AddCommand(newPricesFetchCmd(s)) // internal/cli/prices.go
		}
		c.AddCommand(sub)
	}
	return c
}

func writeTable(w io.Writer, format string, head []string, rows [][]string) error {
	if format == formatMarkdown {
		if _, err := fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat(" --- |", len(head))); err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | ")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(head, "\t")))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}
