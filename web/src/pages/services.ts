// The service directory (doc/referrals.md): who provides which service where. A list with
// filters (area, service type, organisation, active only), a map of how many services of the
// chosen type cover each area (symbols at area centroids, as on the dashboard), exports of the
// same selection, an entry's detail, and its change by those the server lets change it (a
// partner its own organisation's entries: the page offers the action to the roles that write
// services, and shows the server's answer).
import { html, render, svg, nothing, type TemplateResult } from 'lit-html';
import { geoMercator } from 'd3-geo';
import { allows, api, ApiError, qs, type MapArea, type Page } from '../api';
import { fmtDate, fmtNum, t } from '../i18n';
import { areas } from './dashboard';
import { SERVICE_TYPES } from '../svc';
import type { Ctx } from '../main';

// The roles whose protocol lets them write services (data/isp/protocol.toml); the server
// decides on each entry.
const MODALITIES = ['static', 'mobile', 'remote'];
const STATUSES = ['active', 'inactive', 'temporarily_closed', 'defunct'];
// An entry not confirmed for this many days is shown as unconfirmed (services::kConfirmedDays).
const CONFIRMED_DAYS = 90;

export interface Service {
  id: number;
  source_key: string;
  organisation: string;
  provider: string;
  provider_name: string;
  provider_type: string;
  service_type: string;
  name: string;
  pcodes: string[];
  modality: string;
  groups_served: string[];
  languages: string[];
  hours: string;
  accepts_referrals: boolean;
  gbv_specialised: boolean;
  status: string;
  assured_date: string;
  sensitivity: string;
  updated_at: string;
  contact?: string;
}

interface Coverage {
  level: number;
  items: { pcode: string; service_type: string; services: number; providers: number }[];
}

type AreaIndex = Awaited<ReturnType<typeof areas>>;

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

// As services::Confirmed: confirmed on a date no more than 90 days before today.
export function confirmed(assured: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(assured)) return false;
  const age = (Date.parse(today() + 'T00:00:00Z') - Date.parse(assured + 'T00:00:00Z')) / 86400000;
  return age <= CONFIRMED_DAYS;
}

const svc = (s: string) => (s ? t('svc.' + s) : '–');
const areaName = (idx: AreaIndex, p: string) => idx.byCode.get(p)?.name ?? p;

function lastConfirmed(s: Service): TemplateResult {
  const ok = confirmed(s.assured_date);
  return html`${s.assured_date ? fmtDate(s.assured_date) : t('dir.never')}
  ${ok ? nothing : html` <span class="badge warn-badge" data-unconfirmed="true">${t('dir.unconfirmed')}</span>`}`;
}

function statusLabel(s: string): string {
  return STATUSES.includes(s) ? t('dir.st.' + s) : s;
}

// An area typed as a P-code or a name: the P-code (a name matches whole, then by its start;
// the highest level first). '' when nothing matches.
function resolveArea(idx: AreaIndex, input: string): string {
  const v = input.trim();
  if (!v) return '';
  const up = v.toUpperCase();
  if (idx.byCode.has(up)) return up;
  const low = v.toLocaleLowerCase();
  const all = [...idx.byCode.values()].sort((a, b) => a.level - b.level);
  return (all.find((a) => a.name.toLocaleLowerCase() === low) ?? all.find((a) => a.name.toLocaleLowerCase().startsWith(low)))?.pcode ?? '';
}

// --- the map -------------------------------------------------------------------------------------

const BINS = [
  { min: 0, fill: '#ffffff', dark: false },
  { min: 1, fill: '#c6dbef', dark: false },
  { min: 3, fill: '#6baed6', dark: false },
  { min: 6, fill: '#2171b5', dark: true },
  { min: 11, fill: '#08306b', dark: true },
];
const binOf = (n: number) => [...BINS].reverse().find((b) => n >= b.min) ?? BINS[0];

function mapView(cov: Coverage, idx: AreaIndex, within: string, type: string, go: (pcode: string) => void): TemplateResult {
  const W = 640;
  const H = 520;
  const counts = new Map<string, number>();
  for (const c of cov.items) if (!within || c.pcode.startsWith(within)) counts.set(c.pcode, (counts.get(c.pcode) ?? 0) + c.services);
  const placed = [...counts.entries()]
    .map(([pcode, n]) => ({ n, a: idx.byCode.get(pcode) }))
    .filter((x): x is { n: number; a: MapArea & { lat: number; lon: number } } => !!x.a && x.a.lat !== null && x.a.lon !== null);
  const inScope = within ? idx.payams.filter((p) => p.pcode.startsWith(within)) : idx.payams;
  const fit = (inScope.length ? inScope : idx.payams).map((p) => [p.lon as number, p.lat as number]);
  const projection = geoMercator().fitExtent(
    [
      [36, 36],
      [W - 36, H - 36],
    ],
    { type: 'MultiPoint', coordinates: fit },
  );
  let backdrop = '';
  for (const p of idx.payams) {
    const xy = projection([p.lon as number, p.lat as number]);
    if (xy) backdrop += `M${xy[0].toFixed(1)} ${xy[1].toFixed(1)}m-1.6 0a1.6 1.6 0 1 0 3.2 0a1.6 1.6 0 1 0-3.2 0`;
  }
  const rad = cov.level <= 1 ? 16 : cov.level === 2 ? 11 : 8;
  const what = type ? svc(type) : t('dir.all_types');
  return html`<figure class="map dir-map" data-level=${cov.level}>
    <svg viewBox="0 0 ${W} ${H}" role="group" aria-labelledby="dir-map-title" class="mapsvg">
      <title id="dir-map-title">${t('dir.map_title', { type: what, n: placed.length })}</title>
      <path class="backdrop" aria-hidden="true" d=${backdrop}></path>
      ${placed.map(({ n, a }) => {
        const p = projection([a.lon, a.lat]);
        if (!p) return nothing;
        const b = binOf(n);
        const label = t('dir.symbol_label', { name: a.name, n });
        const onKey = (e: KeyboardEvent) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            go(a.pcode);
          }
        };
        return svg`<g class="sym drill" transform="translate(${p[0].toFixed(1)},${p[1].toFixed(1)})" role="button" tabindex="0"
            aria-label=${label} data-pcode=${a.pcode} data-n=${n} @click=${() => go(a.pcode)} @keydown=${onKey}>
          <title>${label}</title>
          <circle r=${rad} fill=${b.fill} class="ring"></circle>
          <text class="phn ${b.dark ? 'light' : ''}" dy="0.35em">${n}</text>
          ${cov.level < 3 || placed.length < 25
            ? svg`<text class="nm" x=${(p[0] > W - 120 ? -(rad + 3) : rad + 3).toFixed(1)} dy="0.35em" text-anchor=${p[0] > W - 120 ? 'end' : 'start'}>${a.name}</text>`
            : nothing}
        </g>`;
      })}
    </svg>
    <figcaption>
      <ul class="legend" aria-label=${t('dir.legend')}>
        ${BINS.map((b, i) => {
          const hi = BINS[i + 1] ? BINS[i + 1].min - 1 : 0;
          const txt = i === 0 ? t('dir.none') : hi ? (hi === b.min ? String(b.min) : `${b.min}–${hi}`) : `${b.min}+`;
          return html`<li><svg class="swatch" viewBox="0 0 14 14" width="14" height="14" aria-hidden="true"><rect x="0.5" y="0.5" width="13" height="13" fill=${b.fill} stroke="#555"></rect></svg> ${txt}</li>`;
        })}
      </ul>
      <p class="small">${t('dir.map_note')}</p>
    </figcaption>
  </figure>`;
}

// --- the list ------------------------------------------------------------------------------------

async function list(el: HTMLElement, ctx: Ctx): Promise<void> {
  const p = ctx.params;
  const f = { area: p.get('area') ?? '', type: p.get('type') ?? '', organisation: p.get('organisation') ?? '', active: p.get('active') === 'true' };
  const idx = await areas();
  let items: Service[] = [];
  let next = '';
  let cov: Coverage | null = null;
  let covError = '';
  let error = '';
  let formError = '';
  let busy = true;
  const areaRow = f.area ? idx.byCode.get(f.area) : undefined;
  // The map: the areas one level below the area asked for (states for the whole country).
  const level = areaRow ? Math.min(3, areaRow.level + 1) : 1;
  const within = areaRow ? (areaRow.level >= 3 ? areaRow.parent : areaRow.pcode) : '';
  const filterQs = qs({ area: f.area, type: f.type, organisation: f.organisation, active: f.active ? 'true' : '' });

  function apply(e: Event): void {
    e.preventDefault();
    const d = new FormData(e.target as HTMLFormElement);
    const typed = String(d.get('area') ?? '').trim();
    const area = resolveArea(idx, typed);
    if (typed && !area) {
      formError = t('dir.unknown_area', { v: typed });
      draw();
      (el.querySelector('#dir-area') as HTMLElement | null)?.focus();
      return;
    }
    ctx.go(
      '#/services' +
        qs({ area, type: String(d.get('type') ?? ''), organisation: String(d.get('organisation') ?? '').trim(), active: d.get('active') === 'on' ? 'true' : '' }),
    );
  }

  const toArea = (pcode: string) => ctx.go('#/services' + qs({ area: pcode, type: f.type, organisation: f.organisation, active: f.active ? 'true' : '' }));

  async function more(): Promise<void> {
    const after = new URLSearchParams(next.split('?')[1] ?? '').get('after') ?? '';
    busy = true;
    draw();
    try {
      const page = await api.get<Page<Service>>('/services' + qs({ area: f.area, type: f.type, organisation: f.organisation, active: f.active ? 'true' : '', limit: 200, after }));
      items = [...items, ...page.items];
      next = page.next ?? '';
    } catch (e) {
      error = (e as Error).message;
    }
    busy = false;
    draw();
  }

  function draw(): void {
    const exp = (format: string) => '/api/v1/services/export' + qs({ format, area: f.area, type: f.type, organisation: f.organisation, active: f.active ? 'true' : '' });
    render(
      html`<div class="dir-page" data-ready=${busy ? 'false' : 'true'} data-active=${f.active ? 'true' : 'false'} data-area=${f.area}>
        <h1 tabindex="-1">${t('dir.title')}${areaRow ? ': ' + areaRow.name : ''}</h1>
        <p class="small">${t('dir.lede')}</p>
        <form class="filters dir-filters" @submit=${apply} novalidate>
          <div class="field"><label for="dir-area">${t('dir.area')}</label>
            <input id="dir-area" name="area" .value=${f.area} maxlength="100" autocomplete="off" aria-describedby="dir-area-help ${formError ? 'dir-area-err' : ''}"
              aria-invalid=${formError ? 'true' : 'false'} />
            <span class="small" id="dir-area-help">${areaRow ? areaRow.name : t('dir.area_help')}</span>
            ${formError ? html`<span class="error" id="dir-area-err">${formError}</span>` : nothing}</div>
          <div class="field"><label for="dir-type">${t('ref.service_type')}</label>
            <select id="dir-type" name="type"><option value="">${t('dir.all_types')}</option>
              ${SERVICE_TYPES.map((s) => html`<option value=${s} ?selected=${s === f.type}>${svc(s)}</option>`)}</select></div>
          <div class="field"><label for="dir-org">${t('dir.organisation')}</label>
            <input id="dir-org" name="organisation" .value=${f.organisation} maxlength="200" autocomplete="off" /></div>
          <label class="check"><input type="checkbox" name="active" ?checked=${f.active} /> ${t('dir.active_only')}</label>
          <button type="submit" class="primary">${t('inc.apply')}</button>
        </form>
        <p class="dir-exports">${t('an.exports')}: <a href=${exp('csv')} download>CSV</a> · <a href=${exp('xlsx')} download>XLSX</a> ·
          <a href=${exp('hxl')} download>HXL</a></p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <div class="dir-grid">
          <section aria-labelledby="h-dir-list"><h2 id="h-dir-list">${t('dir.list')}</h2>
            <div class="tablewrap" tabindex="0" role="region" aria-labelledby="dir-caption">
              <table class="list dir-list stack">
                <caption id="dir-caption">${t('dir.caption', { n: fmtNum(items.length) })}</caption>
                <thead><tr><th scope="col">${t('dir.service')}</th><th scope="col">${t('dir.provider')}</th><th scope="col">${t('dir.areas')}</th>
                  <th scope="col">${t('dir.modality')}</th><th scope="col">${t('dir.referrals')}</th><th scope="col">${t('dir.confirmed')}</th>
                  <th scope="col">${t('dir.status')}</th></tr></thead>
                <tbody>${items.map(
                  (s) => html`<tr data-id=${s.id} data-type=${s.service_type}>
                    <td data-label=${t('dir.service')}><a href="#/services/${s.id}">${s.name || svc(s.service_type)}</a>
                      ${s.name ? html`<br /><span class="small">${svc(s.service_type)}</span>` : nothing}</td>
                    <td data-label=${t('dir.provider')}><b>${s.organisation}</b>${s.provider_name || s.provider ? ' · ' + (s.provider_name || s.provider) : ''}</td>
                    <td data-label=${t('dir.areas')}>${s.pcodes.map((c, i) => html`${i ? ', ' : ''}${areaName(idx, c)} <span class="pcode">${c}</span>`)}</td>
                    <td data-label=${t('dir.modality')}>${MODALITIES.includes(s.modality) ? t('dir.mod.' + s.modality) : s.modality}</td>
                    <td data-label=${t('dir.referrals')} data-f="accepts">${s.accepts_referrals ? t('dir.accepts') : t('dir.no_referrals')}</td>
                    <td data-label=${t('dir.confirmed')}>${lastConfirmed(s)}</td>
                    <td data-label=${t('dir.status')} data-status=${s.status}>${statusLabel(s.status)}</td>
                  </tr>`,
                )}</tbody>
              </table>
            </div>
            ${!busy && !items.length && !error ? html`<p class="note">${t('dir.none_found')}</p>` : nothing}
            ${next && !busy ? html`<button type="button" @click=${more}>${t('dir.more')}</button>` : nothing}
            ${busy ? html`<p role="status">${t('common.loading')}</p>` : nothing}
          </section>
          <section aria-labelledby="h-dir-map"><h2 id="h-dir-map">${t('dir.map')}</h2>
            ${cov ? mapView(cov, idx, within, f.type, toArea) : covError ? html`<p class="note">${covError}</p>` : html`<p role="status">${t('common.loading')}</p>`}
          </section>
        </div>
      </div>`,
      el,
    );
  }
  draw();
  const [l, c] = await Promise.allSettled([
    api.get<Page<Service>>('/services' + (filterQs ? filterQs + '&' : '?') + 'limit=200'),
    api.get<Coverage>('/services/coverage' + qs({ level, type: f.type })),
  ]);
  if (l.status === 'fulfilled') {
    items = l.value.items;
    next = l.value.next ?? '';
  } else error = (l.reason as Error).message;
  if (c.status === 'fulfilled') cov = c.value;
  else covError = (c.reason as Error).message;
  busy = false;
  draw();
}

// --- detail and change ---------------------------------------------------------------------------

async function detail(el: HTMLElement, ctx: Ctx, id: string): Promise<void> {
  const idx = await areas();
  let s: Service | null = null;
  let error = '';
  let done = '';
  let editing = ctx.path[2] === 'edit';
  let busy = false;
  try {
    s = await api.get<Service>('/services/' + encodeURIComponent(id));
  } catch (e) {
    error = e instanceof ApiError && e.status === 404 ? t('dir.not_visible') : (e as Error).message;
  }

  async function save(e: Event): Promise<void> {
    e.preventDefault();
    if (!s) return;
    const d = new FormData(e.target as HTMLFormElement);
    const str = (k: string) => String(d.get(k) ?? '').trim();
    const pcodes = str('pcodes')
      .split(/[\s,;]+/)
      .map((x) => x.toUpperCase())
      .filter(Boolean);
    // The whole entry goes back (PUT replaces it): what was not edited as it was read.
    const body: Record<string, unknown> = {
      source_key: s.source_key,
      service_type: s.service_type,
      name: str('name'),
      provider: s.provider,
      provider_name: str('provider_name'),
      provider_type: s.provider_type,
      pcodes,
      modality: str('modality'),
      groups_served: s.groups_served,
      languages: s.languages,
      hours: str('hours'),
      accepts_referrals: d.get('accepts_referrals') === 'on',
      gbv_specialised: s.gbv_specialised,
      status: str('status'),
      assured_date: d.get('confirm') === 'on' ? today() : s.assured_date,
      sensitivity: s.sensitivity,
    };
    if (s.contact !== undefined) body.contact = str('contact');
    busy = true;
    error = '';
    done = '';
    draw();
    try {
      await api.put('/services/' + s.id, body);
      s = await api.get<Service>('/services/' + s.id);
      done = t('dir.saved');
      editing = false;
    } catch (x) {
      error = (x as Error).message;
    }
    busy = false;
    draw();
    (el.querySelector(error ? '.dir-detail .error' : '.dir-detail .ok') as HTMLElement | null)?.focus();
  }

  function editForm(x: Service): TemplateResult {
    return html`<form class="entry dir-edit" id="dir-edit" @submit=${save} novalidate>
      <fieldset><legend>${t('dir.edit_title')}</legend>
        <div class="row">
          <div class="field"><label for="de-name">${t('dir.name')}</label><input id="de-name" name="name" .value=${x.name} maxlength="500" /></div>
          <div class="field"><label for="de-provider">${t('dir.provider_name')}</label><input id="de-provider" name="provider_name" .value=${x.provider_name} maxlength="500" /></div>
        </div>
        <div class="field"><label for="de-pcodes">${t('dir.pcodes')}</label>
          <input id="de-pcodes" name="pcodes" .value=${x.pcodes.join(', ')} maxlength="2000" aria-describedby="de-pcodes-help" />
          <span class="small" id="de-pcodes-help">${t('dir.pcodes_help')}</span></div>
        <div class="row">
          <div class="field"><label for="de-modality">${t('dir.modality')}</label>
            <select id="de-modality" name="modality">${MODALITIES.map((m) => html`<option value=${m} ?selected=${m === x.modality}>${t('dir.mod.' + m)}</option>`)}</select></div>
          <div class="field"><label for="de-status">${t('dir.status')}</label>
            <select id="de-status" name="status">${STATUSES.map((m) => html`<option value=${m} ?selected=${m === x.status}>${t('dir.st.' + m)}</option>`)}</select></div>
          <div class="field"><label for="de-hours">${t('dir.hours')}</label><input id="de-hours" name="hours" .value=${x.hours} maxlength="500" /></div>
        </div>
        ${x.contact !== undefined
          ? html`<div class="field"><label for="de-contact">${t('dir.contact')}</label><input id="de-contact" name="contact" .value=${x.contact} maxlength="500" autocomplete="off" /></div>`
          : nothing}
        <label class="check"><input type="checkbox" name="accepts_referrals" ?checked=${x.accepts_referrals} /> ${t('dir.accepts')}</label>
        <label class="check"><input type="checkbox" name="confirm" /> ${t('dir.confirm_today')}</label>
        <div class="row"><button type="submit" class="primary" ?disabled=${busy}>${t('dir.save')}</button>
          <button type="button" @click=${() => { editing = false; error = ''; draw(); }}>${t('common.cancel')}</button></div>
      </fieldset>
    </form>`;
  }

  function draw(): void {
    if (!s) {
      render(
        html`<h1 tabindex="-1">${t('dir.detail_title', { id })}</h1><p class="error" role="alert">${error}</p>
          <p><a href="#/services">${t('dir.back')}</a></p>`,
        el,
      );
      return;
    }
    const x = s;
    const row = (k: string, v: unknown, f = '') =>
      v === '' || v === null || v === undefined ? nothing : html`<dt>${t(k)}</dt><dd data-f=${f || nothing}>${v}</dd>`;
    const canTry = allows(ctx.me, 'service', 'update');
    render(
      html`<div class="dir-detail" data-id=${x.id}>
        <h1 tabindex="-1">${x.name || svc(x.service_type)}</h1>
        <p><a href="#/services?type=${x.service_type}">${t('dir.back')}</a></p>
        ${done ? html`<p class="ok" role="status" tabindex="-1">${done}</p>` : nothing}
        ${error ? html`<p class="error" role="alert" tabindex="-1">${error}</p>` : nothing}
        <dl class="detail">
          ${row('ref.service_type', svc(x.service_type), 'type')} ${row('dir.organisation', x.organisation, 'organisation')}
          ${row('dir.provider_name', x.provider_name || x.provider)} ${row('dir.provider_type', x.provider_type)}
          ${row('dir.areas', html`${x.pcodes.map((c, i) => html`${i ? ', ' : ''}<a href="#/services?area=${c}&type=${x.service_type}">${areaName(idx, c)}</a> <span class="pcode">${c}</span>`)}`, 'areas')}
          ${row('dir.modality', MODALITIES.includes(x.modality) ? t('dir.mod.' + x.modality) : x.modality)}
          ${row('dir.groups', x.groups_served.map((g) => g.replace(/_/g, ' ')).join(', '))} ${row('dir.languages', x.languages.join(', '))}
          ${row('dir.hours', x.hours)} ${row('dir.contact', x.contact ?? '')}
          ${row('dir.referrals', x.accepts_referrals ? t('dir.accepts') : t('dir.no_referrals'), 'accepts')}
          ${row('dir.gbv', x.gbv_specialised ? t('common.yes') : '')}
          ${row('dir.status', statusLabel(x.status), 'status')} ${row('dir.confirmed', lastConfirmed(x), 'confirmed')}
          ${row('dir.updated', fmtDate(x.updated_at))}
        </dl>
        ${canTry && !editing ? html`<div class="row"><button type="button" data-act="edit" @click=${() => { editing = true; done = ''; draw(); (el.querySelector('#de-name') as HTMLElement | null)?.focus(); }}>${t('dir.edit')}</button></div>` : nothing}
        ${editing ? editForm(x) : nothing}
        <p class="small">${t('dir.edit_note')}</p>
      </div>`,
      el,
    );
  }
  draw();
}

export async function mount(el: HTMLElement, ctx: Ctx): Promise<void> {
  if (ctx.path[1]) return detail(el, ctx, ctx.path[1]);
  return list(el, ctx);
}
