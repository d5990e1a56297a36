package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aizone/aizone/internal/yamlpos"
	"github.com/aizone/aizone/network"
	"github.com/aizone/aizone/spec"
	"github.com/aizone/aizone/units"
	"github.com/spf13/cobra"
)

func newEstimateTransferCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "transfer --size SIZE [--bandwidth RATE] [--window DURATION]",
		Short: "Time a data transfer over ExpressRoute and size the circuit and gateway",
		Long: `Transfer estimates how long moving --size into Azure takes at --bandwidth
and --efficiency (the share of the circuit a bulk copy sustains; default
0.8), and recommends the ExpressRoute circuit (50 Mbps to 10 Gbps, or
ExpressRoute Direct up to 100 Gbps), its SKU (Local, Standard or Premium by
the regions given), the gateway whose throughput covers it (ErGw1AZ,
ErGw2AZ, ErGw3AZ or ErGwScale units) and whether FastPath applies.

With --window, the circuit is the smallest that makes the window; when the
network cannot, the Azure Data Box alternative is given with its time.
Without --bandwidth, the transfer is timed on the recommended circuit.

aizone plan uses the same calculation for the zone's on-premises data
(there the data lands on a private endpoint in a spoke, as with --spoke).

Exit status: 0 when the transfer makes the window (or no window is given),
1 when it does not, 2 for bad input.`,
		Example: "  aizone estimate transfer --size 400TB --bandwidth 10Gbps\n" +
			"  aizone estimate transfer --size 400TB --window 14d --region eastus --format json\n" +
			"  aizone estimate transfer --size 2PB --bandwidth 10Gbps --efficiency 0.7 --window 7d",
		Args: cobra.NoArgs,
	}
	format := addFormatFlag(c, formatText, formatJSON)
	size := c.Flags().String("size", "", `data to move, such as "400TB" or "1.5PiB" (required)`)
	bandwidth := c.Flags().String("bandwidth", "", `circuit bandwidth, such as "10Gbps" or "500Mbps"`)
	efficiency := c.Flags().Float64("efficiency", network.DefaultEfficiency, "share of the bandwidth a bulk copy sustains, in (0, 1]")
	window := c.Flags().String("window", "", `time allowed, such as "14d" or "72h"`)
	regions := c.Flags().StringSlice("region", nil, "Azure regions the circuit must reach (decides the SKU); repeatable or comma-separated")
	metro := c.Flags().Bool("peering-in-metro", false, "the peering location is in the metro of the single --region (allows a Local circuit)")
	spoke := c.Flags().Bool("spoke", false, "the data lands on a private endpoint in a spoke peered to the gateway's VNet")
	_ = c.MarkFlagRequired("size")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := checkFormat(*format, formatText, formatJSON); err != nil {
			return err
		}
		in := network.TransferInput{Efficiency: *efficiency, Path: network.Path{Regions: *regions, PeeringInMetro: *metro, Peered: *spoke, PrivateEndpoint: *spoke}}
		var err error
		if in.Size, err = units.ParseBytes(*size); err != nil {
			return usageErr(flagErr("--size", err))
		}
		if in.Size > spec.MaxDataSize {
			return usageErr(flagBound("--size", *size, "at most 100 PB", "the zone file's bound on a dataset; check the unit"))
		}
		if *bandwidth != "" {
			if in.Bandwidth, err = units.ParseBandwidth(*bandwidth); err != nil {
				return usageErr(flagErr("--bandwidth", err))
			}
			// From below the smallest ExpressRoute circuit (50 Mbps) to
			// ten 100 Gbps ExpressRoute Direct ports.
			if in.Bandwidth < 1e6 || in.Bandwidth > 1e12 {
				return usageErr(flagBound("--bandwidth", *bandwidth, "1 Mbps to 1 Tbps",
					"ExpressRoute circuits run from 50 Mbps to 100 Gbps a port; check the unit"))
			}
		}
		if *window != "" {
			if in.Window, err = units.ParseDuration(*window); err != nil {
				return usageErr(flagErr("--window", err))
			}
			if in.Window == 0 {
				return usageErr(errors.New("--window must be longer than zero"))
			}
		}
		for _, r := range *regions {
			if !spec.KnownRegion(r) {
				return usageErr(fmt.Errorf("--region: unknown Azure region %q; use a region name such as eastus or westeurope", r))
			}
		}
		if *metro && len(*regions) != 1 {
			return usageErr(errors.New("--peering-in-metro needs exactly one --region"))
		}
		cat, err := loadCatalog(cmd)
		if err != nil {
			return err
		}
		t, err := network.EstimateTransfer(cat, in)
		if err != nil {
			return usageErr(estimateErr(err))
		}
		if *format == formatJSON {
			err = writeJSON(s.Out, t)
		} else {
			err = writeTransfer(s.Out, t)
		}
		if err != nil {
			return err
		}
		if !t.FitsWindow {
			return findingsErr(fmt.Errorf("the transfer does not make the %s window over the network", *window))
		}
		return nil
	}
	return c
}

// flagErr names the flag in a parse error and keeps its hint.
func flagErr(flag string, err error) error {
	var he *yamlpos.HintError
	if errors.As(err, &he) {
		return fmt.Errorf("%s: %s (%s)", flag, he.Msg, he.Hint)
	}
	return fmt.Errorf("%s: %w", flag, err)
}

// estimateErr names the flag behind an input error of the estimate.
func estimateErr(err error) error {
	switch {
	case errors.Is(err, network.ErrSize):
		return fmt.Errorf("--size: %w", err)
	case errors.Is(err, network.ErrEfficiency):
		return fmt.Errorf("--efficiency: %w", err)
	case errors.Is(err, network.ErrNoRate):
		return fmt.Errorf("give --bandwidth, or --window to size the circuit from: %w", err)
	}
	return err
}

func writeTransfer(w io.Writer, t network.Transfer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Transfer   %s at %s × %.0f%% efficiency: %.2f days (%.0f s)\n",
		units.Bytes(t.Bytes), units.Bandwidth(t.BandwidthBps), t.Efficiency*100, t.Days, t.Seconds)
	if t.WindowDays > 0 {
		verdict := "fits"
		if !t.FitsWindow {
			verdict = "does NOT fit"
		}
		fmt.Fprintf(&b, "Window     %g days: %s; making it needs %s\n", t.WindowDays, verdict, units.Bandwidth(t.NeededBps))
	}
	r := t.Recommended
	if r.Circuit == "none" {
		fmt.Fprintf(&b, "Circuit    none: %s\n", r.Note)
	} else {
		why := "carries the given bandwidth"
		if t.WindowDays > 0 {
			why = "the smallest that makes the window"
		}
		fmt.Fprintf(&b, "Circuit    %s (%s)\n", r.Circuit, why)
		fmt.Fprintf(&b, "SKU        %s: %s\n", r.SKU, r.SKUReason)
		fmt.Fprintf(&b, "Gateway    %s, %s\n", r.Gateway, units.Bandwidth(r.GatewayMbps*1e6))
		yes := "no"
		if r.FastPath {
			yes = "yes"
		}
		fmt.Fprintf(&b, "FastPath   %s: %s\n", yes, r.FastPathNote)
		if r.Note != "" {
			fmt.Fprintf(&b, "Note       %s\n", r.Note)
		}
	}
	if db := t.DataBox; db != nil {
		fmt.Fprintf(&b, "Data Box   %.2f days: %s\n", db.Days, db.Reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
