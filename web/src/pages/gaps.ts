// The dashboard's service-gap panel (GET /api/v1/analysis/gaps, doc/referrals.md): per service
// type, the areas where the phase of the risks it answers is 3 or worse and no service covers
// them, or where referrals were turned away as "service unavailable". Loaded after the dashboard
// has drawn (its own chunk). Phases and counts are shown as the server wrote them: a withheld
// phase as withheld, a small count as "<5"; nothing is computed from them.
import { html, render, nothing, type TemplateResult } from 'lit-html';
import { api, qs, type Count } from '../api';
import { fmtCount, fmtMonth, fmtNum, riskLabel, t } from '../i18n';
import { phaseClass, phaseName } from '../phase';

export interface GapCell {
  pcode: string;
  name: string;
  service_type: string;
  phase: number;
  phase_risk: string;
  phase_withheld?: string;
  services: number;
  providers: number;
  unavailable: Count | null;
  gap: boolean;
}

export interface GapMap {
  period: string;
  level: number;
  safe: boolean;
  gaps: number;
  items: GapCell[];
}

function phaseCell(g: GapCell): TemplateResult {
  if (g.phase_withheld)
    return html`<span class="ph ph-0 sw gap-ph" data-phase="withheld" title=${g.phase_withheld}>${t('count.withheld')}</span>`;
  return html`<span class="${phaseClass(g.phase)} sw gap-ph" data-phase=${g.phase} title=${phaseName(g.phase)}
    >${g.phase || '–'}<span class="vh"> ${phaseName(g.phase)}</span></span>`;
}

function cell(g: GapCell): TemplateResult {
  const turned = g.unavailable !== null && g.unavailable !== undefined && g.unavailable !== 0;
  return html`<li class="gap" data-pcode=${g.pcode} data-type=${g.service_type}>
    ${phaseCell(g)}
    <span class="gap-area">${g.name} <span class="pcode">${g.pcode}</span></span>
    <span class="gap-why small">
      ${g.phase_risk && !g.phase_withheld ? riskLabel(g.phase_risk) + ' · ' : ''}${g.services
        ? t('gap.n_services', { n: fmtNum(g.services) })
        : html`<b>${t('gap.no_service')}</b>`}${turned
        ? html` · <span data-unavailable=${String(g.unavailable)}>${t('gap.turned_away', { n: fmtCount(g.unavailable) })}</span>`
        : nothing}
    </span>
    <a class="gap-link" href="#/services${qs({ area: g.pcode, type: g.service_type })}"
      aria-label=${t('gap.find_label', { type: t('svc.' + g.service_type), name: g.name })}>${t('gap.find')}</a>
  </li>`;
}

function view(m: GapMap): TemplateResult {
  const byType = new Map<string, GapCell[]>();
  for (const g of m.items) {
    if (!g.gap) continue;
    const l = byType.get(g.service_type) ?? [];
    l.push(g);
    byType.set(g.service_type, l);
  }
  const types = [...byType.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  return html`<p class="small">${t('gap.lede')}</p>
    <p class="gap-summary" data-gaps=${m.gaps}>${t('gap.summary', { n: fmtNum(m.gaps), types: fmtNum(types.length), period: fmtMonth(m.period) })}</p>
    ${types.length
      ? html`<div class="gap-types">${types.map(
          ([type, cells], i) => html`<details class="gap-type" data-type=${type} ?open=${i === 0}>
            <summary><span class="gap-type-name">${t('svc.' + type)}</span> <span class="small">${t('gap.n_areas', { n: fmtNum(cells.length) })}</span></summary>
            <ul class="plain gap-list">${cells.map(cell)}</ul>
          </details>`,
        )}</div>`
      : html`<p class="note">${t('gap.none')}</p>`}`;
}

// Draws the panel into `el` for the dashboard's scope; `still` says whether the dashboard that
// asked is still the one on the screen.
export async function panel(el: HTMLElement, level: number, within: string, period: string, still: () => boolean): Promise<void> {
  render(html`<p role="status">${t('common.loading')}</p>`, el);
  let m: GapMap;
  try {
    m = await api.get<GapMap>('/analysis/gaps' + qs({ level, within, period }));
  } catch (e) {
    if (still()) render(html`<p class="note">${(e as Error).message}</p>`, el);
    return;
  }
  if (!still()) return;
  render(view(m), el);
  el.dataset.ready = 'true';
}
