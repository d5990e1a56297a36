package prerequisites

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Usage is one region's `az vm list-usage --location R --output json`.
type Usage struct {
	Region string `json:"region"`
	// Items are keyed by name.value lowercased.
	Items map[string]UsageItem `json:"items"`
}

// UsageItem is one quota of the usage: what is in use and the limit.
type UsageItem struct {
	Name      string `json:"name"`       // name.value, e.g. standardNDSH100v5Family
	LocalName string `json:"local_name"` // name.localizedValue, e.g. "Standard NDSH100v5 Family vCPUs"
	Current   int64  `json:"current"`
	Limit     int64  `json:"limit"`
	// Unit is what the item counts ("Count" for vCPU quotas); kept as
	// given, since other units do not stop the vCPU quotas being read.
	Unit string `json:"unit,omitempty"`
}

// Available is what the quota still allows: limit minus current use.
func (i UsageItem) Available() int64 { return i.Limit - i.Current }

// Item finds a quota by name, ignoring case and the spaces some Azure APIs
// put in family names ("Standard NCASv3_T4 Family" and
// "StandardNCASv3_T4Family" are one quota).
func (u Usage) Item(name string) (UsageItem, bool) {
	if it, ok := u.Items[strings.ToLower(name)]; ok {
		return it, true
	}
	want := quotaKey(name)
	keys := make([]string, 0, len(u.Items))
	for k := range u.Items {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first match in a stable order, if two fold together
	for _, k := range keys {
		if quotaKey(k) == want {
			return u.Items[k], true
		}
	}
	return UsageItem{}, false
}

// usageHint ends every parse error: what the file should be.
const usageHint = "expected the JSON that az vm list-usage --location REGION --output json prints (an array of {\"currentValue\", \"limit\", \"name\": {\"value\", \"localizedValue\"}, \"unit\"})"

// ParseUsage reads the JSON that `az vm list-usage --location R -o json`
// prints: an array of {"currentValue":..,"limit":..,"name":{"value":..,
// "localizedValue":..},"unit":"Count"}. currentValue and limit may be
// numbers or strings (older CLI versions print strings). The REST API's
// {"value": [...]} wrapper is accepted too, and so are files that a shell
// wrote as UTF-16 (PowerShell's > does) or with a byte-order mark. name is
// the file name for errors, which read "name:line:col: what; hint".
func ParseUsage(name string, data []byte, region string) (Usage, error) {
	data, err := toUTF8(data)
	if err != nil {
		return Usage{}, fmt.Errorf("%s: %v; %s", name, err, usageHint)
	}
	u := Usage{Region: region, Items: map[string]UsageItem{}}
	p := &usageParser{name: name, data: data}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return u, p.wrap(dec, err, "the file is empty or not JSON")
	}
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		// The REST API (and az rest) wrap the list: {"value": [...]}.
		if err := p.seekValue(dec); err != nil {
			return u, err
		}
	default:
		return u, p.errorf(p.skipSpace(0), "the top level is %s, not an array of usage items", describe(tok))
	}
	for dec.More() {
		start := p.skipSpace(dec.InputOffset())
		var raw rawUsage
		if err := dec.Decode(&raw); err != nil {
			return u, p.wrap(dec, err, "a usage item is not an object of the expected shape")
		}
		it, err := raw.item()
		if err != nil {
			return u, p.errorf(start, "%v", err)
		}
		key := strings.ToLower(it.Name)
		if _, dup := u.Items[key]; !dup { // the first of duplicates, so that order decides nothing else
			u.Items[key] = it
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return u, p.wrap(dec, err, "the array of usage items is not closed")
	}
	return u, nil
}

// rawUsage is one item as az prints it; the numbers stay raw so that
// strings and numbers are both read.
type rawUsage struct {
	CurrentValue json.RawMessage `json:"currentValue"`
	Limit        json.RawMessage `json:"limit"`
	Name         *struct {
		Value          string `json:"value"`
		LocalizedValue string `json:"localizedValue"`
	} `json:"name"`
	Unit string `json:"unit"`
}

func (r rawUsage) item() (UsageItem, error) {
	if r.Name == nil || strings.TrimSpace(r.Name.Value) == "" {
		return UsageItem{}, errors.New("usage item has no name.value (the quota's name, such as cores or standardNDSH100v5Family)")
	}
	it := UsageItem{Name: strings.TrimSpace(r.Name.Value), LocalName: r.Name.LocalizedValue, Unit: r.Unit}
	var err error
	if it.Current, err = count(r.CurrentValue, "currentValue"); err != nil {
		return it, fmt.Errorf("%s: %v", it.Name, err)
	}
	if it.Limit, err = count(r.Limit, "limit"); err != nil {
		return it, fmt.Errorf("%s: %v", it.Name, err)
	}
	return it, nil
}

// count reads a whole number written as a JSON number or string.
func count(raw json.RawMessage, field string) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, fmt.Errorf("%s is missing", field)
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(raw, &str); err != nil {
			return 0, fmt.Errorf("%s is not a number: %s", field, s)
		}
		s = strings.TrimSpace(str)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	// Some tools print counts as 96.0.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("%s is not a whole number: %s", field, strconv.Quote(s))
	}
	return int64(f), nil
}

type usageParser struct {
	name string
	data []byte
}

// seekValue moves the decoder inside the array of a {"value": [...]}
// wrapper, skipping other keys.
func (p *usageParser) seekValue(dec *json.Decoder) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p.wrap(dec, err, "the object is not valid JSON")
		}
		if key, _ := tok.(string); key == "value" {
			at := p.skipSpace(dec.InputOffset())
			tok, err := dec.Token()
			if err != nil {
				return p.wrap(dec, err, "value is not valid JSON")
			}
			if tok != json.Delim('[') {
				return p.errorf(at, "value is %s, not an array of usage items", describe(tok))
			}
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return p.wrap(dec, err, "the object is not valid JSON")
		}
	}
	return p.errorf(0, "the top level is an object without a value array, not an array of usage items")
}

// wrap turns a decoder error into "name:line:col: what; hint".
func (p *usageParser) wrap(dec *json.Decoder, err error, what string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return p.errorf(p.syntaxOffset(syn), "invalid JSON: %v", syn)
	case errors.As(err, &typ):
		return p.errorf(p.skipSpace(dec.InputOffset()), "%s: %s is %s, expected %s", what, fieldName(typ.Field), typ.Value, typ.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.errorf(int64(len(p.data)), "%s: the JSON ends early", what)
	}
	return p.errorf(dec.InputOffset(), "%s: %v", what, err)
}

// syntaxOffset finds where a syntax error is. A streaming decoder counts
// some errors' offsets from the value it was reading and others from the
// start, so the whole input is decoded again from byte 0 as one value
// (then whatever follows it), where offsets count from a known place.
func (p *usageParser) syntaxOffset(orig *json.SyntaxError) int64 {
	dec := json.NewDecoder(bytes.NewReader(p.data))
	for i := 0; i < 2; i++ {
		base := dec.InputOffset()
		var v any
		err := dec.Decode(&v)
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return base + syn.Offset - 1 // the offset counts the offending byte
		}
		if err != nil {
			break
		}
	}
	return orig.Offset - 1
}

func fieldName(f string) string {
	if f == "" {
		return "the item"
	}
	return f
}

func (p *usageParser) errorf(off int64, format string, args ...any) error {
	line, col := position(p.data, off)
	return fmt.Errorf("%s:%d:%d: %s; %s", p.name, line, col, fmt.Sprintf(format, args...), usageHint)
}

// skipSpace moves an offset past white space and the comma between array
// elements, to where the next value starts.
func (p *usageParser) skipSpace(off int64) int64 {
	for off < int64(len(p.data)) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// position converts a byte offset to a 1-based line and column (columns
// count characters, so that an editor lands on the spot).
func position(data []byte, off int64) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col = 1, 1
	for _, r := range string(data[:off]) {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// toUTF8 strips a UTF-8 byte-order mark and decodes UTF-16 (with a mark,
// or as PowerShell writes it), which is how `az ... > file` arrives from a
// Windows shell.
func toUTF8(data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return decodeUTF16(data[2:], false)
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return decodeUTF16(data[2:], true)
	}
	return data, nil
}

func decodeUTF16(b []byte, bigEndian bool) ([]byte, error) {
	if len(b)%2 != 0 {
		return nil, errors.New("UTF-16 text with an odd number of bytes")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	return []byte(string(utf16.Decode(u))), nil
}
