package compliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aizone/aizone/policy"
)

// Opener opens the export again: an audit reads it twice, first for the
// resources *IfNotExists effects relate to and the subscriptions'
// management-group ancestry, then to evaluate every resource as it streams
// past.
type Opener func() (io.ReadCloser, error)

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
	// Pass 1: related resources and ancestry.
	var related []*policy.Resource
	err := stream(ctx, open, func(raw map[string]any) error {
		typ, _ := raw["type"].(string)
		if strings.EqualFold(typ, "microsoft.resources/subscriptions") {
			if sub, mgs := subscriptionAncestry(raw); sub != "" && len(mgs) > 0 {
				if _, given := ancestry[sub]; !given {
					ancestry[sub] = setOf(mgs)
				}
			}
		}
		if e.Related(typ) {
			related = append(related, policy.NewResource(raw))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Related = len(related)
	env := &policy.Env{Resources: policy.NewResources(related), Brief: true}
	def := setOf(opt.DefaultPath)
	if len(def) == 0 {
		def = nil
	}
	// Pass 2: evaluate.
	err = stream(ctx, open, func(raw map[string]any) error {
		r := policy.NewResource(raw)
		rep.Summary.Resources++
		sub := strings.ToLower(r.SubscriptionID())
		mgs, ok := ancestry[sub]
		if !ok {
			mgs = def
			rep.Unplaced++
		}
		var ferr error
		e.Evaluate(ctx, r, env, mgs, func(f Finding) {
			rep.Summary.Add(f)
			count(rep.BySubscription, f.Subscription, f.Effect)
			count(rep.ByAssignment, f.Assignment, f.Effect)
			if opt.Findings != nil && ferr == nil {
				ferr = opt.Findings(f)
			}
		})
		return ferr
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
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

// stream decodes an export one resource at a time: a JSON array of
// resources, or an object whose "data" member is that array (the output
// of az graph query).
func stream(ctx context.Context, open Opener, fn func(map[string]any) error) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	dec.UseNumber()
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
		var raw map[string]any
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("reading resources: resource %d: %w", i, err)
		}
		normaliseNumbers(raw)
		if err := fn(raw); err != nil {
			return err
		}
	}
	return nil
}

// normaliseNumbers turns json.Number into float64, the type the policy
// engine compares; UseNumber only keeps large integers exact while decoding.
func normaliseNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normaliseNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normaliseNumbers(e)
		}
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	}
	return v
}
