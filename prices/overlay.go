package prices

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// OverlayOptions describe how the rates were read, for the overlay's
// header and source dates.
type OverlayOptions struct {
	// AsOf (YYYY-MM-DD), if set, is the date written beside each price
	// and its source; otherwise the row's effectiveStartDate is. No
	// wall-clock time is written, so the same pages give the same file.
	AsOf    string
	Regions []string
	// Saved says the pages were read from files (--from), not the API.
	Saved bool
	// Services are service meter rates (CollectServices), written under
	// service_prices: with the catalog's keys.
	Services []ServiceRate
}

// Overlay is a catalog overlay file and what it holds.
type Overlay struct {
	Data []byte
	// Entries is the number of prices written, one per size and region
	// with a pay-as-you-go Linux rate.
	Entries int
	// Unwritten lists "size region" pairs with rates but no
	// pay-as-you-go Linux rate: the catalog's price entry needs one.
	Unwritten []string
	// Services is the number of service meter prices written.
	Services int
}

// meterKeyRE: catalog service price keys are lower-case words and digits
// joined by hyphens; they are written unquoted.
var meterKeyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,79}$`)

// group is one size in one region, all its kinds.
type group struct {
	sku, region string
	rates       map[Kind]Rate
}

// WriteOverlay renders rates as a catalog file in the format of
// catalog/data/prices.yaml: a sources: map with one source per rate used
// (the API, the meter id and name, the product and the effective date)
// and a prices: list with one entry per size and region. The catalog's
// price model has pay-as-you-go and spot fields only, so Low Priority and
// reservation rates go into the comment above each entry, marked as
// converted.
//
// The catalog's fields are USD per hour; rates in any other currency are
// refused rather than written into a field that names the wrong unit.
func WriteOverlay(rates []Rate, o OverlayOptions) (*Overlay, error) {
	var groups []*group
	byKey := map[string]*group{}
	for _, r := range rates {
		if r.Currency != "USD" {
			return nil, fmt.Errorf("%s in %s is priced in %s; the catalog's prices are USD per hour (payg_usd_per_hour), so only USD rates can be written", r.SKU, r.Region, r.Currency)
		}
		// Names are written unquoted, as in the embedded catalog, and
		// go into source keys: only the API's own spellings may pass.
		if !skuRE.MatchString(r.SKU) || CheckRegion(r.Region) != nil {
			return nil, fmt.Errorf("rate for size %q in region %q: not an Azure VM size and region name", r.SKU, r.Region)
		}
		k := strings.ToLower(r.SKU) + "@" + r.Region
		g := byKey[k]
		if g == nil {
			g = &group{sku: r.SKU, region: r.Region, rates: map[Kind]Rate{}}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.rates[r.Kind] = r
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].sku != groups[j].sku {
			return groups[i].sku < groups[j].sku
		}
		return groups[i].region < groups[j].region
	})

	var b bytes.Buffer
	regions := append([]string(nil), o.Regions...)
	sort.Strings(regions)
	b.WriteString("# Azure VM prices (Linux, USD per hour) from the Azure Retail Prices API,\n")
	b.WriteString("# written by `aizone catalog prices fetch`")
	if o.Saved {
		b.WriteString(" from saved API pages")
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "# Regions: %s.\n", strings.Join(regions, ", "))
	if o.AsOf != "" {
		fmt.Fprintf(&b, "# Prices as of %s (--as-of); each source gives the meter's effectiveStartDate.\n", o.AsOf)
	} else {
		b.WriteString("# Each price's date is its meter's effectiveStartDate.\n")
	}
	b.WriteString("# Put this file in a catalog directory and pass --catalog DIR: each entry replaces the\n")
	b.WriteString("# embedded price of its size and region. Do not name it prices.yaml, which would replace\n")
	b.WriteString("# every embedded price, not only these.\n")
	b.WriteString("# Low Priority and reservation rates have no field in the catalog's price model; they are\n")
	b.WriteString("# listed above each entry. A reservation row's price is for the whole term: the hourly\n")
	fmt.Fprintf(&b, "# figure is that price divided by the term's hours (%d a year), marked \"converted\".\n", HoursPerYear)

	type src struct{ key, line string }
	var sources []src
	var entries bytes.Buffer
	out := &Overlay{}
	for _, g := range groups {
		payg, ok := g.rates[PayAsYouGo]
		if !ok {
			out.Unwritten = append(out.Unwritten, g.sku+" "+g.region)
			continue
		}
		fmt.Fprintf(&entries, "  # %s %s\n", g.sku, g.region)
		for _, k := range []Kind{LowPriority, Reserved1Y, Reserved3Y, Reserved5Y} {
			r, ok := g.rates[k]
			if !ok {
				continue
			}
			if r.Converted {
				fmt.Fprintf(&entries, "  #   %s: %s USD/h converted = %s USD for the term / %d h (meter %s %q, effective %s)\n",
					k, num(r.PerHour), num(r.TermPrice), r.TermHours, r.MeterID, r.MeterName, r.EffectiveDate)
			} else {
				fmt.Fprintf(&entries, "  #   %s: %s USD/h (meter %s %q, effective %s)\n", k, num(r.PerHour), r.MeterID, r.MeterName, r.EffectiveDate)
			}
		}
		date := payg.EffectiveDate
		if o.AsOf != "" {
			date = o.AsOf
		}
		pk := sourceKey(payg)
		sources = append(sources, src{pk, sourceLine(payg, o.AsOf)})
		fmt.Fprintf(&entries, "  - {sku: %s, region: %s, payg_usd_per_hour: %s, date: %s, source: %s", g.sku, g.region, num(payg.PerHour), quote(date), pk)
		if spot, ok := g.rates[Spot]; ok {
			sk := sourceKey(spot)
			sources = append(sources, src{sk, sourceLine(spot, o.AsOf)})
			fmt.Fprintf(&entries, ", spot_usd_per_hour: %s, spot_source: %s", num(spot.PerHour), sk)
		}
		if lp, ok := g.rates[LowPriority]; ok {
			lk := sourceKey(lp)
			sources = append(sources, src{lk, sourceLine(lp, o.AsOf)})
			fmt.Fprintf(&entries, ", low_priority_usd_per_hour: %s, low_priority_source: %s", num(lp.PerHour), lk)
		}
		var res []string
		for _, k := range []Kind{Reserved1Y, Reserved3Y, Reserved5Y} {
			r, ok := g.rates[k]
			if !ok {
				continue
			}
			rk := sourceKey(r)
			sources = append(sources, src{rk, sourceLine(r, o.AsOf)})
			rdate := r.EffectiveDate
			if o.AsOf != "" {
				rdate = o.AsOf
			}
			res = append(res, fmt.Sprintf("{term: %dy, term_usd: %s, usd_per_hour: %s, date: %s, source: %s}", r.TermHours/HoursPerYear, num(r.TermPrice), num(r.PerHour), quote(rdate), rk))
		}
		if len(res) > 0 {
			fmt.Fprintf(&entries, ", reservations: [%s]", strings.Join(res, ", "))
		}
		entries.WriteString("}\n")
		out.Entries++
	}
	if out.Entries == 0 {
		b.WriteString("prices: []\n")
	} else {
		b.WriteString("prices:\n")
		b.Write(entries.Bytes())
	}
	if len(out.Unwritten) > 0 {
		b.WriteString("# Not written, no pay-as-you-go Linux row: " + strings.Join(out.Unwritten, "; ") + ".\n")
	}
	if len(o.Services) > 0 {
		var svc bytes.Buffer
		for _, r := range o.Services {
			if r.Currency != "USD" {
				return nil, fmt.Errorf("%s in %s is priced in %s; the catalog's prices are USD", r.Key, r.Region, r.Currency)
			}
			if CheckRegion(r.Region) != nil || !meterKeyRE.MatchString(r.Key) {
				return nil, fmt.Errorf("service rate %q in region %q: not a catalog key and an Azure region", r.Key, r.Region)
			}
			date := r.EffectiveDate
			if o.AsOf != "" {
				date = o.AsOf
			}
			k := "RP-" + r.Region + "-" + r.Key
			title := fmt.Sprintf("Azure Retail Prices API: %s, %s in %s", r.Service, r.MeterName, r.Region)
			ref := fmt.Sprintf("prices.azure.com/api/retail/prices meterId %s (meterName %s, productName %s), effectiveStartDate %s", r.MeterID, r.MeterName, r.Product, r.EffectiveDate)
			sources = append(sources, src{k, fmt.Sprintf("{title: %s, ref: %s, date: %s, mark: V}", quote(title), quote(ref), quote(date))})
			fmt.Fprintf(&svc, "  - {key: %s, service: %s, product: %s, meter: %s, unit: %s, usd: %s, region: %s, date: %s, source: %s}\n",
				r.Key, quote(r.Service), quote(r.Product), quote(r.MeterName), quote(r.Unit), num(r.USD), r.Region, quote(date), k)
			out.Services++
		}
		b.WriteString("service_prices:\n")
		b.Write(svc.Bytes())
	}
	sort.Slice(sources, func(i, j int) bool { return sources[i].key < sources[j].key })
	if len(sources) == 0 {
		b.WriteString("sources: {}\n")
	} else {
		b.WriteString("sources:\n")
		for _, s := range sources {
			fmt.Fprintf(&b, "  %s: %s\n", s.key, s.line)
		}
	}
	out.Data = b.Bytes()
	return out, nil
}

// sourceKey names a rate's source: readable, one per size, region and
// kind, and clear of the embedded catalog's keys (none starts with RP-).
func sourceKey(r Rate) string {
	sku := r.SKU
	if len(sku) > len("Standard_") && strings.EqualFold(sku[:len("Standard_")], "Standard_") {
		sku = sku[len("Standard_"):]
	}
	return "RP-" + r.Region + "-" + sku + "-" + string(r.Kind)
}

var kindTitle = map[Kind]string{PayAsYouGo: "pay-as-you-go Linux", Spot: "Spot Linux"}

func sourceLine(r Rate, asOf string) string {
	title := fmt.Sprintf("Azure Retail Prices API: %s in %s, %s", r.SKU, r.Region, kindTitle[r.Kind])
	ref := fmt.Sprintf("prices.azure.com/api/retail/prices meterId %s (meterName %s, productName %s), effectiveStartDate %s", r.MeterID, r.MeterName, r.ProductName, r.EffectiveDate)
	date := r.EffectiveDate
	if asOf != "" {
		date = asOf
	}
	return fmt.Sprintf("{title: %s, ref: %s, date: %s}", quote(title), quote(ref), quote(date))
}

// quote writes a YAML double-quoted scalar. JSON's string escapes are a
// subset of YAML's, and oneLine has already removed control characters
// from text that came from a page.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// num writes a price with the fewest digits that read back as the same
// float64.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
