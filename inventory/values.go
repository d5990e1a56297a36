package inventory

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aizone/aizone/lifecycle"
)

// ParseTime reads an inventory timestamp. Reports write RFC 3339 with up to
// seven fractional digits (2024-05-01T10:00:00.1234567Z); the fast path
// handles that without allocating, other RFC 3339 forms and RFC 1123 (as
// HTTP headers carry times) go through package time. Fractions are dropped:
// run conditions count whole days.
func ParseTime(s string) (int64, bool) {
	if t, ok := fastTime(s); ok {
		return t, true
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC1123, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix(), true
		}
	}
	return 0, false
}

func digits(s string, i, n int) (int, bool) {
	v := 0
	for k := i; k < i+n; k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func fastTime(s string) (int64, bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	h, ok4 := digits(s, 11, 2)
	mi, ok5 := digits(s, 14, 2)
	se, ok6 := digits(s, 17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || se > 59 {
		return 0, false
	}
	i := 19
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return 0, false
		}
	}
	if i != len(s)-1 || s[i] != 'Z' {
		return 0, false // offsets other than Z take the slow path
	}
	return civil(y, mo, d)*86400 + int64(h*3600+mi*60+se), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// civil is days since 1970-01-01 of a proleptic Gregorian date (Howard
// Hinnant's days_from_civil).
func civil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// FormatTime writes a timestamp the way inventory reports do.
func FormatTime(t int64) string {
	if t == 0 {
		return ""
	}
	return time.Unix(t, 0).UTC().Format("2006-01-02T15:04:05.0000000Z")
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true":
		return true, nil
	case "false", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

// parseTags reads the Tags (and Metadata) field: a JSON object of string
// values, empty for none.
func parseTags(s string) ([]lifecycle.Tag, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "{}" {
		return nil, nil
	}
	if tags, ok := simpleTags(s); ok {
		return tags, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("%q is not a JSON object of tags", truncate(s, 60))
	}
	tags := make([]lifecycle.Tag, 0, len(m))
	for k, v := range m {
		var vs string
		switch x := v.(type) {
		case string:
			vs = x
		case float64:
			vs = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			vs = strconv.FormatBool(x)
		default:
			return nil, fmt.Errorf("tag %q has a non-scalar value", k)
		}
		tags = append(tags, lifecycle.Tag{Key: k, Value: vs})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags, nil
}

// simpleTags reads {"k":"v",...} without escapes, the common case, without
// the reflection of encoding/json.
func simpleTags(s string) ([]lifecycle.Tag, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' || strings.IndexByte(s, '\\') >= 0 {
		return nil, false
	}
	body := s[1 : len(s)-1]
	var tags []lifecycle.Tag
	for len(body) > 0 {
		k, rest, ok := quoted(body)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return nil, false
		}
		v, rest, ok := quoted(rest[1:])
		if !ok {
			return nil, false
		}
		tags = append(tags, lifecycle.Tag{Key: k, Value: v})
		if len(rest) > 0 {
			if rest[0] != ',' {
				return nil, false
			}
			rest = rest[1:]
		}
		body = rest
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags, true
}

// quoted reads a leading "..." string (no escapes) and returns a copy.
func quoted(s string) (string, string, bool) {
	if len(s) < 2 || s[0] != '"' {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", s, false
	}
	return strings.Clone(s[1 : 1+end]), s[2+end:], true
}

// FormatTags writes tags as the JSON object parseTags reads, keys sorted.
func FormatTags(tags []lifecycle.Tag) string {
	if len(tags) == 0 {
		return ""
	}
	sorted := append([]lifecycle.Tag(nil), tags...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	var b strings.Builder
	b.WriteByte('{')
	for i, t := range sorted {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(t.Key)
		v, _ := json.Marshal(t.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

var errNegative = errors.New("negative size")

// MaxBlobBytes is the largest blob Azure Storage holds: a block blob of
// 50,000 blocks of 4,000 MiB, about 190.7 TiB ("Maximum size of a block
// blob", Scalability and performance targets for Blob storage,
// learn.microsoft.com/azure/storage/blobs/scalability-targets; append
// blobs stop at about 195 GiB and page blobs at 8 TiB). A larger
// Content-Length is a corrupt or hand-edited report, and letting it in
// would let sums of sizes leave int64.
const MaxBlobBytes int64 = 50000 * (4000 << 20)

// checkSize rejects sizes no blob can have.
func checkSize(n int64) error {
	switch {
	case n < 0:
		return fmt.Errorf("%w %d", errNegative, n)
	case n > MaxBlobBytes:
		return tooLarge(strconv.FormatInt(n, 10))
	}
	return nil
}

func tooLarge(size string) error {
	return fmt.Errorf("size %s is larger than the largest blob Azure stores, %d bytes (50,000 blocks of 4,000 MiB, about 190.7 TiB)", size, MaxBlobBytes)
}

// rowSetter fills one Record field from a text value; CSV cells and
// Parquet string columns share them.
type rowSetter func(r *Record, s string) error

func timeSetter(dst func(*Record) *int64, required bool) rowSetter {
	return func(r *Record, s string) error {
		if s == "" {
			if required {
				return errors.New("empty; a timestamp is required")
			}
			*dst(r) = 0
			return nil
		}
		t, ok := ParseTime(s)
		if !ok {
			return fmt.Errorf("bad date %q; want RFC 3339 such as 2024-05-01T10:00:00.0000000Z", truncate(s, 40))
		}
		*dst(r) = t
		return nil
	}
}

// setters maps each known column to the code that reads it.
var setters = map[string]rowSetter{
	ColName: func(r *Record, s string) error {
		if s == "" {
			return errors.New("empty blob name")
		}
		// s aliases the reader's buffer: no copy per row. Consumers that
		// keep a record past its batch call Clone.
		r.Name = s
		return nil
	},
	ColCreationTime:         timeSetter(func(r *Record) *int64 { return &r.Created }, true),
	ColLastModified:         timeSetter(func(r *Record) *int64 { return &r.Modified }, true),
	ColLastAccessTime:       timeSetter(func(r *Record) *int64 { return &r.LastAccess }, false),
	ColAccessTierChangeTime: timeSetter(func(r *Record) *int64 { return &r.TierChanged }, false),
	ColContentLength: func(r *Record, s string) error {
		n, err := strconv.ParseInt(s, 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			// Beyond int64 either way: say which way rather than "bad size".
			if strings.HasPrefix(s, "-") {
				return fmt.Errorf("%w %s", errNegative, truncate(s, 40))
			}
			return tooLarge(truncate(s, 40))
		}
		if err != nil {
			return fmt.Errorf("bad size %q; want a whole number of bytes", truncate(s, 40))
		}
		if err := checkSize(n); err != nil {
			return err
		}
		r.Bytes = n
		return nil
	},
	ColBlobType: func(r *Record, s string) error {
		if s == "" {
			r.Type = lifecycle.BlockBlob
			return nil
		}
		t, ok := lifecycle.ParseBlobType(s)
		if !ok {
			return fmt.Errorf("unknown blob type %q; want BlockBlob, AppendBlob or PageBlob", truncate(s, 40))
		}
		r.Type = t
		return nil
	},
	ColAccessTier: func(r *Record, s string) error {
		t, ok := lifecycle.ParseTier(s)
		if !ok && !(len(s) >= 2 && (s[0] == 'P' || s[0] == 'E') && s[1] >= '0' && s[1] <= '9') {
			// P10, E20 ... are page blob tiers: no lifecycle tier, not an error.
			return fmt.Errorf("unknown access tier %q; want Hot, Cool, Cold, Archive or Premium", truncate(s, 40))
		}
		r.Tier = t
		return nil
	},
	ColSnapshot:  func(r *Record, s string) error { r.Snapshot = strings.Clone(s); return nil },
	ColVersionID: func(r *Record, s string) error { r.VersionID = strings.Clone(s); return nil },
	ColIsCurrentVersion: func(r *Record, s string) error {
		if s == "" {
			r.IsCurrent = true
			return nil
		}
		v, err := parseBool(s)
		r.IsCurrent = v
		return err
	},
	ColDeleted: func(r *Record, s string) error {
		v, err := parseBool(s)
		r.Deleted = v
		return err
	},
	ColTags: func(r *Record, s string) error {
		t, err := parseTags(s)
		r.Tags = t
		return err
	},
	ColEncryptionScope: func(r *Record, s string) error { r.EncryptionScp = s != ""; return nil },
	ColImmutableUntil: func(r *Record, s string) error {
		if s == "" {
			return nil
		}
		t, ok := ParseTime(s)
		if !ok {
			return fmt.Errorf("bad date %q", truncate(s, 40))
		}
		if t > r.ImmutableUntil {
			r.ImmutableUntil = t
		}
		return nil
	},
	ColLegalHold: func(r *Record, s string) error {
		v, err := parseBool(s)
		if v {
			r.ImmutableUntil = lifecycle.Forever
		}
		return err
	},
}
