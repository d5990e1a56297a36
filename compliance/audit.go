package compliance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/aizone/aizone/policy"
)

// Opener opens the export again: an audit reads it twice, first for the
// resources *IfNotExists effects relate to and the subscriptions'
// management-group ancestry, then to evaluate every resource as it streams
// past.
type Opener func() (io.ReadCloser, error)

// FileOpener opens the export at path, buffered for the streaming decoder.
func FileOpener(path string) Opener {
	return func() (io.ReadCloser, error) {
		f, err := os.Open(path)
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
}

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
	err := streamElems(ctx, open, func(dec *json.Decoder, i int) error {
		var rawMsg json.RawMessage
		if err := dec.Decode(&rawMsg); err != nil {
			return fmt.Errorf("reading resources: resource %d: %w", i, err)
		}
		var head struct {
			Type string `json:"type"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(rawMsg, &head); err != nil {
			return fmt.Errorf("reading resources: resource %d: %w", i, err)
		}
		present[strings.ToLower(head.Type)] = true
		if e.Related(head.Type, head.Name, nil) {
			candidates = append(candidates, held{head.Type, head.Name, i, rawMsg})
		}
		isGroup := strings.EqualFold(head.Type, "microsoft.resources/subscriptions/resourcegroups")
		isSub := strings.EqualFold(head.Type, "microsoft.resources/subscriptions")
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
		return nil, err
	}
	var related []*policy.Resource
	for _, c := range candidates {
		if !e.Related(c.typ, c.name, present) {
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
			rep.Summary.Resources += len(b.raws)
			rep.Unplaced += b.unplaced
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
			return fmt.Errorf("reading resources: resource %d: %w", i, err)
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
		return nil, err
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
// decodes its element as it needs.
func streamElems(ctx context.Context, open Opener, each func(dec *json.Decoder, i int) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("reading resources: %w", err)
	}
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		found := false
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return fmt.Errorf("reading resources: %w", err)
			}
			if k, _ := kt.(string); k == "data" {
				t, err := dec.Token()
				if err != nil {
					return fmt.Errorf("reading resources: %w", err)
				}
				if t != json.Delim('[') {
					return errors.New(`reading resources: "data" is not an array`)
				}
				found = true
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("reading resources: %w", err)
			}
		}
		if !found {
			return errors.New(`reading resources: an object export needs a "data" array (az graph query output)`)
		}
	default:
		return errors.New("reading resources: expected a JSON array of resources or az graph query output")
	}
	for i := 0; dec.More(); i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if err := each(dec, i); err != nil {
			return err
		}
	}
	return nil
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
