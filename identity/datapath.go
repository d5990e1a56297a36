package identity

import (
	"sort"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/storage"
)

// Mount kinds.
const (
	MountBlob   = "blob"   // a Blob container, through BlobFuse2 or the Blob CSI driver, as the pool's identity
	MountLustre = "lustre" // the zone's Azure Managed Lustre file system
	MountNFS    = "nfs"    // the zone's Azure NetApp Files volume (NFSv4.1)
)

// Mount is one piece of the data path: what a workload's nodes or pods
// mount, where, how and as whom.
type Mount struct {
	Workload string `json:"workload"`
	Kind     string `json:"kind"`
	// Source is the container name, or the file system's name.
	Source string `json:"source"`
	Path   string `json:"path"`
	// ReadOnly mounts are for data the workload only reads.
	ReadOnly bool `json:"read_only"`
	// Identity is the identity a Blob mount authenticates as (the pool's);
	// file systems authenticate by network (subnet and export policy).
	Identity string `json:"identity,omitempty"`
	Reason   string `json:"reason"`
}

// Mount paths, the same on every orchestrator so that jobs move between
// them unchanged.
const (
	BlobMountRoot = "/mnt/blob/"
	LustreMount   = "/mnt/lustre"
	NFSMount      = "/mnt/anf"
)

// DataPath lists every mount of every workload: each container the pool's
// identity holds a data role on, read-only when the role is Reader, and
// the hot tier on the pools that train or prepare data (inference reads
// its weights from Blob).
func DataPath(r Result, zone string, pools []compute.Pool, st storage.Result) []Mount {
	var out []Mount
	for _, pl := range pools {
		if pl.SKU == "" {
			continue
		}
		id := PoolIdentityName(zone, pl.Workload)
		for _, g := range r.Grants {
			if g.Principal != id || g.Scope.Kind != ScopeContainer {
				continue
			}
			ro := g.Role.ID == StorageBlobDataReader.ID
			why := "reads " + g.Scope.Name
			if !ro {
				why = "reads and writes " + g.Scope.Name
			}
			out = append(out, Mount{Workload: pl.Workload, Kind: MountBlob, Source: g.Scope.Name, Path: BlobMountRoot + g.Scope.Name,
				ReadOnly: ro, Identity: id, Reason: why + " as " + id + " (" + g.Role.Name + ")"})
		}
		if pl.Kind == "inference" {
			continue
		}
		switch ht := st.HotTier; {
		case ht.Kind == "lustre" && ht.SKU != "":
			out = append(out, Mount{Workload: pl.Workload, Kind: MountLustre, Source: "amlfs-" + zone, Path: LustreMount,
				Reason: "the hot tier: datasets staged from Blob and checkpoints written at the planned bandwidth"})
		case ht.Kind == "netapp" && ht.SKU != "":
			out = append(out, Mount{Workload: pl.Workload, Kind: MountNFS, Source: "anf-" + zone + "/vol-hot", Path: NFSMount,
				Reason: "the hot tier: datasets and checkpoints on Azure NetApp Files over NFSv4.1"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Workload != out[j].Workload {
			return out[i].Workload < out[j].Workload
		}
		return out[i].Path < out[j].Path
	})
	return out
}
