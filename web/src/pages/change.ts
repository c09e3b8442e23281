// "Change first" (a lazily loaded chunk of the dashboard): the list of areas that got worse
// this period at every admin level (GET /analysis/changes), and the evidence behind a phase
// (what GET /analysis?compare=true already holds: indicators, monitoring answers, reporting
// organisations, an override and its rationale, the overall-phase rule, the trend test).
// Nothing is computed here from the figures: every change is the server's, made between
// published values only.
import { html, nothing, render, type TemplateResult } from 'lit-html';
import { api, qs, type AreaResult, type Changes, type Count, type RiskCell } from '../api';
import { fmtCount, fmtDate, fmtMonth, fmtNum, riskLabel, t } from '../i18n';
import { phaseClass, phaseName } from '../phase';

const phaseText = (p: number | string | undefined): string => (typeof p === 'number' ? (p ? String(p) : '–') : t('count.withheld'));

function chip(p: number | string | undefined): TemplateResult {
  const n = typeof p === 'number' ? p : 0;
  return html`<span class="${phaseClass(n)} sw">${phaseText(p)}</span>`;
}

// The "worse this period" list, at every level under `within`; each area leads to its evidence
// (the dashboard of its parent with the evidence open) and to its incidents.
export async function worseList(
  el: HTMLElement,
  period: string,
  within: string,
  link: (pcode: string, parent: string, level: number, incidents: Count) => { evidence: string; incidents: string },
  alive: () => boolean,
): Promise<void> {
  let ch: Changes;
  try {
    ch = await api.get<Changes>('/analysis/changes' + qs({ period, within }));
  } catch (e) {
    if (alive()) render(html`<p role="alert">${(e as Error).message}</p>`, el);
    return;
  }
  if (!alive()) return;
  const prev = fmtMonth(ch.previous_period);
  render(
    html`<p class="small">${t('chg.intro', { prev, period: fmtMonth(ch.period) })}</p>
      ${ch.areas.length === 0 ? html`<p data-worse-count="0">${t('chg.none', { prev, period: fmtMonth(ch.period) })}</p>` : nothing}
      ${ch.areas.length
        ? html`<ol class="worse" data-worse-count=${ch.areas.length}>
            ${ch.areas.map((a) => {
              const l = link(a.pcode, a.parent_pcode, a.level, a.incidents);
              return html`<li data-pcode=${a.pcode} data-level=${a.level}>
                <span class="wname"><bdi>${a.name}</bdi> <span class="pcode">${a.pcode}</span> <span class="tag">${t('chg.level_' + a.level)}</span></span>
                <span class="wph" aria-label=${t('chg.phase_from_to', { from: phaseText(a.previous?.overall_phase), to: phaseText(a.overall_phase) })}
                  >${chip(a.previous?.overall_phase)} <span aria-hidden="true" class="arr">→</span> ${chip(a.overall_phase)}</span>
                <span class="winc">${t('chg.incidents_from_to', { from: fmtCount(a.previous?.incidents), to: fmtCount(a.incidents) })}</span>
                <span class="wly">${t('chg.last_year', { period: fmtMonth(ch.last_year_period), phase: phaseText(a.last_year?.overall_phase), n: fmtCount(a.last_year?.incidents) })}</span>
                <span class="wlinks"><a href=${l.evidence} class="ev-link">${t('chg.evidence')}</a> · <a href=${l.incidents} class="inc-link">${t('chg.incidents')}</a></span>
              </li>`;
            })}
          </ol>`
        : nothing}
      ${ch.counts.unknown ? html`<p class="small unknown-note">${t('chg.unknown', { n: fmtNum(ch.counts.unknown) })}</p>` : nothing}`,
    el,
  );
}

function pval(p: number | undefined): string {
  if (p === undefined) return '';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

function riskEvidence(r: RiskCell): TemplateResult {
  const ev = r.phase_evidence ?? [];
  return html`${r.phase_withheld ? html`<p>${t('ev.withheld')}: <bdi>${r.phase_withheld}</bdi></p>` : nothing}
    ${ev.length
      ? html`<h3>${t('ev.indicators')}</h3>
          <ul class="plain evl">
            ${ev.map(
              (e) => html`<li data-measure=${e.measure}>
                <bdi dir="auto">${e.measure}</bdi>${e.value_per_month !== undefined ? html`: ${fmtNum(Math.round(e.value_per_month * 100) / 100)}` : nothing}
                → ${t('ev.reaches')} ${chip(e.phase)}
                ${e.thresholds
                  ? html`<span class="small thr">(${t('ev.thresholds', { t: e.thresholds.map((v, i) => `${i + 2} ≥ ${fmtNum(v)}`).join(', ') })})</span>`
                  : nothing}
              </li>`,
            )}
          </ul>`
      : nothing}
    ${r.phase_computed !== undefined && r.phase_computed !== r.phase ? html`<p>${t('ev.computed', { p: r.phase_computed })}</p>` : nothing}
    ${r.phase_cap ? html`<p>${t('ev.cap')}: <bdi dir="auto">${r.phase_cap}</bdi></p>` : nothing}
    ${r.phase_override
      ? html`<p class="override">${t('ev.override', { p: r.phase_override.phase, by: r.phase_override.author, at: fmtDate(r.phase_override.at) })}:
          <bdi dir="auto">${r.phase_override.rationale}</bdi></p>`
      : nothing}
    <dl class="detail">
      <dt>${t('dash.incidents')}</dt><dd>${fmtCount(r.incidents)}</dd>
      <dt>${t('ev.orgs')}</dt><dd>${typeof r.organisations === 'number' ? fmtNum(r.organisations) : t('count.withheld')}</dd>
      <dt>${t('ev.monitoring')}</dt>
      <dd>${t('ev.monitoring_v', { n: fmtNum(r.monitoring_answers ?? 0), p: fmtNum(r.monitoring_present ?? 0), s: r.monitoring_severity_max ? String(r.monitoring_severity_max) : '–' })}</dd>
      ${r.trend
        ? html`<dt>${t('ev.trend')}</dt>
            <dd>${t('trend.' + r.trend.flag.replace(' ', '_'))}${r.trend.p_increase !== undefined
                ? html` · ${t('ev.pvalues', { up: pval(r.trend.p_increase), down: pval(r.trend.p_decrease), prev: fmtCount(r.trend.previous as Count), mean: fmtNum(Math.round((r.trend.baseline_mean ?? 0) * 10) / 10) })}
                    <span class="small">(<bdi dir="auto">${r.trend.test}</bdi>)</span>`
                : nothing}</dd>`
        : nothing}
    </dl>`;
}

// The evidence of an area's overall phase (risk = '') or of one risk's phase.
export function evidence(a: AreaResult, risk: string, close: () => void): TemplateResult {
  const r = risk ? a.risks.find((x) => x.risk === risk) : undefined;
  const phase = r ? r.phase : a.overall_phase;
  const title = r
    ? t('ev.title_risk', { name: a.name, risk: riskLabel(risk), p: phaseText(phase) })
    : t('ev.title', { name: a.name, p: phaseText(phase) });
  const phased = a.risks.filter((x) => x.risk !== '*' && typeof x.phase === 'number' && x.phase > 0).sort((x, y) => (y.phase ?? 0) - (x.phase ?? 0));
  return html`<div class="evidence" data-pcode=${a.pcode} data-risk=${risk || '*'}>
    <h2 id="ev-title" tabindex="-1">${title}</h2>
    <p>${chip(phase)} ${phaseName(typeof phase === 'number' ? phase : 0)}</p>
    ${r
      ? riskEvidence(r)
      : html`${a.overall_withheld ? html`<p>${t('ev.withheld')}: <bdi dir="auto">${a.overall_withheld}</bdi></p>` : nothing}
          ${a.overall_rule ? html`<p class="rule">${t('ev.rule')}: <bdi dir="auto">${a.overall_rule}</bdi></p>` : nothing}
          ${a.overall_override
            ? html`<p class="override">${t('ev.override', { p: a.overall_override.phase, by: a.overall_override.author, at: fmtDate(a.overall_override.at) })}:
                <bdi dir="auto">${a.overall_override.rationale}</bdi></p>`
            : nothing}
          <h3>${t('ev.risks')}</h3>
          <ul class="plain evl">
            ${phased.map((x) => html`<li>${chip(x.phase)} ${riskLabel(x.risk)} · ${t('dash.n_incidents', { n: fmtCount(x.incidents) })}</li>`)}
          </ul>
          ${(() => {
            const all = a.risks.find((x) => x.risk === '*');
            return all ? riskEvidence({ ...all, phase_evidence: undefined }) : nothing;
          })()}`}
    ${a.previous
      ? html`<p class="small">${t('ev.compare', {
          prev: fmtMonth(a.previous.period),
          pphase: phaseText(a.previous.overall_phase),
          pn: fmtCount(a.previous.incidents),
          ly: fmtMonth(a.last_year?.period ?? ''),
          lphase: phaseText(a.last_year?.overall_phase),
          ln: fmtCount(a.last_year?.incidents),
        })}</p>`
      : nothing}
    <button type="button" class="ev-close" @click=${close}>${t('ev.close')}</button>
  </div>`;
}
