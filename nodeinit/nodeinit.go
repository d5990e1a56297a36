// Package nodeinit writes what a node runs when it starts, so that it is
// ready for jobs: the hot tier and the Blob containers of its workload's
// data path mounted where every orchestrator mounts them, and the health
// check run, a failing node marked. Scale sets take it as cloud-init; Batch
// pools as a start task's script. Values only known at deployment (a
// file system's address, an identity's client id) are named parts that
// the template fills in with expressions.
package nodeinit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aizone/aizone/health"
	"github.com/aizone/aizone/identity"
)

// Runtime values the template supplies.
const (
	ValueLustreMGS = "lustre-mgs"         // Managed Lustre's MGS address
	ValueNFSIP     = "nfs-ip"             // the NetApp volume's mount target
	ValueClientID  = "identity-client-id" // the pool identity's client id
)

// Part is literal text, or (Value set) a runtime value.
type Part struct {
	Text  string
	Value string
}

// Spec is what one pool's nodes need.
type Spec struct {
	Workload string
	// Account is the storage account of the Blob mounts.
	Account string
	Mounts  []identity.Mount
	// Health is the size's thresholds; nil for sizes without GPUs.
	Health *health.Thresholds
}

// MountScript is the bash that mounts the spec's data path. It reads the
// runtime values from the environment (AMLFS_MGS, ANF_IP,
// AZURE_CLIENT_ID), which a Batch start task sets and CloudInit writes.
func MountScript(s Spec) string {
	var b strings.Builder
	b.WriteString("#!/bin/bash\n# aizone data path for " + s.Workload + "\nset -eu\n")
	mounts := append([]identity.Mount(nil), s.Mounts...)
	sort.SliceStable(mounts, func(i, j int) bool { return mounts[i].Path < mounts[j].Path })
	for _, m := range mounts {
		switch m.Kind {
		case identity.MountLustre:
			// The Ubuntu HPC images carry the Lustre client.
			fmt.Fprintf(&b, "mkdir -p %s\nmountpoint -q %s || mount -t lustre -o noatime,flock \"${AMLFS_MGS}@tcp:/lustrefs\" %s\n", m.Path, m.Path, m.Path)
		case identity.MountNFS:
			fmt.Fprintf(&b, "mkdir -p %s\nmountpoint -q %s || mount -t nfs -o rw,hard,rsize=262144,wsize=262144,vers=4.1,tcp \"${ANF_IP}:/hot\" %s\n", m.Path, m.Path, m.Path)
		case identity.MountBlob:
			mode := "false"
			if m.ReadOnly {
				mode = "true"
			}
			cfg := "/etc/aizone/blobfuse2-" + m.Source + ".yaml"
			fmt.Fprintf(&b, "mkdir -p /etc/aizone /mnt/blobfuse-cache/%s %s\n", m.Source, m.Path)
			// BlobFuse2 authenticates as the pool's managed identity
			// (the account takes no keys), read-only where the pool
			// only reads the container.
			fmt.Fprintf(&b, "cat > %s <<EOF\nallow-other: true\nread-only: %s\nlogging:\n  type: syslog\nfile_cache:\n  path: /mnt/blobfuse-cache/%s\n  timeout-sec: 120\nazstorage:\n  type: block\n  account-name: %s\n  container: %s\n  endpoint: https://%s.blob.core.windows.net\n  mode: msi\n  appid: ${AZURE_CLIENT_ID}\nEOF\n",
				cfg, mode, m.Source, s.Account, m.Source, s.Account)
			fmt.Fprintf(&b, "mountpoint -q %s || blobfuse2 mount %s --config-file=%s\n", m.Path, m.Path, cfg)
		}
	}
	return b.String()
}

// CloudInit is the cloud-config of a scale set's nodes: the health check
// and the mount script written to disk, the runtime values as an
// environment file, then both run; a node failing its health check is
// marked (/var/run/aizone/unhealthy) and says so in its boot log.
func CloudInit(s Spec) []Part {
	var p []Part
	lit := func(t string) { p = append(p, Part{Text: t}) }
	val := func(v string) { p = append(p, Part{Value: v}) }
	lit("#cloud-config\nwrite_files:\n  - path: /etc/aizone/env\n    permissions: '0644'\n    content: |\n")
	lit("      AMLFS_MGS=")
	if has(s, identity.MountLustre) {
		val(ValueLustreMGS)
	}
	lit("\n      ANF_IP=")
	if has(s, identity.MountNFS) {
		val(ValueNFSIP)
	}
	lit("\n      AZURE_CLIENT_ID=")
	if has(s, identity.MountBlob) {
		val(ValueClientID)
	}
	lit("\n  - path: /opt/aizone/mount.sh\n    permissions: '0755'\n    content: |\n" + indent(MountScript(s), "      "))
	run := "  - [bash, -c, 'set -a; . /etc/aizone/env; /opt/aizone/mount.sh']\n"
	if s.Health != nil {
		lit("  - path: " + health.ScriptPath + "\n    permissions: '0755'\n    content: |\n" + indent(health.Script(*s.Health), "      "))
		run += "  - [bash, -c, '" + health.ScriptPath + " || echo aizone: node failed its health check >&2']\n"
	}
	lit("runcmd:\n" + run)
	return p
}

// StartTask is a Batch start task's command: the scripts unpacked from
// base64 (a start task takes one command line) and run; the environment
// carries the runtime values, and a failed health check fails the task,
// which keeps the node from tasks.
//
// Batch mounts Blob containers and NFS itself (BatchMountName names each
// under $AZ_BATCH_NODE_MOUNTS_DIR); the start task mounts Managed Lustre,
// which Batch cannot, and links the Batch mounts to the paths every
// orchestrator uses, so that a job finds its data at the same place.
func StartTask(s Spec) string {
	enc := func(script string) string { return base64Encode(script) }
	own := s
	own.Mounts = nil
	var links strings.Builder
	links.WriteString("#!/bin/bash\nset -eu\n")
	for _, m := range s.Mounts {
		if m.Kind == identity.MountLustre {
			own.Mounts = append(own.Mounts, m)
			continue
		}
		fmt.Fprintf(&links, "mkdir -p %s\nln -sfn \"$AZ_BATCH_NODE_MOUNTS_DIR/%s\" %s\n", parent(m.Path), BatchMountName(m), m.Path)
	}
	cmd := "mkdir -p /opt/aizone && echo " + enc(MountScript(own)) + " | base64 -d > /opt/aizone/mount.sh && bash /opt/aizone/mount.sh" +
		" && echo " + enc(links.String()) + " | base64 -d > /opt/aizone/link.sh && bash /opt/aizone/link.sh"
	if s.Health != nil {
		cmd += " && echo " + enc(health.Script(*s.Health)) + " | base64 -d > " + health.ScriptPath + " && bash " + health.ScriptPath
	}
	return "/bin/bash -c '" + cmd + "'"
}

// BatchMountName is the relative mount path Batch gives a mount.
func BatchMountName(m identity.Mount) string {
	if m.Kind == identity.MountBlob {
		return "blob-" + m.Source
	}
	return m.Kind
}

func parent(p string) string {
	if i := strings.LastIndex(p, "/"); i > 0 {
		return p[:i]
	}
	return "/"
}

func has(s Spec, kind string) bool {
	for _, m := range s.Mounts {
		if m.Kind == kind {
			return true
		}
	}
	return false
}

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = pre + l
	}
	return strings.Join(lines, "\n") + "\n"
}
