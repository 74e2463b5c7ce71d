// report_chart.go holds the geometry of the /mirror report's latency chart: a log-scale axis in milliseconds and one row per query, laid out for the SVG template.

package metrics

import (
	"math"
	"strconv"
	"time"

	"github.com/pgdogd/pgdogd/mirror/insight"
)

// The chart's layout, in SVG user units (pixels at 1120 px wide).
const (
	chartWidth     = 1120.0
	chartPlotX0    = 440.0 // the axis starts here; the query texts are on its left
	chartPlotX1    = 990.0
	chartRatioX    = 1060.0 // the middle of the ratio's pill
	chartTop       = 44.0   // the legend's band
	chartRowHeight = 44.0
	chartAxisBand  = 44.0
	chartRows      = 15   // the most queries the chart shows
	chartQueryLen  = 52   // the most characters of a query's text in the chart
	slowRatio      = 2.0  // a ratio from which the report highlights the query
	chartMinMillis = 1e-3 // the smallest latency the axis reaches: 1 µs
)

// chart is the latency chart's geometry.
type chart struct {
	Width, Height  float64
	PlotX0, PlotX1 float64
	PlotY0, AxisY  float64 // the plot's top and the axis line
	RatioX         float64
	Ticks          []chartTick
	Rows           []chartRow
}

// chartTick is a gridline of the axis, labelled on decades (and on 2 and
// 5 when the axis spans few decades).
type chartTick struct {
	X     float64
	Label string
	Major bool
}

// chartRow is one query: its texts, its two sides' bars and its ratio.
type chartRow struct {
	Y, Mid       float64 // the row's top and its middle
	Odd          bool
	Query, Sub   string
	Title        string // the tooltip: the full figures
	Source, Mirr chartBar
	Ratio        string
	Slow         bool
}

// chartBar is one side's p50 bar from the axis start (W wide, 8 high
// from Y), and its p99 whisker (at Mid) ending in a marker (Top to Bottom).
type chartBar struct {
	Y, W, X50, X99   float64
	Mid, Top, Bottom float64
}

// newBar is the bar at y of a side's latency on axis a.
func newBar(a logAxis, y float64, l *insight.Latency) chartBar {
	x50 := a.x(millis(l.P50))
	return chartBar{Y: y, W: x50 - chartPlotX0, X50: x50, X99: math.Max(x50, a.x(millis(l.P99))), Mid: y + 4, Top: y - 2, Bottom: y + 10}
}

// logAxis maps milliseconds to x on a log scale from lo to hi, decades.
type logAxis struct{ lo, hi float64 }

func (a logAxis) x(v float64) float64 {
	v = math.Min(math.Max(v, a.lo), a.hi)
	return chartPlotX0 + (math.Log10(v)-math.Log10(a.lo))/(math.Log10(a.hi)-math.Log10(a.lo))*(chartPlotX1-chartPlotX0)
}

// millis is d in milliseconds.
func millis(d time.Duration) float64 { return float64(d) / 1e6 }

// axisFor is the decades that hold every p50 and p99 of qs.
func axisFor(qs []insight.QueryStats) logAxis {
	lo, hi := math.Inf(1), 0.0
	for i := range qs {
		for _, d := range []time.Duration{qs[i].OnSource.P50, qs[i].OnSource.P99, qs[i].OnMirror.P50, qs[i].OnMirror.P99} {
			if v := millis(d); v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi == 0 {
		return logAxis{0.1, 10}
	}
	lo = math.Pow(10, math.Floor(math.Log10(math.Max(lo, chartMinMillis))))
	hi = math.Pow(10, math.Ceil(math.Log10(hi)))
	if hi <= lo {
		hi = lo * 10
	}
	return logAxis{lo, hi}
}

// ticks are the axis's gridlines: each decade, and 2× and 5× between.
func (a logAxis) ticks() []chartTick {
	decades := int(math.Round(math.Log10(a.hi / a.lo)))
	var out []chartTick
	for d := a.lo; d <= a.hi*1.0001; d *= 10 {
		out = append(out, chartTick{X: a.x(d), Label: axisLabel(d), Major: true})
		if d*10 > a.hi*1.0001 {
			break
		}
		for _, m := range []float64{2, 5} {
			t := chartTick{X: a.x(d * m)}
			if decades <= 2 {
				t.Label = axisLabel(d * m)
			}
			out = append(out, t)
		}
	}
	return out
}

// axisLabel writes a tick's milliseconds without trailing zeros.
func axisLabel(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}

// newChart lays out the first chartRows queries of qs; nil without any.
func newChart(qs []insight.QueryStats) *chart {
	if len(qs) == 0 {
		return nil
	}
	qs = qs[:min(len(qs), chartRows)]
	a := axisFor(qs)
	c := &chart{Width: chartWidth, PlotX0: chartPlotX0, PlotX1: chartPlotX1, PlotY0: chartTop, RatioX: chartRatioX, Ticks: a.ticks()}
	for i := range qs {
		q := &qs[i]
		y := chartTop + float64(i)*chartRowHeight
		c.Rows = append(c.Rows, chartRow{
			Y: y, Mid: y + chartRowHeight/2, Odd: i%2 == 1,
			Query:  shortQuery(q.Query, chartQueryLen),
			Sub:    q.Mirror + " · " + strconv.FormatInt(q.Calls, 10) + " calls · " + fingerprint(q.Fingerprint),
			Title:  chartTitle(q),
			Source: newBar(a, y+12, &q.OnSource),
			Mirr:   newBar(a, y+24, &q.OnMirror),
			Ratio:  "×" + strconv.FormatFloat(q.Ratio, 'f', 1, 64),
			Slow:   q.Ratio >= slowRatio,
		})
	}
	c.AxisY = chartTop + float64(len(c.Rows))*chartRowHeight
	c.Height = c.AxisY + chartAxisBand
	return c
}

// chartTitle is a row's tooltip: the query and both sides' percentiles.
func chartTitle(q *insight.QueryStats) string {
	return shortQuery(q.Query, 300) + "\nsource p50 " + ms3(q.OnSource.P50) + " ms, p99 " + ms3(q.OnSource.P99) +
		" ms\nmirror p50 " + ms3(q.OnMirror.P50) + " ms, p99 " + ms3(q.OnMirror.P99) + " ms"
}

// ms3 is d in milliseconds with three decimals, as the console writes it.
func ms3(d time.Duration) string { return strconv.FormatFloat(millis(d), 'f', 3, 64) }
