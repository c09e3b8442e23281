// Incidents: a filtered list (area, risk, dates) and a detail view. The server applies the
// information-sharing protocol to both; a record the caller may not read answers 404 exactly
// like a missing one, and roles that only see aggregates get an empty list.
import { html, render, nothing, type TemplateResult } from 'lit-html';
import { allows, api, ApiError, qs, refers, type Incident, type Page } from '../api';
import { fmtCount, fmtDate, fmtNum, riskLabel, t } from '../i18n';
import { areas, RISKS } from './dashboard';
import type { Ctx } from '../main';


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

// The list the detail was opened from, its filters kept (#/incidents/42?list=#/incidents?...).
function backToList(ctx: Ctx): string {
  const l = ctx.params.get('list') ?? '';
  return l.startsWith('#/incidents') ? l : '#/incidents';
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
        <p><a href=${backToList(ctx)}>${t('inc.back')}</a></p>`,
      el,
    );
    return;
  }
  const area = idx.byCode.get(inc.area_pcode);
  const row = (k: string, v: unknown) => (v === '' || v === null || v === undefined ? nothing : html`<dt>${t(k)}</dt><dd>${v}</dd>`);
  render(
    html`<h1 tabindex="-1">${t('inc.detail_title', { id: String(inc.id) })}</h1>
      <p><a href=${backToList(ctx)} class="back">${t('inc.back')}</a></p>
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
      ${refers(ctx.me)
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
  // Opened from a figure of the dashboard: the whole list (newest first, with its total), the
  // figure it came from (to explain a difference) and the way back, all in the address.
  const expected = p.get('expected');
  const back = p.get('back') ?? '';
  const drilled = expected !== null || back !== '';
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
      if (drilled) {
        // Every record of one area, risk and month: read to the end (pages of 1,000, at most
        // 20), then newest first.
        let cursor: string | undefined;
        items = [];
        for (let i = 0; i < 20; ++i) {
          const page = await api.get<Page<Incident>>('/incidents' + qs({ ...filters, limit: 1000, after: cursor }));
          items = items.concat(page.items);
          cursor = page.next ? new URLSearchParams(page.next.split('?')[1] ?? '').get('after') ?? undefined : undefined;
          if (!cursor) break;
        }
        items.sort((x, y) => (x.date_start < y.date_start ? 1 : x.date_start > y.date_start ? -1 : y.id - x.id));
        next = '';
      } else {
        const page = await api.get<Page<Incident>>('/incidents' + qs({ ...filters, limit: 50, after }));
        items = after ? items.concat(page.items) : page.items;
        next = page.next ? new URLSearchParams(page.next.split('?')[1] ?? '').get('after') ?? '' : '';
      }
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
    if (back) q.set('back', back);
    ctx.go('#/incidents' + (q.toString() ? '?' + q.toString() : ''));
  }

  // The dashboard's figure against the list: the same when the reader may read every record it
  // counts; else a line saying how many are not listed and why (the protocol's, not ours).
  function explain(): TemplateResult | typeof nothing {
    if (!drilled || busy || error || expected === null) return nothing;
    const duplicates = items.filter((i) => i.duplicate_of).length;
    const listed = items.length - duplicates;
    const n = Number(expected);
    const what = filters.risk ? riskLabel(filters.risk) : t('dash.all_risks');
    const figures = { expected: fmtCount(Number.isNaN(n) ? expected : n), what, n: fmtNum(listed) };
    if (!Number.isNaN(n) && n === listed)
      return html`<p class="match" data-match="true">${t('inc.drill_match', figures)}</p>`;
    const why = !allows(ctx.me, 'incident', 'read_individual')
      ? t('inc.why_aggregate')
      : Number.isNaN(n)
        ? t('inc.why_suppressed')
        : listed < n && ctx.me.own_organisation_only
          ? t('inc.why_own_org', { hidden: fmtNum(n - listed), org: ctx.me.organisation })
          : listed < n
          ? t('inc.why_protocol', { hidden: fmtNum(n - listed) })
          : t('inc.why_more');
    return html`<p class="note hidden-line" role="note" data-match="false" data-hidden=${Number.isNaN(n) ? '' : String(Math.max(0, n - listed))}>
      ${t('inc.drill_differs', figures)} ${why}${duplicates ? ' ' + t('inc.why_duplicates', { n: fmtNum(duplicates) }) : ''}</p>`;
  }

  const exportHref = '/api/v1/exports/incidents' + qs({ format: 'csv', area: filters.area, risk: filters.risk, from: filters.from, to: filters.to });

  function draw(): void {
    render(
      html`<h1 tabindex="-1">${t('inc.title')}</h1>
        ${drilled && back.startsWith('#/') ? html`<p><a href=${back} class="back">${t('inc.back_dash')}</a></p>` : nothing}
        ${!allows(ctx.me, 'incident', 'read_individual') ? html`<p class="note" role="note">${t('inc.aggregate_only')}</p>` : nothing}
        <form class="filters" @submit=${apply}>
          <div class="field"><label for="f-area">${t('inc.area')}</label>
            <select id="f-area" name="area"><option value="">${t('common.all')}</option>
              ${filters.area && (idx.byCode.get(filters.area)?.level ?? 0) > 2
                ? html`<option value=${filters.area} selected>${idx.byCode.get(filters.area)?.name ?? ''} (${filters.area})</option>`
                : nothing}${opts}</select></div>
          <div class="field"><label for="f-risk">${t('inc.risk')}</label>
            <select id="f-risk" name="risk"><option value="">${t('common.all')}</option>
              ${RISKS.map((r) => html`<option value=${r} ?selected=${r === filters.risk}>${riskLabel(r)}</option>`)}</select></div>
          <div class="field"><label for="f-from">${t('inc.from')}</label><input id="f-from" name="from" type="date" .value=${filters.from} /></div>
          <div class="field"><label for="f-to">${t('inc.to')}</label><input id="f-to" name="to" type="date" .value=${filters.to} /></div>
          <button type="submit" class="primary">${t('inc.apply')}</button>
        </form>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${drilled && !busy && !error
          ? html`<p class="total" data-total=${items.length}>${t('inc.total', { n: fmtNum(items.length) })} ·
              <a href=${exportHref} download class="export">${t('inc.export')}</a></p>`
          : nothing}
        ${explain()}
        <div class="tablewrap" tabindex="0" role="region" aria-labelledby="inc-caption">
        <table class="list">
          <caption id="inc-caption">${t('inc.caption', { n: fmtNum(items.length) })}</caption>
          <thead><tr><th scope="col">${t('inc.id')}</th><th scope="col">${t('inc.date')}</th><th scope="col">${t('inc.area')}</th>
            <th scope="col">${t('inc.risks')}</th><th scope="col">${t('inc.organisation')}</th><th scope="col">${t('inc.sensitivity')}</th></tr></thead>
          <tbody>
            ${items.map(
              (i) => html`<tr>
                <td><a href="#/incidents/${i.id}?${new URLSearchParams({ list: location.hash }).toString()}">${i.id}</a></td>
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
