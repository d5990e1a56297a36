package htmlreport

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/aizone/aizone/cost"
	"github.com/aizone/aizone/simulation"
)

// Cost line kinds (cost.Line.Kind); a line without one is monthly, as
// every line was before the kinds were introduced.
const (
	kindMonthly = "monthly"
	kindOneOff  = "one-off"
)

// Group names for lines that do not say.
const sharedWorkload = "zone (shared)"

// costView is the cost section: for each kind, a bar chart by workload and
// one by service.
type costView struct {
	Currency      string
	MonthlyUSD    float64
	OneOffUSD     float64
	Charts        []barChart
	Unpriced      []string
	Runs          []cost.Run
	Disagreements []string
}

type barChart struct {
	ID, Title, Kind, Group string
	W, H                   float64
	TotalUSD               float64 // the sum of the bars
	Bars                   []bar
	Total                  text
}

type bar struct {
	Key          string
	USD          float64
	Label, Value text
	box
}

const (
	barMaxW = 300.0
	barH    = 18.0
	barGap  = 6.0
)

func buildCost(r cost.Result) costView {
	v := costView{Currency: r.Currency, MonthlyUSD: r.MonthlyUSD, OneOffUSD: r.OneOffUSD, Unpriced: r.Unpriced, Runs: r.TrainingRuns}
	if v.Currency == "" {
		v.Currency = "USD"
	}
	for _, kind := range []string{kindMonthly, kindOneOff} {
		planTotal := r.MonthlyUSD
		if kind == kindOneOff {
			planTotal = r.OneOffUSD
		}
		for _, group := range []string{"workload", "service"} {
			sums := map[string]float64{}
			for _, l := range r.Lines {
				k, usd := lineAmount(l)
				if k != kind {
					continue
				}
				sums[groupKey(l, group)] += usd
			}
			c := barChart{ID: "cost-" + kind + "-by-" + group, Kind: kind, Group: group,
				Title: fmt.Sprintf("%s by %s", map[string]string{kindMonthly: "Monthly", kindOneOff: "One-off"}[kind], group)}
			layoutBars(&c, sums)
			unit := " a month"
			if kind == kindOneOff {
				unit = " once"
			}
			c.Total.S = "total " + money(c.TotalUSD) + unit
			v.Charts = append(v.Charts, c)
			if math.Abs(c.TotalUSD-planTotal) > 0.005 {
				v.Disagreements = append(v.Disagreements, fmt.Sprintf("the %s lines by %s add up to %s but the plan's total is %s", kind, group, money(c.TotalUSD), money(planTotal)))
			}
		}
	}
	return v
}

// lineAmount is a line's kind and the amount of that kind.
func lineAmount(l cost.Line) (string, float64) {
	if l.Kind == kindOneOff {
		return kindOneOff, l.USD
	}
	return kindMonthly, l.USDPerMonth
}

func groupKey(l cost.Line, group string) string {
	if group == "workload" {
		if l.Workload == "" {
			return sharedWorkload
		}
		return l.Workload
	}
	if l.Service == "" {
		return l.Category
	}
	return l.Service
}

// layoutBars orders the groups largest first (then by name) and scales the
// bars to the largest.
func layoutBars(c *barChart, sums map[string]float64) {
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if sums[keys[i]] != sums[keys[j]] {
			return sums[keys[i]] > sums[keys[j]]
		}
		return keys[i] < keys[j]
	})
	labelW := 12.0
	peak := 0.0
	for _, k := range keys {
		labelW = max(labelW, float64(len([]rune(k))))
		peak = max(peak, sums[k])
	}
	labelW = labelW*charW + pad
	total := 0.0
	for i, k := range keys {
		usd := roundCents(sums[k])
		total += usd
		y := pad + float64(i)*(barH+barGap)
		w := 0.0
		if peak > 0 {
			w = math.Max(usd/peak*barMaxW, 1)
		}
		c.Bars = append(c.Bars, bar{Key: k, USD: usd, box: box{X: labelW, Y: y, W: w, H: barH},
			Label: text{X: labelW - pad/2, Y: y + 13, S: k, Anchor: "end"},
			Value: text{X: labelW + w + pad/2, Y: y + 13, S: money(usd)}})
	}
	c.TotalUSD = roundCents(total)
	y := pad + float64(max(len(keys), 1))*(barH+barGap) + lineH
	c.Total = text{X: labelW - pad/2, Y: y, Anchor: "start", Class: "title"}
	c.W = labelW + barMaxW + 14*charW + pad
	c.H = y + pad
}

func roundCents(v float64) float64 { return math.Round(v*100) / 100 }

// money spells dollars with thousands separators and cents.
func money(v float64) string {
	neg := v < 0
	s := fmt.Sprintf("%.2f", math.Abs(v))
	whole, cents, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := "$" + b.String() + "." + cents
	if neg {
		out = "-" + out
	}
	return out
}

// lifeChart is one container's tiers over time: a stacked band per run of
// days on which the bytes in each tier stay the same.
type lifeChart struct {
	ID, Name, Data string
	Bytes          int64
	Days           int
	Result         *simulation.Result
	W, H           float64
	Plot           box
	Segs           []segment
	Ticks          []tick
	Marks          []text
	Empty          string
}

type segment struct {
	From, To    int // days [From, To)
	Tiers       simulation.TierBytes
	Rects       []tierRect
	Description string
}

type tierRect struct {
	Tier string
	box
}

type tick struct {
	X, Y1, Y2 float64
	Label     text
}

const (
	lifePlotW = 720.0
	lifePlotH = 120.0
	lifeLeft  = 70.0
)

// tierOrder is the stacking order, bottom up.
var tierOrder = []string{"hot", "cool", "cold", "archive", "premium"}

func tierValue(t simulation.TierBytes, name string) int64 {
	switch name {
	case "hot":
		return t.Hot
	case "cool":
		return t.Cool
	case "cold":
		return t.Cold
	case "archive":
		return t.Archive
	}
	return t.Premium
}

func buildLife(c Container) lifeChart {
	lc := lifeChart{ID: "lifecycle-" + c.Name, Name: c.Name, Data: c.Data, Bytes: c.Bytes, Result: c.Result, Days: c.Result.Days}
	lc.Plot = box{X: lifeLeft, Y: pad + 2*lineH, W: lifePlotW, H: lifePlotH}
	lc.W = lifeLeft + lifePlotW + 8*charW
	lc.H = lc.Plot.bottom() + 2*lineH + pad
	days := c.Result.ByDay
	var peak int64
	for _, d := range days {
		t := d.BytesByTier
		peak = max(peak, t.Hot+t.Cool+t.Cold+t.Archive+t.Premium)
	}
	if peak == 0 {
		lc.Empty = "no bytes planned at creation: the container fills as its service writes"
	}
	dx := lc.Plot.W / float64(max(len(days), 1))
	for i := 0; i < len(days); {
		j := i + 1
		for j < len(days) && days[j].BytesByTier == days[i].BytesByTier {
			j++
		}
		s := segment{From: i, To: j, Tiers: days[i].BytesByTier}
		var parts []string
		y := lc.Plot.bottom()
		for _, name := range tierOrder {
			b := tierValue(s.Tiers, name)
			if b == 0 {
				continue
			}
			parts = append(parts, name)
			h := float64(b) / float64(peak) * lc.Plot.H
			y -= h
			s.Rects = append(s.Rects, tierRect{Tier: name, box: box{X: lc.Plot.X + float64(i)*dx, Y: y, W: float64(j-i) * dx, H: h}})
		}
		state := strings.Join(parts, " + ")
		if state == "" {
			state = "deleted"
		}
		s.Description = fmt.Sprintf("days %d to %d: %s", i, j-1, state)
		if i > 0 {
			lc.Marks = append(lc.Marks, text{X: lc.Plot.X + float64(i)*dx, Y: lc.Plot.Y - 4, S: fmt.Sprintf("day %d: %s", i, state), Anchor: "middle", Class: "label"})
		}
		lc.Segs = append(lc.Segs, s)
		i = j
	}
	step := 30
	for _, s := range []int{30, 60, 90, 180, 365} {
		step = s
		if len(days)/s <= 12 {
			break
		}
	}
	for d := 0; d <= len(days); d += step {
		x := lc.Plot.X + float64(d)*dx
		lc.Ticks = append(lc.Ticks, tick{X: x, Y1: lc.Plot.bottom(), Y2: lc.Plot.bottom() + 4,
			Label: text{X: x, Y: lc.Plot.bottom() + lineH, S: fmt.Sprint(d), Anchor: "middle"}})
	}
	// A mark close to the one before goes on the row above, so that
	// neither prints over the other.
	lastX := math.Inf(-1)
	row := 0
	for i := range lc.Marks {
		if lc.Marks[i].X-lastX < 24*charW {
			row = 1 - row
		} else {
			row = 0
		}
		lc.Marks[i].Y -= float64(row) * lineH
		lastX = lc.Marks[i].X
	}
	return lc
}
