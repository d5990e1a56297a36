package compliance

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aizone/aizone/internal/userfile"
	"github.com/aizone/aizone/policy"
)

// Opener opens the export again: an audit reads it twice, first for the
// resources *IfNotExists effects relate to and the subscriptions'
// management-group ancestry, then to evaluate every resource as it streams
// past.
type Opener func() (io.ReadCloser, error)

// FileOpener opens the export at path, buffered for the streaming decoder.
// It must be a regular file: an audit reads it twice, and a FIFO would
// block the open.
func FileOpener(path string) Opener {
	return func() (io.ReadCloser, error) {
		f, err := userfile.Open(path)
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{bufio.NewReaderSize(f, 1<<20), f}, nil
	}
}

// AuditOptions say where subscriptions sit in the hierarchy.
type AuditOptions struct {
	// Ancestry maps a lower-case subscription id to the management groups
	// above it. Entries from the export (subscriptions rows with
	// properties.managementGroupAncestorsChain) are added to these.
	Ancestry map[string][]string
	// DefaultMG is assumed for subscriptions without ancestry; its path
	// from the root is given by DefaultPath. With neither, every
	// assignment applies.
	DefaultPath []string
	// Findings receives each finding as it is found (nil to only count).
	Findings func(Finding) error
}

// AuditReport aggregates an audit.
type AuditReport struct {
	Summary        Summary                   `json:"summary"`
	BySubscription map[string]map[string]int `json:"bySubscription"`
	ByAssignment   map[string]map[string]int `json:"byAssignment"`
	Problems       []Problem                 `json:"problems"`
	// Unplaced counts resources whose subscription had no ancestry.
	Unplaced int `json:"unplaced"`
	// Related is how many resources were kept in memory for *IfNotExists.
	Related int `json:"related"`
	// Duplicates counts resources whose id (compared without regard to
	// case, as ARM compares ids) repeats one earlier in the export.
	// Resource Graph returns each resource once, so a repeat means the
	// export was put together from overlapping pages; each id is
	// evaluated once, at its first occurrence, and counted once.
	Duplicates int `json:"duplicates,omitempty"`
	// DuplicateIDs are the first repeated ids, in input order (at most
	// maxDuplicateIDs).
	DuplicateIDs []string `json:"duplicateIds,omitempty"`
}

// maxDuplicateIDs bounds the repeated ids a report lists.
const maxDuplicateIDs = 10

// Audit evaluates the engine's assignments over an exported estate.
func Audit(ctx context.Context, e *Engine, open Opener, opt AuditOptions) (*AuditReport, error) {
	rep := &AuditReport{
		BySubscription: map[string]map[string]int{},
		ByAssignment:   map[string]map[string]int{},
		Problems:       e.Problems(),
	}
	rep.Summary.ByEffect = map[string]int{}
	rep.Summary.Assignments = e.Assignments()
	ancestry := map[string]map[string]bool{}
	for sub, mgs := range opt.Ancestry {
		ancestry[strings.ToLower(sub)] = setOf(mgs)
	}
	// Pass 1: the types present, the subscriptions' ancestry, the resource
	// groups, and the related resources. Each element is read raw and only
	// its type and name decoded. Candidates for related resources are kept
	// as raw bytes until the types present are known: virtual machines are
	// related to SQL virtual machines, but only needed if there are any.
	present := map[string]bool{}
	type held struct {
		typ, name string
		index     int
		raw       json.RawMessage
	}
	var candidates []held
	groups := map[string]map[string]any{}
	var ids idList
	var ks keyScanner
	err := streamElems(ctx, open, func(dec *json.Decoder, i int) error {
		var rawMsg json.RawMessage
		if err := dec.Decode(&rawMsg); err != nil {
			return elemError(dec, i, err)
		}
		head, serr := ks.scan(rawMsg)
		if serr != nil {
			// The decoder stands just after the element.
			serr.Offset += dec.InputOffset() - int64(len(rawMsg))
			serr.Resource = i
			return serr
		}
		ids.add(head.id, i)
		present[strings.ToLower(head.typ)] = true
		if e.Related(head.typ, head.name, nil) {
			candidates = append(candidates, held{head.typ, head.name, i, rawMsg})
		}
		isGroup := strings.EqualFold(head.typ, "microsoft.resources/subscriptions/resourcegroups")
		isSub := strings.EqualFold(head.typ, "microsoft.resources/subscriptions")
		if !isGroup && !isSub {
			return nil
		}
		raw, err := decodeResource(rawMsg, i)
		if err != nil {
			return err
		}
		if isGroup {
			groups[strings.ToLower(policy.NewResource(raw).Name())] = groupObject(raw)
		}
		if sub, mgs := subscriptionAncestry(raw); isSub && sub != "" && len(mgs) > 0 {
			if _, given := ancestry[sub]; !given {
				ancestry[sub] = setOf(mgs)
			}
		}
		return nil
	})
	if err != nil {
		return nil, locate(open, err)
	}
	// Resource Graph returns each resource once; a repeated id is
	// evaluated once, at its first occurrence.
	repeats := ids.repeats()
	ids = idList{}
	var related []*policy.Resource
	for _, c := range candidates {
		if repeats[c.index] || !e.Related(c.typ, c.name, present) {
			continue
		}
		raw, err := decodeResource(c.raw, c.index)
		if err != nil {
			return nil, err
		}
		related = append(related, policy.NewResource(raw))
	}
	candidates = nil
	rep.Related = len(related)
	// Reasons cost a quarter of the evaluation; skip them when nobody reads
	// the findings one by one.
	env := &policy.Env{Resources: policy.NewResources(related), Brief: true, NoReasons: opt.Findings == nil, ResourceGroups: groups}
	def := setOf(opt.DefaultPath)
	if len(def) == 0 {
		def = nil
	}
	// Pass 2: evaluate, in parallel batches whose findings are emitted in
	// input order, so output stays deterministic and memory stays bounded
	// by the batches in flight.
	workers := runtime.GOMAXPROCS(0)
	// The reader only splits the export into elements; the workers
	// decode them, so decoding runs on every core too.
	type batch struct {
		first    int // index of the batch's first resource, for errors
		raws     []json.RawMessage
		findings []Finding
		unplaced int
		repeated []string // ids of resources skipped as repeats
		err      error
		done     chan struct{}
	}
	jobs := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				for k, data := range b.raws {
					if repeats[b.first+k] {
						var r struct {
							ID string `json:"id"`
						}
						_ = json.Unmarshal(data, &r)
						b.repeated = append(b.repeated, r.ID)
						continue
					}
					raw, err := decodeResource(data, b.first+k)
					if err != nil {
						b.err = err
						break
					}
					r := policy.NewResource(raw)
					mgs, ok := ancestry[strings.ToLower(r.SubscriptionID())]
					if !ok {
						mgs = def
						b.unplaced++
					}
					e.Evaluate(ctx, r, env, mgs, func(f Finding) { b.findings = append(b.findings, f) })
				}
				close(b.done)
			}
		}()
	}
	collected := make(chan error, 1)
	go func() {
		var ferr error
		for b := range order {
			<-b.done
			if b.err != nil && ferr == nil {
				ferr = b.err
			}
			rep.Summary.Resources += len(b.raws) - len(b.repeated)
			rep.Unplaced += b.unplaced
			rep.Duplicates += len(b.repeated)
			for _, id := range b.repeated {
				if len(rep.DuplicateIDs) < maxDuplicateIDs && !slices.ContainsFunc(rep.DuplicateIDs, func(s string) bool { return strings.EqualFold(s, id) }) {
					rep.DuplicateIDs = append(rep.DuplicateIDs, id)
				}
			}
			for _, f := range b.findings {
				rep.Summary.Add(f)
				count(rep.BySubscription, f.Subscription, f.Effect)
				count(rep.ByAssignment, f.Assignment, f.Effect)
				if opt.Findings != nil && ferr == nil {
					ferr = opt.Findings(f)
				}
			}
		}
		collected <- ferr
	}()
	const batchSize = 256
	cur := &batch{done: make(chan struct{})}
	flush := func(next int) {
		order <- cur
		jobs <- cur
		cur = &batch{first: next, done: make(chan struct{})}
	}
	err = streamElems(ctx, open, func(dec *json.Decoder, i int) error {
		var data json.RawMessage
		if err := dec.Decode(&data); err != nil {
			return elemError(dec, i, err)
		}
		cur.raws = append(cur.raws, data)
		if len(cur.raws) == batchSize {
			flush(i + 1)
		}
		return nil
	})
	if err == nil && len(cur.raws) > 0 {
		flush(0)
	}
	close(jobs)
	close(order)
	wg.Wait()
	ferr := <-collected
	if err != nil {
		return nil, locate(open, err)
	}
	if ferr != nil {
		return nil, ferr
	}
	return rep, nil
}

// groupObject is what resourceGroup() returns for an exported group; a
// group that no resource manages has an empty managedBy.
func groupObject(raw map[string]any) map[string]any {
	managedBy, _ := raw["managedBy"].(string)
	return map[string]any{"managedBy": managedBy, "location": raw["location"], "tags": raw["tags"]}
}

func count(m map[string]map[string]int, key, effect string) {
	if m[key] == nil {
		m[key] = map[string]int{}
	}
	m[key][effect]++
}

func setOf(s []string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

// subscriptionAncestry reads a Resource Graph resourcecontainers row.
func subscriptionAncestry(raw map[string]any) (string, []string) {
	sub, _ := raw["subscriptionId"].(string)
	props, _ := raw["properties"].(map[string]any)
	chain, _ := props["managementGroupAncestorsChain"].([]any)
	var mgs []string
	for _, c := range chain {
		if m, ok := c.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				mgs = append(mgs, n)
			}
		}
	}
	sort.Strings(mgs)
	return strings.ToLower(sub), mgs
}

// streamElems reads an export one resource at a time: a JSON array of
// resources, or an object whose "data" member is that array (the output of
// az graph query). It positions the decoder on each element in turn; each
// decodes its element as it needs. The export must be exactly that one
// JSON value: a truncated export, anything after it, or a second "data"
// is an *ExportError at its byte offset, since a partial list audited
// as if whole would under-report.
func streamElems(ctx context.Context, open Opener, each func(dec *json.Decoder, i int) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	list := func() error {
		i := 0
		for ; dec.More(); i++ {
			if i%1024 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if err := each(dec, i); err != nil {
				return err
			}
		}
		return expect(dec, json.Delim(']'), "the list of resources", i)
	}
	tok, err := dec.Token()
	if err != nil {
		return tokenError(dec, err, "expected a JSON array of resources or az graph query output")
	}
	switch tok {
	case json.Delim('['):
		if err := list(); err != nil {
			return err
		}
	case json.Delim('{'):
		found := false
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return tokenError(dec, err, "")
			}
			if k, _ := kt.(string); k != "data" {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return tokenError(dec, err, "")
				}
				continue
			}
			if found {
				return &ExportError{Offset: dec.InputOffset(), Resource: -1, Msg: `duplicate key "data": an az graph query export has one list of resources`}
			}
			found = true
			t, err := dec.Token()
			if err != nil {
				return tokenError(dec, err, "")
			}
			if t != json.Delim('[') {
				return &ExportError{Offset: dec.InputOffset(), Resource: -1, Msg: `"data" is not an array`}
			}
			if err := list(); err != nil {
				return err
			}
		}
		if err := expect(dec, json.Delim('}'), "the az graph query object", -1); err != nil {
			return err
		}
		if !found {
			return errors.New(`reading resources: an object export needs a "data" array (az graph query output)`)
		}
	default:
		return errors.New("reading resources: expected a JSON array of resources or az graph query output")
	}
	// One JSON value and nothing after it but white space.
	end := nextOffset(dec)
	if _, err := dec.Token(); err != io.EOF {
		return &ExportError{Offset: end, Resource: -1, Msg: "more after the export: expected one JSON array of resources or one az graph query object, as az graph query writes"}
	}
	return nil
}

// expect reads the token that closes what (']' or '}'), or says the
// export ends before it.
func expect(dec *json.Decoder, want json.Delim, what string, read int) error {
	t, err := dec.Token()
	switch {
	case err == nil && t == want:
		return nil
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		msg := fmt.Sprintf("the export ends before %s is closed with '%c' (truncated?)", what, want)
		if read >= 0 {
			msg += fmt.Sprintf(" after %d resources", read)
		}
		return &ExportError{Offset: dec.InputOffset(), Resource: -1, Msg: msg + "; export again"}
	case err != nil:
		return tokenError(dec, err, "")
	}
	return &ExportError{Offset: dec.InputOffset(), Resource: -1, Msg: fmt.Sprintf("expected '%c' closing %s", want, what)}
}

// ExportError is a problem at a place in an export: not JSON there, the
// export cut short or followed by more, a repeated key.
type ExportError struct {
	Offset    int64 // bytes from the start of the export
	Line, Col int   // 1-based, counted in characters; 0 if unknown
	Resource  int   // index of the resource it is in, or -1
	Msg       string
}

func (e *ExportError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Col)
	}
	if e.Resource >= 0 {
		fmt.Fprintf(&b, "resource %d: ", e.Resource)
	}
	fmt.Fprintf(&b, "%s (byte %d)", e.Msg, e.Offset)
	return b.String()
}

// nextOffset is where the decoder's next token starts: past white space,
// and past a comma between array elements.
func nextOffset(dec *json.Decoder) int64 {
	return dec.InputOffset() + skipSeparators(bufio.NewReader(dec.Buffered()))
}

// skipSeparators reads white space and commas from r, and returns how
// many bytes it read.
func skipSeparators(r *bufio.Reader) int64 {
	var n int64
	for {
		c, err := r.ReadByte()
		if err != nil {
			return n
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != ',' {
			_ = r.UnreadByte()
			return n
		}
		n++
	}
}

// tokenError places an error of the decoder at the token it stopped at.
func tokenError(dec *json.Decoder, err error, expected string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &ExportError{Offset: dec.InputOffset(), Resource: -1, Msg: "the export ends early (truncated?); export again"}
	}
	msg := err.Error()
	if expected != "" {
		msg += "; " + expected
	}
	return &ExportError{Offset: nextOffset(dec), Resource: -1, Msg: msg}
}

// elemError places an error decoding resource i. The decoder has not
// moved past the element, whose bytes up to the error are still buffered:
// decoded again alone, they give the error's offset within it.
func elemError(dec *json.Decoder, i int, err error) error {
	start := nextOffset(dec)
	switch {
	case err == io.EOF:
		return &ExportError{Offset: start, Resource: -1, Msg: fmt.Sprintf("the export ends before the list of resources is closed, after %d resources (truncated?); export again", i)}
	case err == io.ErrUnexpectedEOF:
		rest, _ := io.Copy(io.Discard, dec.Buffered())
		return &ExportError{Offset: dec.InputOffset() + rest, Resource: i, Msg: "the export ends inside this resource (truncated?); export again"}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		r := bufio.NewReader(dec.Buffered())
		skipSeparators(r)
		var skip json.RawMessage
		if errors.As(json.NewDecoder(r).Decode(&skip), &se) {
			return &ExportError{Offset: start + se.Offset - 1, Resource: i, Msg: se.Error()}
		}
	}
	return &ExportError{Offset: start, Resource: i, Msg: err.Error()}
}

// locate adds the line and column to an *ExportError, counting them in a
// second read of the export up to its offset.
func locate(open Opener, err error) error {
	var ee *ExportError
	if !errors.As(err, &ee) {
		return err
	}
	rc, oerr := open()
	if oerr != nil {
		return ee
	}
	defer rc.Close()
	r := bufio.NewReader(io.LimitReader(rc, ee.Offset))
	ee.Line, ee.Col = 1, 1
	for {
		c, _, rerr := r.ReadRune()
		if rerr != nil {
			return ee
		}
		if c == '\n' {
			ee.Line, ee.Col = ee.Line+1, 1
		} else {
			ee.Col++
		}
	}
}

// idList holds a 128-bit hash of every resource id, with the resource's
// index, to find repeated ids after the first pass: 24 bytes a resource
// where the ids themselves would take ten times as much. Two different
// ids share a hash with a chance of about n²/2¹²⁹ (10⁻²⁷ for a million
// resources).
type idList struct {
	seeds [2]maphash.Seed
	buf   []byte
	list  []idAt
}

type idAt struct {
	h [2]uint64
	i int
}

// add records the id (compared without regard to case, as ARM compares
// ids) of resource i; resources without an id are never repeats.
func (l *idList) add(id string, i int) {
	if id == "" {
		return
	}
	if l.list == nil {
		l.seeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	}
	l.buf = append(l.buf[:0], id...)
	for k, c := range l.buf {
		if 'A' <= c && c <= 'Z' {
			l.buf[k] = c + 'a' - 'A'
		}
	}
	if !isASCII(l.buf) {
		l.buf = append(l.buf[:0], strings.ToLower(id)...)
	}
	l.list = append(l.list, idAt{[2]uint64{maphash.Bytes(l.seeds[0], l.buf), maphash.Bytes(l.seeds[1], l.buf)}, i})
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// repeats returns the indexes of the resources whose id repeats an
// earlier one's.
func (l *idList) repeats() map[int]bool {
	slices.SortFunc(l.list, func(a, b idAt) int {
		if c := cmp.Compare(a.h[0], b.h[0]); c != 0 {
			return c
		}
		if c := cmp.Compare(a.h[1], b.h[1]); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	var out map[int]bool
	for k := 1; k < len(l.list); k++ {
		if l.list[k].h == l.list[k-1].h {
			if out == nil {
				out = map[int]bool{}
			}
			out[l.list[k].i] = true
		}
	}
	return out
}

// head is what the first pass reads of a resource.
type head struct{ typ, name, id string }

// keyScanner reads the top-level type, name and id of one exported
// resource (matched without regard to case, as the policy engine reads
// them) and checks that no object in it repeats a key: encoding/json
// keeps the last of two, and the policy engine, like ARM, reads property
// names without regard to case, so "a" and "A" would be one property with
// two values. It reuses its buffers across resources.
type keyScanner struct {
	frames []keyFrame
	keys   [][]byte
}

type keyFrame struct {
	object  bool
	keyNext bool // in an object, the next string is a key
	first   int  // this object's keys are keys[first:]
}

// scan reads one resource, a valid JSON value (the decoder checked it).
func (s *keyScanner) scan(data []byte) (head, *ExportError) {
	var h head
	if len(data) == 0 || data[0] != '{' {
		return h, &ExportError{Msg: "a resource is a JSON object; got " + describeJSON(data)}
	}
	s.frames, s.keys = s.frames[:0], s.keys[:0]
	var field *string // the top-level field the next string value is
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			s.frames = append(s.frames, keyFrame{object: c == '{', keyNext: c == '{', first: len(s.keys)})
		case '}', ']':
			top := s.frames[len(s.frames)-1]
			s.keys = s.keys[:top.first]
			s.frames = s.frames[:len(s.frames)-1]
		case ',':
			if top := &s.frames[len(s.frames)-1]; top.object {
				top.keyNext = true
			}
			if len(s.frames) == 1 {
				field = nil
			}
		case '"':
			end, escaped := stringEnd(data, i)
			text := data[i+1 : end]
			if escaped {
				var u string
				_ = json.Unmarshal(data[i:end+1], &u)
				text = []byte(u)
			}
			top := &s.frames[len(s.frames)-1]
			switch {
			case top.object && top.keyNext:
				top.keyNext = false
				for _, k := range s.keys[top.first:] {
					if len(k) == len(text) && bytes.EqualFold(k, text) {
						return h, &ExportError{Offset: int64(i), Msg: fmt.Sprintf("duplicate key %q in one object (keys are compared without regard to case, as ARM compares property names)", text)}
					}
				}
				s.keys = append(s.keys, text)
				if len(s.frames) == 1 {
					switch {
					case bytes.EqualFold(text, keyType):
						field = &h.typ
					case bytes.EqualFold(text, keyName):
						field = &h.name
					case bytes.EqualFold(text, keyID):
						field = &h.id
					default:
						field = nil
					}
				}
			case field != nil && len(s.frames) == 1:
				*field = string(text)
				field = nil
			}
			i = end
		}
	}
	return h, nil
}

var keyType, keyName, keyID = []byte("type"), []byte("name"), []byte("id")

// stringEnd returns the index of the quote that ends the JSON string
// starting at data[i], and whether the string has escapes.
func stringEnd(data []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; ; {
		k := bytes.IndexAny(data[j:], `"\`)
		if k < 0 {
			return len(data) - 1, escaped
		}
		j += k
		if data[j] == '"' {
			return j, escaped
		}
		escaped = true
		j += 2
	}
}

func describeJSON(data []byte) string {
	switch {
	case len(data) == 0:
		return "nothing"
	case data[0] == '[':
		return "an array"
	case data[0] == '"':
		return "a string"
	}
	return string(data[:min(len(data), 20)])
}

// decodeResource decodes one exported resource, numbers as float64: the
// type the policy engine compares.
func decodeResource(data []byte, i int) (map[string]any, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("reading resources: resource %d: %w", i, err)
	}
	return raw, nil
}
