package network

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// Address-plan facts (N-VNET: virtual-networks FAQ).
const (
	// AzureReservedIPs are the addresses Azure keeps in every subnet: the
	// network address, the default gateway, two for Azure DNS and the
	// broadcast address.
	AzureReservedIPs = 5
	// MinSubnetBits and MaxSubnetBits bound an IPv4 subnet: /29 to /8.
	MinSubnetBits = 29
	MaxSubnetBits = 8
)

// RDMAReserved is the range Azure's InfiniBand stack uses; a VNet that
// overlaps it breaks MPI over InfiniBand (N-HPC).
var RDMAReserved = netip.MustParsePrefix("172.16.0.0/16")

// azureReserved are ranges no VNet may use (N-VNET).
var azureReserved = []netip.Prefix{
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("255.255.255.255/32"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("168.63.129.16/32"),
}

// PrefixFor returns the longest prefix (smallest subnet) that holds hosts
// addresses beside Azure's five reserved ones: the first bits from /29 down
// to /8 with 2^(32-bits) - 5 >= hosts.
func PrefixFor(hosts int) (int, error) {
	if hosts < 0 {
		return 0, fmt.Errorf("negative host count %d", hosts)
	}
	for bits := MinSubnetBits; bits >= MaxSubnetBits; bits-- {
		if (1<<(32-bits))-AzureReservedIPs >= hosts {
			return bits, nil
		}
	}
	return 0, fmt.Errorf("%d addresses do not fit in one subnet: the largest, a /%d, holds %d", hosts, MaxSubnetBits, (1<<(32-MaxSubnetBits))-AzureReservedIPs)
}

// Usable is the number of addresses a subnet of the given prefix length
// leaves for resources.
func Usable(bits int) int { return (1 << (32 - bits)) - AzureReservedIPs }

// Request is one block of addresses to allocate.
type Request struct {
	Name string // subnet or VNet name, for results and errors
	Bits int    // prefix length wanted
	For  string // what it holds, for "space too small" errors
}

func (r Request) size() uint64 { return 1 << (32 - r.Bits) }

// Range is a named address range that allocation must avoid.
type Range struct {
	Prefix netip.Prefix
	Why    string // "on-premises", "hub", "InfiniBand RDMA", ...
}

// SpaceError says that the address space cannot hold what was asked, how
// much is needed, and for what.
type SpaceError struct {
	Spaces    []netip.Prefix
	Avoided   []Range   // avoided ranges that overlap the spaces
	Free      uint64    // free addresses in the spaces after avoiding
	Largest   int       // prefix length of the largest free block (0: none)
	Needed    uint64    // addresses all requests need
	Requests  []Request // everything asked, largest first
	Failed    Request   // the first request that did not fit
	Suggested int       // prefix length of one range that would hold everything
}

func (e *SpaceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "address space %s is too small: %d addresses are needed and %d are free", joinPrefixes(e.Spaces), e.Needed, e.Free)
	if len(e.Avoided) > 0 {
		var av []string
		for _, r := range e.Avoided {
			av = append(av, fmt.Sprintf("%s (%s)", r.Prefix, r.Why))
		}
		fmt.Fprintf(&b, " after avoiding %s", strings.Join(av, ", "))
	}
	fmt.Fprintf(&b, "; %s needs a /%d (%d addresses)", e.Failed.Name, e.Failed.Bits, e.Failed.size())
	if e.Failed.For != "" {
		fmt.Fprintf(&b, " for %s", e.Failed.For)
	}
	if e.Largest > 0 {
		fmt.Fprintf(&b, " but the largest free block is a /%d", e.Largest)
	} else {
		b.WriteString(" but no free block is left")
	}
	fmt.Fprintf(&b, ". Give a free range of at least a /%d for: ", e.Suggested)
	for i, r := range e.Requests {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s /%d", r.Name, r.Bits)
		if r.For != "" {
			b.WriteString(" " + r.For)
		}
	}
	return b.String()
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// checkIPv4 rejects what Allocate cannot plan: IPv6 (Azure's IPv6 subnets
// are fixed /64s and the zone's plan is IPv4) and invalid prefixes.
func checkIPv4(what string, ps []netip.Prefix) error {
	for _, p := range ps {
		switch {
		case !p.IsValid():
			return fmt.Errorf("invalid %s range %q", what, p)
		case !p.Addr().Is4():
			return fmt.Errorf("%s range %s is IPv6; the address plan is IPv4 only", what, p)
		}
	}
	return nil
}

// freeList holds free aligned blocks, one sorted list of start addresses per
// prefix length, so that best fit (the smallest block that holds a request,
// lowest address first) is a scan of at most 33 lists.
type freeList [33][]uint32

func (f *freeList) add(addr uint32, bits int) {
	l := f[bits]
	i := sort.Search(len(l), func(i int) bool { return l[i] >= addr })
	l = append(l, 0)
	copy(l[i+1:], l[i:])
	l[i] = addr
	f[bits] = l
}

// take removes and returns the best-fit block for a /bits request.
func (f *freeList) take(bits int) (uint32, int, bool) {
	for b := bits; b >= 0; b-- {
		if len(f[b]) > 0 {
			a := f[b][0]
			f[b] = f[b][1:]
			return a, b, true
		}
	}
	return 0, 0, false
}

func (f *freeList) total() uint64 {
	var n uint64
	for b, l := range f {
		n += uint64(len(l)) << (32 - b)
	}
	return n
}

func (f *freeList) largest() int {
	for b, l := range f {
		if len(l) > 0 {
			return b
		}
	}
	return 0
}

// newFreeList is spaces minus avoided ranges, as maximal aligned blocks.
func newFreeList(spaces []netip.Prefix, avoid []netip.Prefix) *freeList {
	f := &freeList{}
	for _, s := range spaces {
		subtract(s.Masked(), avoid, f)
	}
	return f
}

// subtract adds the parts of p that no avoided range overlaps: whole when
// untouched, nothing when covered, otherwise each half in turn.
func subtract(p netip.Prefix, avoid []netip.Prefix, f *freeList) {
	touched := false
	for _, a := range avoid {
		if !a.Overlaps(p) {
			continue
		}
		if a.Bits() <= p.Bits() {
			return // covered
		}
		touched = true
	}
	if !touched {
		f.add(u32(p.Addr()), p.Bits())
		return
	}
	lo := p.Addr()
	hi := addr(u32(lo) + 1<<(32-p.Bits()-1))
	subtract(netip.PrefixFrom(lo, p.Bits()+1), avoid, f)
	subtract(netip.PrefixFrom(hi, p.Bits()+1), avoid, f)
}

// Allocate places each request in spaces, avoiding the avoided ranges and
// each other. Requests are placed largest first (ties by name), each in the
// smallest free aligned block that holds it, at its lowest address; the
// remainder of a split block stays free as aligned buddies. With sizes that
// are powers of two this packs a space without waste. The result is in the
// order of reqs. When a request does not fit, the error is a *SpaceError.
func Allocate(spaces, avoid []netip.Prefix, reqs []Request) ([]netip.Prefix, error) {
	rs := make([]Range, len(avoid))
	for i, a := range avoid {
		rs[i] = Range{Prefix: a, Why: "avoided"}
	}
	return allocate(spaces, rs, reqs)
}

func allocate(spaces []netip.Prefix, avoid []Range, reqs []Request) ([]netip.Prefix, error) {
	if len(spaces) == 0 {
		return nil, errors.New("no address space given")
	}
	if err := checkIPv4("address space", spaces); err != nil {
		return nil, err
	}
	av := make([]netip.Prefix, len(avoid))
	for i, a := range avoid {
		av[i] = a.Prefix
	}
	if err := checkIPv4("avoided", av); err != nil {
		return nil, err
	}
	for _, r := range reqs {
		if r.Bits < 0 || r.Bits > 32 {
			return nil, fmt.Errorf("%s: invalid prefix length /%d", r.Name, r.Bits)
		}
	}
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := &reqs[a], &reqs[b]
		if ra.Bits != rb.Bits {
			return cmp.Compare(ra.Bits, rb.Bits)
		}
		return strings.Compare(ra.Name, rb.Name)
	})
	f := newFreeList(spaces, av)
	free := f.total()
	out := make([]netip.Prefix, len(reqs))
	for _, i := range order {
		r := reqs[i]
		a, b, ok := f.take(r.Bits)
		if !ok {
			return nil, spaceError(spaces, avoid, reqs, order, r, free, f.largest())
		}
		// Keep the upper parts of the block free, as aligned buddies.
		for k := r.Bits; k > b; k-- {
			f.add(a+1<<(32-k), k)
		}
		out[i] = netip.PrefixFrom(addr(a), r.Bits)
	}
	return out, nil
}

func spaceError(spaces []netip.Prefix, avoid []Range, reqs []Request, order []int, failed Request, free uint64, largest int) *SpaceError {
	e := &SpaceError{Spaces: spaces, Failed: failed, Free: free, Largest: largest}
	if free == 0 {
		e.Largest = 0
	}
	for _, i := range order {
		e.Requests = append(e.Requests, reqs[i])
		e.Needed += reqs[i].size()
	}
	for _, a := range avoid {
		for _, s := range spaces {
			if a.Prefix.Overlaps(s) {
				e.Avoided = append(e.Avoided, a)
				break
			}
		}
	}
	e.Suggested = 32 - ceilLog2(e.Needed)
	return e
}

// ceilLog2 is the smallest k with 2^k >= n.
func ceilLog2(n uint64) int {
	k := 0
	for (uint64(1) << k) < n {
		k++
	}
	return k
}

// blockBits is the prefix length of the smallest aligned block that holds
// the requests; blocks of powers of two placed largest first always fit in
// one block of their total size rounded up to a power of two.
func blockBits(reqs []Request) int {
	var n uint64
	for _, r := range reqs {
		n += r.size()
	}
	if n == 0 {
		return 32
	}
	return 32 - ceilLog2(n)
}

// FreeBlocks lists what is left of spaces after avoid and used, as maximal
// aligned blocks in address order: room for later subnets or regions.
func FreeBlocks(spaces, avoid, used []netip.Prefix) []netip.Prefix {
	all := append(append([]netip.Prefix{}, avoid...), used...)
	f := newFreeList(spaces, all)
	var out []netip.Prefix
	for b, l := range f {
		for _, a := range l {
			out = append(out, netip.PrefixFrom(addr(a), b))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr().Less(out[j].Addr()) })
	return out
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// nthAddr is the address n places into p.
func nthAddr(p netip.Prefix, n int) netip.Addr { return addr(u32(p.Masked().Addr()) + uint32(n)) }

// VNet allocation modes.
const (
	ModeWhole   = "whole"   // one VNet takes the whole space
	ModeDoubled = "doubled" // each VNet gets twice what its subnets need
	ModeTight   = "tight"   // each VNet gets exactly what its subnets need
)

// VNetRequest is a VNet and the subnets it must hold.
type VNetRequest struct {
	Name    string
	Subnets []Request
}

// VNetAllocation is where a VNet and its subnets landed; Subnets are in the
// order of the request's.
type VNetAllocation struct {
	Name         string
	AddressSpace []netip.Prefix
	Subnets      []netip.Prefix
	Reason       string
}

// AllocateVNets carves VNets and their subnets from spaces, avoiding the
// avoided ranges. One VNet takes the whole space (less avoided ranges).
// Several VNets each get one aligned block, placed like subnets (largest
// first, best fit): twice the size their subnets need when every doubled
// block fits, else exactly that size. Subnets are then placed inside their
// VNet's block, which always holds them. It returns the mode used.
func AllocateVNets(spaces []netip.Prefix, avoid []Range, vnets []VNetRequest) ([]VNetAllocation, string, error) {
	out := make([]VNetAllocation, len(vnets))
	if len(vnets) == 1 {
		v := vnets[0]
		subs, err := allocate(spaces, avoid, v.Subnets)
		if err != nil {
			return nil, ModeWhole, err
		}
		av := make([]netip.Prefix, len(avoid))
		for i, a := range avoid {
			av[i] = a.Prefix
		}
		out[0] = VNetAllocation{Name: v.Name, AddressSpace: FreeBlocks(spaces, av, nil), Subnets: subs,
			Reason: "the only VNet: it takes the zone's address space"}
		return out, ModeWhole, nil
	}
	tight := make([]Request, len(vnets))
	for i, v := range vnets {
		bits := blockBits(v.Subnets)
		if len(v.Subnets) == 0 {
			bits = MinSubnetBits
		}
		tight[i] = Request{Name: v.Name, Bits: bits}
	}
	doubled := make([]Request, len(tight))
	for i, r := range tight {
		doubled[i] = r
		doubled[i].Bits = max(r.Bits-1, 0)
	}
	mode := ModeDoubled
	blocks, err := allocate(spaces, avoid, doubled)
	if err != nil {
		mode = ModeTight
		blocks, err = allocate(spaces, avoid, tight)
		if err != nil {
			// Say what each VNet holds; only now, as it costs more than
			// the allocation itself.
			for i, v := range vnets {
				parts := make([]string, len(v.Subnets))
				for j, s := range v.Subnets {
					parts[j] = fmt.Sprintf("%s /%d", s.Name, s.Bits)
				}
				tight[i].For = "subnets " + strings.Join(parts, ", ")
			}
			_, err = allocate(spaces, avoid, tight)
			return nil, mode, err
		}
	}
	for i, v := range vnets {
		subs, err := allocate([]netip.Prefix{blocks[i]}, nil, v.Subnets)
		if err != nil {
			// Cannot happen: a block of the subnets' total, rounded up to
			// a power of two, holds them placed largest first.
			return nil, mode, fmt.Errorf("%s: %w", v.Name, err)
		}
		reason := fmt.Sprintf("a /%d: its subnets need a /%d", blocks[i].Bits(), tight[i].Bits)
		if mode == ModeDoubled {
			reason += ", doubled to leave room for more subnets"
		}
		out[i] = VNetAllocation{Name: v.Name, AddressSpace: []netip.Prefix{blocks[i]}, Subnets: subs, Reason: reason}
	}
	return out, mode, nil
}
