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
	"sync/atomic"

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
	// Findings receives each finding as it is found, in input order (nil
	// to only count).
	Findings func(Finding) error
	// Workers decode and evaluate resources in parallel; 0 means
	// GOMAXPROCS. Findings come in input order whatever their number.
	Workers int
	// Progress, when set, is updated as the audit runs.
	Progress *Progress

	// fullDecode decodes every property of every resource, as the audit
	// did before it decoded only what the assignments read; tests compare
	// the two.
	fullDecode bool
	// noMemo evaluates every rule for every resource, as the audit did
	// before resources that read alike shared evaluations; tests compare
	// the two.
	noMemo bool
	// noWhole evaluates every rule of every resource, with the memo of
	// each rule's decision but not the memo of whole resources.
	noWhole bool
	// noRaw finds whole resources by their decoded values only, never by
	// their bytes (policy.RawNeeds).
	noRaw bool
}

// Progress counts an audit's work while it runs; another goroutine may
// read it at any time.
type Progress struct {
	// Bytes of the export the first pass has read, of Size.
	Bytes, Size atomic.Int64
	// Read is the resources the first pass has read.
	Read atomic.Int64
	// Total is the resources to evaluate, known once the first pass is
	// done (0 before); Evaluated those evaluated so far.
	Total, Evaluated atomic.Int64
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

	// memoHits and memoMisses count the rule decisions the workers' memos
	// gave and those they evaluated, for tests and benchmarks.
	memoHits, memoMisses int64
	// resourceHits and resourceMisses count the whole-resource lookups;
	// rawHits and rawMisses those by bytes.
	resourceHits, resourceMisses int64
	rawHits, rawMisses           int64
}

// memoEntries bounds each worker's memo of rule decisions: tens of
// megabytes at most, whatever the estate.
const memoEntries = 1 << 15

// maxDuplicateIDs bounds the repeated ids a report lists.
const maxDuplicateIDs = 10

// Reads is every property of a resource that an assignment of the engine
// can read (nil root: any). An audit decodes only these.
func (e *Engine) Reads() *policy.ReadSet {
	s := policy.NewReadSet()
	for _, it := range e.items {
		for _, m := range it.members {
			m.Reads(s)
		}
	}
	return s
}

// census is what the first pass learns of an export.
type census struct {
	present    map[string]bool
	candidates []held
	groups     map[string]map[string]any
	ancestry   []subAncestry // in input order; the first for a subscription counts
	ids        idList
}

// held is a candidate related resource, kept raw until the types present
// are known.
type held struct {
	typ, name string
	index     int
	raw       []byte
}

type subAncestry struct {
	sub string
	mgs []string
}

// Audit evaluates the engine's assignments over an exported estate.
//
// It reads the export twice. The first pass (every core checking and
// scanning elements a splitter cuts out) finds the types present, the
// subscriptions' ancestry, the resource groups, repeated ids and the
// related resources *IfNotExists rules can look for, which alone are
// held (those met before any resource a rule would look for them from
// are read again, should such a resource come later). The second finds
// each resource in the workers' memos by its bytes, or decodes it keeping
// only the properties the assignments read (Engine.Reads) and evaluates
// it, in parallel batches whose findings are emitted in input order.
// Memory is the related resources, 24 bytes a resource for repeated ids,
// the memos (bounded) and the batches in flight.
func Audit(ctx context.Context, e *Engine, open Opener, opt AuditOptions) (*AuditReport, error) {
	rep := &AuditReport{
		BySubscription: map[string]map[string]int{},
		ByAssignment:   map[string]map[string]int{},
		Problems:       e.Problems(),
	}
	rep.Summary.ByEffect = map[string]int{}
	rep.Summary.Assignments = e.Assignments()
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	prog := opt.Progress
	if prog == nil {
		prog = &Progress{}
	}
	cen, fast, err := firstPass(ctx, e, open, workers, prog)
	if err != nil {
		return nil, locate(open, err)
	}
	ancestry := map[string]map[string]bool{}
	for sub, mgs := range opt.Ancestry {
		ancestry[strings.ToLower(sub)] = setOf(mgs)
	}
	for _, a := range cen.ancestry {
		if _, given := ancestry[a.sub]; !given {
			ancestry[a.sub] = setOf(a.mgs)
		}
	}
	// Resource Graph returns each resource once; a repeated id is
	// evaluated once, at its first occurrence.
	repeats := cen.ids.repeats()
	cen.ids = idList{}
	// The candidates some rule can look for, and of those the ones the
	// first pass kept only the place of.
	var need, late []int
	for k, c := range cen.candidates {
		if !repeats[c.index] && e.Related(c.typ, c.name, cen.present) {
			need = append(need, k)
			if c.raw == nil {
				late = append(late, k)
			}
		}
	}
	if len(late) > 0 {
		if err := fetchHeld(ctx, open, cen.candidates, late); err != nil {
			return nil, err
		}
	}
	var related []*policy.Resource
	for _, k := range need {
		c := cen.candidates[k]
		raw, err := decodeResource(c.raw, c.index)
		if err != nil {
			return nil, err
		}
		related = append(related, policy.NewResource(raw))
	}
	cen.candidates = nil
	rep.Related = len(related)
	prog.Total.Store(prog.Read.Load())
	// Reasons cost a quarter of the evaluation; skip them when nobody reads
	// the findings one by one.
	env := &policy.Env{Resources: policy.NewResources(related), Brief: true, NoReasons: opt.Findings == nil, ResourceGroups: cen.groups}
	def := setOf(opt.DefaultPath)
	if len(def) == 0 {
		def = nil
	}
	var root *policy.ReadNode
	if !opt.fullDecode {
		root = e.Reads().Root()
	}
	// Each worker remembers the decisions of rules for resources that
	// read alike (policy.Memo): an estate's resources repeat their
	// settings, and a rule's decision depends on nothing else.
	memos := make(chan *auditWorker, workers)
	for range workers {
		w := &auditWorker{raw: !opt.noRaw && !opt.noWhole}
		if !opt.noMemo {
			w.memo = policy.NewMemo(env, memoEntries)
			w.memo.Whole = !opt.noWhole
		}
		memos <- w
	}
	// What applies to each subscription's resources, decided once per
	// subscription.
	// Subscriptions under the same management groups share one slice:
	// the memo of whole resources groups rules by it.
	applies := make(map[string][]bool, len(ancestry))
	same := map[string][]bool{}
	share := func(ap []bool) []bool {
		k := fmt.Sprint(ap)
		if s, ok := same[k]; ok {
			return s
		}
		same[k] = ap
		return ap
	}
	for sub, mgs := range ancestry {
		applies[sub] = share(e.applies(mgs))
	}
	defApplies := share(e.applies(def))
	type result struct {
		findings []Finding // only when opt.Findings takes them
		tally    *tally
		unplaced int
		repeated []string // ids of resources skipped as repeats
		err      error
	}
	keep := opt.Findings != nil
	var buffers sync.Pool // []Finding a collected chunk is done with
	work := func(c *chunk) {
		r := result{tally: newTally(len(e.items))}
		var emit func(Finding)
		if keep {
			if b, ok := buffers.Get().(*[]Finding); ok {
				r.findings = (*b)[:0]
			}
			emit = func(f Finding) { r.findings = append(r.findings, f) }
		}
		var sub string // of the resource being evaluated
		count := func(item int, effect string) { r.tally.add(item, sub, effect) }
		w := <-memos
		defer func() { memos <- w }()
		memo := w.memo
		// byBytes finds resource i in the memo by its bytes
		// (policy.RawNeeds) and gives again what the one before gave,
		// undecoded. Otherwise it returns the group, -1 for none, and the
		// needs under which to keep what the evaluation gives.
		byBytes := func(data []byte, i int) (bool, int, policy.RawNeeds, error) {
			if !w.raw || memo == nil || !w.shape.head(data) {
				return false, -1, policy.RawNeeds{}, nil
			}
			sh := &w.shape
			sp := policy.ScopeSpans(sh.id)
			sub = w.intern(sh.id[sp[0]:sp[1]])
			ap, placed := applies[strings.ToLower(sub)]
			if !placed {
				ap = defApplies
			}
			g := e.group(memo, ap, w.lower(sh.typ))
			needs := memo.RawNeeds(g)
			if !needs.On {
				return false, -1, needs, nil
			}
			key, ok := sh.keyFor(root, needs)
			// The memo keeps up to 32,768 keys, 32 MB at most this long:
			// a longer one (a rule reads whole what is large) is not
			// worth its memory.
			if !ok || len(key) > maxRawKey {
				return false, -1, needs, nil
			}
			o, ok := memo.RawLookup(g, key)
			if !ok {
				return false, g, needs, nil
			}
			if !placed {
				r.unplaced++
			}
			decode := func() (*policy.Resource, error) { return decodePruned(data, root, i) }
			return true, g, needs, e.replay(ctx, o.([]wholeStep), sh, decode, env, memo, emit, count)
		}
		for k, data := range c.elems {
			i := c.first + k
			if repeats[i] {
				var v struct {
					ID string `json:"id"`
				}
				_ = json.Unmarshal(data, &v)
				r.repeated = append(r.repeated, v.ID)
				continue
			}
			found, rawG, needs, err := byBytes(data, i)
			if err != nil {
				r.err = err
				break
			}
			if found {
				continue
			}
			res, err := decodePruned(data, root, i)
			if err != nil {
				r.err = err
				break
			}
			sub = res.SubscriptionID()
			ap, ok := applies[strings.ToLower(sub)]
			if !ok {
				ap = defApplies
				r.unplaced++
			}
			if o, kept := e.evaluate(ctx, res, env, ap, memo, emit, count); kept && rawG >= 0 {
				memo.RawRemember(rawG, needs, w.shape.key, o)
			}
		}
		prog.Evaluated.Add(int64(len(c.elems)))
		c.out = r
	}
	var ferr error
	collect := func(c *chunk) error {
		r := c.out.(result)
		if r.err != nil {
			return r.err
		}
		rep.Summary.Resources += len(c.elems) - len(r.repeated)
		rep.Unplaced += r.unplaced
		rep.Duplicates += len(r.repeated)
		for _, id := range r.repeated {
			if len(rep.DuplicateIDs) < maxDuplicateIDs && !slices.ContainsFunc(rep.DuplicateIDs, func(s string) bool { return strings.EqualFold(s, id) }) {
				rep.DuplicateIDs = append(rep.DuplicateIDs, id)
			}
		}
		r.tally.into(rep, e)
		for _, f := range r.findings {
			if ferr == nil {
				ferr = opt.Findings(f)
			}
		}
		if r.findings != nil {
			clear(r.findings) // let the reasons go
			buffers.Put(&r.findings)
		}
		if ferr != nil {
			return &stopError{ferr}
		}
		return nil
	}
	var src elemSource
	if fast {
		src = splitSource(open, nil)
	} else {
		src = strictSource(open)
	}
	err = pipeline(ctx, workers, src, work, collect)
	for range workers {
		if m := (<-memos).memo; m != nil {
			rep.memoHits += m.Hits
			rep.memoMisses += m.Misses
			rep.resourceHits += m.ResourceHits
			rep.resourceMisses += m.ResourceMisses
			rep.rawHits += m.RawHits
			rep.rawMisses += m.RawMisses
		}
	}
	var stop *stopError
	if errors.As(err, &stop) {
		return nil, stop.err
	}
	if errors.Is(err, errSlowPath) {
		return nil, errors.New("reading resources: the export changed while it was audited; audit it again")
	}
	if err != nil {
		return nil, locate(open, err)
	}
	return rep, nil
}

// auditWorker is what one worker of an audit's second pass keeps from one
// chunk to the next: its memo, the scanner of resources' bytes, and the
// subscriptions and lower-case types it has met, as strings made once.
type auditWorker struct {
	memo  *policy.Memo
	raw   bool // find resources by their bytes
	shape shapeScanner
	subs  map[string]string
	types map[string]string
}

// maxRawKey is the longest key of bytes a worker's memo keeps.
const maxRawKey = 1024

// maxInterned bounds each of a worker's tables of strings; past it,
// strings are made for each resource.
const maxInterned = 1 << 14

// intern is b as a string, made once.
func (w *auditWorker) intern(b []byte) string {
	return once(&w.subs, b, func(b []byte) string { return string(b) })
}

// lower is an ASCII type in lower case, made once.
func (w *auditWorker) lower(typ []byte) string {
	return once(&w.types, typ, func(b []byte) string { return strings.ToLower(string(b)) })
}

// once is what table t keeps for b, made by mk the first time while the
// table has room.
func once(t *map[string]string, b []byte, mk func([]byte) string) string {
	if s, ok := (*t)[string(b)]; ok {
		return s
	}
	s := mk(b)
	if *t == nil {
		*t = map[string]string{}
	}
	if len(*t) < maxInterned {
		(*t)[string(b)] = s
	}
	return s
}

// tally counts a chunk's findings by subscription and by assignment, each
// with the effect, in the worker: collecting then adds a few hundred
// counts a chunk rather than looking up maps for each of its thousands of
// findings. Items and effects are counted by index: a finding costs an
// increment, not a map lookup.
type tally struct {
	effects []string         // distinct effects, in the order first seen
	byItem  [][]int          // item -> effect index -> count
	bySub   map[string][]int // subscription -> effect index -> count
	subs    []string         // bySub's keys in the order first seen
	// The row of the subscription counted last: a resource's findings
	// share one.
	lastSub string
	lastRow []int
}

func newTally(items int) *tally {
	return &tally{byItem: make([][]int, items), bySub: map[string][]int{}}
}

func (t *tally) add(item int, sub, effect string) {
	ei := slices.Index(t.effects, effect)
	if ei < 0 {
		ei = len(t.effects)
		t.effects = append(t.effects, effect)
	}
	row := t.byItem[item]
	if ei >= len(row) {
		row = append(row, make([]int, ei+1-len(row))...)
		t.byItem[item] = row
	}
	row[ei]++
	if t.lastRow == nil || sub != t.lastSub {
		sr, ok := t.bySub[sub]
		if !ok {
			t.subs = append(t.subs, sub)
		}
		t.lastSub, t.lastRow = sub, sr
	}
	if ei >= len(t.lastRow) {
		t.lastRow = append(t.lastRow, make([]int, ei+1-len(t.lastRow))...)
		t.bySub[sub] = t.lastRow
	}
	t.lastRow[ei]++
}

// into adds the counts to the report, as Summary.Add would for each
// finding, and the counts by subscription and assignment.
func (t *tally) into(rep *AuditReport, e *Engine) {
	for _, sub := range t.subs {
		for ei, n := range t.bySub[sub] {
			if n == 0 {
				continue
			}
			if rep.BySubscription[sub] == nil {
				rep.BySubscription[sub] = map[string]int{}
			}
			rep.BySubscription[sub][t.effects[ei]] += n
		}
	}
	for item, row := range t.byItem {
		name := e.items[item].eff.Name
		for ei, n := range row {
			if n == 0 {
				continue
			}
			if rep.ByAssignment[name] == nil {
				rep.ByAssignment[name] = map[string]int{}
			}
			rep.ByAssignment[name][t.effects[ei]] += n
			rep.Summary.Findings += n
			rep.Summary.ByEffect[t.effects[ei]] += n
		}
	}
}

// stopError is an error of the caller's Findings function, returned as is.
type stopError struct{ err error }

func (s *stopError) Error() string { return s.err.Error() }

// elemSource calls each for every element of an export, in order. The
// bytes of an element may be reused once rec counts it collected.
type elemSource func(ctx context.Context, rec *recycler, each func(elem []byte, i int) error) error

// splitSource reads elements with the splitter; read counts bytes.
func splitSource(open Opener, read func(int)) elemSource {
	return func(ctx context.Context, rec *recycler, each func(elem []byte, i int) error) error {
		rc, err := open()
		if err != nil {
			return err
		}
		defer rc.Close()
		s := &splitter{r: rc, read: read, rec: rec}
		return s.split(ctx, each)
	}
}

// strictSource reads elements with encoding/json's decoder, which says
// where an export goes wrong.
func strictSource(open Opener) elemSource {
	return func(ctx context.Context, _ *recycler, each func(elem []byte, i int) error) error {
		return streamElems(ctx, open, func(dec *json.Decoder, i int) error {
			var data json.RawMessage
			if err := dec.Decode(&data); err != nil {
				return elemError(dec, i, err)
			}
			return each(data, i)
		})
	}
}

// chunk is a batch of consecutive elements and what a worker made of them.
type chunk struct {
	first int
	elems [][]byte
	out   any
	done  chan struct{}
}

// chunkSize is the elements a worker takes at a time: enough to make the
// hand-over cheap, few enough that the batches in flight stay small. A
// variable for tests.
var chunkSize = 256

// pipeline hands the source's elements to workers in chunks and collects
// each chunk, in input order, once its worker is done. The first error of
// the source or of collect stops it.
func pipeline(ctx context.Context, workers int, src elemSource, work func(*chunk), collect func(*chunk) error) error {
	jobs := make(chan *chunk, workers)
	order := make(chan *chunk, 2*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				work(c)
				close(c.done)
			}
		}()
	}
	collected := make(chan error, 1)
	stop := make(chan struct{})
	rec := &recycler{}
	go func() {
		var cerr error
		for c := range order {
			<-c.done
			if cerr == nil {
				if cerr = collect(c); cerr != nil {
					close(stop)
				}
			}
			// Nothing holds the chunk's bytes any more: not its worker,
			// which is done, nor collect, which copies what it keeps.
			rec.collected.Store(int64(c.first + len(c.elems)))
		}
		collected <- cerr
	}()
	cur := &chunk{done: make(chan struct{})}
	var stopped bool
	flush := func(next int) {
		order <- cur
		jobs <- cur
		cur = &chunk{first: next, done: make(chan struct{})}
	}
	err := src(ctx, rec, func(elem []byte, i int) error {
		if len(cur.elems) == 0 {
			select {
			case <-stop:
				stopped = true
				return errStopped
			default:
			}
		}
		cur.elems = append(cur.elems, elem)
		if len(cur.elems) == chunkSize {
			flush(i + 1)
		}
		return nil
	})
	if err == nil && len(cur.elems) > 0 {
		flush(0)
	}
	close(jobs)
	close(order)
	wg.Wait()
	cerr := <-collected
	if cerr != nil {
		return cerr
	}
	if stopped {
		return nil
	}
	return err
}

var errStopped = errors.New("stopped")

// firstPass reads the export once for its census. It cuts elements out
// with the splitter and checks them on every core; anything unusual
// (malformed JSON, a repeated key, a byte order mark) sends it to the
// strict reader, whose errors say what is wrong and where. fast reports
// whether the splitter read it, so that the second pass can too.
func firstPass(ctx context.Context, e *Engine, open Opener, workers int, prog *Progress) (*census, bool, error) {
	cen := &census{present: map[string]bool{}, groups: map[string]map[string]any{}, ids: newIDList()}
	type elemHead struct {
		head
		idHash     [2]uint64
		hasID      bool
		group, sub bool
		raw        map[string]any // groups and subscriptions, decoded
		candidate  bool
	}
	type result struct {
		heads []elemHead
		bad   bool
	}
	type scratch struct {
		ks    keyScanner
		lower []byte
	}
	var scratches sync.Pool
	work := func(c *chunk) {
		sc, _ := scratches.Get().(*scratch)
		if sc == nil {
			sc = &scratch{}
		}
		defer scratches.Put(sc)
		r := result{heads: make([]elemHead, len(c.elems))}
		for k, data := range c.elems {
			h, serr := sc.ks.scan(data)
			if serr != nil {
				r.bad = true
				break
			}
			eh := elemHead{head: h}
			eh.idHash, eh.hasID = cen.ids.hash(h.id, &sc.lower)
			eh.candidate = e.candidate(h.typ, h.name, &sc.lower)
			eh.group = bytes.EqualFold(h.typ, typeGroup)
			eh.sub = bytes.EqualFold(h.typ, typeSubscription)
			if eh.group || eh.sub {
				raw, err := decodeResource(data, c.first+k)
				if err != nil {
					r.bad = true
					break
				}
				eh.raw = raw
			}
			r.heads[k] = eh
		}
		prog.Read.Add(int64(len(c.elems)))
		c.out = r
	}
	var lower []byte
	collect := func(c *chunk) error {
		r := c.out.(result)
		if r.bad {
			return errSlowPath
		}
		for k, h := range r.heads {
			i := c.first + k
			if h.hasID {
				cen.ids.push(idAt{h.idHash, i})
			}
			cen.addType(h.typ, &lower)
			if h.candidate {
				hd := held{typ: string(h.typ), name: string(h.name), index: i}
				if e.guarded(lower, cen.present) {
					// A copy: the element's bytes are in a block of the
					// export that should not stay in memory for it.
					hd.raw = bytes.Clone(c.elems[k])
				}
				cen.candidates = append(cen.candidates, hd)
			}
			if h.group {
				cen.groups[strings.ToLower(policy.NewResource(h.raw).Name())] = groupObject(h.raw)
			}
			if sub, mgs := subscriptionAncestry(h.raw); h.sub && sub != "" && len(mgs) > 0 {
				cen.ancestry = append(cen.ancestry, subAncestry{sub, mgs})
			}
		}
		return nil
	}
	err := pipeline(ctx, workers, splitSource(open, func(n int) { prog.Bytes.Add(int64(n)) }), work, collect)
	if err == nil {
		return cen, true, nil
	}
	if !errors.Is(err, errSlowPath) {
		return nil, false, err
	}
	prog.Read.Store(0)
	cen, err = firstPassStrict(ctx, e, open, prog)
	return cen, false, err
}

var typeGroup, typeSubscription = []byte("microsoft.resources/subscriptions/resourcegroups"), []byte("microsoft.resources/subscriptions")

// add counts resource i's id and type; lower is scratch.
func (cen *census) add(h head, i int, lower *[]byte) {
	cen.ids.add(h.id, i)
	cen.addType(h.typ, lower)
}

// addType counts a type as present.
func (cen *census) addType(typ []byte, lower *[]byte) {
	*lower = appendLower((*lower)[:0], typ)
	if !cen.present[string(*lower)] {
		cen.present[string(*lower)] = true
	}
}

// guarded reports whether a candidate related resource of type typLower
// (lower case) may be needed given the types present so far: a rule that
// looks for it applies to a type met already, or to any type. Others are
// kept as their place alone, and read again should such a type come later
// (fetchHeld): an estate of virtual machines should not be held whole for
// a rule on a type it lacks.
func (e *Engine) guarded(typLower []byte, present map[string]bool) bool {
	n := e.related[string(typLower)]
	if n == nil || n.guards == nil {
		return true
	}
	for g := range n.guards {
		if present[g] {
			return true
		}
	}
	return false
}

// fetchHeld reads the bytes of the candidates at want (indexes into
// held, in input order) from the export again.
func fetchHeld(ctx context.Context, open Opener, held []held, want []int) error {
	k := 0
	err := splitSource(open, nil)(ctx, nil, func(elem []byte, i int) error {
		if k < len(want) && held[want[k]].index == i {
			held[want[k]].raw = bytes.Clone(elem)
			if k++; k == len(want) {
				return errStopped
			}
		}
		return nil
	})
	if errors.Is(err, errStopped) || err == nil && k == len(want) {
		return nil
	}
	if err == nil || errors.Is(err, errSlowPath) {
		return errors.New("reading resources: the export changed while it was audited; audit it again")
	}
	return err
}

// candidate reports whether a resource of type typ named name may be the
// related resource of an *IfNotExists rule whatever types are present
// (Related with present nil), on the bytes of its head, with lower as
// scratch: the first pass asks it of every resource.
func (e *Engine) candidate(typ, name []byte, lower *[]byte) bool {
	if e.relatedAny {
		return true
	}
	*lower = appendLower((*lower)[:0], typ)
	n := e.related[string(*lower)]
	if n == nil {
		return false
	}
	if n.names == nil {
		return true
	}
	*lower = appendLower((*lower)[:0], name)
	return n.names[string(*lower)]
}

// firstPassStrict is the first pass with encoding/json's decoder, one
// element at a time: slower, and exact about what is wrong and where.
func firstPassStrict(ctx context.Context, e *Engine, open Opener, prog *Progress) (*census, error) {
	cen := &census{present: map[string]bool{}, groups: map[string]map[string]any{}, ids: newIDList()}
	var ks keyScanner
	var lower []byte
	err := streamElems(ctx, open, func(dec *json.Decoder, i int) error {
		var rawMsg json.RawMessage
		if err := dec.Decode(&rawMsg); err != nil {
			return elemError(dec, i, err)
		}
		prog.Read.Add(1)
		h, serr := ks.scan(rawMsg)
		if serr != nil {
			// The decoder stands just after the element.
			serr.Offset += dec.InputOffset() - int64(len(rawMsg))
			serr.Resource = i
			return serr
		}
		cen.add(h, i, &lower)
		if e.candidate(h.typ, h.name, &lower) {
			cen.candidates = append(cen.candidates, held{string(h.typ), string(h.name), i, rawMsg})
		}
		isGroup := bytes.EqualFold(h.typ, typeGroup)
		isSub := bytes.EqualFold(h.typ, typeSubscription)
		if !isGroup && !isSub {
			return nil
		}
		raw, err := decodeResource(rawMsg, i)
		if err != nil {
			return err
		}
		if isGroup {
			cen.groups[strings.ToLower(policy.NewResource(raw).Name())] = groupObject(raw)
		}
		if sub, mgs := subscriptionAncestry(raw); isSub && sub != "" && len(mgs) > 0 {
			cen.ancestry = append(cen.ancestry, subAncestry{sub, mgs})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cen, nil
}

// groupObject is what resourceGroup() returns for an exported group; a
// group that no resource manages has an empty managedBy.
func groupObject(raw map[string]any) map[string]any {
	managedBy, _ := raw["managedBy"].(string)
	return map[string]any{"managedBy": managedBy, "location": raw["location"], "tags": raw["tags"]}
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
	// blocks of idBlock entries: appending never copies what is there,
	// which for a million resources is 24 MB.
	blocks [][]idAt
}

type idAt struct {
	h [2]uint64
	i int
}

// add records the id (compared without regard to case, as ARM compares
// ids) of resource i; resources without an id are never repeats.
func (l *idList) add(id []byte, i int) {
	if h, ok := l.hash(id, &l.buf); ok {
		l.push(idAt{h, i})
	}
}

// hash is the pair of hashes add keeps of id (false for none), with buf
// as scratch: the first pass computes them in its workers.
func (l *idList) hash(id []byte, buf *[]byte) ([2]uint64, bool) {
	if len(id) == 0 {
		return [2]uint64{}, false
	}
	*buf = appendLower((*buf)[:0], id)
	return [2]uint64{maphash.Bytes(l.seeds[0], *buf), maphash.Bytes(l.seeds[1], *buf)}, true
}

const idBlock = 1 << 16

func (l *idList) push(a idAt) {
	if n := len(l.blocks); n == 0 || len(l.blocks[n-1]) == idBlock {
		l.blocks = append(l.blocks, make([]idAt, 0, idBlock))
	}
	last := &l.blocks[len(l.blocks)-1]
	*last = append(*last, a)
}

func (l *idList) len() int {
	n := 0
	for _, b := range l.blocks {
		n += len(b)
	}
	return n
}

func newIDList() idList {
	return idList{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
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
	list := make([]idAt, 0, l.len())
	for _, b := range l.blocks {
		list = append(list, b...)
	}
	l.blocks = nil
	slices.SortFunc(list, func(a, b idAt) int {
		if c := cmp.Compare(a.h[0], b.h[0]); c != 0 {
			return c
		}
		if c := cmp.Compare(a.h[1], b.h[1]); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	var out map[int]bool
	for k := 1; k < len(list); k++ {
		if list[k].h == list[k-1].h {
			if out == nil {
				out = map[int]bool{}
			}
			out[list[k].i] = true
		}
	}
	return out
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
