package k8s

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aizone/aizone/internal/testkit"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/naming"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenExample is the example whose manifests are kept as golden files:
// two clusters (two regions), FP8 and BF16, a shared models container.
const goldenExample = "two-region-inference.yaml"

func examples(t *testing.T) []string { return testkit.Examples(t) }

// planOf plans an example, after edit changes its zone (nil: none).
func planOf(t *testing.T, file string, edit func(*spec.Zone)) *plan.Plan {
	return testkit.Plan(t, file, edit)
}

// withWeights gives a zone whose inference workloads read no models
// container one, as a platform engineer would once told (ErrNoWeights).
func withWeights(z *spec.Zone) {
	for _, d := range z.Data {
		if d.Kind == spec.DataModels || d.Kind == spec.DataArtifacts {
			return
		}
	}
	z.Data = append(z.Data, spec.Data{Name: "serving-weights", Kind: spec.DataModels, Size: units.Bytes(200e9)})
}

// aksInference lists the plan's AKS inference pools.
func aksInference(p *plan.Plan) []compute.Pool {
	var out []compute.Pool
	for _, pl := range p.Compute.Pools {
		if pl.Kind == spec.KindInference && pl.Orchestrator == compute.OrchestratorAKS {
			out = append(out, pl)
		}
	}
	return out
}

// manifests is a decoded manifest file.
type manifests struct {
	order       []string // kinds, in file order
	namespace   *corev1.Namespace
	sa          *corev1.ServiceAccount
	pvs         []*corev1.PersistentVolume
	pvcs        []*corev1.PersistentVolumeClaim
	deployment  *appsv1.Deployment
	service     *corev1.Service
	pdb         *policyv1.PodDisruptionBudget
	hpa         *autoscalingv2.HorizontalPodAutoscaler
	objectMetas []*metav1.ObjectMeta
}

// apiVersions are the kinds a file may hold and their API versions.
var apiVersions = map[string]string{
	"Namespace": "v1", "ServiceAccount": "v1", "PersistentVolume": "v1", "PersistentVolumeClaim": "v1", "Service": "v1",
	"Deployment": "apps/v1", "PodDisruptionBudget": "policy/v1", "HorizontalPodAutoscaler": "autoscaling/v2",
}

// decode reads a file back strictly: every document into its typed object,
// unknown and duplicate fields rejected.
func decode(t *testing.T, data []byte) *manifests {
	t.Helper()
	docs := strings.Split(string(data), "\n---\n")
	if !strings.HasPrefix(docs[0], "# ") {
		t.Fatalf("the file does not open with its comment: %q", docs[0])
	}
	m := &manifests{}
	for i, doc := range docs[1:] {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatalf("document %d: %v", i+1, err)
		}
		if want, ok := apiVersions[tm.Kind]; !ok || tm.APIVersion != want {
			t.Fatalf("document %d: unknown apiVersion %q kind %q", i+1, tm.APIVersion, tm.Kind)
		}
		strict := func(obj any, meta *metav1.ObjectMeta) {
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Fatalf("document %d (%s) does not decode strictly: %v", i+1, tm.Kind, err)
			}
			m.objectMetas = append(m.objectMetas, meta)
		}
		switch tm.Kind {
		case "Namespace":
			m.namespace = &corev1.Namespace{}
			strict(m.namespace, &m.namespace.ObjectMeta)
		case "ServiceAccount":
			m.sa = &corev1.ServiceAccount{}
			strict(m.sa, &m.sa.ObjectMeta)
		case "PersistentVolume":
			pv := &corev1.PersistentVolume{}
			strict(pv, &pv.ObjectMeta)
			m.pvs = append(m.pvs, pv)
		case "PersistentVolumeClaim":
			pvc := &corev1.PersistentVolumeClaim{}
			strict(pvc, &pvc.ObjectMeta)
			m.pvcs = append(m.pvcs, pvc)
		case "Deployment":
			m.deployment = &appsv1.Deployment{}
			strict(m.deployment, &m.deployment.ObjectMeta)
		case "Service":
			m.service = &corev1.Service{}
			strict(m.service, &m.service.ObjectMeta)
		case "PodDisruptionBudget":
			m.pdb = &policyv1.PodDisruptionBudget{}
			strict(m.pdb, &m.pdb.ObjectMeta)
		case "HorizontalPodAutoscaler":
			m.hpa = &autoscalingv2.HorizontalPodAutoscaler{}
			strict(m.hpa, &m.hpa.ObjectMeta)
		}
		m.order = append(m.order, tm.Kind)
	}
	if m.namespace == nil || m.sa == nil || m.deployment == nil || m.service == nil || m.hpa == nil || len(m.pvs) == 0 {
		t.Fatalf("a kind is missing: %v", m.order)
	}
	return m
}

// TestManifestsValidate decodes every manifest of every example strictly
// and checks what kubectl apply --dry-run=client and the API server's
// generic validation would: names, namespaces, labels and annotations,
// selectors against the pod template, ports and probes, resources, and
// the references between the objects.
func TestManifestsValidate(t *testing.T) {
	for _, f := range examples(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p := planOf(t, f, withWeights)
			files, err := Manifests(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(aksInference(p)) {
				t.Fatalf("%d files for %d AKS inference workloads", len(files), len(aksInference(p)))
			}
			for name, data := range files {
				t.Run(name, func(t *testing.T) { validateFile(t, p, name, data) })
			}
		})
	}
}

func validateFile(t *testing.T, p *plan.Plan, name string, data []byte) {
	m := decode(t, data)
	ns := m.namespace.Name
	if m.order[0] != "Namespace" {
		t.Errorf("the namespace must come first: %v", m.order)
	}
	if want := FileName(clusterOf(p, ns), ns); name != want {
		t.Errorf("file %s, want %s", name, want)
	}

	// Names and metadata, with the API's own rules.
	var errs field.ErrorList
	check := func(meta *metav1.ObjectMeta, namespaced bool, nameFn apivalidation.ValidateNameFunc, path string) {
		errs = append(errs, apivalidation.ValidateObjectMeta(meta, namespaced, nameFn, field.NewPath(path))...)
		if namespaced && meta.Namespace != ns {
			t.Errorf("%s %s is in namespace %q, not %q", path, meta.Name, meta.Namespace, ns)
		}
	}
	check(&m.namespace.ObjectMeta, false, apivalidation.NameIsDNSLabel, "namespace")
	check(&m.sa.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, "serviceaccount")
	for _, pv := range m.pvs {
		check(&pv.ObjectMeta, false, apivalidation.NameIsDNSSubdomain, "persistentvolume")
	}
	for _, pvc := range m.pvcs {
		check(&pvc.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, "persistentvolumeclaim")
	}
	check(&m.deployment.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, "deployment")
	check(&m.service.ObjectMeta, true, apivalidation.NameIsDNS1035Label, "service")
	if m.pdb != nil {
		check(&m.pdb.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, "poddisruptionbudget")
	}
	check(&m.hpa.ObjectMeta, true, apivalidation.NameIsDNSSubdomain, "horizontalpodautoscaler")
	for _, e := range errs {
		t.Errorf("invalid metadata: %v", e)
	}
	if len(m.objectMetas) != len(m.order) {
		t.Errorf("%d objects but %d metadata checked", len(m.order), len(m.objectMetas))
	}

	// The Deployment: selector against its template, the pod's identity,
	// placement, container, ports and probes, volumes.
	d := m.deployment
	tmpl := d.Spec.Template
	errs = metavalidation.ValidateLabelSelector(d.Spec.Selector, metavalidation.LabelSelectorValidationOptions{}, field.NewPath("spec.selector"))
	errs = append(errs, metavalidation.ValidateLabels(tmpl.Labels, field.NewPath("spec.template.metadata.labels"))...)
	errs = append(errs, apivalidation.ValidateAnnotations(tmpl.Annotations, field.NewPath("spec.template.metadata.annotations"))...)
	for _, e := range errs {
		t.Errorf("deployment: %v", e)
	}
	matches := func(what string, sel *metav1.LabelSelector) {
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil || s.Empty() || !s.Matches(labels.Set(tmpl.Labels)) {
			t.Errorf("%s selector %v does not select the pod template's labels %v (%v)", what, sel, tmpl.Labels, err)
		}
	}
	matches("deployment", d.Spec.Selector)
	if d.Spec.Replicas != nil {
		t.Errorf("the deployment sets replicas %d; the HPA owns the count", *d.Spec.Replicas)
	}
	if tmpl.Labels[labelUseWorkloadIdentity] != "true" {
		t.Errorf("pod template lacks %s=true", labelUseWorkloadIdentity)
	}
	if tmpl.Spec.ServiceAccountName != m.sa.Name {
		t.Errorf("pods run as %q, the file's service account is %q", tmpl.Spec.ServiceAccountName, m.sa.Name)
	}
	if m.sa.Annotations[annotationClientID] == "" || m.sa.Labels[labelUseWorkloadIdentity] != "true" {
		t.Errorf("service account not set up for workload identity: %v %v", m.sa.Annotations, m.sa.Labels)
	}
	pool := poolOf(t, p, ns)
	if got := tmpl.Spec.NodeSelector[labelAgentPool]; got != naming.AKSPool(pool.Workload) {
		t.Errorf("nodeSelector agentpool %q, want %q", got, naming.AKSPool(pool.Workload))
	}
	if !slices.ContainsFunc(tmpl.Spec.Tolerations, func(tl corev1.Toleration) bool {
		return tl.Key == "nvidia.com/gpu" && tl.Value == "present" && tl.Effect == corev1.TaintEffectNoSchedule && tl.Operator == corev1.TolerationOpEqual
	}) {
		t.Errorf("no toleration of the pool's GPU taint: %v", tmpl.Spec.Tolerations)
	}
	errs = metavalidation.ValidateLabels(tmpl.Spec.NodeSelector, field.NewPath("spec.template.spec.nodeSelector"))
	for _, tl := range tmpl.Spec.Tolerations {
		errs = append(errs, metavalidation.ValidateLabelName(tl.Key, field.NewPath("spec.template.spec.tolerations.key"))...)
	}
	var zoneSpread bool
	for _, c := range tmpl.Spec.TopologySpreadConstraints {
		matches("topology spread", c.LabelSelector)
		errs = append(errs, metavalidation.ValidateLabelName(c.TopologyKey, field.NewPath("spec.template.spec.topologySpreadConstraints.topologyKey"))...)
		if c.MaxSkew < 1 {
			t.Errorf("maxSkew %d", c.MaxSkew)
		}
		zoneSpread = zoneSpread || c.TopologyKey == "topology.kubernetes.io/zone"
	}
	for _, e := range errs {
		t.Errorf("pod spec: %v", e)
	}
	if !zoneSpread {
		t.Error("no spread across availability zones")
	}
	if len(tmpl.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(tmpl.Spec.Containers))
	}
	c := tmpl.Spec.Containers[0]
	if tag := c.Image[strings.LastIndex(c.Image, ":")+1:]; tag == "latest" || !strings.HasPrefix(tag, "v") || !strings.Contains(c.Image, "/vllm/vllm-openai:") {
		t.Errorf("image %q is not vLLM pinned to a release", c.Image)
	}
	if sc := c.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || (sc.Privileged != nil && *sc.Privileged) {
		t.Errorf("security context %+v: the landing zone denies privileged containers and privilege escalation", sc)
	}
	ports := map[string]int32{}
	for _, port := range c.Ports {
		for _, msg := range validation.IsValidPortName(port.Name) {
			t.Errorf("port name %q: %s", port.Name, msg)
		}
		ports[port.Name] = port.ContainerPort
	}
	if ports["http"] != ServingPort {
		t.Errorf("container ports %v, want http %d", ports, ServingPort)
	}
	for what, pr := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if pr == nil || pr.HTTPGet == nil || pr.HTTPGet.Path != "/health" {
			t.Errorf("%s probe: %+v, want GET /health", what, pr)
			continue
		}
		if _, ok := ports[pr.HTTPGet.Port.String()]; !ok {
			t.Errorf("%s probe port %q is not a container port", what, pr.HTTPGet.Port.String())
		}
	}
	for res, req := range c.Resources.Requests {
		if lim, ok := c.Resources.Limits[res]; !ok || lim.Cmp(req) < 0 {
			t.Errorf("%s: limit %v below request %v", res, lim.String(), req.String())
		}
	}
	gpus := c.Resources.Limits["nvidia.com/gpu"]
	if gpus.Value() != int64(pool.Inference.TP) {
		t.Errorf("GPU limit %s, want the tensor-parallel degree %d", gpus.String(), pool.Inference.TP)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range tmpl.Spec.Volumes {
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			t.Errorf("volume %q: %s", v.Name, msg)
		}
		if _, dup := volumes[v.Name]; dup {
			t.Errorf("volume %q twice", v.Name)
		}
		volumes[v.Name] = v
	}
	for _, vm := range c.VolumeMounts {
		if _, ok := volumes[vm.Name]; !ok {
			t.Errorf("mount of undeclared volume %q", vm.Name)
		}
	}

	// Volumes: each claim in the file, bound to its volume and back, with
	// matching class, access and size; each volume through the Blob CSI
	// driver to a container of the plan's account as the pool identity.
	pvByName := map[string]*corev1.PersistentVolume{}
	for _, pv := range m.pvs {
		pvByName[pv.Name] = pv
	}
	pvcByName := map[string]*corev1.PersistentVolumeClaim{}
	for _, pvc := range m.pvcs {
		pvcByName[pvc.Name] = pvc
	}
	for _, v := range volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		if _, ok := pvcByName[v.PersistentVolumeClaim.ClaimName]; !ok {
			t.Errorf("volume %q claims %q, which the file does not define", v.Name, v.PersistentVolumeClaim.ClaimName)
		}
	}
	for _, pvc := range m.pvcs {
		pv, ok := pvByName[pvc.Spec.VolumeName]
		if !ok {
			t.Errorf("claim %s names volume %q, which the file does not define", pvc.Name, pvc.Spec.VolumeName)
			continue
		}
		if pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.Name != pvc.Name || pv.Spec.ClaimRef.Namespace != pvc.Namespace {
			t.Errorf("volume %s is not reserved for claim %s/%s: %+v", pv.Name, pvc.Namespace, pvc.Name, pv.Spec.ClaimRef)
		}
		if pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != pv.Spec.StorageClassName {
			t.Errorf("claim %s and volume %s have different storage classes", pvc.Name, pv.Name)
		}
		if !slices.Equal(pvc.Spec.AccessModes, pv.Spec.AccessModes) {
			t.Errorf("claim %s access %v, volume %v", pvc.Name, pvc.Spec.AccessModes, pv.Spec.AccessModes)
		}
		want, have := pvc.Spec.Resources.Requests[corev1.ResourceStorage], pv.Spec.Capacity[corev1.ResourceStorage]
		if have.Cmp(want) < 0 {
			t.Errorf("volume %s holds %s, its claim asks %s", pv.Name, have.String(), want.String())
		}
	}
	for _, pv := range m.pvs {
		csi := pv.Spec.CSI
		if csi == nil || csi.Driver != "blob.csi.azure.com" || csi.VolumeHandle == "" || strings.ContainsAny(csi.VolumeHandle, "#/") {
			t.Errorf("volume %s is not a Blob CSI volume with a valid handle: %+v", pv.Name, csi)
			continue
		}
		a := csi.VolumeAttributes
		if a["storageAccount"] != p.Storage.Account.Name || a["containerName"] == "" || a["clientID"] != m.sa.Annotations[annotationClientID] ||
			a["mountWithWorkloadIdentityToken"] != "true" || a["protocol"] != "fuse2" {
			t.Errorf("volume %s attributes %v", pv.Name, a)
		}
		if pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain {
			t.Errorf("volume %s would delete its container (%s)", pv.Name, pv.Spec.PersistentVolumeReclaimPolicy)
		}
	}
	// Every Blob mount of the data path is mounted at its path, read-only
	// where the plan says so.
	for _, mt := range p.Identity.DataPath {
		if mt.Workload != pool.Workload || mt.Kind != identity.MountBlob {
			continue
		}
		i := slices.IndexFunc(c.VolumeMounts, func(vm corev1.VolumeMount) bool { return vm.MountPath == mt.Path })
		if i < 0 {
			t.Errorf("%s is not mounted", mt.Path)
			continue
		}
		if c.VolumeMounts[i].ReadOnly != mt.ReadOnly {
			t.Errorf("%s read-only %v, the plan says %v", mt.Path, c.VolumeMounts[i].ReadOnly, mt.ReadOnly)
		}
	}

	// The Service: internal, to the container's named port.
	s := m.service
	if s.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("service type %s; the zone is private", s.Spec.Type)
	}
	matches("service", &metav1.LabelSelector{MatchLabels: s.Spec.Selector})
	if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Port != ServicePort || ports[s.Spec.Ports[0].TargetPort.String()] != ServingPort {
		t.Errorf("service ports %+v, want %d to the container's %d", s.Spec.Ports, ServicePort, ServingPort)
	}

	// The budget and the autoscaler target the Deployment.
	if m.pdb != nil {
		matches("pod disruption budget", m.pdb.Spec.Selector)
		if m.pdb.Spec.MinAvailable == nil || m.pdb.Spec.MinAvailable.IntValue() < 1 || int32(m.pdb.Spec.MinAvailable.IntValue()) >= *m.hpa.Spec.MinReplicas {
			t.Errorf("minAvailable %v with at least %d replicas: a drain could stop the service or never finish", m.pdb.Spec.MinAvailable, *m.hpa.Spec.MinReplicas)
		}
	} else if *m.hpa.Spec.MinReplicas > 1 {
		t.Errorf("no pod disruption budget with %d replicas", *m.hpa.Spec.MinReplicas)
	}
	ref := m.hpa.Spec.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != d.Name {
		t.Errorf("HPA targets %+v, not deployment %s", ref, d.Name)
	}
	if min := *m.hpa.Spec.MinReplicas; min < 1 || min > m.hpa.Spec.MaxReplicas {
		t.Errorf("HPA between %d and %d replicas", min, m.hpa.Spec.MaxReplicas)
	}
	for _, mt := range m.hpa.Spec.Metrics {
		if mt.Type != autoscalingv2.PodsMetricSourceType || mt.Pods == nil || mt.Pods.Target.AverageValue == nil || mt.Pods.Target.AverageValue.Sign() <= 0 {
			t.Errorf("HPA metric %+v", mt)
		}
	}
}

// clusterOf is the cluster of a workload's region, named as the template
// names it: the primary region's aks-<zone>, another's aks-<zone>-<region>.
func clusterOf(p *plan.Plan, workload string) string {
	for _, pl := range aksInference(p) {
		if pl.Workload == workload {
			if pl.Region == p.Zone.Region {
				return "aks-" + p.Zone.Name
			}
			return "aks-" + p.Zone.Name + "-" + pl.Region
		}
	}
	return ""
}

func poolOf(t *testing.T, p *plan.Plan, workload string) compute.Pool {
	t.Helper()
	for _, pl := range aksInference(p) {
		if pl.Workload == workload {
			return pl
		}
	}
	t.Fatalf("no AKS inference pool %q", workload)
	return compute.Pool{}
}

// args reads vLLM's --flag=value arguments.
func args(t *testing.T, c corev1.Container) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range c.Args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || !strings.HasPrefix(k, "--") {
			t.Fatalf("argument %q is not --flag=value", a)
		}
		if _, dup := out[k]; dup {
			t.Fatalf("argument %s twice", k)
		}
		out[k] = v
	}
	return out
}

// TestServingMatchesPlan checks, for every AKS inference workload of every
// example, that vLLM serves what the plan decided (tensor-parallel degree,
// batch, precision, context, model path) and that the autoscaler's bounds
// are the plan's.
func TestServingMatchesPlan(t *testing.T) {
	// precision → the flags vLLM must get, and those it must not.
	flags := map[string]struct{ want, absent map[string]string }{
		"bf16": {want: map[string]string{"--dtype": "bfloat16"}, absent: map[string]string{"--quantization": "", "--kv-cache-dtype": ""}},
		"fp16": {want: map[string]string{"--dtype": "float16"}, absent: map[string]string{"--quantization": "", "--kv-cache-dtype": ""}},
		"fp8":  {want: map[string]string{"--quantization": "fp8", "--kv-cache-dtype": "fp8"}, absent: map[string]string{"--dtype": ""}},
	}
	seen := map[string]bool{}
	for _, f := range examples(t) {
		p := planOf(t, f, withWeights)
		files, err := Manifests(p)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		for _, pool := range aksInference(p) {
			t.Run(filepath.Base(f)+"/"+pool.Workload, func(t *testing.T) {
				ws, _ := workloadSpec(p, pool.Workload)
				est := pool.Inference
				data, ok := files[FileName(clusterOf(p, pool.Workload), pool.Workload)]
				if !ok {
					t.Fatalf("no manifests for %s: %v", pool.Workload, keys(files))
				}
				m := decode(t, data)
				c := m.deployment.Spec.Template.Spec.Containers[0]
				a := args(t, c)
				want := map[string]string{
					"--tensor-parallel-size": strconv.Itoa(est.TP),
					"--max-num-seqs":         strconv.Itoa(est.Batch),
					"--max-model-len":        strconv.Itoa(ws.InputTokens + ws.OutputTokens),
					"--port":                 "8000",
				}
				prec := ws.Precision
				seen[prec] = true
				for k, v := range flags[prec].want {
					want[k] = v
				}
				for k, v := range want {
					if a[k] != v {
						t.Errorf("%s=%q, want %q (plan: TP %d, batch %d, %s, %d+%d tokens)", k, a[k], v, est.TP, est.Batch, prec, ws.InputTokens, ws.OutputTokens)
					}
				}
				for k := range flags[prec].absent {
					if _, ok := a[k]; ok {
						t.Errorf("%s set for %s", k, prec)
					}
				}
				weights := weightsMount(t, p, pool.Workload)
				if !strings.HasPrefix(a["--model"], weights+"/") || a["--model"] != weights+"/"+a["--served-model-name"] {
					t.Errorf("--model=%s, want under %s in a folder named after the served model %q", a["--model"], weights, a["--served-model-name"])
				}
				if ws.Model != nil && ws.Model.Name != "" && a["--served-model-name"] != ws.Model.Name {
					t.Errorf("served as %q, the model is %q", a["--served-model-name"], ws.Model.Name)
				}
				if est.TP > int(pool.GPUs)/pool.Nodes {
					t.Errorf("TP %d exceeds the %v GPUs of a VM", est.TP, pool.GPUs/float64(pool.Nodes))
				}
				wantMin := int32(min(2, est.Replicas))
				if *m.hpa.Spec.MinReplicas != wantMin || m.hpa.Spec.MaxReplicas != int32(est.Replicas) {
					t.Errorf("HPA %d..%d, want %d..%d (plan: %d replicas at peak)", *m.hpa.Spec.MinReplicas, m.hpa.Spec.MaxReplicas, wantMin, est.Replicas, est.Replicas)
				}
				target := m.hpa.Spec.Metrics[0].Pods.Target.AverageValue.AsApproximateFloat64()
				if m.hpa.Spec.Metrics[0].Pods.Metric.Name != RunningRequestsMetric || target <= 0 || target >= float64(est.Batch) {
					t.Errorf("HPA on %s at %v, want %s below the batch %d", m.hpa.Spec.Metrics[0].Pods.Metric.Name, target, RunningRequestsMetric, est.Batch)
				}
			})
		}
	}
	// The examples exercise both precisions they use; fp16 is covered by
	// TestVariants.
	for _, prec := range []string{"bf16", "fp8"} {
		if !seen[prec] {
			t.Errorf("no example serves %s", prec)
		}
	}
}

func weightsMount(t *testing.T, p *plan.Plan, workload string) string {
	t.Helper()
	w, _, err := dataPath(p, workload)
	if err != nil {
		t.Fatal(err)
	}
	return w.path
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestVariants changes a planned pool the examples do not cover: tensor
// parallelism inside a VM, FP16, a single replica, and the pools the
// manifests refuse.
func TestVariants(t *testing.T) {
	base := planOf(t, "../../examples/"+goldenExample, nil)
	first := aksInference(base)[0].Workload
	tests := []struct {
		name string
		edit func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload)
		err  error
		says string // in the error, when the refusal has several causes
		test func(t *testing.T, m *manifests)
	}{
		{name: "tensor parallel in one VM", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) {
			pool.SKU, pool.GPUs, pool.Nodes = "Standard_ND96isr_H100_v5", 8*2, 2
			pool.Inference.TP = 4
		}, test: func(t *testing.T, m *manifests) {
			c := m.deployment.Spec.Template.Spec.Containers[0]
			if a := args(t, c); a["--tensor-parallel-size"] != "4" {
				t.Errorf("tensor parallel %s", a["--tensor-parallel-size"])
			}
			if g := c.Resources.Limits["nvidia.com/gpu"]; g.Value() != 4 {
				t.Errorf("GPUs %s", g.String())
			}
			i := slices.IndexFunc(c.VolumeMounts, func(vm corev1.VolumeMount) bool { return vm.MountPath == "/dev/shm" })
			if i < 0 {
				t.Fatal("no /dev/shm for NCCL")
			}
			for _, v := range m.deployment.Spec.Template.Spec.Volumes {
				if v.Name == c.VolumeMounts[i].Name && (v.EmptyDir == nil || v.EmptyDir.Medium != corev1.StorageMediumMemory) {
					t.Errorf("/dev/shm is %+v, want a memory emptyDir", v.VolumeSource)
				}
			}
		}},
		{name: "one GPU has no shared memory volume", edit: func(*plan.Plan, *compute.Pool, *spec.Workload) {}, test: func(t *testing.T, m *manifests) {
			for _, vm := range m.deployment.Spec.Template.Spec.Containers[0].VolumeMounts {
				if vm.MountPath == "/dev/shm" {
					t.Error("/dev/shm mounted with TP 1")
				}
			}
		}},
		{name: "fp16", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) { ws.Precision = "fp16" }, test: func(t *testing.T, m *manifests) {
			if a := args(t, m.deployment.Spec.Template.Spec.Containers[0]); a["--dtype"] != "float16" {
				t.Errorf("--dtype=%s", a["--dtype"])
			}
		}},
		{name: "context caps the length", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) {
			ws.Model = &spec.Model{Params: 8e9, Layers: 32, Hidden: 4096, Heads: 32, Vocab: 128256, Context: 1000}
		}, test: func(t *testing.T, m *manifests) {
			a := args(t, m.deployment.Spec.Template.Spec.Containers[0])
			if a["--max-model-len"] != "1000" || a["--served-model-name"] != first {
				t.Errorf("--max-model-len=%s --served-model-name=%s", a["--max-model-len"], a["--served-model-name"])
			}
		}},
		{name: "single replica", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) { pool.Inference.Replicas = 1 }, test: func(t *testing.T, m *manifests) {
			if *m.hpa.Spec.MinReplicas != 1 || m.hpa.Spec.MaxReplicas != 1 {
				t.Errorf("HPA %d..%d", *m.hpa.Spec.MinReplicas, m.hpa.Spec.MaxReplicas)
			}
			if m.pdb != nil {
				t.Error("a budget over one replica would only block node drains")
			}
		}},
		{name: "a name starting with a digit", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) {
			renameWorkload(p, pool, ws, "7b-chat")
		}, test: func(t *testing.T, m *manifests) {
			if m.service.Name == "7b-chat" || len(validation.IsDNS1035Label(m.service.Name)) > 0 {
				t.Errorf("service name %q", m.service.Name)
			}
		}},
		{name: "tensor parallel across VMs", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) {
			// One GPU more than a VM of the pool holds, whatever size the
			// planner chose: the replica would span two VMs.
			pool.Inference.TP = int(pool.GPUs/float64(pool.Nodes)) + 1
		}, err: ErrUnsupported, says: "multi-node serving is out of scope"},
		{name: "AMD", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) { pool.Image = "amd-rocm-ubuntu" }, err: ErrUnsupported},
		{name: "partial GPU", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) { pool.GPUs = float64(pool.Nodes) / 2 }, err: ErrUnsupported},
		{name: "unplanned", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) { pool.Inference = nil }, err: ErrUnsupported},
		{name: "reserved namespace", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) {
			renameWorkload(p, pool, ws, "kube-chat")
		}, err: ErrUnsupported},
		{name: "no weights", edit: func(p *plan.Plan, pool *compute.Pool, ws *spec.Workload) {
			p.Identity.DataPath = slices.DeleteFunc(slices.Clone(p.Identity.DataPath), func(m identity.Mount) bool { return m.Workload == pool.Workload })
		}, err: ErrNoWeights},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := clonePlan(t, base)
			pool := &p.Compute.Pools[slices.IndexFunc(p.Compute.Pools, func(pl compute.Pool) bool { return pl.Workload == first })]
			ws := &p.Zone.Workloads[slices.IndexFunc(p.Zone.Workloads, func(w spec.Workload) bool { return w.Name == first })]
			tc.edit(p, pool, ws)
			files, err := Manifests(p)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), fmt.Sprintf("%q", pool.Workload)) {
					t.Fatalf("error %v, want %v naming %q", err, tc.err, pool.Workload)
				}
				if !strings.Contains(err.Error(), tc.says) {
					t.Errorf("error %v, want it to say %q", err, tc.says)
				}
				if files != nil {
					t.Error("manifests returned with an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			name := FileName(clusterOf(p, pool.Workload), pool.Workload)
			data, ok := files[name]
			if !ok {
				t.Fatalf("no %s in %v", name, keys(files))
			}
			validateFile(t, p, name, data)
			tc.test(t, decode(t, data))
		})
	}
}

// renameWorkload renames a planned workload everywhere the manifests read
// its name.
func renameWorkload(p *plan.Plan, pool *compute.Pool, ws *spec.Workload, name string) {
	for i := range p.Identity.DataPath {
		if p.Identity.DataPath[i].Workload == pool.Workload {
			p.Identity.DataPath[i].Workload = name
		}
	}
	pool.Workload, ws.Name = name, name
}

// clonePlan copies a plan deeply enough for TestVariants' edits.
func clonePlan(t *testing.T, p *plan.Plan) *plan.Plan {
	t.Helper()
	c := *p
	c.Compute.Pools = slices.Clone(p.Compute.Pools)
	for i := range c.Compute.Pools {
		if est := c.Compute.Pools[i].Inference; est != nil {
			e := *est
			c.Compute.Pools[i].Inference = &e
		}
	}
	c.Zone.Workloads = slices.Clone(p.Zone.Workloads)
	c.Identity.DataPath = slices.Clone(p.Identity.DataPath)
	return &c
}

// TestNoWeightsExample: an inference workload that reads no models
// container is refused, naming the workload and the fix. (The storage plan
// now adds a models container to a zone that serves a model and lists
// none, so the data path is cut here.)
func TestNoWeightsExample(t *testing.T) {
	p := planOf(t, "../../examples/small.yaml", nil)
	var kept []identity.Mount
	for _, m := range p.Identity.DataPath {
		if m.Workload != "assistant" {
			kept = append(kept, m)
		}
	}
	p.Identity.DataPath = kept
	_, err := Manifests(p)
	if !errors.Is(err, ErrNoWeights) || !strings.Contains(err.Error(), `"assistant"`) || !strings.Contains(err.Error(), "kind: models") {
		t.Fatalf("error %v, want ErrNoWeights naming assistant and the fix", err)
	}
}

// TestGolden compares one example's manifests with testdata/golden
// (go test ./emit/k8s -update rewrites them).
func TestGolden(t *testing.T) {
	files, err := Manifests(planOf(t, "../../examples/"+goldenExample, nil))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "golden", strings.TrimSuffix(goldenExample, ".yaml"))
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			path := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var onDisk []string
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			onDisk = append(onDisk, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatalf("%v (run go test ./emit/k8s -update)", err)
	}
	sort.Strings(onDisk)
	if !slices.Equal(onDisk, keys(files)) {
		t.Fatalf("golden files %v, manifests %v (run go test ./emit/k8s -update)", onDisk, keys(files))
	}
	for name, data := range files {
		want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, want) {
			t.Errorf("%s differs from its golden file (run go test ./emit/k8s -update and review the diff)", name)
		}
	}
}

// TestDeterministic plans and writes every example twice: the bytes must
// be the same.
func TestDeterministic(t *testing.T) {
	for _, f := range examples(t) {
		a, errA := Manifests(planOf(t, f, withWeights))
		b, errB := Manifests(planOf(t, f, withWeights))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", f, errA, errB)
		}
		if !slices.Equal(keys(a), keys(b)) {
			t.Fatalf("%s: files %v then %v", f, keys(a), keys(b))
		}
		for k := range a {
			if !bytes.Equal(a[k], b[k]) {
				t.Errorf("%s: %s differs between two runs", f, k)
			}
		}
	}
}

// TestFederatedSubject: the subject a federated credential must trust is
// the service account the pods run as.
func TestFederatedSubject(t *testing.T) {
	p := planOf(t, "../../examples/"+goldenExample, nil)
	files, err := Manifests(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, pool := range aksInference(p) {
		m := decode(t, files[FileName(clusterOf(p, pool.Workload), pool.Workload)])
		got := "system:serviceaccount:" + m.sa.Namespace + ":" + m.sa.Name
		if want := FederatedSubject(p.Zone.Name, pool.Workload); got != want {
			t.Errorf("subject %s, FederatedSubject says %s", got, want)
		}
		if m.sa.Name != identity.PoolIdentityName(p.Zone.Name, pool.Workload) {
			t.Errorf("service account %s is not named after the pool identity", m.sa.Name)
		}
	}
}
