package prices

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Meter is a service meter the catalog prices (catalog service_prices):
// its key, the API's serviceName, productName (empty: any) and meterName,
// and the unit the catalog's figure is per.
type Meter struct {
	Key     string
	Service string
	Product string
	Meter   string
	Unit    string
}

// units maps the catalog's units to the API's unitOfMeasure. A row in
// another unit is reported, not converted: a price per 10,000 read as a
// price per operation would be wrong by four orders of magnitude.
var units = map[string][]string{
	"hour":           {"1 Hour", "1/Hour"},
	"day":            {"1/Day", "1 Day"},
	"month":          {"1/Month", "1 Month"},
	"GB":             {"1 GB"},
	"GiB":            {"1 GiB"},
	"GB-month":       {"1 GB/Month"},
	"GiB-month":      {"1 GiB/Month"},
	"GiB-hour":       {"1 GiB/Hour"},
	"TiB-hour":       {"1 TiB/Hour"},
	"10K operations": {"10K"},
	"100 operations": {"100"},
	"1M queries":     {"1M"},
}

// ServiceRate is a service meter's price found in the pages.
type ServiceRate struct {
	Key     string `json:"key"`
	Region  string `json:"region"`
	Service string `json:"service"`
	Product string `json:"product"`
	// MeterName is the row's own spelling, which may extend the
	// catalog's (a prefix match).
	MeterName     string  `json:"meter_name"`
	Unit          string  `json:"unit"`
	USD           float64 `json:"usd"`
	Currency      string  `json:"currency"`
	MeterID       string  `json:"meter_id"`
	EffectiveDate string  `json:"effective_date"`
	Primary       bool    `json:"primary_meter_region"`
}

// ServiceResult is what a set of pages yielded for the service meters.
type ServiceResult struct {
	Rates     []ServiceRate `json:"rates"`
	Malformed []Malformed   `json:"malformed"`
	// Missing are "key region" pairs no row priced.
	Missing []string `json:"missing"`
}

// CollectServices finds, for each meter and region, the row that prices
// it: the service and product named, the meter name equal to the
// catalog's (case-insensitive) or, when no row is, starting with it;
// Consumption rows of the first tier, Linux. A matching row in another
// unit, currency or with an unusable price is reported as malformed.
func CollectServices(pages []*Page, meters []Meter, f Filter) (*ServiceResult, error) {
	if err := CheckCurrency(f.Currency); err != nil {
		return nil, err
	}
	res := &ServiceResult{Rates: []ServiceRate{}, Malformed: []Malformed{}, Missing: []string{}}
	type key struct{ meter, region string }
	type cand struct {
		r     ServiceRate
		exact bool
	}
	best := map[key]cand{}
	regions := map[string]bool{}
	for _, r := range f.Regions {
		regions[strings.ToLower(r)] = true
	}
	for _, p := range pages {
		for i, it := range p.Items {
			if it.ServiceName == "Virtual Machines" || it.Type != "Consumption" || it.TierMinimumUnits != 0 || strings.Contains(it.ProductName, "Windows") {
				continue
			}
			region := strings.ToLower(it.ArmRegionName)
			if !regions[region] {
				continue
			}
			for _, m := range meters {
				if it.ServiceName != m.Service || (m.Product != "" && !strings.EqualFold(it.ProductName, m.Product)) {
					continue
				}
				exact := strings.EqualFold(it.MeterName, m.Meter)
				if !exact && !strings.HasPrefix(strings.ToLower(it.MeterName), strings.ToLower(m.Meter)) {
					continue
				}
				r, err := serviceRate(it, m, f)
				if err != nil {
					res.Malformed = append(res.Malformed, Malformed{Page: p.Name, Index: p.Index[i], Reason: err.Error()})
					continue
				}
				if f.AsOf != "" && r.EffectiveDate > f.AsOf {
					continue
				}
				k := key{m.Key, region}
				old, ok := best[k]
				switch {
				case !ok, exact && !old.exact:
				case exact != old.exact:
					continue
				case !better(asRate(r), asRate(old.r)):
					continue
				}
				best[k] = cand{r, exact}
			}
		}
		res.Malformed = append(res.Malformed, p.Malformed...)
	}
	for _, m := range meters {
		for _, reg := range f.Regions {
			c, ok := best[key{m.Key, strings.ToLower(reg)}]
			if !ok {
				res.Missing = append(res.Missing, m.Key+" "+reg)
				continue
			}
			res.Rates = append(res.Rates, c.r)
		}
	}
	sort.Slice(res.Rates, func(i, j int) bool {
		if res.Rates[i].Key != res.Rates[j].Key {
			return res.Rates[i].Key < res.Rates[j].Key
		}
		return res.Rates[i].Region < res.Rates[j].Region
	})
	sort.Strings(res.Missing)
	return res, nil
}

// asRate lets service rows be ordered by the rule VM rows are.
func asRate(s ServiceRate) Rate {
	return Rate{EffectiveDate: s.EffectiveDate, Primary: s.Primary, MeterID: s.MeterID, PerHour: s.USD}
}

func serviceRate(it Item, m Meter, f Filter) (ServiceRate, error) {
	okUnit := false
	for _, u := range units[m.Unit] {
		if it.UnitOfMeasure == u {
			okUnit = true
		}
	}
	switch {
	case !okUnit:
		return ServiceRate{}, fmt.Errorf("meter %q for %s: unitOfMeasure %q, but the catalog prices it per %s", oneLine(it.MeterName), m.Key, oneLine(it.UnitOfMeasure), m.Unit)
	case it.CurrencyCode != f.Currency:
		return ServiceRate{}, fmt.Errorf("currencyCode %q, but %s was asked for", oneLine(it.CurrencyCode), f.Currency)
	case math.IsNaN(it.RetailPrice) || math.IsInf(it.RetailPrice, 0) || it.RetailPrice < 0 || it.RetailPrice > maxPrice:
		return ServiceRate{}, fmt.Errorf("retailPrice %v is not a price", it.RetailPrice)
	case it.RetailPrice == 0:
		return ServiceRate{}, fmt.Errorf("meter %q for %s: retailPrice 0 (a free meter is written as no_charge in the catalog by hand, not fetched)", oneLine(it.MeterName), m.Key)
	case it.MeterID == "":
		return ServiceRate{}, errors.New("no meterId")
	}
	eff, err := time.Parse(time.RFC3339, it.EffectiveStartDate)
	if err != nil {
		return ServiceRate{}, fmt.Errorf("effectiveStartDate %q is not an RFC 3339 time", oneLine(it.EffectiveStartDate))
	}
	return ServiceRate{Key: m.Key, Region: strings.ToLower(it.ArmRegionName), Service: m.Service, Product: oneLine(it.ProductName), MeterName: oneLine(it.MeterName),
		Unit: m.Unit, USD: it.RetailPrice, Currency: it.CurrencyCode, MeterID: oneLine(it.MeterID), EffectiveDate: eff.UTC().Format(time.DateOnly), Primary: it.IsPrimaryMeterRegion}, nil
}

// ServiceQuery asks for one service's rows in a region (and product, when
// the catalog names one: Storage answers thousands of rows otherwise).
type ServiceQuery struct {
	Region   string
	Service  string
	Product  string
	Currency string
}

// serviceNameRE: the API's service and product names are words, spaces
// and a few signs; anything else is refused before it enters a filter.
var serviceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ./()&+-]{0,79}$`)

// ServiceURL returns the first page's address for q.
func (c *Client) ServiceURL(q ServiceQuery) (string, error) {
	if err := CheckRegion(q.Region); err != nil {
		return "", err
	}
	if !serviceNameRE.MatchString(q.Service) || (q.Product != "" && !serviceNameRE.MatchString(q.Product)) {
		return "", fmt.Errorf("service %q, product %q: want names such as Azure Firewall", q.Service, q.Product)
	}
	if err := CheckCurrency(q.Currency); err != nil {
		return "", err
	}
	filter := fmt.Sprintf("serviceName eq '%s' and armRegionName eq '%s'", odata(q.Service), odata(q.Region))
	if q.Product != "" {
		filter += fmt.Sprintf(" and productName eq '%s'", odata(q.Product))
	}
	return c.withFilter(filter, q.Currency), nil
}

// FetchServices asks for each service (and product) the meters name, in
// each region, one query after another.
func (c *Client) FetchServices(ctx context.Context, regions []string, meters []Meter, currency string, progress func(done, total int)) ([]*Page, error) {
	type sp struct{ service, product string }
	seen := map[sp]bool{}
	var qs []sp
	for _, m := range meters {
		k := sp{m.Service, m.Product}
		if !seen[k] {
			seen[k] = true
			qs = append(qs, k)
		}
	}
	sort.Slice(qs, func(i, j int) bool {
		if qs[i].service != qs[j].service {
			return qs[i].service < qs[j].service
		}
		return qs[i].product < qs[j].product
	})
	var all []*Page
	total, done := len(regions)*len(qs), 0
	for _, r := range regions {
		for _, q := range qs {
			u, err := c.ServiceURL(ServiceQuery{Region: r, Service: q.service, Product: q.product, Currency: currency})
			if err != nil {
				return all, err
			}
			pages, err := c.follow(ctx, u, q.service+" "+q.product+" in "+r, c.maxPages*serviceMaxPagesFactor)
			all = append(all, pages...)
			if err != nil {
				return all, err
			}
			done++
			if progress != nil {
				progress(done, total)
			}
		}
	}
	return all, nil
}

// serviceMaxPagesFactor: one service in one region is more rows than one
// VM size (Storage lists every redundancy and tier), so its queries may
// follow more pages.
const serviceMaxPagesFactor = 5
