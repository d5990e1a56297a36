package spec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aizone/aizone/internal/yamlpos"
	"github.com/aizone/aizone/units"
)

var (
	zoneNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,20}[a-z0-9]$`)
	itemNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	guidRE     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	mgIDRE     = regexp.MustCompile(`^[A-Za-z0-9_().-]{1,90}$`)
	rgIDRE     = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w._()]{1,90}$`)
	lawIDRE    = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w._()]{1,90}/providers/Microsoft\.OperationalInsights/workspaces/[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$`)
	agIDRE     = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w._()]{1,90}/providers/Microsoft\.Insights/actionGroups/[^/]{1,260}$`)
	emailRE    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	// A VNet name is 2 to 64 letters, digits, underscores, periods and
	// hyphens, starting with a letter or digit and ending with a letter,
	// digit or underscore; a resource group name 1 to 90 letters, digits,
	// underscores, parentheses, hyphens and periods, not ending with a
	// period (Azure's naming rules, which ARM enforces).
	vnetIDRE = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[-\w.()\p{L}]{0,89}[-\w()\p{L}]/providers/Microsoft\.Network/virtualNetworks/[a-z0-9][a-z0-9_.-]{0,62}[a-z0-9_]$`)
)

// Absurdity bounds: values past these are typos (a missing unit, an extra
// zero), not plans. The exported ones also bound the estimate flags that
// mean the same as a key.
const (
	MaxDataSize = 100 * units.PB
	MinTokens   = 1e3
	MaxTokens   = 1e15
	// A service that sees less than about one request a day is not a
	// service to size; smaller rates only make the cost per token
	// overflow.
	MinRequestsPerSecond = 1e-5
	MaxRequestsPerSecond = 1e6
	// MaxRequestTokens bounds input_tokens, output_tokens and their sum:
	// both share the model's context, and the longest served contexts are
	// about a million tokens.
	MaxRequestTokens  = 1 << 20
	MinSequenceLength = 16
	MaxSequenceLength = 1 << 21

	maxParams = 1e14
	maxVCPUs  = 100_000
	maxBudget = 1e9
	// Published architectures stay far below these: GPT-3 has 96 layers
	// and hidden size 12,288, vocabularies are a few hundred thousand, and
	// the longest contexts are a few million tokens.
	maxLayers  = 10_000
	maxHidden  = 1 << 20
	maxVocab   = 1 << 24
	maxContext = 1 << 27
)

// Validate checks what can be checked without the catalog. The first problem
// found is returned, located in the file.
func Validate(z *Zone) error {
	v := validator{z: z}
	v.zone()
	return v.err
}

type validator struct {
	z   *Zone
	err error
}

func (v *validator) fail(path, hint, format string, args ...any) {
	if v.err == nil {
		v.err = v.z.ErrorAt(path, hint, format, args...)
	}
}

func (v *validator) zone() {
	z := v.z
	if !zoneNameRE.MatchString(z.Name) {
		v.fail("name", "2 to 22 lowercase letters, digits or hyphens, starting with a letter; it prefixes resource names such as storage accounts", "invalid zone name %s", yamlpos.Quote(z.Name))
	}
	v.region("region", z.Region)
	seen := map[string]bool{z.Region: true}
	for i, r := range z.Regions {
		p := fmt.Sprintf("regions[%d]", i)
		v.region(p, r)
		if seen[r] {
			v.fail(p, "list each region once, and not the primary region", "region %s repeated", yamlpos.Quote(r))
		}
		seen[r] = true
	}
	v.placement()
	v.network()
	if len(z.Workloads) == 0 {
		v.fail("workloads", "add a training or inference workload; see examples/small.yaml", "no workloads: a zone needs at least one")
	}
	names := map[string]bool{}
	for i := range z.Workloads {
		p := fmt.Sprintf("workloads[%d]", i)
		w := &z.Workloads[i]
		if names[w.Name] {
			v.fail(p+".name", "give each workload its own name", "workload name %s repeated", yamlpos.Quote(w.Name))
		}
		names[w.Name] = true
		v.workload(p, w)
	}
	dataNames := map[string]bool{}
	for i := range z.Data {
		p := fmt.Sprintf("data[%d]", i)
		d := &z.Data[i]
		if dataNames[d.Name] {
			v.fail(p+".name", "give each data entry its own name", "data name %s repeated", yamlpos.Quote(d.Name))
		}
		dataNames[d.Name] = true
		v.data(p, d, names)
	}
}

func (v *validator) region(path, r string) {
	if KnownRegion(r) {
		return
	}
	hint := "use an Azure region name such as eastus, westeurope or swedencentral"
	if s := yamlpos.Suggest(strings.ToLower(strings.ReplaceAll(r, " ", "")), RegionNames()); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	}
	v.fail(path, hint, "unknown Azure region %s", yamlpos.Quote(r))
}

func (v *validator) placement() {
	pl := &v.z.Placement
	if !mgIDRE.MatchString(pl.ManagementGroup) {
		v.fail("placement.management_group", "a management group id such as corp, online or contoso-landingzones-corp", "invalid management group id %s", yamlpos.Quote(pl.ManagementGroup))
	}
	// Subscription ids are GUIDs and names are compared without regard to
	// case, as Azure compares them; a subscription listed twice would be
	// created or targeted twice.
	seenSub := map[string]string{}
	for i, s := range pl.Subscriptions {
		p := fmt.Sprintf("placement.subscriptions[%d]", i)
		switch {
		case s.ID != "" && s.Name != "":
			v.fail(p, "give id for an existing subscription or name for one to create, not both", "subscription has both id and name")
		case s.ID == "" && s.Name == "":
			v.fail(p, "give id (existing) or name (to create)", "subscription has neither id nor name")
		case s.ID != "" && !guidRE.MatchString(s.ID):
			v.fail(p+".id", "a subscription id is a GUID such as 00000000-0000-0000-0000-000000000000", "invalid subscription id %s", yamlpos.Quote(s.ID))
		case s.Name != "" && (utf8.RuneCountInString(s.Name) > 64 || strings.ContainsAny(s.Name, "<>;|") || control(s.Name) >= 0):
			v.fail(p+".name", "up to 64 characters, on one line, without < > ; |", "invalid subscription name %s", yamlpos.Quote(s.Name))
		}
		v.enum(p+".purpose", s.Purpose, "all", KindTraining, KindInference, "data")
		key, at, what := "", "", ""
		switch {
		case s.ID != "":
			key, at, what = "id:"+strings.ToLower(s.ID), p+".id", "subscription "+yamlpos.Quote(s.ID)
		case s.Name != "":
			key, at, what = "name:"+strings.ToLower(s.Name), p+".name", "subscription name "+yamlpos.Quote(s.Name)
		default:
			continue
		}
		if first, dup := seenSub[key]; dup {
			v.fail(at, "list each subscription once", "%s listed twice (first at line %d)", what, v.z.Pos.Lookup(first).Line)
		} else {
			seenSub[key] = at
		}
	}
	if pl.LogAnalytics != "" && !lawIDRE.MatchString(pl.LogAnalytics) {
		v.fail("placement.log_analytics_workspace_id", "/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>", "invalid Log Analytics workspace id %s", yamlpos.Quote(pl.LogAnalytics))
	}
	if b := pl.Budget; b != nil {
		if b.AmountUSD < 0 || b.AmountUSD > 1e9 {
			v.fail("placement.budget.amount_usd", "a monthly amount in USD between 0 (use the plan's cost) and 1,000,000,000", "budget amount %v out of range", b.AmountUSD)
		}
		for i, e := range b.ContactEmails {
			if !emailRE.MatchString(e) {
				v.fail(fmt.Sprintf("placement.budget.contact_emails[%d]", i), "an e-mail address such as ai-platform@contoso.com", "invalid e-mail address %s", yamlpos.Quote(e))
			}
		}
		if b.ActionGroupID != "" && !agIDRE.MatchString(b.ActionGroupID) {
			v.fail("placement.budget.action_group_id", "/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Insights/actionGroups/<name>", "invalid action group id %s", yamlpos.Quote(b.ActionGroupID))
		}
	}
	if len(pl.Tags) > 50 {
		v.fail("placement.tags", "Azure allows at most 50 tags per resource", "%d tags", len(pl.Tags))
	}
	// In file order, so that the first error reported does not depend on
	// map order and a repeated name is reported where it repeats.
	keys := make([]string, 0, len(pl.Tags))
	for k := range pl.Tags {
		keys = append(keys, k)
	}
	at := func(k string) yamlpos.Pos { return v.z.Pos.Lookup("placement.tags." + k) }
	sort.Slice(keys, func(i, j int) bool {
		a, b := at(keys[i]), at(keys[j])
		if a != b {
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		}
		return keys[i] < keys[j]
	})
	// Azure's tag rules: names case-insensitive, up to 512 characters
	// without < > % & \ ? /; values up to 256 characters. ARM refuses the
	// rest at deployment; control characters would also break the report.
	folded := map[string]string{}
	for _, k := range keys {
		val := pl.Tags[k]
		p := "placement.tags." + k
		switch {
		case strings.TrimSpace(k) == "":
			v.fail(p, "give the tag a name, such as costCenter", "empty tag name %s", yamlpos.Quote(k))
		case utf8.RuneCountInString(k) > 512 || strings.ContainsAny(k, `<>%&\?/`):
			v.fail(p, `tag names are up to 512 characters without < > % & \ ? /`, "invalid tag name %s", yamlpos.Quote(k))
		case control(k) >= 0:
			v.fail(p, "a tag name is one line of text", "tag name %s has a control character (U+%04X)", yamlpos.Quote(k), control(k))
		case utf8.RuneCountInString(val) > 256:
			v.fail(p, "tag values are up to 256 characters", "tag %s value too long", yamlpos.Quote(k))
		case control(val) >= 0:
			v.fail(p, "a tag value is one line of text; remove the line break or control character", "tag %s has a control character (U+%04X) in its value", yamlpos.Quote(k), control(val))
		}
		if first, dup := folded[strings.ToLower(k)]; dup {
			v.fail(p, "Azure treats tag names without regard to case, so these are one tag; keep one", "tag name %s repeats %s (tag names are case-insensitive)", yamlpos.Quote(k), yamlpos.Quote(first))
		}
		folded[strings.ToLower(k)] = k
	}
}

// control returns the first control character in s (a line break, a
// tab, an escape), or -1.
func control(s string) rune {
	for _, r := range s {
		if unicode.IsControl(r) {
			return r
		}
	}
	return -1
}

// reservedRanges cannot be used in a VNet (Azure virtual network FAQ).
var reservedRanges = []netip.Prefix{
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("255.255.255.255/32"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("168.63.129.16/32"),
}

// ParseCIDR parses an IPv4 CIDR as the zone file needs it: IPv6 is refused
// (the zone's address plan is IPv4), and host bits must be zero.
func ParseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, &yamlpos.HintError{Msg: fmt.Sprintf("invalid CIDR %s", yamlpos.Quote(s)), Hint: "write an IPv4 range such as 10.64.0.0/16"}
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, &yamlpos.HintError{Msg: fmt.Sprintf("IPv6 range %s is not supported", yamlpos.Quote(s)), Hint: "the zone's address plan is IPv4; give IPv4 ranges"}
	}
	if p.Masked() != p {
		return netip.Prefix{}, &yamlpos.HintError{Msg: fmt.Sprintf("%s has host bits set", yamlpos.Quote(s)), Hint: fmt.Sprintf("did you mean %s?", p.Masked())}
	}
	return p, nil
}

// Overlaps reports whether two prefixes share an address.
func Overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

type namedPrefix struct {
	path string
	p    netip.Prefix
}

func (v *validator) cidrs(path string, list []string) []namedPrefix {
	var out []namedPrefix
	for i, s := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		pr, err := ParseCIDR(s)
		if err != nil {
			var he *yamlpos.HintError
			if errors.As(err, &he) {
				v.fail(p, he.Hint, "%s", he.Msg)
			} else {
				v.fail(p, "write an IPv4 range such as 10.64.0.0/16", "%v", err)
			}
			continue
		}
		out = append(out, namedPrefix{p, pr})
	}
	return out
}

func (v *validator) network() {
	n := &v.z.Network
	space := v.cidrs("network.address_space", n.AddressSpace)
	onprem := v.cidrs("network.on_premises", n.OnPremises)
	hub := v.cidrs("network.hub.address_space", n.Hub.AddressSpace)
	for _, s := range space {
		if s.p.Bits() < 8 || s.p.Bits() > 29 {
			v.fail(s.path, "a VNet range is between /8 and /29", "address space %s is /%d", s.p, s.p.Bits())
		}
		for _, r := range reservedRanges {
			if s.p.Overlaps(r) {
				v.fail(s.path, "use private ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or your own public space", "address space %s overlaps %s, which Azure reserves", s.p, r)
			}
		}
	}
	overlap := func(a, b []namedPrefix, what string) {
		for _, x := range a {
			for _, y := range b {
				if x.path != y.path && x.p.Overlaps(y.p) {
					v.fail(x.path, "choose ranges that do not overlap "+what, "address range %s (%s) overlaps %s (%s)", x.p, x.path, y.p, y.path)
				}
			}
		}
	}
	overlap(space, space, "each other")
	overlap(space, onprem, "on-premises ranges")
	overlap(space, hub, "the hub's ranges")
	for i, d := range n.DNSServers {
		ip, err := netip.ParseAddr(d)
		if err != nil || !ip.Is4() {
			v.fail(fmt.Sprintf("network.dns_servers[%d]", i), "an IPv4 address such as the hub's DNS Private Resolver inbound endpoint, 10.100.0.68", "invalid DNS server address %s", yamlpos.Quote(d))
		}
	}
	if n.PrivateDNSZones != "" && !rgIDRE.MatchString(n.PrivateDNSZones) {
		v.fail("network.private_dns_zones", "the resource id of the resource group holding the platform's privatelink zones: /subscriptions/<guid>/resourceGroups/<rg>", "invalid resource group id %s", yamlpos.Quote(n.PrivateDNSZones))
	}
	if n.Hub.None && (n.Hub.VNetID != "" || len(n.Hub.AddressSpace) > 0) {
		v.fail("network.hub", "write hub: none, or the hub's vnet_id and address_space, not both", "hub is none but has settings")
	}
	if _, written := v.z.Pos["network.hub"]; written && n.Hub.None && v.defaulted("network.hub") {
		// Written, yet none: a mapping without keys, which would
		// otherwise mean no hub without a word.
		v.fail("network.hub", "write hub: none for a spoke without a platform hub, or give the hub's vnet_id and address_space", "hub is an empty mapping")
	}
	if !n.Hub.None {
		if n.Hub.VNetID == "" {
			v.fail("network.hub", "add vnet_id: the hub VNet's resource id, or write hub: none", "hub has no vnet_id")
		} else if !vnetIDRE.MatchString(n.Hub.VNetID) {
			v.fail("network.hub.vnet_id", "/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>", "invalid hub VNet resource id %s", yamlpos.Quote(n.Hub.VNetID))
		}
		if len(n.Hub.AddressSpace) == 0 {
			v.fail("network.hub", "list the hub VNet's ranges so that the zone avoids them", "hub has no address_space")
		}
		if n.Hub.FirewallIP != "" {
			ip, err := netip.ParseAddr(n.Hub.FirewallIP)
			inHub := false
			for _, h := range hub {
				if err == nil && h.p.Contains(ip) {
					inHub = true
				}
			}
			if err != nil || !ip.Is4() || !inHub {
				v.fail("network.hub.firewall_ip", "the firewall's private IPv4 address inside the hub's address space", "invalid hub firewall IP %s", yamlpos.Quote(n.Hub.FirewallIP))
			}
			for _, h := range hub {
				if err == nil && h.p.Contains(ip) {
					v.reservedFirewallIP(ip, h.p)
				}
			}
		}
	}
}

// reservedFirewallIP refuses an address Azure keeps in every subnet: the
// first four (network address, default gateway, two for Azure DNS) and the
// last (broadcast). The first and last addresses of a hub range are the
// first and last of whichever subnet holds them, so they are never a
// firewall's.
func (v *validator) reservedFirewallIP(ip netip.Addr, r netip.Prefix) {
	a := r.Masked().Addr().As4()
	start := binary.BigEndian.Uint32(a[:])
	end := start | (1<<(32-r.Bits()) - 1)
	b := ip.As4()
	n := binary.BigEndian.Uint32(b[:])
	const hint = "Azure reserves the first four and the last address of every subnet; give the firewall's private IP address, such as the fifth address of AzureFirewallSubnet"
	switch {
	case n == start:
		v.fail("network.hub.firewall_ip", hint, "hub firewall IP %s is the network address of %s", ip, r)
	case n == end:
		v.fail("network.hub.firewall_ip", hint, "hub firewall IP %s is the broadcast address of %s", ip, r)
	case n-start < 4:
		v.fail("network.hub.firewall_ip", hint, "hub firewall IP %s is one of the four addresses Azure reserves at the start of %s", ip, r)
	}
}

// defaulted reports whether ApplyDefaults filled in the value at path.
func (v *validator) defaulted(path string) bool {
	for _, d := range v.z.Defaults {
		if d.Path == path {
			return true
		}
	}
	return false
}

func oneOf(s string, options ...string) bool {
	for _, o := range options {
		if s == o {
			return true
		}
	}
	return false
}

// enum checks that the value at path is one of options. The message names
// the key and lists the options, so that it stands without the hint.
func (v *validator) enum(path, value string, options ...string) {
	if oneOf(value, options...) {
		return
	}
	hint := "write one of the values listed"
	if s := yamlpos.Suggest(value, options); s != "" {
		hint = fmt.Sprintf("did you mean %q?", s)
	}
	key := path[strings.LastIndex(path, ".")+1:]
	v.fail(path, hint, "unknown %s %s; expected %s", key, yamlpos.Quote(value), strings.Join(options, ", "))
}

// kindKeys lists the workload keys that only one kind reads. Written on a
// workload of another kind they would be ignored without a word, which
// hides a mistake (a deadline on an inference service, a request rate on
// a training run), so they are errors.
var kindKeys = []struct {
	kind string
	keys []string
}{
	{KindTraining, []string{"method", "tokens", "dataset_size", "epochs", "bytes_per_token", "sequence_length", "deadline", "checkpoint_interval"}},
	{KindInference, []string{"requests_per_second", "input_tokens", "output_tokens", "latency"}},
	{KindDataPrep, []string{"vcpus", "duration"}},
}

func (v *validator) workload(p string, w *Workload) {
	if !itemNameRE.MatchString(w.Name) {
		v.fail(p+".name", "3 to 63 lowercase letters, digits or hyphens", "invalid workload name %s", yamlpos.Quote(w.Name))
	}
	v.enum(p+".kind", w.Kind, KindTraining, KindInference, KindDataPrep)
	if _, written := v.z.Pos[p+".model"]; written && w.Kind == KindDataPrep {
		v.fail(p+".model", "remove it: data preparation runs on CPUs and loads no model", "model applies to training and inference workloads, not data-prep")
	}
	for _, k := range kindKeys {
		if k.kind == w.Kind {
			continue
		}
		for _, key := range k.keys {
			if _, written := v.z.Pos[p+"."+key]; written && oneOf(w.Kind, KindTraining, KindInference, KindDataPrep) {
				v.fail(p+"."+key, "remove it, or change the workload's kind", "%s applies to %s workloads, not %s", key, k.kind, w.Kind)
			}
		}
	}
	v.enum(p+".precision", w.Precision, "bf16", "fp16", "fp8")
	v.enum(p+".orchestrator", w.Orchestrator, "batch", "aks", "vmss", "slurm")
	v.enum(p+".objective", w.Objective, "cost", "time")
	if !(w.BudgetUSD >= 0) {
		v.fail(p+".budget_usd", "a budget is zero or more", "negative budget")
	} else if w.BudgetUSD > maxBudget {
		v.fail(p+".budget_usd", "at most 1,000,000,000 USD; check for extra digits", "absurd budget %v", w.BudgetUSD)
	}
	if w.Objective == "time" && w.BudgetUSD == 0 {
		v.fail(p+".objective", "set budget_usd: the fastest plan within a budget needs the budget", "objective time without budget_usd")
	}
	if w.Kind != KindDataPrep {
		if w.Model == nil {
			v.fail(p, "add model: llama-3.1-8b (see aizone catalog models) or its architecture", "%s workload %s has no model", w.Kind, yamlpos.Quote(w.Name))
		} else {
			v.model(p+".model", w.Model)
		}
	}
	switch w.Kind {
	case KindTraining:
		v.enum(p+".method", w.Method, "full", "lora")
		switch {
		case w.Tokens > 0 && w.DatasetSize > 0:
			v.fail(p+".tokens", "give tokens, or dataset_size with epochs, not both", "both tokens and dataset_size given")
		case w.Tokens == 0 && w.DatasetSize == 0:
			v.fail(p, "add tokens: 2T, or dataset_size: 4TB with epochs", "training workload %s has neither tokens nor dataset_size", yamlpos.Quote(w.Name))
		case !(w.Tokens <= MaxTokens):
			v.fail(p+".tokens", "the largest published pre-training runs use about 15T tokens", "absurd token count %s", w.Tokens)
		case w.Tokens > 0 && w.Tokens < 1e3:
			v.fail(p+".tokens", `tokens are counted one by one; did you forget a suffix such as "2T"?`, "token count %v is too small", float64(w.Tokens))
		}
		if w.DatasetSize > MaxDataSize {
			v.fail(p+".dataset_size", "at most 100 PB; check the unit", "absurd dataset size %s", w.DatasetSize)
		}
		if !(w.Epochs >= 0 && w.Epochs <= 1000) {
			v.fail(p+".epochs", "between 0 and 1000", "epochs %v out of range", w.Epochs)
		}
		if !(w.BytesPerToken >= 0 && w.BytesPerToken <= 1e6) {
			v.fail(p+".bytes_per_token", "a positive number such as 4", "bytes_per_token %v out of range", w.BytesPerToken)
		}
		if w.SequenceLength < MinSequenceLength || w.SequenceLength > MaxSequenceLength {
			v.fail(p+".sequence_length", "between 16 and 2,097,152", "sequence length %d out of range", w.SequenceLength)
		}
		if w.Deadline < units.Duration(60e9) || w.Deadline > 5*365*units.Day {
			v.fail(p+".deadline", "between one minute and five years", "deadline %s out of range", w.Deadline)
		}
		if w.CheckpointInterval > w.Deadline {
			v.fail(p+".checkpoint_interval", "checkpoint more often than the whole run takes", "checkpoint interval %s longer than deadline %s", w.CheckpointInterval, w.Deadline)
		}
		v.datasetTokens(p, w)
	case KindInference:
		switch {
		case !(w.RequestsPerSecond > 0):
			v.fail(p+".requests_per_second", "add requests_per_second: 50", "inference workload %s needs a positive requests_per_second", yamlpos.Quote(w.Name))
		case w.RequestsPerSecond < MinRequestsPerSecond:
			v.fail(p+".requests_per_second", "the sustained rate the service must serve, such as 0.5; check the exponent", "request rate %v is below 0.00001 a second (about one request a day)", w.RequestsPerSecond)
		case w.RequestsPerSecond > MaxRequestsPerSecond:
			v.fail(p+".requests_per_second", "at most one million requests a second", "absurd request rate %v", w.RequestsPerSecond)
		}
		if w.InputTokens < 1 || w.InputTokens > MaxRequestTokens {
			v.fail(p+".input_tokens", "between 1 and 1,048,576", "input_tokens %d out of range", w.InputTokens)
		}
		if w.OutputTokens < 1 || w.OutputTokens > MaxRequestTokens {
			v.fail(p+".output_tokens", "between 1 and 1,048,576", "output_tokens %d out of range", w.OutputTokens)
		}
		v.requestTokens(p, w, MaxRequestTokens, fmt.Sprintf("more than %d together", MaxRequestTokens),
			"a request's prompt and output share the model's context, and the longest contexts served are about a million tokens")
		if w.Model != nil && w.Model.Name == "" {
			v.context(p, w, func(m *Model) int { return m.Context })
		}
	case KindDataPrep:
		if w.VCPUs < 1 || w.VCPUs > maxVCPUs {
			v.fail(p+".vcpus", "between 1 and 100,000", "vcpus %d out of range", w.VCPUs)
		}
	}
}

// datasetTokens checks the tokens a training run derives from its
// dataset, dataset_size × epochs ÷ bytes_per_token, against the bounds of
// tokens. Out of bounds, it blames the written key that pushes furthest
// the wrong way (epochs against 1, bytes_per_token against the default),
// or else dataset_size.
func (v *validator) datasetTokens(p string, w *Workload) {
	if w.Tokens > 0 || w.DatasetSize <= 0 || w.BytesPerToken <= 0 {
		return
	}
	n := float64(w.DatasetSize) * w.Epochs / w.BytesPerToken
	if n >= MinTokens && n <= MaxTokens {
		return
	}
	tooMany := n > MaxTokens
	key, push := "dataset_size", 1.0
	for _, f := range []struct {
		key  string
		push float64 // factor on the tokens against the usual value
	}{{"epochs", w.Epochs}, {"bytes_per_token", DefaultBytesPerToken / w.BytesPerToken}} {
		if _, written := v.z.Pos[p+"."+f.key]; written && (tooMany && f.push > push || !tooMany && f.push < push) {
			key, push = f.key, f.push
		}
	}
	expected := "expected at least 1,000"
	if tooMany {
		expected = "expected at most 10^15, as for tokens"
	}
	hints := map[string]string{
		"epochs":          "epochs are passes over the dataset, usually 1 to a few; check the exponent",
		"bytes_per_token": "about 4 bytes of text make a token; check the value",
		"dataset_size":    "at 4 bytes a token, 10^15 tokens are 4 PB of text; check the unit, or give tokens instead",
	}
	v.fail(p+"."+key, hints[key], "training on %.3g tokens (dataset_size %s × epochs %g ÷ bytes_per_token %g); %s", n, w.DatasetSize, w.Epochs, w.BytesPerToken, expected)
}

// requestTokens checks that a request's input and output tokens together
// are at most limit. It blames input_tokens when the input alone leaves no
// room, and output_tokens otherwise.
func (v *validator) requestTokens(p string, w *Workload, limit int, what, hint string) {
	if w.InputTokens+w.OutputTokens <= limit {
		return
	}
	key := p + ".output_tokens"
	if w.InputTokens >= limit {
		key = p + ".input_tokens"
	}
	v.fail(key, hint, "input_tokens %d + output_tokens %d is %d tokens a request, %s", w.InputTokens, w.OutputTokens, w.InputTokens+w.OutputTokens, what)
}

// context checks an inference workload's request against the context of
// its model, as contextOf gives it (0: unknown).
func (v *validator) context(p string, w *Workload, contextOf func(*Model) int) {
	if w.Kind != KindInference || w.Model == nil {
		return
	}
	if c := contextOf(w.Model); c > 0 {
		v.requestTokens(p, w, c, fmt.Sprintf("more than the model's context of %d", c),
			"shorten the prompt or the output, or serve a model with a longer context (aizone catalog models lists them)")
	}
}

// CheckContext checks that every inference request fits its model's
// context: input_tokens + output_tokens at most what contextOf returns
// for the workload's model (0 when unknown). Validate checks this for
// explicit architectures, whose context the zone file states; plan.Check
// calls it with the catalog's contexts, which spec does not know. The
// error is located at the key to change.
func (z *Zone) CheckContext(contextOf func(*Model) int) error {
	v := validator{z: z}
	for i := range z.Workloads {
		v.context(fmt.Sprintf("workloads[%d]", i), &z.Workloads[i], contextOf)
	}
	return v.err
}

func (v *validator) model(p string, m *Model) {
	explicit := m.Params > 0 || m.ActiveParams > 0 || m.Layers > 0 || m.Hidden > 0 || m.Heads > 0 ||
		m.KVHeads != 0 || m.Vocab > 0 || m.Context != 0
	if m.Name != "" {
		if explicit {
			v.fail(p, "give a catalog name or an architecture, not both", "model has both a name and architecture fields")
		}
		return
	}
	if f := CheckArchitecture(m); f != nil {
		if f.Key != "" {
			p += "." + f.Key
		}
		v.fail(p, f.Hint, "%s", f.Msg)
	}
}

// FieldError is a problem with one key of a mapping, before it is located
// in a file; Key is empty for the mapping as a whole.
type FieldError struct {
	Key, Msg, Hint string
}

func (e *FieldError) Error() string { return e.Msg + " (" + e.Hint + ")" }

// CheckArchitecture checks an explicit model architecture against the zone
// file's bounds and returns the first problem, or nil. The estimate
// commands check their architecture flags with it.
func CheckArchitecture(m *Model) *FieldError {
	if m.Params <= 0 || m.Layers <= 0 || m.Hidden <= 0 || m.Heads <= 0 || m.Vocab <= 0 {
		return &FieldError{"", "incomplete model architecture", "an explicit model needs params, layers, hidden, heads and vocab, each positive"}
	}
	if !(m.Params <= maxParams) {
		return &FieldError{"params", fmt.Sprintf("absurd parameter count %s", m.Params), "at most 100T parameters"}
	}
	for _, f := range []struct {
		key        string
		value, max int
	}{
		{"layers", m.Layers, maxLayers},
		{"hidden", m.Hidden, maxHidden},
		{"heads", m.Heads, m.Hidden},
		{"vocab", m.Vocab, maxVocab},
		{"context", m.Context, maxContext},
	} {
		if f.value > f.max {
			return &FieldError{f.key, fmt.Sprintf("%s %d out of range", f.key, f.value), fmt.Sprintf("at most %d; check for extra digits", f.max)}
		}
	}
	switch {
	case m.Context < 0:
		return &FieldError{"context", fmt.Sprintf("context %d out of range", m.Context), "a context length is zero (use the default) or more"}
	case m.Hidden%m.Heads != 0:
		return &FieldError{"heads", fmt.Sprintf("hidden %d is not divisible by %d heads", m.Hidden, m.Heads), "hidden must be a multiple of heads"}
	case m.KVHeads < 0 || (m.KVHeads > 0 && m.Heads%m.KVHeads != 0):
		return &FieldError{"kv_heads", fmt.Sprintf("kv_heads %d does not divide %d heads", m.KVHeads, m.Heads), "heads must be a multiple of kv_heads"}
	case !(m.ActiveParams >= 0 && m.ActiveParams <= m.Params):
		return &FieldError{"active_params", "active_params exceeds params", "active parameters are at most the total"}
	}
	return nil
}

func (v *validator) data(p string, d *Data, workloads map[string]bool) {
	if !itemNameRE.MatchString(d.Name) {
		v.fail(p+".name", "3 to 63 lowercase letters, digits or hyphens (it names a Blob container)", "invalid data name %s", yamlpos.Quote(d.Name))
	}
	v.enum(p+".kind", d.Kind, DataDataset, DataCheckpoints, DataArtifacts, DataModels)
	if d.Size <= 0 {
		v.fail(p+".size", "a positive size such as 400TB", "size must be positive")
	} else if d.Size > MaxDataSize {
		v.fail(p+".size", "at most 100 PB; check the unit", "absurd size %s", d.Size)
	}
	if r, ok := strings.CutPrefix(d.Origin, "region:"); ok {
		v.region(p+".origin", r)
	} else {
		v.enum(p+".origin", d.Origin, "on-premises", "public", "generated", "region:<name>")
	}
	if d.RetainFor < d.HotFor {
		v.fail(p+".retain_for", "retain at least as long as the data stays hot", "retain_for %s is shorter than hot_for %s", d.RetainFor, d.HotFor)
	}
	for i, u := range d.UsedBy {
		if !workloads[u] {
			v.fail(fmt.Sprintf("%s.used_by[%d]", p, i), "name a workload of this zone", "unknown workload %s", yamlpos.Quote(u))
		}
	}
}
