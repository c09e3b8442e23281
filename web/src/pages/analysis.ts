// The analysis update: per area, the overall phase, the top risks with their phases, incidents
// and trends, for a chosen period and admin level; exports of the same table.
import { html, render, nothing } from 'lit-html';
import { api, qs, type Analysis, type AreaResult } from '../api';
import { fmtCount, fmtMonth, riskLabel, t } from '../i18n';
import { phaseClass, phaseName } from '../phase';
import type { Ctx } from '../main';
import { arrow, incChange, incidentsHash } from './dashboard';

function topRisks(a: AreaResult) {
  return a.risks
    .filter((r) => r.risk !== '*' && (r.phase ?? 0) >= 3)
    .sort((x, y) => (y.phase ?? 0) - (x.phase ?? 0))
    .slice(0, 3);
}

// The dashboard of the area's parent with the area's evidence open.
function evidenceHash(pcode: string, parent: string, level: number, period: string): string {
  const p = new URLSearchParams();
  if (level >= 2 && parent) p.set('area', parent);
  p.set('period', period);
  p.set('ev', pcode);
  return '#/dashboard?' + p.toString();
}

export async function mount(el: HTMLElement, ctx: Ctx): Promise<void> {
  const level = ctx.params.get('level') ?? '2';
  const period = ctx.params.get('period') ?? '';
  render(html`<h1 tabindex="-1">${t('an.title')}</h1><p role="status">${t('common.loading')}</p>`, el);
  const byChange = ctx.params.get('sort') === 'change';
  const an = await api.get<Analysis>('/analysis' + qs({ level, period, compare: 'true' }));
  // Areas with a phase now or in the previous period (one that fell to "not assessed" is news).
  const change = (a: AreaResult) => a.previous?.phase_change ?? -99;
  const rows = [...an.areas]
    .filter((a) => a.overall_phase !== 0 || (a.previous?.overall_phase ?? 0) !== 0)
    .sort((x, y) => (byChange ? change(y) - change(x) : 0) || y.overall_phase - x.overall_phase || x.name.localeCompare(y.name));
  const onSort = () => ctx.go('#/analysis' + qs({ level, period: an.period, sort: byChange ? '' : 'change' }));
  const months = an.months.filter((m) => m <= an.period);
  const apply = (e: Event) => {
    e.preventDefault();
    const d = new FormData(e.target as HTMLFormElement);
    ctx.go('#/analysis' + qs({ level: String(d.get('level')), period: String(d.get('period')), sort: byChange ? 'change' : '' }));
  };
  const exp = (format: string) => '/api/v1/exports/analysis' + qs({ format, level, period: an.period });
  const trendText = (flag: string | undefined) => (flag ? t('trend.' + flag.replace(' ', '_')) : '');
  render(
    html`<h1 tabindex="-1">${t('an.title')}: ${fmtMonth(an.period)}</h1>
      <form class="filters" @submit=${apply}>
        <div class="field"><label for="an-period">${t('dash.period')}</label>
          <select id="an-period" name="period">${months.map((m) => html`<option value=${m} ?selected=${m === an.period}>${fmtMonth(m)}</option>`)}</select></div>
        <div class="field"><label for="an-level">${t('an.level')}</label>
          <select id="an-level" name="level">${[0, 1, 2, 3].map((l) => html`<option value=${l} ?selected=${String(l) === level}>${t('dash.level_' + l)}</option>`)}</select></div>
        <button type="submit" class="primary">${t('inc.apply')}</button>
      </form>
      <p>${t('an.exports')}: <a href=${exp('csv')} download>CSV</a> · <a href=${exp('xlsx')} download>XLSX</a> ·
        <a href=${exp('hxl')} download>HXL</a> · <a href=${exp('json')} download>JSON</a></p>
      ${an.notes.length ? html`<div class="note" role="note">${an.notes.map((n) => html`<p>${n}</p>`)}</div>` : nothing}
      <p><button type="button" class="sortbtn" aria-pressed=${byChange ? 'true' : 'false'} @click=${onSort}>${t('chg.sort')}</button></p>
      <div class="tablewrap" tabindex="0" role="region" aria-labelledby="an-caption"><table class="list heat-an">
        <caption id="an-caption">${t('an.caption', { n: String(rows.length) })}</caption>
        <thead><tr><th scope="col">${t('dash.area')}</th><th scope="col">${t('dash.overall')}</th><th scope="col">${t('chg.col')}</th><th scope="col">${t('dash.incidents')}</th><th scope="col">${t('an.top')}</th></tr></thead>
        <tbody>${rows.map(
          (a) => html`<tr data-pcode=${a.pcode}>
            <th scope="row"><bdi>${a.name}</bdi> <span class="pcode">${a.pcode}</span></th>
            <td class=${phaseClass(a.overall_phase)}>${Number(level) >= 1 && a.overall_phase
              ? html`<a class="evlink" href=${evidenceHash(a.pcode, a.parent_pcode, Number(level), an.period)}
                  aria-label=${t('ev.open', { name: a.name, p: a.overall_phase, phase_name: phaseName(a.overall_phase) })}>${a.overall_phase} · ${phaseName(a.overall_phase)}</a>`
              : html`${a.overall_phase || '–'} · ${phaseName(a.overall_phase)}`}</td>
            <td class="chgcell" data-direction=${a.direction ?? ''}>${arrow(a.previous, 'prev')} ${arrow(a.last_year, 'ly')}</td>
            <td class="num"><a href=${incidentsHash(a.pcode, '', an.period, a.risks.find((r) => r.risk === '*')?.incidents)}
              >${fmtCount(a.risks.find((r) => r.risk === '*')?.incidents)}</a>${incChange(a.previous)}</td>
            <td><ul class="plain">${topRisks(a).map(
              (r) => html`<li><span class=${phaseClass(r.phase) + ' sw'}>${r.phase}</span> ${riskLabel(r.risk)} (${fmtCount(r.incidents)}${r.trend && r.trend.flag !== 'stable' && r.trend.flag !== 'no data' ? ', ' + trendText(r.trend.flag) : ''})</li>`,
            )}</ul></td>
          </tr>`,
        )}</tbody></table></div>
      ${an.not_further_located?.length
        ? html`<div class="tablewrap" tabindex="0" role="region" aria-labelledby="an-nfl-caption"><table class="list nfl">
            <caption id="an-nfl-caption">${t('an.nfl_caption', { n: fmtCount(an.not_further_located_incidents) })}</caption>
            <thead><tr><th scope="col">${t('dash.area')}</th><th scope="col">${t('dash.incidents')}</th><th scope="col">${t('an.nfl_risks')}</th></tr></thead>
            <tbody>${an.not_further_located.map(
              (a) => html`<tr data-nfl=${a.pcode}>
                <th scope="row">${t('dash.nfl_name', { name: a.name })} <span class="pcode">${a.pcode}</span></th>
                <td class="num">${fmtCount(a.risks.find((r) => r.risk === '*')?.incidents)}</td>
                <td>${a.risks
                  .filter((r) => r.risk !== '*' && r.incidents !== 0 && r.incidents !== 'withheld')
                  .map((r) => riskLabel(r.risk) + ' ' + fmtCount(r.incidents))
                  .join(', ')}</td>
              </tr>`,
            )}</tbody></table></div>`
        : nothing}`,
    el,
  );
}
