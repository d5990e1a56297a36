package prices

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultEndpoint is the Retail Prices API.
const DefaultEndpoint = "https://prices.azure.com/api/retail/prices"

// Defaults for a Client. They bound the work one query can cause: a query
// for one size in one region returns a few dozen rows (Linux, Windows,
// Spot, Low Priority, reservations), one page of 100.
const (
	DefaultMaxPages    = 20
	DefaultMaxAttempts = 5
	DefaultBackoff     = 2 * time.Second
	// DefaultMaxWait is the longest a throttled client waits at once;
	// an API asking for more is answered with an error, not a hang.
	DefaultMaxWait = 2 * time.Minute
	// maxBody bounds one page: 100 items of about 700 bytes each, with a
	// wide margin.
	maxBody = 16 << 20
)

// Client reads the Retail Prices API. Build it with New; it is safe for
// concurrent use.
type Client struct {
	endpoint    *url.URL
	http        *http.Client
	maxPages    int
	maxAttempts int
	backoff     time.Duration
	maxWait     time.Duration
	sleep       func(context.Context, time.Duration) error
	now         func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithEndpoint replaces the API's URL, for a mirror or a test server.
func WithEndpoint(u string) Option {
	return func(c *Client) {
		e, err := url.Parse(u)
		if err != nil {
			c.endpoint = nil // New reports it
			return
		}
		e.Fragment, e.RawFragment = "", ""
		c.endpoint = e
	}
}

// WithHTTPClient replaces http.DefaultClient's role.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithMaxPages bounds the pages followed for one query.
func WithMaxPages(n int) Option { return func(c *Client) { c.maxPages = n } }

// WithRetry sets the attempts per request on 429 and 503, the first
// backoff when the response has no Retry-After (doubled each attempt),
// and the longest single wait accepted.
func WithRetry(attempts int, backoff, maxWait time.Duration) Option {
	return func(c *Client) { c.maxAttempts, c.backoff, c.maxWait = attempts, backoff, maxWait }
}

// WithSleep replaces the wait between attempts; tests pass one that
// records the delay and returns at once.
func WithSleep(f func(context.Context, time.Duration) error) Option {
	return func(c *Client) { c.sleep = f }
}

// New returns a client of DefaultEndpoint, or of the endpoint an option
// names, which must be an http or https URL.
func New(opts ...Option) (*Client, error) {
	u, _ := url.Parse(DefaultEndpoint)
	c := &Client{endpoint: u, http: http.DefaultClient, maxPages: DefaultMaxPages, maxAttempts: DefaultMaxAttempts,
		backoff: DefaultBackoff, maxWait: DefaultMaxWait, sleep: sleepCtx, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	switch {
	case c.endpoint == nil || (c.endpoint.Scheme != "http" && c.endpoint.Scheme != "https") || c.endpoint.Host == "":
		return nil, errors.New("endpoint: want an http or https URL such as " + DefaultEndpoint)
	case c.maxPages < 1:
		return nil, errors.New("max pages must be at least 1")
	case c.maxAttempts < 1:
		return nil, errors.New("retry attempts must be at least 1")
	}
	return c, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Query is one question to the API: a VM size in a region, priced in a
// currency.
type Query struct {
	Region   string
	SKU      string
	Currency string
}

// Names that go into a filter: the API's region and size names use no
// other characters, and refusing the rest keeps a catalog entry from
// changing the meaning of the filter.
var (
	regionRE = regexp.MustCompile(`^[a-z][a-z0-9]{1,39}$`)
	skuRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{1,79}$`)
)

// CheckRegion refuses a region name the API cannot have.
func CheckRegion(r string) error {
	if !regionRE.MatchString(r) {
		return fmt.Errorf("region %q: want an Azure region name such as eastus or swedencentral (lower case letters and digits)", r)
	}
	return nil
}

// URL returns the first page's address for q.
func (c *Client) URL(q Query) (string, error) {
	if err := CheckRegion(q.Region); err != nil {
		return "", err
	}
	if !skuRE.MatchString(q.SKU) {
		return "", fmt.Errorf("VM size %q: want a name such as Standard_ND96isr_H100_v5", q.SKU)
	}
	if err := CheckCurrency(q.Currency); err != nil {
		return "", err
	}
	// Filter values are case-sensitive; the names are the ARM spellings.
	filter := fmt.Sprintf("serviceName eq 'Virtual Machines' and armRegionName eq '%s' and armSkuName eq '%s'", odata(q.Region), odata(q.SKU))
	return c.withFilter(filter, q.Currency), nil
}

// withFilter is the endpoint with a currency and an OData filter.
func (c *Client) withFilter(filter, currency string) string {
	u := *c.endpoint
	qs := u.RawQuery
	if qs != "" {
		qs += "&"
	}
	qs += "currencyCode=" + escape("'"+currency+"'") + "&$filter=" + escape(filter)
	u.RawQuery = qs
	return u.String()
}

// odata quotes a string literal's content: a quote is doubled.
func odata(s string) string { return strings.ReplaceAll(s, "'", "''") }

// escape percent-encodes a query value with %20 for spaces, which every
// server reads as a space, where '+' is read so only by form decoders.
func escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// Fetch returns every page of q's answer, following NextPageLink until it
// is empty, at most the client's page limit.
func (c *Client) Fetch(ctx context.Context, q Query) ([]*Page, error) {
	next, err := c.URL(q)
	if err != nil {
		return nil, err
	}
	return c.follow(ctx, next, q.SKU+" in "+q.Region, c.maxPages)
}

// follow reads the page at next and every page it links to, at most
// limit of them.
func (c *Client) follow(ctx context.Context, next, what string, limit int) ([]*Page, error) {
	seen := map[string]bool{}
	var pages []*Page
	for next != "" {
		if len(pages) == limit {
			return pages, fmt.Errorf("%s: more than %d pages; the answer to one query fits in a few pages, so the endpoint is not paging as the Retail Prices API does", what, limit)
		}
		if seen[next] {
			return pages, fmt.Errorf("%s: NextPageLink %s points back at a page already read", what, next)
		}
		seen[next] = true
		if err := c.sameHost(next); err != nil {
			return pages, err
		}
		body, err := c.get(ctx, next)
		if err != nil {
			return pages, err
		}
		p, err := ParsePage(next, body)
		if err != nil {
			return pages, err
		}
		pages = append(pages, p)
		next = p.NextPageLink
	}
	return pages, nil
}

// sameHost refuses a NextPageLink to another host: the client asked one
// service, and a page must not send it elsewhere.
func (c *Client) sameHost(link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("NextPageLink %q: %w", link, err)
	}
	if u.Scheme != c.endpoint.Scheme || !strings.EqualFold(u.Hostname(), c.endpoint.Hostname()) || port(u) != port(c.endpoint) {
		return fmt.Errorf("NextPageLink %q leaves %s; refusing to follow it", link, c.endpoint.Host)
	}
	return nil
}

// port returns the URL's port, the scheme's default when none is written
// (the API writes ":443" in its links, not in its documented address).
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// get reads one page, retrying on 429 (throttled) and 503 (unavailable)
// as the response's Retry-After asks, or with a doubling backoff when it
// does not say.
func (c *Client) get(ctx context.Context, u string) ([]byte, error) {
	wait := c.backoff
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("building request: %w", err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, fmt.Errorf("reading prices: %w", err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("reading prices from %s: %w", u, err)
		}
		switch resp.StatusCode {
		case http.StatusOK:
			if len(body) > maxBody {
				return nil, fmt.Errorf("%s: page larger than %d MiB; a page holds at most 100 items", u, maxBody>>20)
			}
			return body, nil
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			if attempt >= c.maxAttempts {
				return nil, fmt.Errorf("%s: %s after %d attempts; try again later", u, resp.Status, attempt)
			}
			d, ok := retryAfter(resp.Header.Get("Retry-After"), c.now())
			if !ok {
				d, wait = wait, wait*2
			}
			if d > c.maxWait {
				return nil, fmt.Errorf("%s: %s asks to wait %s, more than the %s this client waits; try again later", u, resp.Status, d, c.maxWait)
			}
			if err := c.sleep(ctx, d); err != nil {
				return nil, fmt.Errorf("waiting to retry %s: %w", u, err)
			}
		default:
			return nil, fmt.Errorf("%s: %s: %s", u, resp.Status, oneLine(string(body)))
		}
	}
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second) // beyond any max wait; avoids overflow
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// FetchAll asks for every size in every region, one query each, one after
// another: the API throttles bursts, and the answer is the same in any
// order. progress, if not nil, is called after each query.
func (c *Client) FetchAll(ctx context.Context, regions, skus []string, currency string, progress func(done, total int)) ([]*Page, error) {
	var all []*Page
	total := len(regions) * len(skus)
	done := 0
	for _, r := range regions {
		for _, s := range skus {
			pages, err := c.Fetch(ctx, Query{Region: r, SKU: s, Currency: currency})
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
