package k8s

import (
	"fmt"
	"math"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/aizone/aizone/naming"
)

// objects returns a workload's objects in the order they are applied: the
// namespace before what lives in it, the volumes before the pods that
// mount them, the Deployment before what targets it.
func (w *workload) objects() []runtime.Object {
	objs := []runtime.Object{w.namespaceObject(), w.serviceAccountObject()}
	for _, m := range w.mounts {
		objs = append(objs, w.persistentVolume(m), w.persistentVolumeClaim(m))
	}
	objs = append(objs, w.deployment(), w.service())
	if pdb := w.podDisruptionBudget(); pdb != nil {
		objs = append(objs, pdb)
	}
	return append(objs, w.horizontalPodAutoscaler())
}

// labels every object carries: the recommended app.kubernetes.io labels.
func (w *workload) labels() map[string]string {
	return map[string]string{
		labelName:      nameVLLM,
		labelInstance:  w.name,
		labelComponent: componentInference,
		labelPartOf:    w.zone,
		labelManagedBy: managedBy,
	}
}

// selector picks the workload's pods: name and instance, which never
// change for a workload (a Deployment's selector is immutable).
func (w *workload) selector() map[string]string {
	return map[string]string{labelName: nameVLLM, labelInstance: w.name}
}

func (w *workload) meta(name string, namespaced bool) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Name: name, Labels: w.labels()}
	if namespaced {
		m.Namespace = w.namespace
	}
	return m
}

func (w *workload) namespaceObject() *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: w.meta(w.namespace, false),
	}
}

// serviceAccountObject is the identity the pods run as. The annotation
// names the managed identity (by client id) whose federated credential
// trusts this account's tokens; the label is the workload identity
// webhook's opt-in, kept on the account as older webhook versions read it
// there (the pods carry it too, which current versions require).
func (w *workload) serviceAccountObject() *corev1.ServiceAccount {
	m := w.meta(w.serviceAccount, true)
	m.Labels[labelUseWorkloadIdentity] = "true"
	m.Annotations = map[string]string{annotationClientID: ClientIDPlaceholder}
	return &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: m,
	}
}

// pvName is cluster-wide, so it carries the workload: two workloads of one
// cluster can read the same container. The dot cannot occur in workload or
// container names, so no two pairs give one name.
func (w *workload) pvName(m blobMount) string { return w.name + "." + m.container }

// pvcName is the claim in the workload's namespace: the container's name.
func pvcName(m blobMount) string { return m.container }

// volumeName is the pod's name for a Blob volume; the prefix keeps it
// apart from the shared-memory volume whatever the container is called.
func volumeName(m blobMount) string { return naming.Fit(blobVolumeNamePrefix+m.container, 63) }

// noStorageClass binds a claim to the volume named for it: an empty class
// keeps the cluster's default class from provisioning a new disk instead.
var noStorageClass = ""

// persistentVolume is one container of the data path through the Blob CSI
// driver (static provisioning: the container exists, the template made
// it). BlobFuse2 mounts it with the pod's workload identity token alone
// (mountWithWorkloadIdentityToken): the zone's storage account refuses
// shared keys, and the pool identity holds a data role on this container
// only, not the account-key permission the driver's default mode needs.
// Retain: deleting the claim must never delete the container.
func (w *workload) persistentVolume(m blobMount) *corev1.PersistentVolume {
	meta := w.meta(w.pvName(m), false)
	meta.Annotations = map[string]string{annotationProvisionedBy: blobCSIDriver}
	mode := corev1.ReadWriteMany
	if m.readOnly {
		mode = corev1.ReadOnlyMany
	}
	return &corev1.PersistentVolume{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
		ObjectMeta: meta,
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: *resource.NewQuantity(storageGiB(m.bytes)<<30, resource.BinarySI)},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{mode},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              noStorageClass,
			// Reserved for this workload's claim, so no other claim binds it.
			ClaimRef: &corev1.ObjectReference{APIVersion: "v1", Kind: "PersistentVolumeClaim", Namespace: w.namespace, Name: pvcName(m)},
			MountOptions: []string{
				// The serving process may run as another user than the mount.
				"-o allow_other",
				// The driver lists the container at mount time unless told
				// to stop; the listing is billed and not needed.
				"--cancel-list-on-mount-seconds=10",
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{
				Driver: blobCSIDriver,
				// Unique in the cluster for each volume: account, container
				// and workload ('#' and '/' are reserved by the driver).
				VolumeHandle: w.account + "_" + m.container + "_" + w.name,
				ReadOnly:     m.readOnly,
				VolumeAttributes: map[string]string{
					"protocol":                       "fuse2",
					"storageAccount":                 w.account,
					"containerName":                  m.container,
					"resourceGroup":                  w.accountRG,
					"clientID":                       ClientIDPlaceholder,
					"mountWithWorkloadIdentityToken": "true",
				},
			}},
		},
	}
}

func (w *workload) persistentVolumeClaim(m blobMount) *corev1.PersistentVolumeClaim {
	mode := corev1.ReadWriteMany
	if m.readOnly {
		mode = corev1.ReadOnlyMany
	}
	class := noStorageClass
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: w.meta(pvcName(m), true),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{mode},
			StorageClassName: &class,
			VolumeName:       w.pvName(m),
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: *resource.NewQuantity(storageGiB(m.bytes)<<30, resource.BinarySI)},
			},
		},
	}
}

// deployment runs the replicas. It has no replica count: the HPA owns it
// (a count in the manifest would reset the HPA's at every apply), and
// starts the Deployment at its minimum.
func (w *workload) deployment() *appsv1.Deployment {
	podLabels := w.labels()
	podLabels[labelUseWorkloadIdentity] = "true"
	gpus := *resource.NewQuantity(int64(w.est.TP), resource.DecimalSI)
	maxUnavailable := intstr.FromInt32(1)
	maxSurge := intstr.FromInt32(0)
	noServiceLinks := false
	noEscalation := false

	container := corev1.Container{
		Name:  servingContainerName,
		Image: w.image,
		Args:  w.servingArgs(),
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: ServingPort, Protocol: corev1.ProtocolTCP}},
		Env: []corev1.EnvVar{
			// The weights are on the mount; the hub is out of reach in a
			// private zone, so vLLM must not try it.
			{Name: "HF_HUB_OFFLINE", Value: "1"},
			// vLLM's usage statistics would be sent out of the zone.
			{Name: "VLLM_NO_USAGE_STATS", Value: "1"},
			{Name: "DO_NOT_TRACK", Value: "1"},
		},
		Resources: corev1.ResourceRequirements{
			// A replica's GPUs are its tensor-parallel degree; extended
			// resources are requested whole, requests equal to limits.
			Limits:   corev1.ResourceList{gpuResource: gpus},
			Requests: corev1.ResourceList{gpuResource: gpus},
		},
		StartupProbe:   probe(startupFailureThreshold),
		ReadinessProbe: probe(livenessFailureThreshold),
		LivenessProbe:  probe(livenessFailureThreshold),
		// Not privileged, no privilege escalation: the landing zones'
		// policies (ALZ's Deny-Privileged-AKS and Deny-Priv-Esc-AKS, in
		// deny mode) reject pods that ask for either.
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: &noEscalation,
		},
	}
	var volumes []corev1.Volume
	for _, m := range w.mounts {
		volumes = append(volumes, corev1.Volume{Name: volumeName(m), VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: pvcName(m), ReadOnly: m.readOnly},
		}})
		container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: volumeName(m), MountPath: m.path, ReadOnly: m.readOnly})
	}
	if w.est.TP > 1 {
		limit := resource.MustParse(shmSizeLimit)
		volumes = append(volumes, corev1.Volume{Name: shmVolumeName, VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &limit},
		}})
		container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: shmVolumeName, MountPath: "/dev/shm"})
	}

	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: w.meta(w.name, true),
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: w.selector()},
			// One replica at a time, in place: at peak every GPU of the
			// pool is taken, so a surge pod could not schedule and the
			// rollout would stall.
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &maxUnavailable, MaxSurge: &maxSurge},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels: podLabels,
					// For a Prometheus that discovers pods by annotation
					// (Azure Monitor's managed Prometheus can), the source
					// of the autoscaling metric.
					Annotations: map[string]string{
						annotationPrometheusScrape: "true",
						annotationPrometheusPort:   fmt.Sprint(ServingPort),
						annotationPrometheusPath:   prometheusPath,
					},
				},
				Spec: corev1.PodSpec{
					ServiceAccountName: w.serviceAccount,
					// Service links would put <SERVICE>_PORT variables in
					// the environment; vLLM reads VLLM_* variables of its own
					// and a Service named vllm would collide with them.
					EnableServiceLinks: &noServiceLinks,
					NodeSelector:       map[string]string{labelAgentPool: w.agentPool},
					Tolerations: []corev1.Toleration{{
						Key: gpuResource, Operator: corev1.TolerationOpEqual, Value: gpuTaintValue, Effect: corev1.TaintEffectNoSchedule,
					}},
					// Spread over the pool's availability zones and nodes,
					// so that one zone or node lost keeps replicas running.
					// ScheduleAnyway: with every GPU of the pool in use, a
					// strict spread could leave a replica pending.
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
						w.spread(topologyZone),
						w.spread(topologyHostname),
					},
					Containers: []corev1.Container{container},
					Volumes:    volumes,
				},
			},
		},
	}
}

func (w *workload) spread(key string) corev1.TopologySpreadConstraint {
	return corev1.TopologySpreadConstraint{
		MaxSkew:           1,
		TopologyKey:       key,
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: w.selector()},
	}
}

// probe checks vLLM's /health, which answers once the engine is up and
// fails when it is not.
func probe(failures int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: healthPath, Port: intstr.FromString("http")}},
		PeriodSeconds:    probePeriodSeconds,
		TimeoutSeconds:   probeTimeoutSeconds,
		FailureThreshold: failures,
	}
}

// service is internal: ClusterIP only. The zone is private, and a public
// load balancer is exactly what it must not have.
func (w *workload) service() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: w.meta(w.serviceName, true),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: w.selector(),
			Ports: []corev1.ServicePort{{
				Name: "http", Protocol: corev1.ProtocolTCP, Port: ServicePort, TargetPort: intstr.FromString("http"),
			}},
		},
	}
}

// podDisruptionBudget keeps all replicas but one of the minimum running
// while nodes drain (node image and Kubernetes upgrades drain them one
// batch at a time), so the service stays up through an upgrade. With a
// single replica there is nothing to keep: a budget would only block the
// drain, so none is written. Unhealthy pods may always be evicted, so a
// replica that never became ready cannot hold an upgrade.
func (w *workload) podDisruptionBudget() *policyv1.PodDisruptionBudget {
	if w.minReplicas < 2 {
		return nil
	}
	minAvailable := intstr.FromInt32(int32(w.minReplicas - 1))
	always := policyv1.AlwaysAllow
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: w.meta(w.name, true),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable:               &minAvailable,
			Selector:                   &metav1.LabelSelector{MatchLabels: w.selector()},
			UnhealthyPodEvictionPolicy: &always,
		},
	}
}

// horizontalPodAutoscaler scales the Deployment between the replicas
// availability needs (two, or one when the plan has one) and the replicas
// the plan needs at peak, on the sequences each replica runs. The pool's
// nodes are sized for the peak; fewer replicas free GPUs for the cluster
// autoscaler to release, where it is turned on.
func (w *workload) horizontalPodAutoscaler() *autoscalingv2.HorizontalPodAutoscaler {
	minReplicas := int32(w.minReplicas)
	window := int32(scaleDownStabilizationSeconds)
	target := resource.NewMilliQuantity(int64(math.Round(float64(w.est.Batch)*scaleAtBatchFraction*1000)), resource.DecimalSI)
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: w.meta(w.name, true),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: w.name},
			MinReplicas:    &minReplicas,
			MaxReplicas:    int32(w.maxReplicas),
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.PodsMetricSourceType,
				Pods: &autoscalingv2.PodsMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: RunningRequestsMetric},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: target},
				},
			}},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
				ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &window},
			},
		},
	}
}
