// Incidents: a filtered list (area, risk, dates) and a detail view. The server applies the
// information-sharing protocol to both; a record the caller may not read answers 404 exactly
// like a missing one, and roles that only see aggregates get an empty list.
import { html, render, nothing, type TemplateResult } from 'lit-html';
import { api, ApiError, REFERRERS, qs, type Incident, type Page } from '../api';
import { fmtDate, fmtNum, riskLabel, t } from '../i18n';
import { areas, RISKS } from './dashboard';
import type { Ctx } from '../main';

const AGGREGATE_ONLY = new Set(['viewer', 'outside_recipient']);

export async function areaOptions(selected: string, maxLevel = 2): Promise<TemplateResult> {
  const idx = await areas();
  const all = [...idx.byCode.values()].filter((a) => a.level >= 1 && a.level <= maxLevel);
  const states = all.filter((a) => a.level === 1).sort((a, b) => a.name.localeCompare(b.name));
  return html`${states.map(
    (s) => html`<optgroup label=${s.name}>
      <option value=${s.pcode} ?selected=${s.pcode === selected}>${s.name} (${s.pcode})</option>
      ${all
        .filter((c) => c.level === 2 && c.parent === s.pcode)
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((c) => html`<option value=${c.pcode} ?selected=${c.pcode === selected}>${c.name} (${c.pcode})</option>`)}
    </optgroup>`,
  )}`;
}

async function detail(el: HTMLElement, ctx: Ctx, id: string): Promise<void> {
  const idx = await areas();
  let inc: Incident;
  try {
    inc = await api.get<Incident>('/incidents/' + encodeURIComponent(id));
  } catch (e) {
    const hidden = e instanceof ApiError && e.status === 404;
    render(
      html`<h1 tabindex="-1">${t('inc.detail_title', { id })}</h1>
        <p class="error" role="alert" data-denied=${hidden ? 'true' : 'false'}>${hidden ? t('inc.not_visible') : (e as Error).message}</p>
        <p><a href="#/incidents">${t('inc.back')}</a></p>`,
      el,
    );
    return;
  }
  const area = idx.byCode.get(inc.area_pcode);
  const row = (k: string, v: unknown) => (v === '' || v === null || v === undefined ? nothing : html`<dt>${t(k)}</dt><dd>${v}</dd>`);
  render(
    html`<h1 tabindex="-1">${t('inc.detail_title', { id: String(inc.id) })}</h1>
      <p><a href="#/incidents">${t('inc.back')}</a></p>
      <dl class="detail">
        ${row('inc.date', inc.date_start === inc.date_end ? fmtDate(inc.date_start) : fmtDate(inc.date_start) + ' – ' + fmtDate(inc.date_end))}
        ${row('inc.area', (area ? area.name + ' ' : '') + '(' + inc.area_pcode + ')')}
        ${row('inc.risks', inc.risks.map(riskLabel).join('; '))}
        ${row('inc.act_type', inc.act_type)} ${row('inc.perpetrator', inc.perpetrator)}
        ${row('inc.organisation', inc.organisation)} ${row('inc.source', inc.source)}
        ${row('inc.source_type', inc.source_type)} ${row('inc.verification', inc.verification)}
        ${row('inc.sensitivity', inc.sensitivity)}
        ${row('inc.killed', inc.killed === null ? '' : fmtNum(inc.killed))} ${row('inc.injured', inc.injured === null ? '' : fmtNum(inc.injured))}
        ${row('inc.narrative', inc.narrative)} ${row('inc.contact', inc.contact)}
      </dl>
      ${REFERRERS.has(ctx.me.role)
        ? html`<p><a class="refer" href="#/referrals/new?origin=incident&origin_id=${inc.id}&area=${encodeURIComponent(inc.area_pcode)}">${t('inc.refer')}</a></p>`
        : nothing}
      <p class="small">${t('inc.audited')}</p>`,
    el,
  );
}

export async function mount(el: HTMLElement, ctx: Ctx): Promise<void> {
  if (ctx.path[1]) return detail(el, ctx, ctx.path[1]);
  const p = ctx.params;
  const filters = { area: p.get('area') ?? '', risk: p.get('risk') ?? '', from: p.get('from') ?? '', to: p.get('to') ?? '' };
  const idx = await areas();
  const opts = await areaOptions(filters.area);
  let items: Incident[] = [];
  let next = '';
  let error = '';
  let busy = true;

  async function load(after?: string): Promise<void> {
    busy = true;
    draw();
    try {
      const page = await api.get<Page<Incident>>('/incidents' + qs({ ...filters, limit: 50, after }));
      items = after ? items.concat(page.items) : page.items;
      next = page.next ? new URLSearchParams(page.next.split('?')[1] ?? '').get('after') ?? '' : '';
      error = '';
    } catch (e) {
      error = (e as Error).message;
    }
    busy = false;
    draw();
  }

  function apply(e: Event): void {
    e.preventDefault();
    const d = new FormData(e.target as HTMLFormElement);
    const q = new URLSearchParams();
    for (const k of ['area', 'risk', 'from', 'to']) {
      const v = String(d.get(k) ?? '');
      if (v) q.set(k, v);
    }
    ctx.go('#/incidents' + (q.toString() ? '?' + q.toString() : ''));
  }

  function draw(): void {
    render(
      html`<h1 tabindex="-1">${t('inc.title')}</h1>
        ${AGGREGATE_ONLY.has(ctx.me.role) ? html`<p class="note" role="note">${t('inc.aggregate_only')}</p>` : nothing}
        <form class="filters" @submit=${apply}>
          <div class="field"><label for="f-area">${t('inc.area')}</label>
            <select id="f-area" name="area"><option value="">${t('common.all')}</option>${opts}</select></div>
          <div class="field"><label for="f-risk">${t('inc.risk')}</label>
            <select id="f-risk" name="risk"><option value="">${t('common.all')}</option>
              ${RISKS.map((r) => html`<option value=${r} ?selected=${r === filters.risk}>${riskLabel(r)}</option>`)}</select></div>
          <div class="field"><label for="f-from">${t('inc.from')}</label><input id="f-from" name="from" type="date" .value=${filters.from} /></div>
          <div class="field"><label for="f-to">${t('inc.to')}</label><input id="f-to" name="to" type="date" .value=${filters.to} /></div>
          <button type="submit" class="primary">${t('inc.apply')}</button>
        </form>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <div class="tablewrap" tabindex="0" role="region" aria-labelledby="inc-caption">
        <table class="list">
          <caption id="inc-caption">${t('inc.caption', { n: fmtNum(items.length) })}</caption>
          <thead><tr><th scope="col">${t('inc.id')}</th><th scope="col">${t('inc.date')}</th><th scope="col">${t('inc.area')}</th>
            <th scope="col">${t('inc.risks')}</th><th scope="col">${t('inc.organisation')}</th><th scope="col">${t('inc.sensitivity')}</th></tr></thead>
          <tbody>
            ${items.map(
              (i) => html`<tr>
                <td><a href="#/incidents/${i.id}">${i.id}</a></td>
                <td>${fmtDate(i.date_start)}</td>
                <td>${idx.byCode.get(i.area_pcode)?.name ?? ''} <span class="pcode">${i.area_pcode}</span></td>
                <td>${i.risks.map((r) => html`<abbr title=${riskLabel(r)}>${r}</abbr> `)}</td>
                <td>${i.organisation}</td><td>${i.sensitivity}</td>
              </tr>`,
            )}
          </tbody>
        </table></div>
        ${!busy && items.length === 0 ? html`<p>${t('inc.none')}</p>` : nothing}
        ${busy ? html`<p role="status">${t('common.loading')}</p>` : nothing}
        ${next && !busy ? html`<button type="button" @click=${() => load(next)}>${t('inc.more')}</button>` : nothing}`,
      el,
    );
  }
  await load();
}
