// report_page.go holds the /mirror report's page: one self-contained html/template (inline CSS and SVG, no script, no external asset) that refreshes itself every 5 seconds.

package metrics

import "html/template"

// reportPage renders a *report.
var reportPage = template.Must(template.New("mirror").Parse(reportHTML))

// reportHTML is the page; reportChartSVG the chart, reportTables the tables.
const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pgdogd · mirror comparison</title>
<style>` + reportCSS + `</style>
</head>
<body>
<main>
<header class="top">
  <div>
    <h1>Mirror comparison</h1>
    <p class="muted">Statements replayed on the mirrors, compared with their run on the source. The page refreshes every 5 s.</p>
  </div>
  <div class="when">pgdogd · <span id="generated">{{.Now}}</span></div>
</header>
{{if .StatsOff}}<p class="note">The comparison is off (<code>mirror_stats = false</code>): nothing new is compared.</p>
{{end}}{{if .Mirrors}}<section class="mirrors">
{{range .Mirrors}}  <div class="card mirror" data-mirror="{{.Name}}">
    <h2>{{.Name}}</h2>
    <div class="figures"><div><b>{{.Compared}}</b><span>statements compared</span></div><div class="{{if .Divergent}}bad{{end}}"><b>{{.Diverged}}</b><span>divergences</span></div></div>
    <ul class="kinds">{{range .Kinds}}<li class="{{if .N}}bad{{else}}none{{end}}">{{.Name}} <b>{{.N}}</b></li>{{end}}</ul>
  </div>
{{end}}</section>
{{end}}{{if .Empty}}<section class="card empty" id="empty-state">
  <h2>No mirrored statements were compared yet</h2>
  <p class="muted">When clients run transactions that are replayed on a mirror, the latency and the outcome of each statement on both sides show up here.</p>
</section>
{{end}}` + reportChartSVG + reportTables + `</main>
</body>
</html>
`

// reportChartSVG is the latency chart, drawn from a *chart.
const reportChartSVG = `{{with .Chart}}{{$c := .}}<section class="card">
  <h2>Slowest queries on the mirror</h2>
  <p class="muted">Median latency (bar) and 99th percentile (whisker and marker) of each query on the source and on the mirror, slowest relative to the source first; the ratio is the mirror's median latency over the source's, 0.2 ms added to each so that sub-millisecond statements do not read as regressions from scheduling delays.</p>
  <svg id="latency-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.Width}} {{.Height}}" width="100%" role="img" aria-label="Latency of the slowest queries, source and mirror" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">
    <g font-size="12" fill="#374151">
      <text x="12" y="22" fill="#6b7280">query · mirror · calls · fingerprint</text>
      <g transform="translate({{.PlotX0}} 0)">
        <rect x="0" y="14" width="18" height="8" rx="2" fill="#3b82f6"/><text x="24" y="22">source p50</text>
        <rect x="110" y="14" width="18" height="8" rx="2" fill="#f97316"/><text x="134" y="22">mirror p50</text>
        <line x1="222" y1="18" x2="244" y2="18" stroke="#93c5fd" stroke-width="2"/><line x1="244" y1="12" x2="244" y2="24" stroke="#1d4ed8" stroke-width="2.5"/><text x="252" y="22">source p99</text>
        <line x1="336" y1="18" x2="358" y2="18" stroke="#fdba74" stroke-width="2"/><line x1="358" y1="12" x2="358" y2="24" stroke="#c2410c" stroke-width="2.5"/><text x="366" y="22">mirror p99</text>
      </g>
      <text x="{{.RatioX}}" y="22" text-anchor="middle" fill="#6b7280">mirror ÷ source</text>
    </g>
{{range .Rows}}{{if .Odd}}    <rect x="0" y="{{.Y}}" width="{{$c.Width}}" height="44" fill="#f8fafc"/>
{{end}}{{end}}{{range .Ticks}}    <line x1="{{printf "%.1f" .X}}" y1="{{$c.PlotY0}}" x2="{{printf "%.1f" .X}}" y2="{{$c.AxisY}}" stroke="{{if .Major}}#d5d9e0{{else}}#eceef2{{end}}" stroke-width="1"/>
{{end}}{{range .Rows}}    <g class="chart-row">
      <title>{{.Title}}</title>
      <text x="12" y="{{.Mid}}" dy="-3" font-size="12.5" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace" fill="#111827">{{.Query}}</text>
      <text x="12" y="{{.Mid}}" dy="13" font-size="11" fill="#6b7280">{{.Sub}}</text>
      <rect x="{{$c.PlotX0}}" y="{{.Source.Y}}" width="{{printf "%.1f" .Source.W}}" height="8" rx="2" fill="#3b82f6"/>
      <line x1="{{printf "%.1f" .Source.X50}}" y1="{{.Source.Mid}}" x2="{{printf "%.1f" .Source.X99}}" y2="{{.Source.Mid}}" stroke="#93c5fd" stroke-width="2"/>
      <line x1="{{printf "%.1f" .Source.X99}}" y1="{{.Source.Top}}" x2="{{printf "%.1f" .Source.X99}}" y2="{{.Source.Bottom}}" stroke="#1d4ed8" stroke-width="2.5"/>
      <rect x="{{$c.PlotX0}}" y="{{.Mirr.Y}}" width="{{printf "%.1f" .Mirr.W}}" height="8" rx="2" fill="#f97316"/>
      <line x1="{{printf "%.1f" .Mirr.X50}}" y1="{{.Mirr.Mid}}" x2="{{printf "%.1f" .Mirr.X99}}" y2="{{.Mirr.Mid}}" stroke="#fdba74" stroke-width="2"/>
      <line x1="{{printf "%.1f" .Mirr.X99}}" y1="{{.Mirr.Top}}" x2="{{printf "%.1f" .Mirr.X99}}" y2="{{.Mirr.Bottom}}" stroke="#c2410c" stroke-width="2.5"/>
{{if .Slow}}      <rect x="{{$c.RatioX}}" y="{{.Mid}}" width="76" height="26" rx="13" fill="#fee2e2" stroke="#fca5a5" transform="translate(-38 -13)"/>
{{end}}      <text class="ratio" x="{{$c.RatioX}}" y="{{.Mid}}" dy="5" text-anchor="middle" font-size="14" font-weight="{{if .Slow}}700{{else}}500{{end}}" fill="{{if .Slow}}#b91c1c{{else}}#374151{{end}}">{{.Ratio}}</text>
    </g>
{{end}}    <line x1="{{.PlotX0}}" y1="{{.AxisY}}" x2="{{.PlotX1}}" y2="{{.AxisY}}" stroke="#9ca3af" stroke-width="1"/>
{{range .Ticks}}{{if .Label}}    <text x="{{printf "%.1f" .X}}" y="{{$c.AxisY}}" dy="16" text-anchor="middle" font-size="11" fill="{{if .Major}}#374151{{else}}#9ca3af{{end}}">{{.Label}}</text>
{{end}}{{end}}    <text x="{{.PlotX1}}" y="{{.AxisY}}" dy="34" text-anchor="end" font-size="11" fill="#6b7280">latency, ms (log scale)</text>
  </svg>
</section>
{{end}}`

// reportTables are the divergences, the drops and the queries.
const reportTables = reportDivergenceTable + reportDropTable + reportQueryTable

// reportQueryTable lists the queries with their figures.
const reportQueryTable = `{{if .Queries}}<section class="card">
  <h2>Queries</h2>
  <table id="queries">
    <thead><tr><th class="num">ratio</th><th>mirror</th><th class="num">calls</th><th class="num">source p50 / p95 / p99 ms</th><th class="num">mirror p50 / p95 / p99 ms</th><th class="num">divergences</th><th>query</th></tr></thead>
    <tbody>
{{range .Queries}}    <tr class="query-row" data-fingerprint="{{.Fingerprint}}" data-mirror="{{.Mirror}}"><td class="num"><span class="ratio{{if .Slow}} slow{{end}}">×{{.Ratio}}</span></td><td>{{.Mirror}}</td><td class="num">{{.Calls}}</td><td class="num">{{index .OnSource 0}} / {{index .OnSource 1}} / {{index .OnSource 2}}</td><td class="num">{{index .OnMirror 0}} / {{index .OnMirror 1}} / {{index .OnMirror 2}}</td><td class="num{{if .Divergences}} bad{{end}}">{{.Divergences}}</td><td><code class="q">{{.Query}}</code><div class="fp">{{.Fingerprint}}</div></td></tr>
{{end}}    </tbody>
  </table>
  {{if .MoreQueries}}<p class="muted">{{.MoreQueries}} more: SHOW MIRROR QUERIES in the admin console lists them all.</p>{{end}}
</section>
{{end}}`

// reportDivergenceTable lists the divergences, newest first.
const reportDivergenceTable = `{{if .Divergences}}<section class="card">
  <h2>Divergences</h2>
  <table id="divergences">
    <thead><tr><th>mirror</th><th>kind</th><th>sqlstate</th><th>message</th><th>source / mirror</th><th class="num">count</th><th>last seen</th><th>query</th></tr></thead>
    <tbody>
{{range .Divergences}}    <tr class="divergence-row" data-kind="{{.Kind}}" data-fingerprint="{{.Fingerprint}}"><td>{{.Mirror}}</td><td><span class="kind {{.Kind}}">{{.Kind}}</span></td><td><code>{{.SQLState}}</code></td><td class="msg">{{.Message}}</td><td class="tags"><code>{{.SourceTag}}</code> / <code>{{.MirrorTag}}</code></td><td class="num">{{.Count}}</td><td class="nowrap">{{.Last}}</td><td><code class="q">{{.Query}}</code></td></tr>
{{end}}    </tbody>
  </table>
  {{if .MoreDivergences}}<p class="muted">{{.MoreDivergences}} more: SHOW MIRROR ERRORS in the admin console lists them all.</p>{{end}}
</section>
{{end}}`

// reportDropTable lists each pool's mirror with its drops by reason.
const reportDropTable = `{{if .Drops}}<section class="card">
  <h2>Transactions not replayed</h2>
  <table id="drops">
    <thead><tr><th>user</th><th>source → mirror</th><th class="num">seen</th><th class="num">mirrored</th><th class="num">errors</th><th class="num">queued</th><th class="num">dropped</th><th>by reason</th></tr></thead>
    <tbody>
{{range .Drops}}    <tr class="drop-row" data-destination="{{.Destination}}"><td>{{.User}}</td><td>{{.Source}} → {{.Destination}}</td><td class="num">{{.Total}}</td><td class="num">{{.Mirrored}}</td><td class="num{{if .Errors}} bad{{end}}">{{.Errors}}</td><td class="num">{{.Queued}}</td><td class="num">{{.Dropped}}</td><td>{{range .Reasons}}<span class="chip" data-reason="{{.Name}}">{{.Name}} <b>{{.N}}</b></span>{{else}}<span class="muted">none</span>{{end}}</td></tr>
{{end}}    </tbody>
  </table>
</section>
{{end}}`

// reportCSS is the page's style: system fonts, a light background, cards.
const reportCSS = `
:root { --bg: #f5f6f8; --card: #fff; --line: #e4e7ec; --text: #111827; --muted: #6b7280; --bad: #b91c1c; --badbg: #fee2e2; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 15px; margin: 0 0 6px; }
code, .q { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12px; }
.muted { color: var(--muted); margin: 0 0 10px; }
.top { display: flex; justify-content: space-between; align-items: flex-end; gap: 16px; padding-bottom: 8px; border-bottom: 1px solid var(--line); }
.when { color: var(--muted); font-size: 13px; white-space: nowrap; font-variant-numeric: tabular-nums; }
.note { background: #fffbeb; border: 1px solid #fde68a; border-radius: 8px; padding: 8px 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin: 16px 0; box-shadow: 0 1px 2px rgba(16, 24, 40, .04); }
.mirrors { display: flex; flex-wrap: wrap; gap: 16px; }
.mirrors .card { margin: 16px 0 0; flex: 1 1 340px; }
.figures { display: flex; gap: 32px; margin: 6px 0 10px; }
.figures b { display: block; font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.figures span { color: var(--muted); font-size: 12px; }
.figures .bad b { color: var(--bad); }
.kinds { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 6px; }
.kinds li, .chip { border-radius: 999px; padding: 2px 10px; font-size: 12px; background: #f3f4f6; color: var(--muted); margin-right: 4px; }
.kinds li.bad, .chip { background: var(--badbg); color: var(--bad); }
.empty { text-align: center; padding: 36px 20px; }
.empty h2 { font-size: 17px; }
svg { display: block; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th { text-align: left; color: var(--muted); font-weight: 600; font-size: 12px; border-bottom: 1px solid var(--line); padding: 6px 8px; white-space: nowrap; }
td { border-bottom: 1px solid #f0f1f4; padding: 6px 8px; vertical-align: top; }
tbody tr:hover { background: #f9fafb; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.q { word-break: break-word; }
.fp { color: var(--muted); font-size: 11px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td.bad, .ratio.slow { color: var(--bad); font-weight: 650; }
.ratio { border-radius: 999px; padding: 1px 8px; }
.ratio.slow { background: var(--badbg); }
.kind { border-radius: 4px; padding: 1px 6px; font-size: 12px; background: #f3f4f6; white-space: nowrap; }
.kind.mirror_error { background: var(--badbg); color: var(--bad); }
.kind.tag_mismatch { background: #fef3c7; color: #92400e; }
.kind.source_error, .kind.error_mismatch { background: #e0e7ff; color: #3730a3; }
.msg { min-width: 180px; max-width: 300px; }
#divergences td:last-child { min-width: 220px; }
.nowrap, .tags { white-space: nowrap; }
`
