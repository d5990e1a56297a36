package cost

import (
	"regexp"
	"sort"

	"github.com/aizone/aizone/catalog"
)

// PriceAge says which prices a plan used, where they came from (the
// embedded catalog or a --catalog overlay such as the one
// `aizone catalog prices fetch` writes) and how old they are.
type PriceAge struct {
	// Embedded and Overlay count the prices used from each.
	Embedded int `json:"embedded"`
	Overlay  int `json:"overlay"`
	// OverlayFiles are the overlay files prices came from.
	OverlayFiles []string `json:"overlay_files,omitempty"`
	// Oldest and Newest are the oldest and newest price dates used, as
	// the catalog writes them; Undated counts prices with no date.
	Oldest  string `json:"oldest,omitempty"`
	Newest  string `json:"newest,omitempty"`
	Undated int    `json:"undated,omitempty"`
	// Used lists every price used, sorted.
	Used []PriceUse `json:"used"`
}

// PriceUse is one price a plan used.
type PriceUse struct {
	What   string `json:"what"`
	Source string `json:"source"`
	Mark   string `json:"mark,omitempty"`
	Date   string `json:"date"`
	// Origin is "embedded" or the overlay file's path.
	Origin string `json:"origin"`
}

type ageTracker struct {
	seen map[string]PriceUse
}

func (a *ageTracker) add(u PriceUse) {
	if a.seen == nil {
		a.seen = map[string]PriceUse{}
	}
	a.seen[u.What+"|"+u.Source] = u
}

func origin(embedded bool, file string) string {
	if embedded {
		return "embedded"
	}
	return file
}

// vm records the price a pool of sku in region was priced with: the
// region's own, else the cheapest region's (as compute estimates it).
func (a *ageTracker) vm(c *catalog.Catalog, sku, region string) {
	p, ok := c.Price(sku, region)
	if !ok {
		all := c.PricesFor(sku)
		if len(all) == 0 {
			return
		}
		p = all[0]
	}
	a.add(PriceUse{What: sku + " " + p.Region, Source: p.Source, Mark: c.MarkOf(p.Source, p.Mark), Date: p.Date, Origin: origin(p.Embedded(), p.Origin())})
}

func (a *ageTracker) service(sp *catalog.ServicePrice) {
	if sp.NoCharge {
		return
	}
	a.add(PriceUse{What: sp.Service + ": " + sp.Meter + " " + sp.Region, Source: sp.Source, Mark: sp.Mark, Date: sp.Date, Origin: origin(sp.Embedded(), sp.Origin())})
}

func (a *ageTracker) blob(c *catalog.Catalog, t *catalog.BlobTier) {
	src := t.PriceSource
	a.add(PriceUse{What: "blob " + t.Name, Source: src, Mark: c.MarkOf(src, ""), Date: c.Sources[src].Date, Origin: origin(c.StorageEmbedded(), "storage overlay")})
}

func (a *ageTracker) storage(c *catalog.Catalog, kind, name string) {
	src := ""
	switch kind {
	case "netapp":
		for _, l := range c.Storage.NetApp {
			if l.Name == name {
				src = l.PriceSource
			}
		}
	case "lustre":
		for _, l := range c.Storage.Lustre {
			if l.Name == name {
				src = l.PriceSource
			}
		}
	}
	a.add(PriceUse{What: kind + " " + name, Source: src, Mark: c.MarkOf(src, ""), Date: c.Sources[src].Date, Origin: origin(c.StorageEmbedded(), "storage overlay")})
}

// datePrefix reads the comparable part of a catalog date: "2024",
// "2025-12", "2026-08-20", "2026-09 (approx.)". "undated" has none.
var datePrefix = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?`)

func (a *ageTracker) result() PriceAge {
	out := PriceAge{Used: []PriceUse{}}
	files := map[string]bool{}
	for _, u := range a.seen {
		out.Used = append(out.Used, u)
	}
	sort.Slice(out.Used, func(i, j int) bool {
		if out.Used[i].What != out.Used[j].What {
			return out.Used[i].What < out.Used[j].What
		}
		return out.Used[i].Source < out.Used[j].Source
	})
	var oldKey, newKey string
	for _, u := range out.Used {
		if u.Origin == "embedded" {
			out.Embedded++
		} else {
			out.Overlay++
			files[u.Origin] = true
		}
		k := datePrefix.FindString(u.Date)
		if k == "" {
			out.Undated++
			continue
		}
		if oldKey == "" || k < oldKey {
			oldKey, out.Oldest = k, u.Date
		}
		if newKey == "" || k > newKey {
			newKey, out.Newest = k, u.Date
		}
	}
	for f := range files {
		out.OverlayFiles = append(out.OverlayFiles, f)
	}
	sort.Strings(out.OverlayFiles)
	return out
}
