package units

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aizone/aizone/internal/yamlpos"
)

// wantHintError checks that err is a HintError whose message contains msg
// and that carries a hint: the loader turns it into a located error.
func wantHintError(t *testing.T, in string, err error, msg string) {
	t.Helper()
	var he *yamlpos.HintError
	if !errors.As(err, &he) {
		t.Errorf("%q: error %v (%T), want a *yamlpos.HintError", in, err, err)
		return
	}
	if !strings.Contains(he.Msg, msg) || he.Hint == "" {
		t.Errorf("%q: error %q (hint %q), want message containing %q and a hint", in, he.Msg, he.Hint, msg)
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want Bytes
	}{
		{"0", 0},
		{"512", 512},
		{"512B", 512},
		{"400TB", 400 * TB},
		{"400 TB", 400 * TB},
		{" 2tb ", 2 * TB},
		{"1.5TiB", TiB + TiB/2},
		{"1KB", KB},
		{"1KiB", KiB},
		{"4k", 4 * KB},
		{"2G", 2 * GB},
		{"1PB", PB},
		{"1PiB", PiB},
		{"2EB", 2_000_000 * TB},
		{"1e3GB", TB},
		{"1_000GB", TB},
		{"1,000GB", TB},
		{"1,000,000MB", TB},
		{".5GB", 500 * MB},
		{"1.5", 2}, // bytes are whole: rounded
	}
	for _, tt := range tests {
		got, err := ParseBytes(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseBytesErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "invalid size"},
		{"TB", "invalid size"},
		{"lots", "invalid size"},
		{"2 terabytes", `unknown size unit "terabytes"`},
		{"2TBs", `unknown size unit "tbs"`},
		{"5X", `unknown size unit "x"`},
		{"-2TB", "negative size"},
		{"20EB", "out of range"},
		{"1e30", "out of range"},
		{"1,5TB", "invalid size"}, // decimal comma, not 15 TB
		{"1,00TB", "invalid size"},
		{"1..5TB", "invalid size"},
		{"1e400TB", "invalid size"},
	}
	for _, tt := range tests {
		_, err := ParseBytes(tt.in)
		wantHintError(t, tt.in, err, tt.msg)
	}
	_, err := ParseBytes("1,5TB")
	var he *yamlpos.HintError
	if errors.As(err, &he) && !strings.Contains(he.Hint, "dot") {
		t.Errorf("decimal comma hint %q should say to write a dot", he.Hint)
	}
}

func TestBytesString(t *testing.T) {
	tests := []struct {
		in   Bytes
		want string
	}{
		{0, "0 B"},
		{999, "999 B"},
		{KB, "1 KB"},
		{1500 * KB, "1.5 MB"},
		{400 * TB, "400 TB"},
		{1234 * GB, "1.23 TB"},
		{2 * PB, "2 PB"},
		{2000 * PB, "2000 PB"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Bytes(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
	}
	if got := (TiB).TiB(); got != 1 {
		t.Errorf("TiB().TiB() = %v", got)
	}
	if got := (GiB / 2).GiB(); got != 0.5 {
		t.Errorf("GiB/2 .GiB() = %v", got)
	}
}

func TestDecodeScalarKinds(t *testing.T) {
	// What the YAML decoder passes for "size: 2048", "size: null", etc.
	tests := []struct {
		name   string
		decode func(text, kind string) error
		text   string
		kind   string
		ok     bool
		msg    string
	}{
		{"bytes int", new(Bytes).DecodeScalar, "2048", "int", true, ""},
		{"bytes string", new(Bytes).DecodeScalar, "2KB", "string", true, ""},
		{"bytes null", new(Bytes).DecodeScalar, "", "null", false, "expected a size, got nothing (null)"},
		{"bytes bool", new(Bytes).DecodeScalar, "true", "bool", false, "expected a size, got the boolean true"},
		{"count float", new(Count).DecodeScalar, "1.5e12", "float", true, ""},
		{"count null", new(Count).DecodeScalar, "", "null", false, "expected a number, got nothing (null)"},
		{"duration string", new(Duration).DecodeScalar, "14d", "string", true, ""},
		{"duration bare int", new(Duration).DecodeScalar, "7", "int", false, "got the bare number 7"},
		{"duration bare float", new(Duration).DecodeScalar, "1.5", "float", false, "got the bare number 1.5"},
		{"duration bool", new(Duration).DecodeScalar, "false", "bool", false, "got the boolean false"},
		{"bandwidth string", new(Bandwidth).DecodeScalar, "10Gbps", "string", true, ""},
		{"bandwidth bare int", new(Bandwidth).DecodeScalar, "10", "int", false, "got the bare number 10"},
	}
	for _, tt := range tests {
		err := tt.decode(tt.text, tt.kind)
		if tt.ok {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		wantHintError(t, tt.name, err, tt.msg)
	}
	var b Bytes
	if err := b.DecodeScalar("2KB", "string"); err != nil || b != 2*KB {
		t.Errorf("DecodeScalar stored %d, %v; want 2000", b, err)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"72h", 72 * time.Hour},
		{"14d", 14 * 24 * time.Hour},
		{"2w", 14 * 24 * time.Hour},
		{"1y", 365 * 24 * time.Hour},
		{"500ms", 500 * time.Millisecond},
		{"1h30m", 90 * time.Minute},
		{"1h 30min", 90 * time.Minute},
		{"1.5h", 90 * time.Minute},
		{"0.3s", 300 * time.Millisecond}, // rounded, not truncated
		{"90s", 90 * time.Second},
		{"2H", 2 * time.Hour},
		{"1µs", time.Microsecond},
		{"1us", time.Microsecond},
		{"5ns", 5},
		{"0s", 0},
		{"100y", 100 * 365 * 24 * time.Hour},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || time.Duration(got) != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, time.Duration(got), err, tt.want)
		}
	}
}

func TestParseDurationErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "invalid duration"},
		{"  ", "invalid duration"},
		{"h", "invalid duration"},
		{"7", `duration "7" has no unit`},
		{"1h30", `duration "1h30" has no unit`},
		{"7 days", `unknown duration unit "days"`},
		{"3 months", `unknown duration unit "months"`},
		{"-1h", "negative duration"},
		{"1h-5m", "negative duration"},
		{"101y", "out of range"},
		{"1e300h", "out of range"},
		{"1,5h", "invalid duration"},
	}
	for _, tt := range tests {
		_, err := ParseDuration(tt.in)
		wantHintError(t, tt.in, err, tt.msg)
	}
}

func TestDurationStringAndJSON(t *testing.T) {
	tests := []struct {
		in   Duration
		want string
	}{
		{14 * Day, "14d"},
		{Day, "1d"},
		{Duration(36 * time.Hour), "36h"},
		{Duration(90 * time.Minute), "1h30m"},
		{Duration(10 * time.Minute), "10m"},
		{Duration(time.Hour + 10*time.Second), "1h0m10s"},
		{Duration(90 * time.Second), "1m30s"},
		{Duration(500 * time.Millisecond), "500ms"},
		{0, "0s"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
		b, err := json.Marshal(tt.in)
		if err != nil || string(b) != `"`+tt.want+`"` {
			t.Errorf("MarshalJSON = %s, %v; want %q", b, err, tt.want)
		}
	}
	d := 36 * Duration(time.Hour)
	if d.Hours() != 36 || d.Days() != 1.5 || d.Seconds() != 36*3600 {
		t.Errorf("36h: Hours %v, Days %v, Seconds %v", d.Hours(), d.Days(), d.Seconds())
	}
}

func TestParseCount(t *testing.T) {
	tests := []struct {
		in   string
		want Count
	}{
		{"8000000", 8e6},
		{"2T", 2e12},
		{"70B", 70e9},
		{"70b", 70e9},
		{"1.5e12", 1.5e12},
		{"8K", 8e3},
		{"405M", 405e6},
		{"1G", 1e9},
		{"1Q", 1e15},
		{"1,000,000", 1e6},
		{"0.5", 0.5},
	}
	for _, tt := range tests {
		got, err := ParseCount(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseCount(%q) = %v, %v; want %v", tt.in, float64(got), err, float64(tt.want))
		}
	}
	errs := []struct{ in, msg string }{
		{"", "invalid number"},
		{"many", "invalid number"},
		{"2X", `unknown suffix "x"`},
		{"2 tokens", `unknown suffix "tokens"`},
		{"-5B", "negative number"},
		{"1e300Q", "out of range"},
		{"1,5B", "invalid number"},
	}
	for _, tt := range errs {
		_, err := ParseCount(tt.in)
		wantHintError(t, tt.in, err, tt.msg)
	}
}

func TestCountString(t *testing.T) {
	tests := []struct {
		in   Count
		want string
	}{
		{70e9, "70B"},
		{2e12, "2T"},
		{1.5e12, "1.5T"},
		{8e6, "8M"},
		{8e3, "8K"},
		{512, "512"},
		{0.25, "0.25"},
		{15e15, "15000T"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Count(%v).String() = %q, want %q", float64(tt.in), got, tt.want)
		}
	}
}

func TestParseBandwidth(t *testing.T) {
	tests := []struct {
		in   string
		want Bandwidth
	}{
		{"10Gbps", 10e9},
		{"500 Mbps", 500e6},
		{"100Gb/s", 100e9},
		{"1.6Tbps", 1.6e12},
		{"64kbps", 64e3},
		{"9600bps", 9600},
	}
	for _, tt := range tests {
		got, err := ParseBandwidth(tt.in)
		if err != nil || math.Abs(float64(got-tt.want)) > 1e-6*float64(tt.want) {
			t.Errorf("ParseBandwidth(%q) = %v, %v; want %v", tt.in, float64(got), err, float64(tt.want))
		}
	}
	errs := []struct{ in, msg string }{
		{"", "invalid bandwidth"},
		{"10", `unknown bandwidth unit ""`},
		{"10GB", `unknown bandwidth unit "gb"`},
		{"10 gigabit", `unknown bandwidth unit "gigabit"`},
		{"0Gbps", "must be positive"},
		{"-1Gbps", "must be positive"},
		{"1e305Tbps", "out of range"},
	}
	for _, tt := range errs {
		_, err := ParseBandwidth(tt.in)
		wantHintError(t, tt.in, err, tt.msg)
	}
	strs := []struct {
		in   Bandwidth
		want string
	}{
		{10e9, "10 Gbps"},
		{1.6e12, "1.6 Tbps"},
		{500e6, "500 Mbps"},
		{64e3, "64 Kbps"},
		{300, "300 bps"},
	}
	for _, tt := range strs {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Bandwidth(%v).String() = %q, want %q", float64(tt.in), got, tt.want)
		}
	}
}

func TestLongInputIsShortenedInMessages(t *testing.T) {
	long := strings.Repeat("9", 10_000) + "XB"
	_, err := ParseBytes(long)
	if err == nil || len(err.Error()) > 300 {
		t.Errorf("error for a 10,000-character value is %d characters long", len(err.Error()))
	}
}

func TestJSONSchemas(t *testing.T) {
	// The schemas describe the text forms; each needs a description for
	// editors and a type or a oneOf.
	for name, s := range map[string]map[string]any{
		"Bytes": Bytes(0).JSONSchema(), "Duration": Duration(0).JSONSchema(),
		"Count": Count(0).JSONSchema(), "Bandwidth": Bandwidth(0).JSONSchema(),
	} {
		if s["description"] == nil || (s["type"] == nil && s["oneOf"] == nil) {
			t.Errorf("%s schema lacks description or type: %v", name, s)
		}
	}
}

// closeTo reports whether b is a printed-and-parsed a: String keeps two
// decimals of its unit, so the round trip is exact to half a percent.
func closeTo(a, b float64) bool {
	return math.Abs(a-b) <= 0.005*math.Abs(a)+0.005
}

func TestRoundTrips(t *testing.T) {
	for _, b := range []Bytes{0, 1, 999, KB, 1500 * KB, 400 * TB, 1234 * GB, 100 * PB, 2 * GiB, 3 * TiB} {
		got, err := ParseBytes(b.String())
		if err != nil || !closeTo(float64(b), float64(got)) {
			t.Errorf("Bytes %d -> %q -> %d, %v", int64(b), b.String(), int64(got), err)
		}
	}
	for _, d := range []Duration{0, 1, Duration(time.Microsecond), Duration(1500 * time.Microsecond), Duration(500 * time.Millisecond),
		Duration(time.Hour), Duration(90 * time.Minute), Day, 14 * Day, 365 * Day, Duration(36*time.Hour + 1)} {
		got, err := ParseDuration(d.String())
		if err != nil || got != d {
			t.Errorf("Duration %d -> %q -> %d, %v", int64(d), d.String(), int64(got), err)
		}
	}
	for _, c := range []Count{0, 0.5, 512, 8e3, 70e9, 405e9, 1.5e12, 15e12} {
		got, err := ParseCount(c.String())
		if err != nil || !closeTo(float64(c), float64(got)) {
			t.Errorf("Count %v -> %q -> %v, %v", float64(c), c.String(), float64(got), err)
		}
	}
	for _, b := range []Bandwidth{1, 300, 64e3, 10e9, 1.6e12} {
		got, err := ParseBandwidth(b.String())
		if err != nil || !closeTo(float64(b), float64(got)) {
			t.Errorf("Bandwidth %v -> %q -> %v, %v", float64(b), b.String(), float64(got), err)
		}
	}
}

// The fuzz tests below check, for any text: no panic; an error is a
// HintError with a hint (so the loader can locate and explain it); a value
// is finite and not negative, and prints as text that parses back to
// (nearly) the same value.

func checkParseErr(t *testing.T, s string, err error) {
	t.Helper()
	var he *yamlpos.HintError
	if !errors.As(err, &he) || he.Hint == "" {
		t.Fatalf("%q: error %v (%T) is not a HintError with a hint", s, err, err)
	}
}

func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"400TB", "1.5TiB", "512", "1,000GB", "-2TB", "1e30", "2 terabytes", ".5k", "9e18"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBytes(s)
		if err != nil {
			checkParseErr(t, s, err)
			return
		}
		if b < 0 {
			t.Fatalf("%q: negative %d", s, b)
		}
		back, err := ParseBytes(b.String())
		if err != nil || !closeTo(float64(b), float64(back)) {
			t.Fatalf("%q: %d prints as %q, which parses to %d, %v", s, int64(b), b.String(), int64(back), err)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"72h", "14d", "1h30m", "500ms", "1y", "0.3s", "7 days", "-1h", "1e300h", "1µs"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			checkParseErr(t, s, err)
			return
		}
		if d < 0 {
			t.Fatalf("%q: negative %v", s, time.Duration(d))
		}
		back, err := ParseDuration(d.String())
		// Parsing sums float64 nanoseconds, exact to about a
		// microsecond at a hundred years.
		if err != nil || math.Abs(float64(back-d)) > 1e3 {
			t.Fatalf("%q: %d prints as %q, which parses to %d, %v", s, int64(d), d.String(), int64(back), err)
		}
	})
}

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"2T", "70B", "1.5e12", "8000000", "1,000", "-5", "1e300Q", "2X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCount(s)
		if err != nil {
			checkParseErr(t, s, err)
			return
		}
		if c < 0 || math.IsInf(float64(c), 0) || math.IsNaN(float64(c)) {
			t.Fatalf("%q: %v", s, float64(c))
		}
		back, err := ParseCount(c.String())
		if err != nil || !closeTo(float64(c), float64(back)) {
			t.Fatalf("%q: %v prints as %q, which parses to %v, %v", s, float64(c), c.String(), float64(back), err)
		}
	})
}

func FuzzParseBandwidth(f *testing.F) {
	for _, s := range []string{"10Gbps", "500 Mbps", "100Gb/s", "0bps", "1e305Tbps", "10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBandwidth(s)
		if err != nil {
			checkParseErr(t, s, err)
			return
		}
		if !(b > 0) || math.IsInf(float64(b), 0) {
			t.Fatalf("%q: %v", s, float64(b))
		}
		back, err := ParseBandwidth(b.String())
		if err != nil || !closeTo(float64(b), float64(back)) {
			t.Fatalf("%q: %v prints as %q, which parses to %v, %v", s, float64(b), b.String(), float64(back), err)
		}
	})
}
