// Package k8s writes the Kubernetes manifests of a plan's inference
// workloads on AKS: for each, a namespace, a service account bound to the
// pool's managed identity through Azure Workload Identity, a read-only
// Blob CSI volume for every container the workload reads (its model
// weights among them), a vLLM Deployment whose serving arguments are the
// plan's (tensor-parallel degree, batch, precision, context), a
// ClusterIP Service, a PodDisruptionBudget and a HorizontalPodAutoscaler
// between the replicas availability needs and the replicas the peak
// needs.
//
// The manifests are built from the k8s.io/api types, so that a field the
// API does not know cannot be written, and serialised with
// sigs.k8s.io/yaml. Every value comes from the plan: this package decides
// nothing the planner did not (the tensor-parallel degree, the batch, the
// replicas, the node pool, the identity, the data path are the plan's);
// what it adds are Kubernetes spellings, each explained where it is made.
//
// One multi-document file per workload, under a directory per AKS
// cluster: <cluster>/<workload>.yaml, its documents in the order kubectl
// applies them (the namespace first).
package k8s

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/governance"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/naming"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/resources"
	"github.com/aizone/aizone/spec"
)

// The serving engine. vLLM's OpenAI-compatible server image runs
// `vllm serve` as its entrypoint, so the Deployment passes only arguments.
// The image is pinned to a release (never latest) and pulled from the
// zone's container registry: the cluster is private, its egress allows no
// Docker Hub, and the kubelet identity holds AcrPull on that registry.
// docs/k8s.md says how to import the image.
const (
	VLLMRepository = "vllm/vllm-openai"
	VLLMVersion    = "v0.33.0"
)

// Ports: vLLM listens on 8000 (its default, given explicitly); the Service
// answers on 80 inside the cluster.
const (
	ServingPort = 8000
	ServicePort = 80
)

// ClientIDPlaceholder stands where the pool identity's client id goes (the
// service account's annotation and the Blob volumes' clientID). The id is
// assigned by Azure when the template deploys, so it cannot be known when
// the manifests are written; the template's clientId<Zone><Workload>Id
// output carries it, and docs/k8s.md shows how to fill it (az identity
// show or the output, then envsubst).
const ClientIDPlaceholder = "${POOL_IDENTITY_CLIENT_ID}"

// RunningRequestsMetric is the vLLM gauge the autoscaler follows: the
// sequences a replica is decoding now. It is served to the HPA as a Pods
// metric by a Prometheus adapter (docs/k8s.md).
const RunningRequestsMetric = "vllm:num_requests_running"

// scaleAtBatchFraction is the share of the planned batch at which the
// autoscaler adds replicas. A replica never runs more sequences than its
// batch (--max-num-seqs): further requests wait. A target at the full
// batch would therefore never see a ratio above 1 and never scale out; at
// 80% a saturated fleet reads 1.25, clear of the HPA's 10% tolerance.
const scaleAtBatchFraction = 0.8

// Availability: two replicas at least when the plan has two or more, so
// that one replica's node failing or draining does not stop the service
// (the planner plans at least two for the same reason).
const minReplicasForHA = 2

// Probes. A replica reads its weights over BlobFuse2 and captures CUDA
// graphs before /health answers: tens of GB at the account's throughput
// take minutes, so the startup probe allows 30 minutes before the kubelet
// gives up, and liveness starts only after it.
const (
	healthPath               = "/health"
	probePeriodSeconds       = 10
	startupFailureThreshold  = 180 // × 10 s = 30 minutes
	livenessFailureThreshold = 3
	probeTimeoutSeconds      = 5
)

// scaleDownStabilizationSeconds keeps a replica ten minutes after load
// drops before removing it (the HPA's default is five): bringing one back
// means reading the weights again.
const scaleDownStabilizationSeconds = 600

// shmSizeLimit bounds the memory-backed /dev/shm of a tensor-parallel
// replica. Its ranks exchange tensors through shared memory (NCCL and
// vLLM's broadcast queue), and a container's default /dev/shm is 64 MiB,
// too small for that.
const shmSizeLimit = "16Gi"

// Labels and annotations.
const (
	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	labelComponent = "app.kubernetes.io/component"
	labelPartOf    = "app.kubernetes.io/part-of"
	labelManagedBy = "app.kubernetes.io/managed-by"
	// Azure Workload Identity: pods with this label get the projected
	// token and AZURE_* variables; the service account's annotation says
	// which identity (client id) the token is exchanged for.
	labelUseWorkloadIdentity    = "azure.workload.identity/use"
	annotationClientID          = "azure.workload.identity/client-id"
	labelAgentPool              = "kubernetes.azure.com/agentpool"
	gpuResource                 = "nvidia.com/gpu"
	blobCSIDriver               = "blob.csi.azure.com"
	annotationProvisionedBy     = "pv.kubernetes.io/provisioned-by"
	annotationPrometheusScrape  = "prometheus.io/scrape"
	annotationPrometheusPort    = "prometheus.io/port"
	annotationPrometheusPath    = "prometheus.io/path"
	prometheusPath              = "/metrics"
	topologyZone                = "topology.kubernetes.io/zone"
	topologyHostname            = "kubernetes.io/hostname"
	gpuTaintValue               = "present"
	servingContainerName        = "vllm"
	shmVolumeName               = "dshm"
	managedBy                   = "aizone"
	componentInference          = "inference"
	nameVLLM                    = "vllm"
	blobVolumeNamePrefix        = "blob-"
	servicePrefixForDigitsFirst = "svc-"
)

// ErrNoWeights reports an AKS inference workload with no Blob container of
// models or artifacts in its data path: vLLM would have no weights to
// load, and the private zone cannot fetch them from a hub.
var ErrNoWeights = errors.New("no models or artifacts container in the workload's data path")

// ErrUnsupported reports a pool these manifests cannot serve: tensor
// parallelism across VMs, AMD GPUs, a fraction of a GPU, an unknown
// precision, or a namespace Kubernetes reserves.
var ErrUnsupported = errors.New("not servable by these manifests")

// FileName is the manifest file of a workload: a directory per cluster, so
// that each directory is applied to one cluster.
func FileName(cluster, workload string) string { return cluster + "/" + workload + ".yaml" }

// Namespace is a workload's namespace: its own, so that its service
// account, volumes and quotas are its alone and deleting it removes the
// workload whole.
func Namespace(workload string) string { return identity.ServingNamespace(workload) }

// ServiceAccountName is the workload's service account, named after the
// managed identity it stands for.
func ServiceAccountName(zone, workload string) string {
	return identity.ServiceAccount(zone, workload)
}

// FederatedSubject is the subject of the federated identity credential
// that lets the service account's tokens act as the pool identity.
func FederatedSubject(zone, workload string) string {
	return identity.FederatedSubject(zone, workload)
}

// reservedNamespaces are namespaces a workload must not take: Kubernetes'
// own and the AKS add-ons' the cluster runs (the Azure Policy add-on's
// Gatekeeper; az aks command invoke's pods).
var reservedNamespaces = map[string]string{
	"default":           "Kubernetes' default namespace",
	"gatekeeper-system": "the Azure Policy add-on's",
	"aks-command":       "az aks command invoke's",
}

// Manifests returns the manifests of every AKS inference workload of p,
// keyed by file name (FileName: <cluster>/<workload>.yaml), each one
// multi-document YAML file. The output is deterministic. A workload that
// cannot be served (see ErrNoWeights and ErrUnsupported) is an error; every
// such workload is reported, and no manifests are returned then.
func Manifests(p *plan.Plan) (map[string][]byte, error) {
	out := map[string][]byte{}
	var errs []error
	for _, pool := range p.Compute.Pools {
		if pool.Kind != spec.KindInference || pool.Orchestrator != compute.OrchestratorAKS {
			continue
		}
		w, err := newWorkload(p, pool)
		if err != nil {
			errs = append(errs, fmt.Errorf("k8s: workload %q: %w", pool.Workload, err))
			continue
		}
		data, err := render(w)
		if err != nil {
			errs = append(errs, fmt.Errorf("k8s: workload %q: %w", pool.Workload, err))
			continue
		}
		out[FileName(w.cluster, w.name)] = data
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// workload gathers the plan's decisions about one inference workload.
type workload struct {
	name, zone, region string
	cluster            string
	namespace          string
	serviceAccount     string
	identity           string
	agentPool          string
	image              string
	servedModel        string
	modelPath          string
	serviceName        string
	pool               compute.Pool
	est                compute.InferenceEstimate
	spec               spec.Workload
	gpusPerVM          int
	maxModelLen        int
	minReplicas        int
	maxReplicas        int
	account            string
	accountRG          string
	identityRG         string
	mounts             []blobMount
	weights            blobMount // the mount holding the model
}

// blobMount is one Blob container of the data path, as a volume.
type blobMount struct {
	container string
	path      string
	readOnly  bool
	bytes     int64
}

func newWorkload(p *plan.Plan, pool compute.Pool) (*workload, error) {
	if pool.SKU == "" || pool.Inference == nil || pool.Nodes < 1 {
		return nil, fmt.Errorf("the plan has no serving pool for it (see the plan's findings): %w", ErrUnsupported)
	}
	ws, ok := workloadSpec(p, pool.Workload)
	if !ok {
		return nil, fmt.Errorf("not in the zone's workloads: %w", ErrUnsupported)
	}
	zone := p.Zone.Name
	est := *pool.Inference
	w := &workload{
		name: pool.Workload, zone: zone, region: pool.Region,
		cluster:        resources.AKSClusterName(zone, p.Zone.Region, pool.Region),
		namespace:      Namespace(pool.Workload),
		serviceAccount: ServiceAccountName(zone, pool.Workload),
		identity:       identity.PoolIdentityName(zone, pool.Workload),
		agentPool:      naming.AKSPool(pool.Workload),
		image:          network.RegistryName(zone, p.Zone.Region) + ".azurecr.io/" + VLLMRepository + ":" + VLLMVersion,
		serviceName:    serviceName(pool.Workload),
		pool:           pool, est: est, spec: ws,
		account:   p.Storage.Account.Name,
		accountRG: governance.RGName(zone, p.Zone.Region, governance.RGStorage),
		// The template deploys every identity in the compute group of the
		// zone's region.
		identityRG: governance.RGName(zone, p.Zone.Region, governance.RGCompute),
	}
	if why, reserved := reservedNamespaces[w.namespace]; reserved || strings.HasPrefix(w.namespace, "kube-") {
		if !reserved {
			why = "Kubernetes'"
		}
		return nil, fmt.Errorf("its namespace %q is %s; rename the workload: %w", w.namespace, why, ErrUnsupported)
	}
	// GPUs per VM from the pool itself (its GPUs over its nodes), so that a
	// catalog override the plan was made with is respected.
	perVM := pool.GPUs / float64(pool.Nodes)
	if perVM < 1 || perVM != math.Trunc(perVM) {
		return nil, fmt.Errorf("%s has %.3g GPUs per VM; a replica needs whole GPUs: %w", pool.SKU, perVM, ErrUnsupported)
	}
	w.gpusPerVM = int(perVM)
	if est.TP < 1 {
		return nil, fmt.Errorf("tensor-parallel degree %d: %w", est.TP, ErrUnsupported)
	}
	// The planner keeps a replica inside one VM (TP over NVLink); a
	// replica larger than a VM would need multi-node serving (pipeline
	// parallelism over InfiniBand, LeaderWorkerSet), which these manifests
	// do not do.
	if est.TP > w.gpusPerVM {
		return nil, fmt.Errorf("tensor-parallel degree %d exceeds the %d GPUs of one %s; multi-node serving is out of scope: %w", est.TP, w.gpusPerVM, pool.SKU, ErrUnsupported)
	}
	if isAMD(pool) {
		return nil, fmt.Errorf("%s has AMD GPUs; the manifests run vLLM's CUDA image on NVIDIA GPUs: %w", pool.SKU, ErrUnsupported)
	}
	if _, err := precisionArgs(ws.Precision); err != nil {
		return nil, err
	}
	if est.Batch < 1 || est.Replicas < 1 {
		return nil, fmt.Errorf("the plan's batch (%d) and replicas (%d) must be positive: %w", est.Batch, est.Replicas, ErrUnsupported)
	}
	w.maxReplicas = est.Replicas
	w.minReplicas = min(minReplicasForHA, est.Replicas)
	w.maxModelLen = ws.InputTokens + ws.OutputTokens
	if ws.Model != nil && ws.Model.Context > 0 {
		// plan.Check refuses requests longer than the model's context;
		// the cap keeps vLLM within it all the same.
		w.maxModelLen = min(w.maxModelLen, ws.Model.Context)
	}
	if w.maxModelLen < 1 {
		return nil, fmt.Errorf("input and output tokens must be positive: %w", ErrUnsupported)
	}
	w.servedModel = pool.Workload
	if ws.Model != nil && ws.Model.Name != "" {
		w.servedModel = ws.Model.Name
	}
	weights, mounts, err := dataPath(p, pool.Workload)
	if err != nil {
		return nil, err
	}
	w.mounts, w.weights = mounts, weights
	w.modelPath = weights.path + "/" + w.servedModel
	return w, nil
}

func workloadSpec(p *plan.Plan, name string) (spec.Workload, bool) {
	for _, w := range p.Zone.Workloads {
		if w.Name == name {
			return w, true
		}
	}
	return spec.Workload{}, false
}

// serviceName is the workload's name when it is a DNS-1035 label (Service
// names must start with a letter); a name starting with a digit is
// prefixed.
func serviceName(workload string) string {
	if workload != "" && workload[0] >= 'a' && workload[0] <= 'z' {
		return workload
	}
	return naming.Fit(servicePrefixForDigitsFirst+workload, 63)
}

// isAMD follows resources' taint rule: the AMD pools run AMD's images.
func isAMD(p compute.Pool) bool { return strings.Contains(strings.ToLower(p.Image), "amd") }

// dataPath returns the workload's Blob mounts and the one holding its
// weights: a models container first, else an artifacts container (where
// training writes what inference serves), the first by path among equals.
// Every Blob mount of the workload becomes a volume, at the data path's
// mount path, so that a pod sees what the plan says it reads.
func dataPath(p *plan.Plan, workload string) (blobMount, []blobMount, error) {
	kinds := map[string]string{}
	sizes := map[string]int64{}
	for _, c := range p.Storage.Account.Containers {
		kinds[c.Name] = c.Data
		sizes[c.Name] = int64(c.Bytes)
	}
	var mounts []blobMount
	for _, m := range p.Identity.DataPath {
		if m.Workload != workload || m.Kind != identity.MountBlob {
			continue
		}
		mounts = append(mounts, blobMount{container: m.Source, path: m.Path, readOnly: m.ReadOnly, bytes: sizes[m.Source]})
	}
	sort.Slice(mounts, func(i, j int) bool { return mounts[i].path < mounts[j].path })
	rank := func(kind string) int {
		switch kind {
		case spec.DataModels:
			return 0
		case spec.DataArtifacts:
			return 1
		}
		return 2
	}
	best := -1
	for i, m := range mounts {
		if rank(kinds[m.container]) < 2 && (best < 0 || rank(kinds[m.container]) < rank(kinds[mounts[best].container])) {
			best = i
		}
	}
	if best < 0 {
		return blobMount{}, nil, fmt.Errorf("%w; add a data entry with kind: models to the zone file (used_by naming this workload), and upload the weights there", ErrNoWeights)
	}
	return mounts[best], mounts, nil
}

// precisionArgs maps the plan's precision to vLLM's flags. FP8 quantizes
// the weights at load time (vLLM's online dynamic FP8: a BF16 or FP16
// checkpoint is read and its linear layers stored in FP8) and keeps the
// KV cache in FP8, as the planner's memory model assumes for FP8 serving.
func precisionArgs(precision string) ([]string, error) {
	switch precision {
	case "bf16", "":
		return []string{"--dtype=bfloat16"}, nil
	case "fp16":
		return []string{"--dtype=float16"}, nil
	case "fp8":
		return []string{"--quantization=fp8", "--kv-cache-dtype=fp8"}, nil
	}
	return nil, fmt.Errorf("precision %q has no vLLM spelling here: %w", precision, ErrUnsupported)
}

// servingArgs are vLLM's arguments from the plan.
func (w *workload) servingArgs() []string {
	args := []string{
		"--model=" + w.modelPath,
		"--served-model-name=" + w.servedModel,
		"--port=" + fmt.Sprint(ServingPort),
		fmt.Sprintf("--tensor-parallel-size=%d", w.est.TP),
		// The planned batch, not the largest that fits (MaxBatch): a
		// larger batch would break the latency targets the plan meets.
		fmt.Sprintf("--max-num-seqs=%d", w.est.Batch),
		// The planner sized the KV cache for input + output tokens a
		// sequence; longer ones would not fit the batch it planned.
		fmt.Sprintf("--max-model-len=%d", w.maxModelLen),
	}
	p, _ := precisionArgs(w.spec.Precision) // checked in newWorkload
	return append(args, p...)
}

// storageGiB is a container's planned size in GiB, at least 1: a PV needs
// a capacity, which BlobFuse2 does not enforce.
func storageGiB(bytes int64) int64 {
	return max(1, (bytes+(1<<30)-1)>>30)
}
