package htmlreport

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aizone/aizone/inventory"
	"github.com/aizone/aizone/lifecycle"
	"github.com/aizone/aizone/plan"
	"github.com/aizone/aizone/simulation"
)

// Container is one Blob container of a plan played forward by the
// simulator: its planned bytes written on day 0 as one block blob, then
// the account's lifecycle policy run daily.
type Container struct {
	Name   string
	Data   string // the zone file's data kind (datasets, checkpoints, ...)
	Bytes  int64
	Result *simulation.Result
}

// day0 is the simulated day the data are written. The chart counts days
// from it, so the date itself never shows and never changes the result
// (a blob's age, not the calendar, drives every rule aizone writes).
var day0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Horizon is how many days a container is simulated: its retention and a
// tenth more (at least 30 days) so that the deletion shows, or a year for
// data kept until someone retires it.
func Horizon(retainDays int) int {
	if retainDays <= 0 {
		return 365
	}
	return retainDays + max(retainDays/10, 30)
}

// Simulate runs the simulator over each container of the plan, under the
// lifecycle policy exactly as build writes it (storage/lifecycle-policy.json,
// read back through the policy parser with the account's kind and SKU), so
// that the chart shows what Azure would do with that file and no tiering
// rule is restated here.
func Simulate(ctx context.Context, p *plan.Plan, prices simulation.Prices) ([]Container, error) {
	acctPlan := p.Storage.Account
	data, err := json.Marshal(acctPlan.Policy)
	if err != nil {
		return nil, fmt.Errorf("lifecycle policy: %w", err)
	}
	acct := lifecycle.AccountFromSKU(acctPlan.Kind, acctPlan.SKU)
	pol, err := lifecycle.Load("storage/lifecycle-policy.json", data, &acct)
	if err != nil {
		return nil, fmt.Errorf("the plan's lifecycle policy does not load (a bug in aizone): %w", err)
	}
	out := make([]Container, 0, len(acctPlan.Containers))
	for _, ct := range acctPlan.Containers {
		src := &written{name: ct.Name, rec: inventory.Record{
			Name: ct.Name + "/" + ct.Data, Type: lifecycle.BlockBlob, Tier: lifecycle.TierHot, Bytes: int64(ct.Bytes),
			Created: day0.Unix(), Modified: day0.Unix(), IsCurrent: true,
		}}
		res, err := simulation.Run(ctx, src, pol, simulation.Options{Days: Horizon(ct.RetainDays), Start: day0, Account: acct, Prices: prices, Workers: 1})
		if err != nil {
			return nil, fmt.Errorf("simulating container %s: %w", ct.Name, err)
		}
		out = append(out, Container{Name: ct.Name, Data: ct.Data, Bytes: int64(ct.Bytes), Result: res})
	}
	return out, nil
}

// written is an inventory of one blob: what the plan says a container
// holds, as an inventory report would list it the day it is written.
type written struct {
	name string
	rec  inventory.Record
}

func (w *written) String() string { return "plan container " + w.name }

func (w *written) Scan(ctx context.Context, _ inventory.ScanOptions, fn func(int, *inventory.Batch) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(0, &inventory.Batch{Records: []inventory.Record{w.rec}})
}
