package prices

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Kind is the way a VM is bought.
type Kind string

// The kinds of VM price the package recognises.
const (
	PayAsYouGo  Kind = "payg"
	Spot        Kind = "spot"
	LowPriority Kind = "low-priority"
	Reserved1Y  Kind = "reservation-1y"
	Reserved3Y  Kind = "reservation-3y"
	Reserved5Y  Kind = "reservation-5y"
)

// kindOrder sorts a size's rates the way a reader compares them.
var kindOrder = map[Kind]int{PayAsYouGo: 0, Spot: 1, LowPriority: 2, Reserved1Y: 3, Reserved3Y: 4, Reserved5Y: 5}

// HoursPerYear converts a reservation's term price to an hourly rate:
// 365 days of 24 hours, the figure the reference's per-hour reservation
// numbers use (gpu-vm-prices.md §6: 551,221 / 8,760 = 62.93).
const HoursPerYear = 365 * 24

// reservationTerms maps the API's reservationTerm to the kind and years.
// The API documents "1 Year" and "3 Years"; "5 Years" rows exist for some
// GPU sizes (gpu-vm-prices.md §6).
var reservationTerms = map[string]struct {
	kind  Kind
	years int
}{
	"1 Year":  {Reserved1Y, 1},
	"3 Years": {Reserved3Y, 3},
	"5 Years": {Reserved5Y, 5},
}

// Currencies are the currencies the API's currencyCode parameter accepts
// (currencyCode='EUR'), as the "Supported currencies" table of Microsoft's
// overview lists them; the stored copies of the page searched for this
// package lacked the table, so the list is not re-checked there. Prices
// in any but USD are estimates the API converts at the day's rate.
var Currencies = []string{"USD", "AUD", "BRL", "CAD", "CHF", "CNY", "DKK", "EUR", "GBP", "INR", "JPY", "KRW", "NOK", "NZD", "RUB", "SEK", "TWD"}

// CheckCurrency refuses a currency the API does not list: the API would
// answer in USD or not at all, and the prices would be read in the wrong
// unit.
func CheckCurrency(c string) error {
	for _, k := range Currencies {
		if c == k {
			return nil
		}
	}
	return fmt.Errorf("unknown currency %q; the Retail Prices API offers %s", c, strings.Join(Currencies, ", "))
}

// Rate is one usable price: a Linux VM size in a region, bought one way.
type Rate struct {
	SKU    string `json:"sku"`
	Region string `json:"region"`
	Kind   Kind   `json:"kind"`
	// PerHour is the price of one VM-hour. For a reservation it is the
	// term price divided by the term's hours (Converted is true).
	PerHour   float64 `json:"per_hour"`
	Currency  string  `json:"currency"`
	Converted bool    `json:"converted,omitempty"`
	// TermPrice and TermHours are the reservation's price for the whole
	// term, as the API gives it, and the hours it was divided by.
	TermPrice     float64 `json:"term_price,omitempty"`
	TermHours     int     `json:"term_hours,omitempty"`
	MeterID       string  `json:"meter_id"`
	MeterName     string  `json:"meter_name"`
	ProductName   string  `json:"product_name"`
	EffectiveDate string  `json:"effective_date"` // YYYY-MM-DD
	Primary       bool    `json:"primary_meter_region"`
}

// Filter says which rows a caller wants.
type Filter struct {
	Currency string
	// SKUs are the VM sizes wanted, spelled as the caller's catalog
	// spells them; rates carry that spelling whatever case the API used.
	SKUs    []string
	Regions []string
	// AsOf (YYYY-MM-DD), if set, drops rows that take effect after it:
	// a price announced for next month is not the price on AsOf.
	AsOf string
}

// Skip reasons, counted in Result.Skipped.
const (
	SkipWindows   = "windows"
	SkipDevTest   = "devtest"
	SkipService   = "not a virtual machine"
	SkipNotWanted = "size or region not asked for"
	SkipType      = "other price type"
	SkipTier      = "tiered"
	SkipFuture    = "effective after --as-of"
)

// Result is what a set of pages yielded.
type Result struct {
	Rates     []Rate         `json:"rates"`
	Malformed []Malformed    `json:"malformed"`
	Skipped   map[string]int `json:"skipped"`
	// Superseded counts rows dropped because another row of the same
	// size, region and kind was chosen (a later effective date, the
	// primary meter region, or the lower meter id, in that order).
	Superseded int `json:"superseded"`
	Pages      int `json:"pages"`
	Items      int `json:"items"`
}

// ErrNothingUsable is returned by Collect when the pages held malformed
// items and no usable one: the input is broken, not merely empty.
var ErrNothingUsable = errors.New("no usable price in the pages")

// Collect classifies the items of pages and keeps, for each size, region
// and kind, one rate. Windows, dev/test, other services and sizes or
// regions not asked for are counted in Skipped; items that cannot be read
// are listed in Malformed. Rates are sorted by size, region and kind.
func Collect(pages []*Page, f Filter) (*Result, error) {
	if err := CheckCurrency(f.Currency); err != nil {
		return nil, err
	}
	if f.AsOf != "" {
		if _, err := time.Parse(time.DateOnly, f.AsOf); err != nil {
			return nil, fmt.Errorf("as-of %q is not a date (YYYY-MM-DD): %w", f.AsOf, err)
		}
	}
	skus := map[string]string{}
	for _, s := range f.SKUs {
		skus[strings.ToLower(s)] = s
	}
	regions := map[string]bool{}
	for _, r := range f.Regions {
		regions[strings.ToLower(r)] = true
	}
	res := &Result{Skipped: map[string]int{}, Malformed: []Malformed{}, Rates: []Rate{}}
	type key struct {
		sku, region string
		kind        Kind
	}
	best := map[key]Rate{}
	for _, p := range pages {
		res.Pages++
		res.Items += p.Total
		res.Malformed = append(res.Malformed, p.Malformed...)
		for i, it := range p.Items {
			r, skip, err := classify(it, f.Currency)
			switch {
			case err != nil:
				res.Malformed = append(res.Malformed, Malformed{Page: p.Name, Index: p.Index[i], Reason: err.Error()})
				continue
			case skip != "":
				res.Skipped[skip]++
				continue
			}
			name, ok := skus[strings.ToLower(r.SKU)]
			if !ok || !regions[r.Region] {
				res.Skipped[SkipNotWanted]++
				continue
			}
			if f.AsOf != "" && r.EffectiveDate > f.AsOf {
				res.Skipped[SkipFuture]++
				continue
			}
			r.SKU = name
			k := key{strings.ToLower(name), r.Region, r.Kind}
			if old, ok := best[k]; ok {
				res.Superseded++
				if !better(r, old) {
					continue
				}
			}
			best[k] = r
		}
	}
	for _, r := range best {
		res.Rates = append(res.Rates, r)
	}
	sort.Slice(res.Rates, func(i, j int) bool {
		a, b := res.Rates[i], res.Rates[j]
		if a.SKU != b.SKU {
			return a.SKU < b.SKU
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return kindOrder[a.Kind] < kindOrder[b.Kind]
	})
	if len(res.Rates) == 0 && len(res.Malformed) > 0 {
		return res, fmt.Errorf("%w: %d malformed items, the first %s", ErrNothingUsable, len(res.Malformed), res.Malformed[0])
	}
	return res, nil
}

// better decides between two rows for the same size, region and kind, in
// an order that does not depend on the order of the pages, so that the
// output is the same however the API pages its answer.
func better(a, b Rate) bool {
	if a.EffectiveDate != b.EffectiveDate {
		return a.EffectiveDate > b.EffectiveDate
	}
	if a.Primary != b.Primary {
		return a.Primary
	}
	if a.MeterID != b.MeterID {
		return a.MeterID < b.MeterID
	}
	return a.PerHour < b.PerHour
}

// classify turns a row into a rate, or says why it is skipped, or why it
// cannot be read.
func classify(it Item, currency string) (Rate, string, error) {
	if it.ServiceName != "" && it.ServiceName != "Virtual Machines" {
		return Rate{}, SkipService, nil
	}
	// Linux and Windows rows share meterName; only productName differs.
	if strings.Contains(it.ProductName, "Windows") {
		return Rate{}, SkipWindows, nil
	}
	switch it.Type {
	case "Consumption", "Reservation":
	case "DevTestConsumption":
		return Rate{}, SkipDevTest, nil
	case "":
		return Rate{}, "", errors.New("no type (expected Consumption, Reservation or DevTestConsumption)")
	default:
		return Rate{}, SkipType, nil
	}
	if it.TierMinimumUnits != 0 {
		// A VM meter has one tier from zero units; a row from a higher
		// tier is not the price of the first hour.
		return Rate{}, SkipTier, nil
	}
	switch {
	case it.ArmSkuName == "":
		return Rate{}, "", errors.New("no armSkuName")
	case it.ArmRegionName == "":
		return Rate{}, "", errors.New("no armRegionName")
	case it.MeterID == "":
		return Rate{}, "", errors.New("no meterId")
	case it.CurrencyCode != currency:
		return Rate{}, "", fmt.Errorf("currencyCode %q, but %s was asked for", oneLine(it.CurrencyCode), currency)
	case math.IsNaN(it.RetailPrice) || math.IsInf(it.RetailPrice, 0) || it.RetailPrice <= 0:
		return Rate{}, "", fmt.Errorf("retailPrice %v is not a positive price", it.RetailPrice)
	case it.RetailPrice > maxPrice:
		return Rate{}, "", fmt.Errorf("retailPrice %v is beyond any VM's price", it.RetailPrice)
	case it.UnitOfMeasure != "1 Hour":
		// VM meters, reservations included, are per hour; any other
		// unit would be divided wrongly.
		return Rate{}, "", fmt.Errorf("unitOfMeasure %q, expected \"1 Hour\"", oneLine(it.UnitOfMeasure))
	}
	eff, err := time.Parse(time.RFC3339, it.EffectiveStartDate)
	if err != nil {
		return Rate{}, "", fmt.Errorf("effectiveStartDate %q is not an RFC 3339 time", oneLine(it.EffectiveStartDate))
	}
	r := Rate{
		SKU:           it.ArmSkuName,
		Region:        strings.ToLower(it.ArmRegionName),
		PerHour:       it.RetailPrice,
		Currency:      it.CurrencyCode,
		MeterID:       oneLine(it.MeterID),
		MeterName:     oneLine(it.MeterName),
		ProductName:   oneLine(it.ProductName),
		EffectiveDate: eff.UTC().Format(time.DateOnly),
		Primary:       it.IsPrimaryMeterRegion,
	}
	if it.Type == "Reservation" {
		term, ok := reservationTerms[it.ReservationTerm]
		if !ok {
			return Rate{}, "", fmt.Errorf("reservationTerm %q, expected \"1 Year\" or \"3 Years\"", oneLine(it.ReservationTerm))
		}
		// The row's price is for the whole term although unitOfMeasure
		// reads "1 Hour".
		r.Kind = term.kind
		r.TermPrice = it.RetailPrice
		r.TermHours = term.years * HoursPerYear
		r.PerHour = roundMicro(it.RetailPrice / float64(r.TermHours))
		r.Converted = true
		return r, "", nil
	}
	switch {
	case strings.HasSuffix(it.MeterName, " Spot") || strings.HasSuffix(it.SkuName, " Spot"):
		r.Kind = Spot
	case strings.HasSuffix(it.MeterName, " Low Priority") || strings.HasSuffix(it.SkuName, " Low Priority"):
		r.Kind = LowPriority
	default:
		r.Kind = PayAsYouGo
	}
	return r, "", nil
}

// maxPrice bounds a row's price, in any currency the API offers: the
// dearest rows are whole-term reservations of 8-GPU sizes, a few million
// (1,722,566 USD for five years of ND96isr_H100_v5, gpu-vm-prices.md §6),
// or some hundreds of millions in the currencies with small units (KRW).
const maxPrice = 1e10

// roundMicro rounds a converted price to a millionth, the precision of the
// catalog's own figures: a term price divided by its hours has more digits
// than any price has.
func roundMicro(v float64) float64 { return math.Round(v*1e6) / 1e6 }
