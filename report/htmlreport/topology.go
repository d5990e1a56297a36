package htmlreport

import (
	"fmt"
	"strings"

	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/units"
)

// The drawing is laid out on a grid of monospace text, so that a box's
// width follows from the longest line in it without measuring fonts: every
// coordinate is computed here and the browser only paints.
const (
	charW   = 7.3  // advance of a 12 px monospace glyph (0.6 em), rounded up
	lineH   = 16.0 // baseline to baseline
	ascent  = 12.0 // top of a box's padding to its first baseline
	pad     = 10.0
	margin  = 20.0
	colGap  = 40.0
	hubGap  = 96.0 // room between the hub and the spokes for peering labels
	minColW = 300.0
)

// box is a rectangle in SVG user units.
type box struct{ X, Y, W, H float64 }

func (b box) cx() float64     { return b.X + b.W/2 }
func (b box) bottom() float64 { return b.Y + b.H }
func (b box) right() float64  { return b.X + b.W }

// text is one line of text at a baseline.
type text struct {
	X, Y   float64
	S      string
	Class  string
	Anchor string // start (default), middle or end
}

// topology is the network drawing: the hub at the top, one column per
// spoke VNet, the storage account beside the VNet that reaches it, and the
// links between them.
type topology struct {
	W, H    float64
	Hub     *vnetView
	VNets   []*vnetView
	Storage *storageView
	Links   []link
}

type vnetView struct {
	box
	Name, Region, Role string // Role: spoke, hub, or platform-hub
	Texts              []text
	Routes             []routeView
	Subnets            []*subnetView
}

type routeView struct {
	Table, Prefix, NextHop, NextHopIP string
	T                                 text
}

type subnetView struct {
	box
	VNet, Name, Prefix, Kind string
	Texts                    []text
	Pool                     *poolView
	Endpoints                []endpointView
}

type poolView struct {
	box
	Workload, SKU, Kind string
	Nodes, Spares       int
	Texts               []text
}

type endpointView struct {
	Name, Target, Group string
	T                   text
}

type storageView struct {
	box
	Account    string
	Texts      []text
	Containers []containerView
	HotTier    *hotTierView
}

type containerView struct {
	Name  string
	Bytes int64
	T     text
}

type hotTierView struct {
	box
	Kind, SKU string
	Texts     []text
}

// link is a connector: a peering, or a subnet reaching a storage service.
type link struct {
	Class, Name, From, To string
	D                     string // SVG path
	Labels                []text
}

func longest(ls ...[]string) int {
	n := 0
	for _, l := range ls {
		for _, s := range l {
			n = max(n, len([]rune(s)))
		}
	}
	return n
}

// widthFor is the width a box needs for lines of n characters, nested
// depth boxes deep (each nesting level adds padding on both sides).
func widthFor(n, depth int) float64 {
	return float64(n)*charW + 2*pad*float64(depth+1)
}

func stack(x, y float64, ls []string, class string) ([]text, float64) {
	out := make([]text, len(ls))
	for i, s := range ls {
		c := ""
		if i == 0 {
			c = class
		}
		out[i] = text{X: x, Y: y + ascent + float64(i)*lineH, S: s, Class: c}
	}
	return out, float64(len(ls)) * lineH
}

// subnetContent is what a subnet box says, before it is placed.
type subnetContent struct {
	s         network.Subnet
	head      []string
	pool      []string
	poolInfo  *poolView
	endpoints []network.PrivateEndpoint
	epLines   []string
}

func buildTopology(p *plan.Plan) *topology {
	n := &p.Network
	pools := map[string]int{}
	for i, pl := range p.Compute.Pools {
		pools[pl.Workload] = i
	}
	routes := map[string]network.RouteTable{}
	for _, rt := range n.RouteTables {
		routes[rt.Name] = rt
	}
	endpoints := map[string][]network.PrivateEndpoint{} // by vnet/subnet
	for _, pe := range append(append([]network.PrivateEndpoint{}, n.PrivateEndpoints...), n.ComputeEndpoints...) {
		k := pe.VNet + "/" + pe.Subnet
		endpoints[k] = append(endpoints[k], pe)
	}
	firewallIP := ""
	if n.Hub != nil {
		firewallIP = n.Hub.FirewallIP
	} else if !p.Zone.Network.Hub.None {
		firewallIP = p.Zone.Network.Hub.FirewallIP
	}

	t := &topology{}
	var spokes []*vnetView
	var spokeContent [][]subnetContent
	var hubView *vnetView
	var hubContent []subnetContent
	placedPools := map[string]bool{}
	for _, v := range n.VNets {
		vv := &vnetView{Name: v.Name, Region: v.Region, Role: v.Role}
		var content []subnetContent
		for _, s := range v.Subnets {
			c := subnetContent{s: s, head: []string{s.Name + "  " + s.Prefix, s.Purpose}}
			if i, ok := pools[s.Pool]; ok && s.Pool != "" {
				pl := p.Compute.Pools[i]
				placedPools[pl.Workload] = true
				c.poolInfo = &poolView{Workload: pl.Workload, SKU: pl.SKU, Kind: pl.Kind, Nodes: pl.Nodes, Spares: pl.SpareNodes}
				c.pool = poolLines(pl.Workload, pl.SKU, pl.Kind, pl.Orchestrator, pl.Priority, pl.Nodes, pl.SpareNodes)
			}
			for _, pe := range endpoints[v.Name+"/"+s.Name] {
				c.endpoints = append(c.endpoints, pe)
				c.epLines = append(c.epLines, fmt.Sprintf("endpoint %s -> %s (%s)", pe.Name, pe.Target, pe.GroupID))
			}
			content = append(content, c)
		}
		if v.Role == "hub" {
			hubView, hubContent = vv, content
			continue
		}
		spokes = append(spokes, vv)
		spokeContent = append(spokeContent, content)
	}
	// A pool the network did not place (an infeasible size has no subnet)
	// still shows, in its region's VNet, so that nothing of the plan hides.
	for _, pl := range p.Compute.Pools {
		if placedPools[pl.Workload] {
			continue
		}
		for i, vv := range spokes {
			if vv.Name != n.VNetFor(pl.Region) {
				continue
			}
			spokeContent[i] = append(spokeContent[i], subnetContent{
				head:     []string{"(no subnet)", "pool not placed: " + unplacedWhy(pl.SKU)},
				poolInfo: &poolView{Workload: pl.Workload, SKU: pl.SKU, Kind: pl.Kind, Nodes: pl.Nodes, Spares: pl.SpareNodes},
				pool:     poolLines(pl.Workload, pl.SKU, pl.Kind, pl.Orchestrator, pl.Priority, pl.Nodes, pl.SpareNodes),
			})
		}
	}

	header := func(vv *vnetView, v network.VNet, extra []string) []string {
		title := "spoke " + v.Name
		if v.Role == "hub" {
			title = "zone hub " + v.Name
		}
		h := []string{title, v.Region + "  " + strings.Join(v.AddressSpace, ", ")}
		h = append(h, extra...)
		seen := map[string]bool{}
		for _, s := range v.Subnets {
			rt, ok := routes[s.RouteTable]
			if !ok || seen[rt.Name] {
				continue
			}
			seen[rt.Name] = true
			for _, r := range rt.Routes {
				vv.Routes = append(vv.Routes, routeView{Table: rt.Name, Prefix: r.Prefix, NextHop: r.NextHop, NextHopIP: r.NextHopIP})
			}
		}
		for _, ng := range n.NATGateways {
			if ng.VNet == v.Name {
				h = append(h, fmt.Sprintf("NAT gateway %s (%s) for %s", ng.Name, ng.PublicIP, strings.Join(ng.Subnets, ", ")))
			}
		}
		return h
	}
	routeLine := func(r routeView) string {
		s := fmt.Sprintf("UDR %s: %s -> %s", r.Table, r.Prefix, r.NextHop)
		if r.NextHopIP != "" {
			s += " " + r.NextHopIP
			if r.NextHopIP == firewallIP {
				s += " (firewall)"
			}
		}
		return s
	}

	// The hub row.
	var hubHead []string
	switch {
	case hubView != nil:
		v := vnetByName(n.VNets, hubView.Name)
		var extra []string
		if h := n.Hub; h != nil {
			if h.Firewall != "" {
				extra = append(extra, fmt.Sprintf("firewall %s (%s) %s", h.Firewall, h.FirewallTier, h.FirewallIP))
			}
			if h.GatewayName != "" {
				extra = append(extra, fmt.Sprintf("ExpressRoute gateway %s (%s)", h.GatewayName, h.Gateway))
			}
			if h.Bastion {
				extra = append(extra, "Azure Bastion")
			}
			if h.RouteServer {
				extra = append(extra, "Azure Route Server")
			}
		}
		hubHead = header(hubView, v, extra)
	case !p.Zone.Network.Hub.None && p.Zone.Network.Hub.VNetID != "":
		hz := p.Zone.Network.Hub
		hubView = &vnetView{Name: lastSegment(hz.VNetID), Role: "platform-hub"}
		hubHead = []string{"platform hub " + hubView.Name, strings.Join(hz.AddressSpace, ", "), "resource group " + resourceGroupOf(hz.VNetID)}
		if hz.FirewallIP != "" {
			hubHead = append(hubHead, "firewall "+hz.FirewallIP)
		}
		if hz.Gateway != nil && *hz.Gateway {
			hubHead = append(hubHead, "gateway (the spokes use it)")
		}
		if er := n.ExpressRoute; er != nil {
			hubHead = append(hubHead, fmt.Sprintf("ExpressRoute %s circuit for the zone's data", er.Circuit))
		}
		hubHead = append(hubHead, "owned by the platform team; the zone peers from its side")
	}

	// Spoke columns, with the storage column beside the VNet holding the
	// storage account's private endpoint (the primary spoke otherwise).
	storageNext := n.VNetFor(p.Zone.Region)
	for _, pe := range n.PrivateEndpoints {
		if pe.Target == p.Storage.Account.Name {
			storageNext = pe.VNet
			break
		}
	}
	y0 := margin
	var hubH float64
	var hubW float64
	var hubRoutes []string
	if hubView != nil {
		for _, r := range hubView.Routes {
			hubRoutes = append(hubRoutes, routeLine(r))
		}
		hubW = columnWidth(hubHead, hubRoutes, hubContent)
		hubH = columnHeight(hubHead, hubRoutes, hubContent)
		y0 = margin + hubH + hubGap
	}
	x := margin
	var subnetBoxes = map[string]*subnetView{}
	for i, vv := range spokes {
		v := vnetByName(n.VNets, vv.Name)
		head := header(vv, v, nil)
		var rl []string
		for _, r := range vv.Routes {
			rl = append(rl, routeLine(r))
		}
		w := columnWidth(head, rl, spokeContent[i])
		place(vv, x, y0, w, head, rl, spokeContent[i])
		for _, s := range vv.Subnets {
			subnetBoxes[s.VNet+"/"+s.Name] = s
		}
		t.VNets = append(t.VNets, vv)
		x += w + colGap
		if vv.Name == storageNext {
			t.Storage = buildStorage(p, x, y0)
			x += t.Storage.W + colGap
		}
	}
	if t.Storage == nil {
		t.Storage = buildStorage(p, x, y0)
		x += t.Storage.W + colGap
	}
	width := x - colGap + margin
	if hubView != nil {
		width = max(width, hubW+2*margin)
		spokesRight := margin
		if len(t.VNets) > 0 {
			spokesRight = t.VNets[len(t.VNets)-1].right()
		}
		hx := margin + max((spokesRight-margin-hubW)/2, 0)
		place(hubView, hx, margin, hubW, hubHead, hubRoutes, hubContent)
		t.Hub = hubView
		for _, s := range hubView.Subnets {
			subnetBoxes[s.VNet+"/"+s.Name] = s
		}
	}
	height := y0
	for _, vv := range t.VNets {
		height = max(height, vv.bottom())
	}
	height = max(height, t.Storage.bottom()) + margin
	t.W, t.H = width, height

	t.Links = append(t.Links, peeringLinks(n, t)...)
	t.Links = append(t.Links, storageLinks(p, t, subnetBoxes)...)
	return t
}

func unplacedWhy(sku string) string {
	if sku == "" {
		return "no feasible size"
	}
	return "no subnet in the plan"
}

func poolLines(workload, sku, kind, orchestrator, priority string, nodes, spares int) []string {
	if sku == "" {
		return []string{"pool " + workload + ": no feasible size", kind}
	}
	size := fmt.Sprintf("pool %s: %d × %s", workload, nodes, sku)
	if spares > 0 {
		size += fmt.Sprintf(" (+%d spare)", spares)
	}
	return []string{size, strings.Join(nonEmpty(kind, orchestrator, priority), ", ")}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func columnWidth(head, routes []string, content []subnetContent) float64 {
	w := max(minColW, widthFor(longest(head, routes), 0))
	for _, c := range content {
		w = max(w, widthFor(longest(c.head, c.epLines), 1), widthFor(longest(c.pool), 2))
	}
	return w
}

func subnetHeight(c subnetContent) float64 {
	h := pad + float64(len(c.head)+len(c.epLines))*lineH
	if len(c.pool) > 0 {
		h += pad/2 + 2*pad/2 + float64(len(c.pool))*lineH
	}
	return h + pad
}

func columnHeight(head, routes []string, content []subnetContent) float64 {
	h := pad + float64(len(head)+len(routes))*lineH + pad
	for _, c := range content {
		h += subnetHeight(c) + pad
	}
	return h
}

// place sets the coordinates of a VNet column and everything in it.
func place(vv *vnetView, x, y, w float64, head, routes []string, content []subnetContent) {
	vv.box = box{X: x, Y: y, W: w, H: columnHeight(head, routes, content)}
	ts, h := stack(x+pad, y+pad, head, "title")
	vv.Texts = ts
	for i := range vv.Routes {
		vv.Routes[i].T = text{X: x + pad, Y: y + pad + h + ascent + float64(i)*lineH, S: routes[i], Class: "route"}
	}
	cy := y + pad + h + float64(len(routes))*lineH + pad
	for _, c := range content {
		sv := &subnetView{VNet: vv.Name, Name: c.s.Name, Prefix: c.s.Prefix, Kind: c.s.Kind}
		sh := subnetHeight(c)
		sv.box = box{X: x + pad, Y: cy, W: w - 2*pad, H: sh}
		ts, th := stack(x+2*pad, cy+pad/2, c.head, "name")
		sv.Texts = ts
		ey := cy + pad/2 + th
		if c.poolInfo != nil {
			pv := c.poolInfo
			ph := 2*pad/2 + float64(len(c.pool))*lineH
			pv.box = box{X: x + 2*pad, Y: ey + pad/2, W: w - 4*pad, H: ph}
			pv.Texts, _ = stack(x+3*pad, ey+pad/2+pad/2, c.pool, "name")
			sv.Pool = pv
			ey += pad/2 + ph
		}
		for i, pe := range c.endpoints {
			sv.Endpoints = append(sv.Endpoints, endpointView{Name: pe.Name, Target: pe.Target, Group: pe.GroupID,
				T: text{X: x + 2*pad, Y: ey + ascent + float64(i)*lineH, S: c.epLines[i], Class: "endpoint"}})
		}
		vv.Subnets = append(vv.Subnets, sv)
		cy += sh + pad
	}
}

func buildStorage(p *plan.Plan, x, y float64) *storageView {
	a := p.Storage.Account
	sv := &storageView{Account: a.Name}
	head := []string{"storage account " + a.Name, fmt.Sprintf("%s, %s, %s by default", a.Kind, a.SKU, a.AccessTier), "Blob containers:"}
	var cl []string
	for _, c := range a.Containers {
		s := fmt.Sprintf("  %s  %s", c.Name, units.Bytes(c.Bytes))
		if c.RetainDays > 0 {
			s += fmt.Sprintf(", hot %d d, deleted after %d d", c.HotDays, c.RetainDays)
		} else {
			s += ", no lifecycle rule"
		}
		cl = append(cl, s)
	}
	ht := p.Storage.HotTier
	var hl []string
	if ht.Kind != "" && ht.Kind != "none" {
		hl = []string{"hot tier: " + hotTierName(ht.Kind)}
		if ht.SKU != "" {
			hl = append(hl, ht.SKU)
		}
		switch {
		case ht.ThroughputMBps > 0:
			hl = append(hl, fmt.Sprintf("%.0f TiB, %.0f MB/s", ht.CapacityTiB, ht.ThroughputMBps))
		case ht.CapacityTiB > 0:
			hl = append(hl, fmt.Sprintf("%.0f TiB", ht.CapacityTiB))
		}
	}
	w := max(minColW, widthFor(longest(head, cl), 0), widthFor(longest(hl), 1))
	ts, h := stack(x+pad, y+pad, head, "title")
	sv.Texts = ts
	for i, c := range a.Containers {
		sv.Containers = append(sv.Containers, containerView{Name: c.Name, Bytes: int64(c.Bytes),
			T: text{X: x + pad, Y: y + pad + h + ascent + float64(i)*lineH, S: cl[i]}})
	}
	cy := y + pad + h + float64(len(cl))*lineH + pad
	if len(hl) > 0 {
		hv := &hotTierView{Kind: ht.Kind, SKU: ht.SKU}
		hh := pad + float64(len(hl))*lineH
		hv.box = box{X: x + pad, Y: cy, W: w - 2*pad, H: hh}
		hv.Texts, _ = stack(x+2*pad, cy+pad/2, hl, "name")
		sv.HotTier = hv
		cy += hh + pad
	}
	sv.box = box{X: x, Y: y, W: w, H: cy - y}
	return sv
}

func hotTierName(kind string) string {
	switch kind {
	case "lustre":
		return "Azure Managed Lustre"
	case "netapp":
		return "Azure NetApp Files"
	case "local-nvme":
		return "local NVMe of the nodes"
	}
	return kind
}

// peeringLinks joins each VNet to the VNet it peers with: one line per
// pair, labelled with the peering names of both directions.
func peeringLinks(n *network.Result, t *topology) []link {
	at := map[string]*vnetView{}
	for _, v := range t.VNets {
		at[v.Name] = v
	}
	if t.Hub != nil {
		at[t.Hub.Name] = t.Hub
	}
	type pair struct{ a, b string }
	var order []pair
	names := map[pair][]string{}
	for _, pr := range n.Peerings {
		remote := pr.RemoteVNet
		if remote == "" {
			remote = lastSegment(pr.RemoteVNetID)
		}
		k := pair{pr.VNet, remote}
		if t.Hub != nil && k.a == t.Hub.Name {
			k = pair{remote, pr.VNet}
		}
		if _, ok := names[k]; !ok {
			order = append(order, k)
		}
		names[k] = append(names[k], pr.Name)
	}
	var out []link
	for _, k := range order {
		a, b := at[k.a], at[k.b]
		if a == nil || b == nil {
			continue
		}
		l := link{Class: "peering", Name: strings.Join(names[k], " / "), From: k.a, To: k.b}
		x1, y1 := a.cx(), a.Y
		if b == t.Hub {
			x2 := min(max(x1, b.X+pad*2), b.right()-pad*2)
			y2 := b.bottom()
			l.D = fmt.Sprintf("M%s %s L%s %s", num1(x1), num1(y1), num1(x2), num1(y2))
			my := y2 + (y1-y2)/2
			l.Labels = []text{{X: x1 + pad/2, Y: my - 2, S: l.Name, Anchor: "start", Class: "label"},
				{X: x1 + pad/2, Y: my + lineH - 2, S: "peering", Anchor: "start", Class: "label"}}
		} else {
			x2, y2 := b.cx(), b.Y
			l.D = fmt.Sprintf("M%s %s C%s %s %s %s %s %s", num1(x1), num1(y1), num1(x1), num1(y1-40), num1(x2), num1(y2-40), num1(x2), num1(y2))
			l.Labels = []text{{X: (x1 + x2) / 2, Y: min(y1, y2) - 34, S: l.Name, Anchor: "middle", Class: "label"}}
		}
		out = append(out, l)
	}
	return out
}

// storageLinks joins the subnets that reach the storage account (its
// private endpoints) and the hot tier (its delegated subnet) to them.
func storageLinks(p *plan.Plan, t *topology, subnets map[string]*subnetView) []link {
	var out []link
	seen := map[string]bool{}
	st := t.Storage
	for _, pe := range p.Network.PrivateEndpoints {
		if pe.Target != p.Storage.Account.Name {
			continue
		}
		k := pe.VNet + "/" + pe.Subnet
		s := subnets[k]
		if s == nil || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, elbow("endpoint", pe.Name, s, st.box, st.Y+pad+ascent/2))
	}
	if ht := st.HotTier; ht != nil {
		for _, v := range t.VNets {
			for _, s := range v.Subnets {
				if (ht.Kind == "lustre" && s.Kind == network.KindLustre) || (ht.Kind == "netapp" && s.Kind == network.KindNetApp) {
					out = append(out, elbow("hottier", s.Name, s, ht.box, ht.Y+ht.H/2))
				}
			}
		}
	}
	return out
}

// elbow draws a connector from a subnet's side to a target box's nearer
// side at height ty.
func elbow(class, name string, s *subnetView, to box, ty float64) link {
	sy := s.Y + s.H/2
	var x1, x2 float64
	if to.X >= s.right() {
		x1, x2 = s.right(), to.X
	} else {
		x1, x2 = s.X, to.right()
	}
	mx := x1 + (x2-x1)/2
	return link{Class: class, Name: name, From: s.VNet + "/" + s.Name, To: "storage",
		D: fmt.Sprintf("M%s %s H%s V%s H%s", num1(x1), num1(sy), num1(mx), num1(ty), num1(x2))}
}

func vnetByName(vs []network.VNet, name string) network.VNet {
	for _, v := range vs {
		if v.Name == name {
			return v
		}
	}
	return network.VNet{Name: name}
}

func lastSegment(id string) string { return id[strings.LastIndex(id, "/")+1:] }

// resourceGroupOf reads the resource group out of a resource id.
func resourceGroupOf(id string) string {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return ""
}
