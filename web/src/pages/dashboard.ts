// The dashboard: a map of area phases (proportional symbols at area centroids, projected with
// d3-geo: there are no boundary polygons in the store), a risk x area heat table, trend charts
// per risk, and drill-down from state to county to payam (#/dashboard?area=SS07).
import { html, render, svg, nothing, type TemplateResult } from 'lit-html';
import { geoMercator } from 'd3-geo';
import { line } from 'd3-shape';
import { api, qs, type Analysis, type AreaResult, type Count, type LineResult, type MapArea, type PeriodFigures } from '../api';
import { fmtCount, fmtMonth, fmtMonthShort, fmtNum, riskLabel, t } from '../i18n';
import { PHASE_FILL, phaseClass, phaseName } from '../phase';
import type { Ctx } from '../main';

export const RISKS = ['ABD', 'ATK', 'SEP', 'CEFM', 'DSC', 'INF', 'REC', 'GBV', 'JUS', 'EO', 'PSY', 'HLP', 'TOR', 'TIP', 'MOV'];

// --- data: the boot code starts the dashboard's reads beside the session check (prefetch); the
// first mount takes them, later mounts read afresh (an import or an entry may have changed them).

const prefetched = new Map<string, Promise<unknown>>();
function take<T>(path: string): Promise<T> {
  const p = prefetched.get(path);
  prefetched.delete(path);
  return (p as Promise<T> | undefined) ?? api.get<T>(path);
}
function prefetch1(path: string): void {
  const p = api.get(path);
  p.catch(() => prefetched.delete(path));
  prefetched.set(path, p);
}

interface AreaIndex {
  byCode: Map<string, MapArea>;
  payams: MapArea[];
}
let areaIndex: Promise<AreaIndex> | null = null;
export function areas(): Promise<AreaIndex> {
  if (!areaIndex) {
    areaIndex = api.get<{ items: MapArea[] }>('/map/areas').then((r) => {
      const byCode = new Map<string, MapArea>();
      for (const a of r.items) byCode.set(a.pcode, a);
      return { byCode, payams: r.items.filter((a) => a.level === 3 && a.lat !== null) };
    });
    areaIndex.catch(() => (areaIndex = null));
  }
  return areaIndex;
}

function scopeOf(params: URLSearchParams, idx?: AreaIndex): { within: string; level: number } {
  const within = params.get('area') ?? '';
  if (!within) return { within: '', level: 1 };
  const lvl = idx?.byCode.get(within)?.level ?? Math.max(1, (within.length - 2) / 2);
  return { within, level: Math.min(3, lvl + 1) };
}

function analysisPath(params: URLSearchParams, idx?: AreaIndex): string {
  const { within, level } = scopeOf(params, idx);
  return '/analysis' + qs({ level, within, period: params.get('period') ?? '', compare: 'true' });
}

export function prefetch(params: URLSearchParams): void {
  void areas().catch(() => undefined);
  prefetch1(analysisPath(params));
}

// --- drawing ----------------------------------------------------------------------------------

function num(c: Count | undefined): number {
  if (typeof c === 'number') return c;
  if (c === '<5') return 2.5;
  if (c === 'x') return 5;
  return 0;
}

function totalOf(a: AreaResult | LineResult): Count {
  return a.risks.find((r) => r.risk === '*')?.incidents ?? 0;
}

function mapView(an: Analysis, idx: AreaIndex, within: string, drill: (pcode: string) => void, canDrill: boolean): TemplateResult {
  const W = 640;
  const H = 520;
  const placed = an.areas
    .map((a) => ({ a, c: idx.byCode.get(a.pcode) }))
    .filter((x): x is { a: AreaResult; c: MapArea & { lat: number; lon: number } } => !!x.c && x.c.lat !== null && x.c.lon !== null);
  // Fit the view to the payams inside the current scope (all of them at country level).
  const inScope = within ? idx.payams.filter((p) => p.pcode.startsWith(within)) : idx.payams;
  const fitPoints = (inScope.length ? inScope : idx.payams).map((p) => [p.lon as number, p.lat as number]);
  const projection = geoMercator().fitExtent(
    [
      [36, 36],
      [W - 36, H - 36],
    ],
    { type: 'MultiPoint', coordinates: fitPoints },
  );
  const maxN = Math.max(1, ...placed.map((x) => num(totalOf(x.a))));
  // Circle area proportional to incidents (d3-scale's scaleSqrt would cost 11 KB for this line).
  const [r0, r1] = within ? [5, 22] : [7, 30];
  const r = (v: number) => r0 + (r1 - r0) * Math.sqrt(Math.min(1, v / maxN));
  const sorted = [...placed].sort((x, y) => num(totalOf(y.a)) - num(totalOf(x.a)));
  // The payams as one path of dots (one element, not 512: cheaper to draw on an old laptop).
  let backdrop = '';
  for (const p of idx.payams) {
    const xy = projection([p.lon as number, p.lat as number]);
    if (xy) backdrop += `M${xy[0].toFixed(1)} ${xy[1].toFixed(1)}m-1.6 0a1.6 1.6 0 1 0 3.2 0a1.6 1.6 0 1 0-3.2 0`;
  }
  return html`<figure class="map">
    <svg viewBox="0 0 ${W} ${H}" role="group" aria-labelledby="map-title" class="mapsvg">
      <title id="map-title">${t('dash.map_title', { n: placed.length })}</title>
      <path class="backdrop" aria-hidden="true" d=${backdrop}></path>
      ${sorted.map(({ a, c }) => {
        const p = projection([c.lon, c.lat]);
        if (!p) return nothing;
        const n = totalOf(a);
        const rad = r(num(n));
        const label = t('dash.symbol_label', { name: a.name, phase: a.overall_phase || 0, phase_name: phaseName(a.overall_phase), n: fmtCount(n) });
        const onKey = (e: KeyboardEvent) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            drill(a.pcode);
          }
        };
        const sym = svg`<g class="sym ${canDrill ? 'drill' : ''}" transform="translate(${p[0].toFixed(1)},${p[1].toFixed(1)})"
            role=${canDrill ? 'button' : nothing} tabindex=${canDrill ? '0' : nothing} aria-label=${canDrill ? label : nothing} data-pcode=${a.pcode}
            @click=${canDrill ? () => drill(a.pcode) : nothing} @keydown=${canDrill ? onKey : nothing}>
          <title>${label}</title>
          <circle r=${rad.toFixed(1)} fill=${PHASE_FILL[a.overall_phase] ?? PHASE_FILL[0]} class="ring"></circle>
          <text class="phn ${a.overall_phase >= 4 ? 'light' : ''}" dy="0.35em">${a.overall_phase || '–'}</text>
          ${an.admin_level < 3 || placed.length < 25
            ? svg`<text class="nm" x=${(p[0] > W - 120 ? -(rad + 3) : rad + 3).toFixed(1)} dy="0.35em"
                text-anchor=${p[0] > W - 120 ? 'end' : 'start'}>${a.name}</text>`
            : nothing}
        </g>`;
        // At the last level a symbol leads to the area's incidents of the period.
        if (canDrill) return sym;
        return svg`<a class="symlink" href=${incidentsHash(a.pcode, '', an.period, n)}
          aria-label=${label + ' · ' + t('chg.list_of', { name: a.name, n: fmtCount(n) })}>${sym}</a>`;
      })}
    </svg>
    <figcaption>
      <ul class="legend" aria-label=${t('dash.legend')}>
        ${[1, 2, 3, 4, 5].map((p) => html`<li><span class="${phaseClass(p)} sw">${p}</span> ${phaseName(p)}</li>`)}
      </ul>
      <p class="small">${t('dash.map_note')}</p>
    </figcaption>
  </figure>`;
}

// The change of a phase against another period, as the server gives it (null: a phase of
// either period is withheld, so it cannot be told): an arrow and the earlier phase, in words too.
export function arrow(f: PeriodFigures | undefined, cls: string): TemplateResult | typeof nothing {
  if (!f) return nothing;
  const d = f.phase_change;
  const dir = d === null ? 'unknown' : d > 0 ? 'worse' : d < 0 ? 'better' : 'same';
  const sym = d === null ? '?' : d > 0 ? '▲' : d < 0 ? '▼' : '=';
  const from = typeof f.overall_phase === 'number' ? String(f.overall_phase || '–') : t('count.withheld');
  const label = t('chg.vs', { dir: t('chg.dir_' + dir), period: fmtMonth(f.period), from, n: fmtCount(f.incidents) });
  return html`<span class="chg ${cls} chg-${dir}" data-dir=${dir} title=${label}><span aria-hidden="true">${sym}${from}</span><span class="vh">${label}</span></span>`;
}

export function incChange(f: PeriodFigures | undefined): TemplateResult | typeof nothing {
  if (!f || f.incidents_change === null || f.incidents_change === 0) return nothing;
  const v = f.incidents_change;
  return html` <span class="small dinc" title=${t('chg.inc_vs', { period: fmtMonth(f.period), n: fmtCount(f.incidents) })}>(${v > 0 ? '+' : '−'}${fmtNum(Math.abs(v))})</span>`;
}

// The hash of the incident list for an area, a risk ('' = all) and the analysis's month, with the
// dashboard's count (to explain a difference) and the way back.
export function incidentsHash(pcode: string, risk: string, period: string, expected: Count | undefined): string {
  const p = new URLSearchParams({ area: pcode });
  if (risk) p.set('risk', risk);
  const m = /^(\d{4})-(\d{2})$/.exec(period);
  if (m) {
    const last = new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate();
    p.set('from', period + '-01');
    p.set('to', period + '-' + String(last).padStart(2, '0'));
  }
  if (expected !== undefined) p.set('expected', String(expected));
  p.set('back', location.hash);
  return '#/incidents?' + p.toString();
}

type Opener = (pcode: string, risk: string) => void;

function heatTable(an: Analysis, drill: (pcode: string) => void, canDrill: boolean, byChange: boolean, open: Opener): TemplateResult {
  const change = (a: AreaResult) => a.previous?.phase_change ?? -99;
  const rows = [...an.areas].sort(
    (x, y) =>
      (byChange ? change(y) - change(x) : 0) || y.overall_phase - x.overall_phase || num(totalOf(y)) - num(totalOf(x)) || x.name.localeCompare(y.name),
  );
  // Records placed above this level, under the area they are placed on: counts, no phase.
  const lines = an.not_further_located ?? [];
  return html`<div class="tablewrap" tabindex="0" role="region" aria-labelledby="heat-caption">
    <table class="heat">
      <caption id="heat-caption">${t('dash.heat_caption', { period: fmtMonth(an.period) })}</caption>
      <thead>
        <tr>
          <th scope="col">${t('dash.area')}</th>
          <th scope="col">${t('dash.overall')}</th>
          <th scope="col">${t('chg.col')}</th>
          <th scope="col" class="num">${t('dash.incidents')}</th>
          ${RISKS.map((r) => html`<th scope="col"><abbr title=${riskLabel(r)}>${r}</abbr></th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (a) => html`<tr data-pcode=${a.pcode}>
            <th scope="row">
              ${canDrill
                ? html`<button type="button" class="link" @click=${() => drill(a.pcode)} aria-label=${t('dash.drill_to', { name: a.name })}>${a.name}</button>`
                : html`<span>${a.name}</span>`}
              <span class="pcode">${a.pcode}</span>
            </th>
            <td class="${phaseClass(a.overall_phase)}" data-phase=${a.overall_phase}>
              <button type="button" class="phbtn phv" @click=${() => open(a.pcode, '')}
                aria-label=${t('ev.open', { name: a.name, p: a.overall_phase || '–', phase_name: phaseName(a.overall_phase) })}>${a.overall_phase || '–'}</button>
            </td>
            <td class="chgcell" data-direction=${a.direction ?? ''}>${arrow(a.previous, 'prev')} ${arrow(a.last_year, 'ly')}</td>
            <td class="num"><a href=${incidentsHash(a.pcode, '', an.period, totalOf(a))} class="cntlink"
              aria-label=${t('chg.list_of', { name: a.name, n: fmtCount(totalOf(a)) })}>${fmtCount(totalOf(a))}</a>${incChange(a.previous)}</td>
            ${RISKS.map((code) => {
              const c = a.risks.find((x) => x.risk === code);
              if (!c) return html`<td class="ph ph-0">–</td>`;
              const listed = c.incidents !== 0 && c.incidents !== 'withheld';
              return html`<td class="${phaseClass(c.phase)}" data-risk=${code} data-count=${String(c.incidents)}
                title="${riskLabel(code)}: ${phaseName(c.phase)}, ${t('dash.n_incidents', { n: fmtCount(c.incidents) })}">
                ${c.phase
                  ? html`<button type="button" class="phbtn phv" @click=${() => open(a.pcode, code)}
                      aria-label=${t('ev.open_risk', { name: a.name, risk: riskLabel(code), p: c.phase })}>${c.phase}</button>`
                  : html`<span class="phv">–</span>`}${listed
                  ? html`<a class="cnt" href=${incidentsHash(a.pcode, code, an.period, c.incidents)}
                      aria-label=${t('chg.list_of_risk', { name: a.name, risk: riskLabel(code), n: fmtCount(c.incidents) })}>${fmtCount(c.incidents)}</a>`
                  : html`<span class="cnt">${fmtCount(c.incidents)}</span>`}
              </td>`;
            })}
          </tr>`,
        )}
      </tbody>
      ${lines.length
        ? html`<tbody class="nfl">
            ${lines.map(
              (a) => html`<tr data-nfl=${a.pcode}>
                <th scope="row"><span>${t('dash.nfl_name', { name: a.name })}</span> <span class="pcode">${a.pcode}</span></th>
                <td class="ph ph-0"><span class="vh">${t('dash.nfl_no_phase')}</span></td>
                <td></td>
                <td class="num">${fmtCount(totalOf(a))}</td>
                ${RISKS.map((code) => {
                  const c = a.risks.find((x) => x.risk === code);
                  return html`<td class="num" data-risk=${code} data-count=${String(c?.incidents ?? 0)}>${c ? fmtCount(c.incidents) : ''}</td>`;
                })}
              </tr>`,
            )}
          </tbody>`
        : nothing}
    </table>
  </div>
  ${lines.length ? html`<p class="small nfl-note">${t('dash.nfl_note', { n: fmtCount(an.not_further_located_incidents) })}</p>` : nothing}`;
}

function trendCharts(an: Analysis): TemplateResult {
  // Months up to the period shown (safe outputs run to the end of the year).
  let last = an.months.length;
  if (/^\d{4}-\d{2}$/.test(an.period)) {
    const i = an.months.indexOf(an.period);
    if (i >= 0) last = i + 1;
  }
  const months = an.months.slice(0, last);
  const codes = ['*', ...RISKS].filter((c) => an.monthly_incidents[c]);
  const W = 200;
  const H = 74;
  return html`<ul class="trends">
    ${codes.map((code) => {
      const series = (an.monthly_incidents[code] ?? []).slice(0, last);
      const nums = series.map((v) => (typeof v === 'number' ? v : null));
      const max = Math.max(4, ...nums.map((v) => v ?? 0));
      const x = (i: number) => 6 + ((W - 12) * i) / Math.max(1, months.length - 1);
      const y = (v: number) => H - 16 - ((H - 22) * v) / max;
      const d = line<number | null>()
        .defined((v) => v !== null)
        .x((_, i) => x(i))
        .y((v) => y(v ?? 0))(nums);
      const name = code === '*' ? t('dash.all_risks') : riskLabel(code);
      const described = months.map((m, i) => fmtMonthShort(m) + ' ' + fmtCount(series[i])).join(', ');
      const lastVal = series[series.length - 1];
      const hidden = series.some((v) => typeof v === 'string');
      return html`<li class="trend">
        <h3><abbr title=${name}>${code === '*' ? t('dash.all') : code}</abbr> <span class="trend-name">${name}</span></h3>
        <svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${name}: ${described}">
          <line x1="6" x2=${W - 6} y1=${H - 16} y2=${H - 16} class="axis"></line>
          ${d ? svg`<path d=${d} class="ln"></path>` : nothing}
          ${nums.map((v, i) =>
            v === null
              ? svg`<text x=${x(i)} y=${H - 20} class="sup" text-anchor="middle">${series[i] === 'withheld' ? '' : String(series[i])}</text>`
              : svg`<circle cx=${x(i)} cy=${y(v)} r="2.2" class="pt"></circle>`,
          )}
          <text x="6" y=${H - 3} class="tick">${fmtMonthShort(months[0] ?? '')}</text>
          <text x=${W - 6} y=${H - 3} class="tick" text-anchor="end">${fmtMonthShort(months[months.length - 1] ?? '')}</text>
        </svg>
        <p class="small">${t('dash.latest', { n: fmtCount(lastVal) })}${hidden ? ' · ' + t('dash.suppressed') : ''}</p>
      </li>`;
    })}
  </ul>`;
}

// The shell gives every page the same <main>: a dashboard whose answer arrives after the reader
// has moved on (another page, area or language) must not draw over what is there now.
let generation = 0;
const stillHere = (gen: number) => gen === generation && (location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] || 'dashboard') === 'dashboard';

// A figure's link to its incidents carries the way back: the address at the moment of the click
// (with the evidence panel or sort chosen since the table was drawn).
const backKept = new WeakSet<HTMLElement>();
function keepBack(el: HTMLElement): void {
  if (backKept.has(el)) return;
  backKept.add(el);
  el.addEventListener('click', (e) => {
    const a = (e.target as Element).closest?.('a[href^="#/incidents?"]');
    if (!a || !location.hash.startsWith('#/dashboard')) return;
    const [path, q] = (a.getAttribute('href') ?? '').split('?', 2);
    const p = new URLSearchParams(q);
    p.set('back', location.hash);
    a.setAttribute('href', path + '?' + p.toString());
  });
}

export async function mount(el: HTMLElement, ctx: Ctx): Promise<void> {
  const gen = ++generation;
  keepBack(el);
  render(html`<h1 tabindex="-1">${t('dash.title')}</h1><p class="loading" role="status">${t('common.loading')}</p>`, el);
  const idx = await areas();
  const { within, level } = scopeOf(ctx.params, idx);
  let an: Analysis;
  try {
    an = await take<Analysis>(analysisPath(ctx.params, idx));
  } catch (e) {
    if (!stillHere(gen)) return;
    render(html`<h1 tabindex="-1">${t('dash.title')}</h1><p role="alert">${(e as Error).message}</p>`, el);
    return;
  }
  const canDrill = level < 3;
  const drill = (pcode: string) => {
    const p = new URLSearchParams(ctx.params);
    p.set('area', pcode);
    ctx.go('#/dashboard?' + p.toString());
  };
  const crumbs: MapArea[] = [];
  for (let a = idx.byCode.get(within); a; a = idx.byCode.get(a.parent)) crumbs.unshift(a);
  const withPeriod = (area: string) => {
    const p = new URLSearchParams();
    if (area) p.set('area', area);
    const per = ctx.params.get('period');
    if (per) p.set('period', per);
    const s = p.toString();
    return '#/dashboard' + (s ? '?' + s : '');
  };
  const months = an.months.filter((m) => m <= (an.months.includes(an.period) ? an.period : '9999'));
  const onPeriod = (e: Event) => {
    const p = new URLSearchParams(ctx.params);
    p.set('period', (e.target as HTMLSelectElement).value);
    ctx.go('#/dashboard?' + p.toString());
  };
  const here = crumbs.length ? crumbs[crumbs.length - 1].name : t('dash.country');
  const byChange = ctx.params.get('sort') === 'change';
  const onSort = () => {
    const p = new URLSearchParams(ctx.params);
    if (byChange) p.delete('sort');
    else p.set('sort', 'change');
    ctx.go('#/dashboard?' + p.toString());
  };
  // The evidence of a phase, in a panel above the table; kept in the address (ev, evrisk) so
  // that "Back" from the incidents returns to it.
  const open: Opener = (pcode, risk) => {
    const p = new URLSearchParams(ctx.params);
    p.set('ev', pcode);
    if (risk) p.set('evrisk', risk);
    else p.delete('evrisk');
    history.replaceState(null, '', '#/dashboard?' + p.toString());
    ctx.params = p;
    void showEvidence(pcode, risk, true);
  };
  const showEvidence = async (pcode: string, risk: string, focus: boolean) => {
    const a = an.areas.find((x) => x.pcode === pcode);
    const panel = el.querySelector('#ev-panel') as HTMLElement | null;
    if (!a || !panel) return;
    const m = await import('./change');
    if (!stillHere(gen)) return;
    const close = () => {
      const p = new URLSearchParams(ctx.params);
      p.delete('ev');
      p.delete('evrisk');
      history.replaceState(null, '', '#/dashboard' + (p.toString() ? '?' + p.toString() : ''));
      ctx.params = p;
      render(nothing, panel);
      panel.hidden = true;
    };
    panel.hidden = false;
    render(m.evidence(a, risk, close), panel);
    if (focus) (panel.querySelector('#ev-title') as HTMLElement | null)?.focus();
  };
  if (!stillHere(gen)) return;
  render(
    html`<div class="page-head">
        <h1 tabindex="-1">${t('dash.title')}: ${here}</h1>
        <label class="inline">${t('dash.period')}
          <select @change=${onPeriod}>
            ${months.map((m) => html`<option value=${m} ?selected=${m === an.period}>${fmtMonth(m)}</option>`)}
          </select>
        </label>
      </div>
      <nav aria-label=${t('dash.breadcrumb')} class="crumbs">
        <ol>
          <li><a href=${withPeriod('')} aria-current=${crumbs.length === 0 ? 'page' : nothing}>${t('dash.country')}</a></li>
          ${crumbs.map(
            (c, i) => html`<li><a href=${withPeriod(c.pcode)} aria-current=${i === crumbs.length - 1 ? 'page' : nothing}>${c.name}</a></li>`,
          )}
        </ol>
      </nav>
      <p class="scope" data-level=${an.admin_level}>
        ${t('dash.level_' + an.admin_level)} · ${fmtMonth(an.period)} · ${t('dash.n_areas', { n: fmtNum(an.areas.length) })}
        ${(an.not_further_located ?? []).length ? html` · <span class="above">${t('dash.above_level', { n: fmtCount(an.not_further_located_incidents) })}</span>` : nothing}
        ${an.safe ? html` · <strong class="badge">${t('dash.safe')}</strong>` : nothing}
      </p>
      ${an.safe ? html`<div class="note" role="note">${an.notes.map((n) => html`<p>${n}</p>`)}</div>` : nothing}
      <section aria-labelledby="h-worse" class="worse-panel"><h2 id="h-worse">${t('chg.title')}</h2><div id="worse-panel"></div></section>
      <section id="ev-panel" class="ev-panel" aria-labelledby="ev-title" hidden></section>
      <section aria-labelledby="h-heat">
        <div class="page-head"><h2 id="h-heat">${t('dash.heat')}</h2>
          <button type="button" class="sortbtn" aria-pressed=${byChange ? 'true' : 'false'} @click=${onSort}>${t('chg.sort')}</button></div>
        ${heatTable(an, drill, canDrill, byChange, open)}
      </section>
      <div class="dash-grid">
        <section aria-labelledby="h-map"><h2 id="h-map">${t('dash.map')}</h2>${mapView(an, idx, within, drill, canDrill)}</section>
        <section aria-labelledby="h-trends"><h2 id="h-trends">${t('dash.trends')}</h2>${trendCharts(an)}</section>
      </div>
      <section aria-labelledby="h-gaps" class="gaps-panel"><h2 id="h-gaps">${t('gap.title')}</h2><div id="gap-panel"></div></section>`,
    el,
  );
  // The service-gap panel: its own chunk, drawn when its answer comes (the rest is ready now).
  const gp = el.querySelector('#gap-panel') as HTMLElement;
  void import('./gaps').then((m) => m.panel(gp, an.admin_level, within, an.period, () => stillHere(gen) && gp.isConnected));
  // What got worse, at every level under this area (its own chunk and read).
  const wp = el.querySelector('#worse-panel') as HTMLElement;
  const link = (pcode: string, parent: string, lvl: number) => {
    // A country has no row on the dashboard: its evidence is the analysis page's.
    if (lvl === 0) return { evidence: '#/analysis' + qs({ level: 0, period: an.period }), incidents: '' };
    const p = new URLSearchParams();
    if (lvl >= 2 && parent) p.set('area', parent);
    p.set('period', an.period);
    p.set('ev', pcode);
    return { evidence: '#/dashboard?' + p.toString(), incidents: '' };
  };
  void import('./change').then((m) =>
    m.worseList(
      wp,
      an.period,
      within,
      (pcode, parent, lvl, n) => ({ ...link(pcode, parent, lvl), incidents: incidentsHash(pcode, '', an.period, n) }),
      () => stillHere(gen) && wp.isConnected,
    ),
  );
  const ev = ctx.params.get('ev');
  if (ev) void showEvidence(ev, ctx.params.get('evrisk') ?? '', true);
  el.dataset.ready = 'true';
  document.body.dataset.dashboard = 'ready';
  performance.mark('aegis-dashboard-ready');
}
