// Package report renders a plan for people: a terminal summary and a
// Markdown review document. Both come from one document model, so the two
// never disagree; neither re-derives a decision.
package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/aizone/aizone/cost"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/units"
)

// doc is a renderer-neutral report: sections of paragraphs and tables.
type doc struct {
	title    string
	sections []section
}

type section struct {
	heading string
	blocks  []block
}

type block struct {
	text  string     // a paragraph, or
	head  []string   // a table header
	rows  [][]string // and rows
	items []string   // or a bullet list
}

func (s *section) para(format string, args ...any) {
	s.blocks = append(s.blocks, block{text: fmt.Sprintf(format, args...)})
}

func (s *section) table(head []string, rows [][]string) {
	if len(rows) > 0 {
		s.blocks = append(s.blocks, block{head: head, rows: rows})
	}
}

func (s *section) list(items []string) {
	if len(items) > 0 {
		s.blocks = append(s.blocks, block{items: items})
	}
}

func build(p *plan.Plan) doc {
	d := doc{title: fmt.Sprintf("aizone plan: %s (%s)", p.Zone.Name, p.Zone.Region)}
	verdict := "feasible: every workload meets its targets"
	if !p.Feasible() {
		verdict = "INFEASIBLE: see the errors under Findings"
	}
	sum := section{heading: "Summary"}
	once := units.USD(p.Cost.OneOffUSD) + " one-off (training runs, moving data in) and "
	if p.Cost.OneOffUSD == 0 && !hasKind(p.Cost.Missing, cost.OneOff) {
		once = "nothing one-off; "
	}
	sum.para("%s. Estimated %s%s a month (run-rate), never added together%s; management group %s.",
		verdict, once, units.USD(p.Cost.MonthlyUSD), unpricedNote(len(p.Cost.Missing)), p.Governance.ManagementGroup)
	d.sections = append(d.sections, sum)

	cs := section{heading: "Compute"}
	var rows [][]string
	for _, pl := range p.Compute.Pools {
		if pl.SKU == "" {
			rows = append(rows, []string{pl.Workload, pl.Kind, "-", "-", "-", "-", "no feasible size"})
			continue
		}
		detail := ""
		switch {
		case pl.Training != nil:
			t := pl.Training
			run := units.USD(t.CostUSD) + " per run"
			if t.CostUSD == 0 {
				run = "run not priced (meter " + cost.VMMeter(pl.SKU) + ")"
			}
			detail = fmt.Sprintf("%s, %s, %s, MFU %.0f%%", duration(t.Hours), run, t.Layout.String(), t.MFU*100)
		case pl.Inference != nil:
			in := pl.Inference
			detail = fmt.Sprintf("%d replicas TP%d, batch %d, TTFT %.0f ms, TPOT %.1f ms, $%.2f/M tokens", in.Replicas, in.TP, in.Batch, in.TTFTms, in.TPOTms, in.USDPerMillionTokens)
		default:
			detail = fmt.Sprintf("%.0f h a month", pl.MonthlyHours)
		}
		rows = append(rows, []string{pl.Workload, pl.Kind, pl.SKU, fmt.Sprint(pl.Nodes), pl.Priority, pl.Orchestrator, detail})
	}
	cs.table([]string{"workload", "kind", "VM size", "nodes", "priority", "orchestrator", "estimate"}, rows)
	for _, pl := range p.Compute.Pools {
		if pl.Reason == "" {
			continue
		}
		items := []string{pl.Workload + ": " + pl.Reason}
		if t := pl.Training; t != nil {
			items = append(items, fmt.Sprintf("layout %s: %s", t.Layout.String(), t.Layout.Why))
			cp := ""
			if t.Layout.CP > 1 {
				cp = fmt.Sprintf(", context-parallel %.2f", t.Step.CPComm)
			}
			items = append(items, fmt.Sprintf("step %.2f s: compute %.2f, tensor-parallel %.2f%s, pipeline %.2f + bubble %.2f, data-parallel exposed %.2f; %.0f tokens/s, %.0f TFLOP/s a GPU, %.1f GiB a GPU, goodput %.0f%%",
				t.Step.Total, t.Step.Compute, t.Step.TPComm, cp, t.Step.PPComm, t.Step.Bubble, t.Step.DPExposed, t.TokensPerSecond, t.ModelTFLOPSPerGPU, t.MemoryPerGPUGiB, t.Goodput*100))
		}
		for i, a := range pl.Alternatives {
			where := a.Region + ", " + a.Priority
			if a.Layout != "" {
				where += "; " + a.Layout
			}
			if a.Hours > 0 {
				where += ", " + duration(a.Hours)
			}
			cost := units.USD(a.CostUSD)
			switch {
			case a.CostUSD == 0:
				cost = "no price"
			case pl.Kind != "training":
				cost += " a month"
			}
			items = append(items, fmt.Sprintf("alternative %d: %d × %s (%s), %s: %s", i+1, a.Nodes, a.SKU, where, cost, a.Reason))
		}
		for _, r := range pl.Reasons {
			items = append(items, "why: "+r)
		}
		cs.list(items)
	}
	d.sections = append(d.sections, cs)

	ss := section{heading: "Storage"}
	ht := p.Storage.HotTier
	switch ht.Kind {
	case "none":
		ss.para("Hot tier: none. %s.", ht.Reason)
	default:
		ss.para("Hot tier: %s, %.1f TiB needed at %.0f MB/s. %s.", strings.TrimSpace(ht.Kind+" "+ht.SKU), ht.RequiredTiB, ht.RequiredMBps, upperFirst(ht.Reason))
		if ht.RunnerUp != "" {
			ss.para("Runner-up: %s.", ht.RunnerUp)
		}
	}
	a := p.Storage.Account
	ss.para("Blob account %s (%s, %s). %s.", a.Name, a.Kind, a.SKU, a.Reason)
	rows = nil
	for _, c := range a.Containers {
		var steps []string
		for _, s := range c.Schedule {
			steps = append(steps, fmt.Sprintf("%s@%dd", strings.TrimPrefix(s.Action, "tierTo"), s.Day))
		}
		rows = append(rows, []string{c.Name, c.Data, units.Bytes(c.Bytes).String(), strings.Join(steps, " → ")})
	}
	ss.table([]string{"container", "data", "size", "lifecycle (days after last modification)"}, rows)
	d.sections = append(d.sections, ss)

	ns := section{heading: "Network"}
	for _, v := range p.Network.VNets {
		ns.para("VNet %s in %s, address space %s.", v.Name, v.Region, strings.Join(v.AddressSpace, ", "))
		rows = nil
		for _, s := range v.Subnets {
			rows = append(rows, []string{s.Name, s.Prefix, fmt.Sprint(s.Usable), s.Purpose, s.Reason})
		}
		ns.table([]string{"subnet", "prefix", "usable", "purpose", "why this size"}, rows)
	}
	var items []string
	for _, pr := range p.Network.Peerings {
		items = append(items, fmt.Sprintf("peering %s → %s (use remote gateways: %v); %s", pr.VNet, pr.RemoteVNetID, pr.UseRemoteGateways, pr.Note))
	}
	for _, rt := range p.Network.RouteTables {
		for _, r := range rt.Routes {
			items = append(items, fmt.Sprintf("route %s → %s %s", r.Prefix, r.NextHop, r.NextHopIP))
		}
	}
	for _, pe := range p.Network.PrivateEndpoints {
		items = append(items, fmt.Sprintf("private endpoint %s (%s) in %s, DNS zone %s", pe.Name, pe.GroupID, pe.Subnet, pe.DNSZone))
	}
	for _, t := range p.Network.Transfers {
		fit := "fits"
		if !t.FitsWindow {
			fit = "does NOT fit"
		}
		items = append(items, fmt.Sprintf("transfer %s: %s in %.1f days at %s × %.0f%%, %s the %.0f-day window; ExpressRoute %s %s, gateway %s, FastPath %v",
			t.Data, units.Bytes(t.Bytes), t.Days, units.Bandwidth(t.BandwidthBps), t.Efficiency*100, fit, t.WindowDays,
			t.Recommended.Circuit, t.Recommended.SKU, t.Recommended.Gateway, t.Recommended.FastPath))
	}
	ns.list(items)
	d.sections = append(d.sections, ns)

	gs := section{heading: "Governance"}
	items = nil
	for _, s := range p.Governance.Subscriptions {
		name := s.Name
		if s.ID != "" {
			name = s.ID
		}
		items = append(items, fmt.Sprintf("subscription %s (%s) under %s: %s", name, s.Purpose, s.ManagementGroup, s.Reason))
	}
	for _, rg := range p.Governance.ResourceGroups {
		items = append(items, fmt.Sprintf("resource group %s (%s)", rg.Name, rg.Purpose))
	}
	if !p.Governance.Guardrails {
		items = append(items, "AI guardrails: off (placement.guardrails: false)")
	}
	gs.list(items)
	if len(p.Governance.GuardrailPolicies) > 0 {
		gs.para("AI guardrails assigned at the zone's subscription (aizone build emits them; aizone check evaluates them):")
		var grows [][]string
		for _, g := range p.Governance.GuardrailPolicies {
			grows = append(grows, []string{g.Reference, g.Effect, g.DisplayName})
		}
		gs.table([]string{"guardrail", "effect", "policy"}, grows)
	}
	d.sections = append(d.sections, gs)

	if len(p.Identity.Identities) > 0 {
		is := section{heading: "Identities and access"}
		rows = nil
		for _, id := range p.Identity.Identities {
			rows = append(rows, []string{id.Name, id.Purpose, id.Reason})
		}
		is.table([]string{"identity", "purpose", "why"}, rows)
		is.para("Every role the template grants, at the narrowest scope its documented requirement allows (no Owner, Contributor or User Access Administrator):")
		rows = nil
		for _, g := range p.Identity.Grants {
			rows = append(rows, []string{g.Principal, g.Role.Name, g.Scope.String(), g.Reason})
		}
		is.table([]string{"principal", "role", "scope", "why"}, rows)
		if len(p.Identity.DataPath) > 0 {
			is.para("Data path: what each workload mounts, where, and as whom:")
			rows = nil
			for _, m := range p.Identity.DataPath {
				mode := "read-write"
				if m.ReadOnly {
					mode = "read-only"
				}
				as := m.Identity
				if as == "" {
					as = "network (subnet)"
				}
				rows = append(rows, []string{m.Workload, m.Kind + " " + m.Source, m.Path, mode, as})
			}
			is.table([]string{"workload", "mounts", "at", "mode", "as"}, rows)
		}
		d.sections = append(d.sections, is)
	}

	d.sections = append(d.sections, costSection(p))

	fsec := section{heading: "Findings"}
	if len(p.Findings) == 0 {
		fsec.para("None.")
	}
	rows = nil
	for _, f := range p.Findings {
		rows = append(rows, []string{f.Severity, f.Code, f.Path, f.Message})
	}
	fsec.table([]string{"severity", "code", "where", "message"}, rows)
	d.sections = append(d.sections, fsec)

	if len(p.Zone.Defaults) > 0 {
		ds := section{heading: "Defaults applied"}
		rows = nil
		for _, x := range p.Zone.Defaults {
			rows = append(rows, []string{x.Path, x.Value, x.Reason})
		}
		ds.table([]string{"setting", "value", "why"}, rows)
		d.sections = append(d.sections, ds)
	}
	return d
}

// Text writes the plan as a terminal summary.
func Text(w io.Writer, p *plan.Plan) error {
	d := build(p)
	ew := &errWriter{w: w}
	fmt.Fprintln(ew, d.title)
	for _, s := range d.sections {
		fmt.Fprintf(ew, "\n%s\n%s\n", s.heading, strings.Repeat("-", len(s.heading)))
		for _, b := range s.blocks {
			switch {
			case b.text != "":
				fmt.Fprintln(ew, b.text)
			case len(b.items) > 0:
				for _, it := range b.items {
					fmt.Fprintln(ew, "  - "+it)
				}
			default:
				tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, strings.ToUpper(strings.Join(b.head, "\t")))
				for _, r := range b.rows {
					fmt.Fprintln(tw, strings.Join(r, "\t"))
				}
				tw.Flush()
			}
		}
	}
	return ew.err
}

// Markdown writes the plan as a review document.
func Markdown(w io.Writer, p *plan.Plan) error {
	d := build(p)
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "# %s\n", d.title)
	for _, s := range d.sections {
		fmt.Fprintf(ew, "\n## %s\n\n", s.heading)
		for _, b := range s.blocks {
			switch {
			case b.text != "":
				fmt.Fprintf(ew, "%s\n\n", b.text)
			case len(b.items) > 0:
				for _, it := range b.items {
					fmt.Fprintf(ew, "- %s\n", mdEscape(it))
				}
				fmt.Fprintln(ew)
			default:
				fmt.Fprintf(ew, "| %s |\n|%s\n", strings.Join(b.head, " | "), strings.Repeat(" --- |", len(b.head)))
				for _, r := range b.rows {
					cells := make([]string, len(r))
					for i, c := range r {
						cells[i] = mdEscape(c)
					}
					fmt.Fprintf(ew, "| %s |\n", strings.Join(cells, " | "))
				}
				fmt.Fprintln(ew)
			}
		}
	}
	return ew.err
}

// duration prints a run's length: hours up to three days, then days.
func duration(h float64) string {
	if h > 72 {
		return fmt.Sprintf("%.0f days", math.Ceil(h/24))
	}
	return fmt.Sprintf("%.0f h", math.Ceil(h))
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// mdEscape keeps a value inside its table cell or list item: a line break
// would end the row or item and could start a heading, a list or a table
// of its own ("x\n## Approved"), so each run of them becomes one space;
// a pipe would split the cell, so it is escaped.
func mdEscape(s string) string {
	const breaks = "\r\n\v\f\u0085\u2028\u2029"
	if !strings.ContainsAny(s, "|"+breaks) {
		return s
	}
	var b strings.Builder
	inBreak := false
	for _, r := range s {
		switch {
		case strings.ContainsRune(breaks, r):
			if !inBreak {
				b.WriteByte(' ')
			}
			inBreak = true
			continue
		case r == '|':
			b.WriteString(`\|`)
		default:
			b.WriteRune(r)
		}
		inBreak = false
	}
	return b.String()
}

// errWriter keeps the first write error so rendering code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return len(b), nil
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func unpricedNote(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return "; 1 item not priced"
	}
	return fmt.Sprintf("; %d items not priced", n)
}

// costSection: one-off and monthly apart, subtotals per workload and per
// service, what is not priced with its meter, and where the prices came
// from and how old they are.
func costSection(p *plan.Plan) section {
	c := p.Cost
	s := section{heading: "Cost"}
	s.para("One-off: %s (training runs, moving data in). Monthly run-rate: %s (serving, data preparation, storage, network, platform services). USD, pay-as-you-go list prices; the two are not added together.",
		units.USD(c.OneOffUSD), units.USD(c.MonthlyUSD))
	for _, kind := range []string{cost.OneOff, cost.Monthly} {
		var rows [][]string
		for _, l := range c.Lines {
			if l.Kind == kind {
				rows = append(rows, []string{l.Item, dash(l.Workload), l.Service, fmt.Sprintf("%.2f", l.USD), l.Basis})
			}
		}
		head := "USD/month"
		if kind == cost.OneOff {
			head = "USD once"
		}
		s.table([]string{kind + " item", "workload", "service", head, "basis"}, rows)
	}
	type sub struct{ once, month float64 }
	group := func(key func(cost.Line) string) [][]string {
		m := map[string]*sub{}
		var keys []string
		for _, l := range c.Lines {
			k := key(l)
			if m[k] == nil {
				m[k] = &sub{}
				keys = append(keys, k)
			}
			if l.Kind == cost.OneOff {
				m[k].once += l.USD
			} else {
				m[k].month += l.USD
			}
		}
		sort.Strings(keys)
		var rows [][]string
		for _, k := range keys {
			rows = append(rows, []string{k, fmt.Sprintf("%.2f", m[k].once), fmt.Sprintf("%.2f", m[k].month)})
		}
		return rows
	}
	s.table([]string{"workload", "USD once", "USD/month"}, group(func(l cost.Line) string { return firstOr(l.Workload, "(shared)") }))
	s.table([]string{"service", "USD once", "USD/month"}, group(func(l cost.Line) string { return l.Service }))
	if len(c.Missing) > 0 {
		var items []string
		for _, u := range c.Missing {
			items = append(items, fmt.Sprintf("%s (%s)", u, u.Kind))
		}
		s.para("Not priced, not in the totals (each names the Retail Prices API meter that would price it; aizone catalog prices fetch reads them):")
		s.list(items)
	}
	if len(c.NoCharge) > 0 {
		s.para("%d resource types the zone may deploy carry no charge of their own (NSGs, route tables, role assignments, identities, policies, ...); the plan's JSON lists them under cost.no_charge with why.", len(c.NoCharge))
	}
	s.para("%s", priceAge(c.Prices))
	return s
}

func priceAge(a cost.PriceAge) string {
	from := fmt.Sprintf("%d embedded", a.Embedded)
	if a.Overlay > 0 {
		from += fmt.Sprintf(", %d from %s", a.Overlay, strings.Join(a.OverlayFiles, ", "))
	}
	age := "no dated price"
	if a.Oldest != "" {
		age = fmt.Sprintf("price dates from %s to %s", a.Oldest, a.Newest)
	}
	if a.Undated > 0 {
		age += fmt.Sprintf(", %d undated", a.Undated)
	}
	return fmt.Sprintf("Prices used: %d (%s); %s. Refresh them with aizone catalog prices fetch and --catalog.", len(a.Used), from, age)
}

func dash(s string) string { return firstOr(s, "-") }

func firstOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func hasKind(us []cost.Unpriced, kind string) bool {
	for _, u := range us {
		if u.Kind == kind {
			return true
		}
	}
	return false
}
