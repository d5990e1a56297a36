// Package units parses and prints the quantities a zone file and the catalog
// are written in: byte sizes ("400TB", "1.5TiB"), durations with days
// ("14d", "72h"), large counts ("2T" tokens) and bandwidths ("10Gbps").
// Decimal prefixes are powers of 1000 and binary prefixes powers of 1024, as
// on Azure's price and size pages.
package units

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aizone/aizone/internal/yamlpos"
)

// Bytes is a byte count.
type Bytes int64

// Byte sizes.
const (
	KB Bytes = 1000
	MB       = 1000 * KB
	GB       = 1000 * MB
	TB       = 1000 * GB
	PB       = 1000 * TB

	KiB Bytes = 1024
	MiB       = 1024 * KiB
	GiB       = 1024 * MiB
	TiB       = 1024 * GiB
	PiB       = 1024 * TiB
)

var byteUnits = map[string]float64{
	"b": 1, "": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12, "pb": 1e15, "eb": 1e18,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40, "pib": 1 << 50,
	"k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12, "p": 1e15,
}

// errDecimalComma reports "1,5" written for 1.5.
var errDecimalComma = errors.New("decimal comma")

// numberHint is hint, unless the number was written with a decimal comma.
func numberHint(err error, hint string) string {
	if errors.Is(err, errDecimalComma) {
		return "write decimals with a dot, such as 1.5; a comma only separates thousands"
	}
	return hint
}

var thousandsRE = regexp.MustCompile(`^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9_]*)?([eE][-+]?[0-9]+)?$`)

// splitNumber splits "1.5TiB" into 1.5 and "tib".
func splitNumber(s string) (float64, string, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (unicode.IsDigit(rune(s[i])) || s[i] == '.' || s[i] == '_' || s[i] == ',' ||
		((s[i] == 'e' || s[i] == 'E') && i+1 < len(s) && (unicode.IsDigit(rune(s[i+1])) || s[i+1] == '+' || s[i+1] == '-')) ||
		((s[i] == '+' || s[i] == '-') && (i == 0 || s[i-1] == 'e' || s[i-1] == 'E'))) {
		i++
	}
	num := s[:i]
	// A comma is accepted only as a thousands separator ("1,000,000"): in
	// "1,5TB" it is a decimal comma, and dropping it would read 15 TB.
	if strings.Contains(num, ",") && !thousandsRE.MatchString(num) {
		return 0, "", errDecimalComma
	}
	num = strings.NewReplacer("_", "", ",", "").Replace(num)
	if num == "" {
		return 0, "", fmt.Errorf("no number in %q", s)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, "", fmt.Errorf("bad number %q", num)
	}
	return f, strings.ToLower(strings.TrimSpace(s[i:])), nil
}

// ParseBytes parses a size such as "400TB", "1.5 TiB" or "512".
func ParseBytes(s string) (Bytes, error) {
	f, unit, err := splitNumber(s)
	if err != nil {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("invalid size %s", yamlpos.Quote(s)), Hint: numberHint(err, `write a size such as "400TB" or "1.5TiB"`)}
	}
	m, ok := byteUnits[unit]
	if !ok {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("unknown size unit %s in %s", yamlpos.Quote(unit), yamlpos.Quote(s)), Hint: "use B, KB, MB, GB, TB, PB or KiB, MiB, GiB, TiB, PiB"}
	}
	v := f * m
	if v < 0 {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("negative size %s", yamlpos.Quote(s)), Hint: "a size is zero or more"}
	}
	if v > 9e18 {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("size %s is out of range", yamlpos.Quote(s)), Hint: "sizes up to a few exabytes are accepted"}
	}
	return Bytes(math.Round(v)), nil
}

// DecodeScalar implements yamlpos.Scalar.
func (b *Bytes) DecodeScalar(text, kind string) error {
	if kind == "null" || kind == "bool" {
		return &yamlpos.HintError{Msg: "expected a size, got " + scalarDesc(text, kind), Hint: `write a size such as "400TB"`}
	}
	v, err := ParseBytes(text)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// String prints the size with a decimal unit, as the pricing pages do.
func (b Bytes) String() string {
	f := float64(b)
	for _, u := range []struct {
		name string
		v    float64
	}{{"PB", 1e15}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}} {
		if f >= u.v {
			return trimFloat(f/u.v) + " " + u.name
		}
	}
	return fmt.Sprintf("%d B", int64(b))
}

// GiB returns the size in GiB.
func (b Bytes) GiB() float64 { return float64(b) / float64(GiB) }

// TiB returns the size in TiB.
func (b Bytes) TiB() float64 { return float64(b) / float64(TiB) }

// JSONSchema describes the accepted forms for the zone file's JSON Schema.
func (Bytes) JSONSchema() map[string]any {
	return map[string]any{"oneOf": []any{
		map[string]any{"type": "integer", "minimum": 0},
		map[string]any{"type": "string", "pattern": `^\s*[0-9][0-9_,.]*(e[+-]?[0-9]+)?\s*([kKmMgGtTpPeE]i?[bB]?|[bB])?\s*$`},
	}, "description": `a size: bytes, or a number with a unit such as "400TB" or "1.5TiB"`}
}

func trimFloat(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}

// Duration is a length of time that also accepts days, weeks and years
// ("14d", "2w", "1y"), since training deadlines and retention are written so.
type Duration time.Duration

// Day is 24 hours.
const Day = Duration(24 * time.Hour)

var durationUnits = map[string]time.Duration{
	// ns and us/µs are accepted so that every String() parses back.
	"ns": time.Nanosecond, "us": time.Microsecond, "µs": time.Microsecond,
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "min": time.Minute,
	"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "y": 365 * 24 * time.Hour,
}

// ParseDuration parses "72h", "14d", "1h30m", "500ms", "1y".
func ParseDuration(s string) (Duration, error) {
	in := strings.TrimSpace(s)
	bad := &yamlpos.HintError{Msg: fmt.Sprintf("invalid duration %s", yamlpos.Quote(s)), Hint: `write a duration such as "72h", "14d", "500ms" or "1y"; combine units as "1h30m"`}
	if in == "" {
		return 0, bad
	}
	var total float64
	rest := in
	for rest != "" {
		f, unitAndRest, err := splitNumber(rest)
		if err != nil {
			return 0, bad
		}
		j := 0
		for j < len(unitAndRest) {
			r, size := utf8.DecodeRuneInString(unitAndRest[j:])
			if !unicode.IsLetter(r) {
				break
			}
			j += size
		}
		unit := unitAndRest[:j]
		d, ok := durationUnits[unit]
		switch {
		case unit == "":
			return 0, &yamlpos.HintError{Msg: fmt.Sprintf("duration %s has no unit", yamlpos.Quote(s)), Hint: `add a unit, as in "72h" or "14d"`}
		case !ok:
			return 0, &yamlpos.HintError{Msg: fmt.Sprintf("unknown duration unit %s in %s", yamlpos.Quote(unit), yamlpos.Quote(s)), Hint: "use ms, s, m (minutes), h, d (days), w (weeks) or y (365 days)"}
		}
		if f < 0 {
			return 0, &yamlpos.HintError{Msg: fmt.Sprintf("negative duration %s", yamlpos.Quote(s)), Hint: "a duration is zero or more"}
		}
		total += f * float64(d)
		rest = strings.TrimSpace(unitAndRest[j:])
	}
	if total > float64(100*365*24*time.Hour) {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("duration %s is out of range", yamlpos.Quote(s)), Hint: "durations up to 100 years are accepted"}
	}
	// Round, not truncate: 0.3 * 1e9 is 299999999.99999994.
	return Duration(math.Round(total)), nil
}

// DecodeScalar implements yamlpos.Scalar.
func (d *Duration) DecodeScalar(text, kind string) error {
	if kind != "string" {
		return &yamlpos.HintError{Msg: "expected a duration with a unit, got " + scalarDesc(text, kind), Hint: `write "72h" or "14d": a bare number has no unit`}
	}
	v, err := ParseDuration(text)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Hours returns the duration in hours.
func (d Duration) Hours() float64 { return time.Duration(d).Hours() }

// Days returns the duration in days.
func (d Duration) Days() float64 { return time.Duration(d).Hours() / 24 }

// Seconds returns the duration in seconds.
func (d Duration) Seconds() float64 { return time.Duration(d).Seconds() }

// String prints whole days as "14d" and the rest as Go does without its
// zero trailing units ("1h", "1h30m", "90s"), the way a user writes them.
func (d Duration) String() string {
	td := time.Duration(d)
	if td >= 24*time.Hour && td%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", td/(24*time.Hour))
	}
	s := td.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalJSON writes the duration as text ("14d"), which is what users wrote.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// JSONSchema describes the accepted forms.
func (Duration) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": `^\s*([0-9][0-9.]*\s*(ms|s|m|min|h|d|w|y)\s*)+$`,
		"description": `a duration such as "72h", "14d", "500ms" or "1y"`}
}

// Count is a large dimensionless number such as a token or parameter count;
// it accepts suffixes K, M, B (billion), T and scientific notation.
type Count float64

var countUnits = map[string]float64{"": 1, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "q": 1e15}

// ParseCount parses "2T", "70B", "1.5e12" or "8000000".
func ParseCount(s string) (Count, error) {
	f, unit, err := splitNumber(s)
	if err != nil {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("invalid number %s", yamlpos.Quote(s)), Hint: numberHint(err, `write a number such as 2e12 or "2T"`)}
	}
	m, ok := countUnits[unit]
	if !ok {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("unknown suffix %s in %s", yamlpos.Quote(unit), yamlpos.Quote(s)), Hint: "use K, M, B (billion) or T (trillion)"}
	}
	if f < 0 {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("negative number %s", yamlpos.Quote(s)), Hint: "write zero or more"}
	}
	if math.IsInf(f*m, 0) {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("number %s is out of range", yamlpos.Quote(s)), Hint: "check for extra digits or a doubled suffix"}
	}
	return Count(f * m), nil
}

// DecodeScalar implements yamlpos.Scalar.
func (c *Count) DecodeScalar(text, kind string) error {
	if kind == "null" || kind == "bool" {
		return &yamlpos.HintError{Msg: "expected a number, got " + scalarDesc(text, kind), Hint: `write a number such as 2e12 or "2T"`}
	}
	v, err := ParseCount(text)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// String prints the count with a suffix ("70B", "2T").
func (c Count) String() string {
	f := float64(c)
	for _, u := range []struct {
		s string
		v float64
	}{{"T", 1e12}, {"B", 1e9}, {"M", 1e6}, {"K", 1e3}} {
		if f >= u.v {
			return trimFloat(f/u.v) + u.s
		}
	}
	return trimFloat(f)
}

// JSONSchema describes the accepted forms.
func (Count) JSONSchema() map[string]any {
	return map[string]any{"oneOf": []any{
		map[string]any{"type": "number", "minimum": 0},
		map[string]any{"type": "string", "pattern": `^\s*[0-9][0-9_,.]*(e[+-]?[0-9]+)?\s*[kKmMbBgGtTqQ]?\s*$`},
	}, "description": `a count: a number, or with a suffix K, M, B or T such as "2T"`}
}

// Bandwidth is a rate in bits per second.
type Bandwidth float64

var bandwidthUnits = map[string]float64{
	"bps": 1, "kbps": 1e3, "mbps": 1e6, "gbps": 1e9, "tbps": 1e12,
	"b/s": 1, "kb/s": 1e3, "mb/s": 1e6, "gb/s": 1e9, "tb/s": 1e12,
}

// ParseBandwidth parses "10Gbps", "500 Mbps" or "100Gb/s".
func ParseBandwidth(s string) (Bandwidth, error) {
	f, unit, err := splitNumber(s)
	hint := `write a rate such as "10Gbps" or "500Mbps"`
	if err != nil {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("invalid bandwidth %s", yamlpos.Quote(s)), Hint: numberHint(err, hint)}
	}
	m, ok := bandwidthUnits[unit]
	if !ok {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("unknown bandwidth unit %s in %s", yamlpos.Quote(unit), yamlpos.Quote(s)), Hint: hint + " (bits per second)"}
	}
	if f <= 0 {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("bandwidth %s must be positive", yamlpos.Quote(s)), Hint: hint}
	}
	if math.IsInf(f*m, 0) {
		return 0, &yamlpos.HintError{Msg: fmt.Sprintf("bandwidth %s is out of range", yamlpos.Quote(s)), Hint: hint}
	}
	return Bandwidth(f * m), nil
}

// DecodeScalar implements yamlpos.Scalar.
func (b *Bandwidth) DecodeScalar(text, kind string) error {
	if kind != "string" {
		return &yamlpos.HintError{Msg: "expected a bandwidth with a unit, got " + scalarDesc(text, kind), Hint: `write "10Gbps": a bare number has no unit`}
	}
	v, err := ParseBandwidth(text)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// String prints the rate with the largest whole unit.
func (b Bandwidth) String() string {
	f := float64(b)
	for _, u := range []struct {
		s string
		v float64
	}{{"Tbps", 1e12}, {"Gbps", 1e9}, {"Mbps", 1e6}, {"Kbps", 1e3}} {
		if f >= u.v {
			return trimFloat(f/u.v) + " " + u.s
		}
	}
	return trimFloat(f) + " bps"
}

// JSONSchema describes the accepted forms.
func (Bandwidth) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": `^\s*[0-9][0-9.]*\s*[kKmMgGtT]?(bps|b/s)\s*$`,
		"description": `a bandwidth in bits per second such as "10Gbps"`}
}

// scalarDesc describes a YAML scalar that has the wrong kind for a unit type.
func scalarDesc(text, kind string) string {
	switch kind {
	case "int", "float":
		return "the bare number " + text
	case "null":
		return "nothing (null)"
	case "bool":
		return "the boolean " + text
	}
	return strconv.Quote(text)
}
