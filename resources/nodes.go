package resources

import (
	"fmt"
	"strings"

	"github.com/aizone/aizone/compute"
	"github.com/aizone/aizone/identity"
	"github.com/aizone/aizone/nodeinit"
)

// nodeSpec is what a pool's nodes need at start: the pool's data path
// from the plan and its size's health thresholds.
func (b *builder) nodeSpec(p compute.Pool) nodeinit.Spec {
	s := nodeinit.Spec{Workload: p.Workload, Account: b.p.Storage.Account.Name, Health: p.Health}
	for _, m := range b.p.Identity.DataPath {
		if m.Workload == p.Workload {
			s.Mounts = append(s.Mounts, m)
		}
	}
	return s
}

// runtimeValue is the template expression of a value nodes need that only
// deployment knows.
func (b *builder) runtimeValue(p compute.Pool, v string) string {
	switch v {
	case nodeinit.ValueLustreMGS:
		return fmt.Sprintf("reference(%s, '%s').clientInfo.mgsAddress", inner(idExpr(b.rgStorage, "Microsoft.StorageCache/amlFilesystems", "amlfs-"+b.zone)), APIVersion("Microsoft.StorageCache/amlFilesystems"))
	case nodeinit.ValueNFSIP:
		return fmt.Sprintf("reference(%s, '%s').mountTargets[0].ipAddress", inner(b.netAppVolumeID()), APIVersion("Microsoft.NetApp/netAppAccounts/capacityPools/volumes"))
	case nodeinit.ValueClientID:
		return inner(b.identityRef(identity.PoolIdentityName(b.zone, p.Workload), "clientId"))
	}
	return "''"
}

func (b *builder) netAppVolumeID() string {
	return idExpr(b.rgStorage, "Microsoft.NetApp/netAppAccounts/capacityPools/volumes", "anf-"+b.zone, "pool-"+strings.ToLower(b.p.Storage.HotTier.SKU), "vol-hot")
}

// cloudInit is a scale set's customData: the cloud-config, base64 as
// Azure takes it, with the runtime values filled in at deployment.
func (b *builder) cloudInit(p compute.Pool) string {
	var args []string
	for _, part := range nodeinit.CloudInit(b.nodeSpec(p)) {
		if part.Value != "" {
			args = append(args, b.runtimeValue(p, part.Value))
			continue
		}
		args = append(args, quote(part.Text))
	}
	return "[base64(concat(" + strings.Join(args, ", ") + "))]"
}

// batchNodes adds to a Batch pool's properties what its nodes need: Batch
// mounts the Blob containers (BlobFuse2 as the pool's identity) and the
// NetApp volume (NFS); the start task mounts Managed Lustre, links the
// mounts to the common paths and runs the health check, and the pool
// waits for it, so a node failing the check takes no task. Containers
// come from the zone's registry, pulled as the pool's identity.
func (b *builder) batchNodes(p compute.Pool, props map[string]any) {
	spec := b.nodeSpec(p)
	poolID := b.identityID(identity.PoolIdentityName(b.zone, p.Workload))
	var mounts []any
	for _, m := range spec.Mounts {
		switch m.Kind {
		case identity.MountBlob:
			opts := "-o attr_timeout=240 -o entry_timeout=240 -o negative_timeout=120 -o allow_other"
			if m.ReadOnly {
				opts += " -o ro"
			}
			mounts = append(mounts, map[string]any{"azureBlobFileSystemConfiguration": map[string]any{
				"accountName": spec.Account, "containerName": m.Source, "relativeMountPath": nodeinit.BatchMountName(m),
				"blobfuseOptions": opts, "identityReference": map[string]any{"resourceId": poolID},
			}})
		case identity.MountNFS:
			mounts = append(mounts, map[string]any{"nfsMountConfiguration": map[string]any{
				"source":            "[concat(" + b.runtimeValue(p, nodeinit.ValueNFSIP) + ", ':/hot')]",
				"relativeMountPath": nodeinit.BatchMountName(m),
				"mountOptions":      "-o rw,hard,rsize=262144,wsize=262144,vers=4.1,tcp",
			}})
		}
	}
	if len(mounts) > 0 {
		props["mountConfiguration"] = mounts
	}
	env := []any{}
	for _, m := range spec.Mounts {
		if m.Kind == identity.MountLustre {
			env = append(env, map[string]any{"name": "AMLFS_MGS", "value": "[" + b.runtimeValue(p, nodeinit.ValueLustreMGS) + "]"})
			break
		}
	}
	props["startTask"] = map[string]any{
		"commandLine":         nodeinit.StartTask(spec),
		"environmentSettings": env,
		"userIdentity":        map[string]any{"autoUser": map[string]any{"scope": "Pool", "elevationLevel": "Admin"}},
		"waitForSuccess":      true,
		"maxTaskRetryCount":   1,
	}
	vm := props["deploymentConfiguration"].(map[string]any)["virtualMachineConfiguration"].(map[string]any)
	vm["containerConfiguration"] = map[string]any{
		"type": "DockerCompatible",
		"containerRegistries": []any{map[string]any{
			"registryServer":    b.registryServer(),
			"identityReference": map[string]any{"resourceId": poolID},
		}},
	}
}

// registryServer is the zone registry's login server.
func (b *builder) registryServer() string {
	for _, pe := range b.p.Network.ComputeEndpoints {
		if pe.TargetType == "Microsoft.ContainerRegistry/registries" {
			return pe.Target + ".azurecr.io"
		}
	}
	return ""
}
