package network

import (
	"fmt"
	"math"

	"github.com/aizone/aizone/units"
)

// DataBoxDevice is an Azure Data Box device an offline transfer can use.
type DataBoxDevice struct {
	Name string
	// UsableBytes is the capacity left after RAID 5.
	UsableBytes units.Bytes
	// CopyBytesPerSecond is the rated copy speed for large files.
	CopyBytesPerSecond float64
}

// DataBoxDevices are the current (next-generation) Data Box devices: 120 TB
// and 525 TB usable, copying about 7 GB/s over SMB Direct on 100 GbE for
// large files (N-DBX, data-box-next-gen-overview.md, 2024-11-18).
var DataBoxDevices = []DataBoxDevice{
	{Name: "Azure Data Box 120", UsableBytes: 120 * units.TB, CopyBytesPerSecond: 7e9},
	{Name: "Azure Data Box 525", UsableBytes: 525 * units.TB, CopyBytesPerSecond: 7e9},
}

// DataBoxShippingDays is the assumed carrier time each way, to the site and
// back to the Azure datacenter. The documentation gives no figure; a
// regional carrier's ground service takes a few days, so the estimate
// assumes four.
const DataBoxShippingDays = 4.0

// DataBox is the offline alternative to a network transfer.
type DataBox struct {
	Device  string  `json:"device"`
	Devices int     `json:"devices"`
	Days    float64 `json:"days"`
	// How the days add up.
	ShippingDays float64 `json:"shipping_days"`
	CopyDays     float64 `json:"copy_days"`
	UploadDays   float64 `json:"upload_days"`
	FitsWindow   bool    `json:"fits_window"`
	Reason       string  `json:"reason"`
}

// EstimateDataBox plans an offline transfer of size: the device kind that
// needs the fewest devices (the smaller kind on a tie), devices filled in
// parallel at the rated copy speed times efficiency, shipped both ways and
// uploaded in the datacenter at the same speed.
//
//	days = 2 × shipping + copy + upload, copy = upload = size / devices / (rate × efficiency)
func EstimateDataBox(size units.Bytes, efficiency float64, window units.Duration) DataBox {
	best := DataBoxDevices[0]
	bestN := math.MaxInt
	for _, d := range DataBoxDevices {
		n := int(math.Ceil(float64(size) / float64(d.UsableBytes)))
		if n < bestN {
			best, bestN = d, n
		}
	}
	bestN = max(bestN, 1)
	perDevice := float64(size) / float64(bestN)
	copyDays := perDevice / (best.CopyBytesPerSecond * efficiency) / 86400
	db := DataBox{
		Device: best.Name, Devices: bestN,
		ShippingDays: 2 * DataBoxShippingDays, CopyDays: round2(copyDays), UploadDays: round2(copyDays),
	}
	db.Days = round2(db.ShippingDays + 2*copyDays)
	db.FitsWindow = window == 0 || db.Days <= window.Days()
	db.Reason = fmt.Sprintf("%d × %s (%s usable each), filled in parallel at %.0f GB/s × %.0f%% (%.2f days), %.0f days of shipping both ways (assumed), uploaded at the same rate (%.2f days)",
		bestN, best.Name, best.UsableBytes, best.CopyBytesPerSecond/1e9, efficiency*100, copyDays, db.ShippingDays, copyDays)
	return db
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
