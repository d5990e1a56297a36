// Package prices reads VM prices from the Azure Retail Prices API
// (https://prices.azure.com/api/retail/prices) and turns them into a
// catalog overlay: a prices file in the format of catalog/data/prices.yaml
// that `--catalog DIR` reads on top of the embedded catalog.
//
// The API is unauthenticated, answers an OData $filter with pages of at
// most 100 items and links each page to the next by NextPageLink. Its
// rows hold traps that this package handles in one place, so that no
// caller meets them:
//
//   - Linux and Windows rows of a size share meterName; only productName
//     tells them apart (Windows rows end in " Windows"). Windows rows are
//     dropped: aizone plans Linux pools.
//   - Spot and Low Priority are separate meters whose meterName or skuName
//     ends in " Spot" or " Low Priority".
//   - A reservation row's retailPrice is the price of the whole term
//     although its unitOfMeasure reads "1 Hour"; it is divided by the
//     term's hours and marked as converted.
//   - DevTestConsumption rows are dev/test subscription prices, not the
//     prices a production landing zone pays; they are dropped.
//
// Facts from Microsoft's "Azure Retail Prices REST API overview" (API
// version 2020-08-01) and ../shared/reference/gpu-vm-prices.md §5–6.
package prices

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Item is one row of a page, with the fields the API documents. Only some
// of them decide anything; the rest are kept so that a row can be shown
// and traced.
type Item struct {
	CurrencyCode         string  `json:"currencyCode"`
	TierMinimumUnits     float64 `json:"tierMinimumUnits"`
	RetailPrice          float64 `json:"retailPrice"`
	UnitPrice            float64 `json:"unitPrice"`
	ArmRegionName        string  `json:"armRegionName"`
	Location             string  `json:"location"`
	EffectiveStartDate   string  `json:"effectiveStartDate"`
	MeterID              string  `json:"meterId"`
	MeterName            string  `json:"meterName"`
	ProductID            string  `json:"productId"`
	SkuID                string  `json:"skuId"`
	ProductName          string  `json:"productName"`
	SkuName              string  `json:"skuName"`
	ServiceName          string  `json:"serviceName"`
	ServiceID            string  `json:"serviceId"`
	ServiceFamily        string  `json:"serviceFamily"`
	UnitOfMeasure        string  `json:"unitOfMeasure"`
	Type                 string  `json:"type"`
	IsPrimaryMeterRegion bool    `json:"isPrimaryMeterRegion"`
	ArmSkuName           string  `json:"armSkuName"`
	ReservationTerm      string  `json:"reservationTerm"`
}

// Page is one response of the API: its items that decoded, the ones that
// did not, and the link to the next page.
type Page struct {
	// Name says where the page came from (a URL or a file name), for
	// reports of malformed items.
	Name            string
	BillingCurrency string
	Items           []Item
	// Index[i] is the position of Items[i] among the page's items, so
	// that a report can point at the row in the page as saved.
	Index        []int
	Malformed    []Malformed
	NextPageLink string
	// Total is the number of items the page held, decodable or not.
	Total int
}

// Malformed is an item that could not be used, with where it was and why.
type Malformed struct {
	Page   string `json:"page"`
	Index  int    `json:"index"` // 0-based position in the page's Items
	Reason string `json:"reason"`
}

func (m Malformed) String() string {
	return fmt.Sprintf("%s: item %d: %s", m.Page, m.Index, m.Reason)
}

// envelope is the documented response object. Count is not checked
// against len(Items): a page is read for its items, and a wrong count
// changes nothing this package does.
type envelope struct {
	BillingCurrency    string            `json:"BillingCurrency"`
	CustomerEntityID   string            `json:"CustomerEntityId"`
	CustomerEntityType string            `json:"CustomerEntityType"`
	Items              []json.RawMessage `json:"Items"`
	NextPageLink       *string           `json:"NextPageLink"`
	Count              *int              `json:"Count"`
}

// ErrNotAPage is wrapped by ParsePage's error for data that is not a
// Retail Prices API response.
var ErrNotAPage = errors.New("not a Retail Prices API page")

// ParsePage decodes one page. An item that does not decode (a field of the
// wrong type, not an object) is listed in Malformed with its index rather
// than failing the page: one bad row must not hide a hundred good ones. A
// body that is not a JSON object with an Items array is an error.
func ParsePage(name string, data []byte) (*Page, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a page saved by some tools starts with a BOM
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", name, ErrNotAPage, err)
	}
	if env.Items == nil {
		return nil, fmt.Errorf("%s: %w: no Items array (expected the API's response object with BillingCurrency, Items and NextPageLink)", name, ErrNotAPage)
	}
	p := &Page{Name: name, BillingCurrency: env.BillingCurrency, Total: len(env.Items)}
	if env.NextPageLink != nil {
		p.NextPageLink = *env.NextPageLink
	}
	for i, raw := range env.Items {
		var it Item
		if err := json.Unmarshal(raw, &it); err != nil {
			p.Malformed = append(p.Malformed, Malformed{Page: name, Index: i, Reason: oneLine(err.Error())})
			continue
		}
		p.Items = append(p.Items, it)
		p.Index = append(p.Index, i)
	}
	return p, nil
}

// oneLine makes text from a page (a product name, a decoder message quoting
// the page) safe to print on one line and to write into a YAML comment or
// string: control characters become spaces, runs of space collapse, and the
// text is cut at a length no honest value reaches.
func oneLine(s string) string {
	const maxRunes = 200
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		if n >= maxRunes {
			b.WriteString("...")
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
