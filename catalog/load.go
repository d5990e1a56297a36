package catalog

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aizone/aizone/internal/userfile"
	"github.com/aizone/aizone/internal/yamlpos"
)

//go:embed data/*.yaml
var embedded embed.FS

// catalogLimits: catalog files are bigger than zone files but still text
// written by people.
var catalogLimits = yamlpos.Limits{MaxBytes: 8 << 20, MaxDepth: 16, MaxNodes: 2_000_000}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded catalog, loaded once.
func Default() (*Catalog, error) {
	defaultOnce.Do(func() { defaultCat, defaultErr = Load("") })
	return defaultCat, defaultErr
}

type file struct {
	name string // shown in errors
	base string // file name, to match overrides
	data []byte
}

// Load returns the embedded catalog, with the files of dir (if not empty)
// applied on top: a file with the same name as an embedded one replaces it;
// other files extend it, their entries replacing embedded entries of the
// same key (SKU name, GPU name, model name, SKU+region price, source key).
func Load(dir string) (*Catalog, error) {
	files := map[string]file{}
	entries, err := fs.ReadDir(embedded, "data")
	if err != nil {
		return nil, fmt.Errorf("reading embedded catalog: %w", err)
	}
	for _, e := range entries {
		data, err := embedded.ReadFile("data/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading embedded catalog: %w", err)
		}
		files[e.Name()] = file{name: "catalog/data/" + e.Name(), base: e.Name(), data: data}
	}
	var extra []file
	if dir != "" {
		// Opening a FIFO to list it would block until a writer came.
		if st, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("reading catalog directory: %w", err)
		} else if !st.IsDir() {
			return nil, fmt.Errorf("reading catalog directory: %s is not a directory; give a directory of catalog YAML files", dir)
		}
		des, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("reading catalog directory: %w", err)
		}
		for _, e := range des {
			if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				continue
			}
			p := filepath.Join(dir, e.Name())
			data, err := readFile(p)
			if err != nil {
				return nil, err
			}
			f := file{name: p, base: e.Name(), data: data}
			if _, ok := files[e.Name()]; ok {
				files[e.Name()] = f
			} else {
				extra = append(extra, f)
			}
		}
	}
	var ordered []file
	for _, f := range files {
		ordered = append(ordered, f)
	}
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].base < ordered[j].base })
	ordered = append(ordered, extra...) // ReadDir order is sorted already

	c := &Catalog{Sources: map[string]Source{}}
	var where []located
	for _, f := range ordered {
		var part Catalog
		pos, err := yamlpos.Decode(f.name, f.data, &part, catalogLimits)
		if err != nil {
			return nil, err
		}
		c.merge(&part, f.name, pos, &where)
	}
	if err := c.index(where); err != nil {
		return nil, err
	}
	return c, nil
}

// readFile reads a catalog file of a user's directory: a regular file
// (a FIFO or a device named *.yaml is refused, not waited on or read
// forever) within the size limit.
func readFile(path string) ([]byte, error) {
	data, err := yamlpos.ReadRegular(path, int64(catalogLimits.MaxBytes))
	var pathErr *fs.PathError
	var large *yamlpos.TooLargeError
	at := func(msg string) error {
		return &yamlpos.Error{File: path, Pos: yamlpos.Pos{Line: 1, Col: 1}, Msg: msg,
			Hint: "a catalog directory holds YAML files in the format of catalog/data; move other files out of it"}
	}
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, userfile.ErrNotRegular) && errors.As(err, &pathErr):
		return nil, at(pathErr.Err.Error())
	case errors.As(err, &large):
		return nil, at(fmt.Sprintf("file is larger than %.1f MiB, the most a catalog file may be", float64(large.Max)/(1<<20)))
	}
	return nil, fmt.Errorf("reading catalog file: %w", err)
}

// located remembers where an entry was written, for validation errors.
type located struct {
	kind  string // "skus", "gpus", ...
	key   string
	file  string
	path  string
	pos   yamlpos.Positions
	index int
}

func (l located) err(field, hint, format string, args ...any) error {
	p := l.path
	if field != "" {
		p += "." + field
	}
	return &yamlpos.Error{File: l.file, Pos: l.pos.Lookup(p), Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// upsert replaces an entry with the same key or appends it.
func upsert[T any](list []T, key func(*T) string, item T) ([]T, int) {
	k := key(&item)
	for i := range list {
		if key(&list[i]) == k {
			list[i] = item
			return list, i
		}
	}
	return append(list, item), len(list)
}

func (c *Catalog) merge(p *Catalog, file string, pos yamlpos.Positions, where *[]located) {
	loc := func(kind, key string, i int) located {
		return located{kind: kind, key: key, file: file, path: fmt.Sprintf("%s[%d]", kind, i), pos: pos, index: i}
	}
	for k, s := range p.Sources {
		c.Sources[k] = s
	}
	skuKey := func(s *SKU) string { return normSKU(s.Name) }
	for i, s := range p.SKUs {
		c.SKUs, _ = upsert(c.SKUs, skuKey, s)
		*where = append(*where, loc("skus", skuKey(&s), i))
	}
	for i, g := range p.GPUs {
		c.GPUs, _ = upsert(c.GPUs, func(g *GPU) string { return strings.ToLower(g.Name) }, g)
		*where = append(*where, loc("gpus", strings.ToLower(g.Name), i))
	}
	for i, pr := range p.Prices {
		key := func(p *Price) string { return normSKU(p.SKU) + "@" + strings.ToLower(p.Region) }
		pr.origin = file
		c.Prices, _ = upsert(c.Prices, key, pr)
		*where = append(*where, loc("prices", key(&pr), i))
	}
	for i, sp := range p.Services {
		sp.origin = file
		key := func(s *ServicePrice) string { return s.Key + "@" + strings.ToLower(s.Region) }
		c.Services, _ = upsert(c.Services, key, sp)
		*where = append(*where, loc("service_prices", key(&sp), i))
	}
	for i, u := range p.Unplaced {
		c.Unplaced = append(c.Unplaced, u)
		*where = append(*where, located{kind: "unplaced_prices", key: fmt.Sprint(len(c.Unplaced) - 1), file: file, path: fmt.Sprintf("unplaced_prices[%d]", i), pos: pos})
	}
	if len(p.Storage.Lustre)+len(p.Storage.NetApp)+len(p.Storage.BlobTiers) > 0 {
		c.storageOrigin = file
	}
	for i, m := range p.Models {
		c.Models, _ = upsert(c.Models, func(m *Model) string { return strings.ToLower(m.Name) }, m)
		*where = append(*where, loc("models", strings.ToLower(m.Name), i))
	}
	for i, im := range p.Images {
		c.Images, _ = upsert(c.Images, func(m *Image) string { return m.Name }, im)
		*where = append(*where, loc("images", im.Name, i))
	}
	for i, k := range p.Attention {
		key := func(k *AttentionKernel) string {
			return k.Kernel + "/" + k.Dtype + "/" + strings.ToLower(strings.Join(k.GPUs, ","))
		}
		var at int
		c.Attention, at = upsert(c.Attention, key, k)
		*where = append(*where, located{kind: "attention_kernels", key: key(&k), file: file, path: fmt.Sprintf("attention_kernels[%d]", i), pos: pos, index: at})
	}
	if len(p.Storage.Lustre) > 0 {
		c.Storage.Lustre = p.Storage.Lustre
		for i, l := range p.Storage.Lustre {
			*where = append(*where, located{kind: "lustre", key: l.Name, file: file, path: fmt.Sprintf("storage.lustre[%d]", i), pos: pos})
		}
	}
	if len(p.Storage.LustreSubnets) > 0 {
		c.Storage.LustreSubnets = p.Storage.LustreSubnets
	}
	if len(p.Storage.NetApp) > 0 {
		c.Storage.NetApp = p.Storage.NetApp
	}
	if len(p.Storage.BlobTiers) > 0 {
		c.Storage.BlobTiers = p.Storage.BlobTiers
	}
	if len(p.Network.Circuits) > 0 {
		c.Network.Circuits = p.Network.Circuits
	}
	if len(p.Network.Gateways) > 0 {
		c.Network.Gateways = p.Network.Gateways
	}
}

// index builds the lookup tables and checks cross references, so that a
// malformed catalog fails at load with a position, not later in an engine.
func (c *Catalog) index(where []located) error {
	c.skuByName = map[string]*SKU{}
	c.gpuByName = map[string]*GPU{}
	c.modelByName = map[string]*Model{}
	c.prices = map[priceKey]*Price{}
	for i := range c.SKUs {
		c.skuByName[normSKU(c.SKUs[i].Name)] = &c.SKUs[i]
	}
	for i := range c.GPUs {
		c.gpuByName[strings.ToLower(c.GPUs[i].Name)] = &c.GPUs[i]
	}
	for i := range c.Models {
		c.modelByName[strings.ToLower(c.Models[i].Name)] = &c.Models[i]
	}
	for i := range c.Prices {
		p := &c.Prices[i]
		c.prices[priceKey{normSKU(p.SKU), strings.ToLower(p.Region)}] = p
	}
	c.services = map[string]*ServicePrice{}
	for i := range c.Services {
		c.services[c.Services[i].Key+"@"+strings.ToLower(c.Services[i].Region)] = &c.Services[i]
	}
	sourceHint := func() string {
		keys := make([]string, 0, len(c.Sources))
		for k := range c.Sources {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return "add it under sources: in sources.yaml, or use one of " + strings.Join(keys, ", ")
	}
	checkSource := func(l located, key string) error {
		if key == "" {
			return l.err("source", "every catalog entry names the source of its facts", "missing source")
		}
		if _, ok := c.Sources[key]; !ok {
			return l.err("source", sourceHint(), "unknown source %q", key)
		}
		return nil
	}
	for _, l := range where {
		var err error
		switch l.kind {
		case "skus":
			s := c.skuByName[l.key]
			switch {
			case !strings.HasPrefix(s.Name, "Standard_"):
				err = l.err("name", "VM size names start with Standard_", "invalid VM size name %q", s.Name)
			case s.VCPUs <= 0 || s.MemoryGiB <= 0:
				err = l.err("vcpus", "vcpus and memory_gib are positive", "size %s has no vCPUs or memory", s.Name)
			case s.GPU != "" && c.gpuByName[strings.ToLower(s.GPU)] == nil:
				err = l.err("gpu", "name a GPU listed under gpus:", "unknown GPU %q", s.GPU)
			case s.GPU != "" && (s.GPUs <= 0 || s.GPUMemoryGB <= 0):
				err = l.err("gpus", "a GPU size has a positive gpus and gpu_memory_gb", "size %s has a GPU but no GPU count or memory", s.Name)
			default:
				err = checkSource(l, s.Source)
			}
		case "gpus":
			g := c.gpuByName[l.key]
			if g.BF16TFLOPS <= 0 || g.HBMGB <= 0 || g.HBMTBps <= 0 {
				err = l.err("bf16_tflops", "bf16_tflops, hbm_gb and hbm_tbps are positive", "GPU %s lacks peak FLOP/s or memory figures", g.Name)
			} else {
				err = checkSource(l, g.Source)
			}
		case "prices":
			p := c.prices[priceKey{normSKU(strings.SplitN(l.key, "@", 2)[0]), strings.SplitN(l.key, "@", 2)[1]}]
			switch {
			case c.skuByName[normSKU(p.SKU)] == nil:
				err = l.err("sku", "prices are for sizes listed under skus:", "price for unknown VM size %q", p.SKU)
			case p.PAYG <= 0 || (p.Spot != nil && *p.Spot <= 0):
				err = l.err("payg_usd_per_hour", "prices are positive USD per hour", "non-positive price for %s", p.SKU)
			case p.Date == "":
				err = l.err("date", "keep the price date beside the price", "price without date")
			default:
				err = checkSource(l, p.Source)
				for _, k := range p.extraSources() {
					if err == nil && k != "" {
						err = checkSource(l, k)
					}
				}
			}
		case "service_prices":
			sp := c.services[l.key]
			switch {
			case sp.Key == "" || sp.Service == "" || sp.Meter == "" || sp.Unit == "":
				err = l.err("key", "a service price names its key, the API's serviceName and meterName, and its unit", "incomplete service price %q", sp.Key)
			case sp.USD < 0 || (sp.NoCharge && sp.USD != 0):
				err = l.err("usd", "prices are positive USD; a free meter says no_charge: true and no usd", "invalid price for %s", sp.Key)
			case sp.Date == "" && (sp.USD > 0 || sp.NoCharge):
				err = l.err("date", "keep the price date beside the price", "price without date")
			default:
				err = checkSource(l, sp.Source)
			}
		case "unplaced_prices":
			var i int
			fmt.Sscan(l.key, &i)
			u := c.Unplaced[i]
			switch {
			case u.Why == "":
				err = l.err("why", "say why planning cannot use the figure", "unplaced price for %s without a reason", u.SKU)
			case u.Date == "":
				err = l.err("date", "keep the price date beside the price", "price without date")
			default:
				err = checkSource(l, u.Source)
			}
		case "models":
			m := c.modelByName[l.key]
			switch {
			case m.Params <= 0 || m.Layers <= 0 || m.Hidden <= 0 || m.Heads <= 0 || m.Vocab <= 0:
				err = l.err("params", "params, layers, hidden, heads and vocab are positive", "model %s is incomplete", m.Name)
			case m.Hidden%m.Heads != 0 || (m.KVHeads > 0 && m.Heads%m.KVHeads != 0):
				err = l.err("heads", "hidden is a multiple of heads, heads of kv_heads", "model %s has inconsistent heads", m.Name)
			default:
				err = checkSource(l, m.Source)
			}
		case "attention_kernels":
			err = c.checkAttention(l, &c.Attention[l.index])
			if err == nil {
				err = checkSource(l, c.Attention[l.index].Source)
			}
		case "images":
			for i := range c.Images {
				if c.Images[i].Name == l.key {
					err = checkSource(l, c.Images[i].Source)
				}
			}
		case "lustre":
			for _, s := range c.Storage.Lustre {
				if s.Name == l.key && (s.MBpsPerTiB <= 0 || s.MinTiB <= 0 || s.IncrementTiB <= 0 || s.MaxTiB < s.MinTiB) {
					err = l.err("", "throughput, minimum, maximum and increment are positive", "invalid Managed Lustre SKU %s", s.Name)
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkAttention reports a kernel table the compute model cannot read.
func (c *Catalog) checkAttention(l located, k *AttentionKernel) error {
	const hint = "seq ascending and positive, one positive forward_tflops (and backward_tflops, if given) for each"
	switch {
	case k.Kernel == "" || (k.Dtype != "bf16" && k.Dtype != "fp8"):
		return l.err("dtype", "name the kernel and a dtype of bf16 or fp8", "attention kernel %q at dtype %q", k.Kernel, k.Dtype)
	case len(k.GPUs) == 0:
		return l.err("gpus", "list the GPUs the table was measured on (or applies to)", "attention kernel %s lists no GPU", k.Kernel)
	case len(k.Seq) == 0 || len(k.ForwardTFLOPS) != len(k.Seq) || (len(k.BackwardTFLOPS) > 0 && len(k.BackwardTFLOPS) != len(k.Seq)):
		return l.err("seq", hint, "attention kernel %s: %d sequence lengths, %d forward and %d backward rates", k.Kernel, len(k.Seq), len(k.ForwardTFLOPS), len(k.BackwardTFLOPS))
	case k.BackwardRatio < 0 || k.BackwardRatio > 2:
		return l.err("backward_ratio", "a ratio of backward to forward throughput, above 0 and at most 2", "attention kernel %s: backward_ratio %g", k.Kernel, k.BackwardRatio)
	}
	for _, g := range k.GPUs {
		if c.gpuByName[strings.ToLower(g)] == nil {
			return l.err("gpus", "name a GPU listed under gpus:", "unknown GPU %q", g)
		}
	}
	for i, s := range k.Seq {
		bad := s <= 0 || (i > 0 && s <= k.Seq[i-1]) || k.ForwardTFLOPS[i] <= 0 || (len(k.BackwardTFLOPS) > 0 && k.BackwardTFLOPS[i] <= 0)
		if bad {
			return l.err(fmt.Sprintf("seq[%d]", i), hint, "attention kernel %s: bad entry %d", k.Kernel, i)
		}
	}
	return nil
}
