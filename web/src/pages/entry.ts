// Data entry: an incident form and a monitoring (key-informant) report form, with validation
// before sending, the server's field errors shown beside the field, and consent capture: without
// consent to record personal details, the narrative and contact are neither asked nor sent.
import { html, render, nothing, type TemplateResult } from 'lit-html';
import { api, ApiError } from '../api';
import { riskLabel, t } from '../i18n';
import { areas, RISKS } from './dashboard';
import type { Ctx } from '../main';

// The perpetrator categories of data/taxonomy/vocabularies.json: a category, never a name.
const PERPETRATORS = ['unknown', 'state_forces', 'international_forces', 'non_state_armed_group',
  'militia', 'criminal', 'community_member', 'family_member', 'intimate_partner', 'aid_worker',
  'multiple', 'other'];

type Errors = Record<string, string>;

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

interface AreaPick {
  state: string;
  county: string;
  payam: string;
}

async function areaPicker(pick: AreaPick, onChange: () => void, err: string): Promise<TemplateResult> {
  const idx = await areas();
  const all = [...idx.byCode.values()];
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const states = all.filter((a) => a.level === 1).sort(byName);
  const counties = all.filter((a) => a.level === 2 && a.parent === pick.state).sort(byName);
  const payams = all.filter((a) => a.level === 3 && a.parent === pick.county).sort(byName);
  const set = (k: keyof AreaPick) => (e: Event) => {
    pick[k] = (e.target as HTMLSelectElement).value;
    if (k === 'state') pick.county = pick.payam = '';
    if (k === 'county') pick.payam = '';
    onChange();
  };
  return html`<fieldset class="area-pick" aria-describedby=${err ? 'err-area' : nothing}>
    <legend>${t('entry.area')} <span class="req" aria-hidden="true">*</span></legend>
    <div class="field"><label for="a-state">${t('entry.state')}</label>
      <select id="a-state" @change=${set('state')} aria-invalid=${err ? 'true' : 'false'} required>
        <option value="">${t('entry.choose')}</option>
        ${states.map((s) => html`<option value=${s.pcode} ?selected=${s.pcode === pick.state}>${s.name}</option>`)}</select></div>
    <div class="field"><label for="a-county">${t('entry.county')}</label>
      <select id="a-county" @change=${set('county')} ?disabled=${!pick.state}>
        <option value="">${t('entry.choose')}</option>
        ${counties.map((s) => html`<option value=${s.pcode} ?selected=${s.pcode === pick.county}>${s.name}</option>`)}</select></div>
    <div class="field"><label for="a-payam">${t('entry.payam')}</label>
      <select id="a-payam" @change=${set('payam')} ?disabled=${!pick.county}>
        <option value="">${t('entry.choose')}</option>
        ${payams.map((s) => html`<option value=${s.pcode} ?selected=${s.pcode === pick.payam}>${s.name}</option>`)}</select></div>
    ${err ? html`<p class="error" id="err-area">${err}</p>` : nothing}
  </fieldset>`;
}

function fieldError(errors: Errors, name: string): TemplateResult | typeof nothing {
  return errors[name] ? html`<p class="error" id=${'err-' + name}>${errors[name]}</p>` : nothing;
}
function invalid(errors: Errors, name: string): string {
  return errors[name] ? 'true' : 'false';
}
function described(errors: Errors, name: string): string | typeof nothing {
  return errors[name] ? 'err-' + name : nothing;
}

export async function mount(el: HTMLElement, ctx: Ctx): Promise<void> {
  const kind = ctx.params.get('kind') === 'report' ? 'report' : 'incident';
  const pick: AreaPick = { state: '', county: '', payam: '' };
  let errors: Errors = {};
  let done = '';
  let busy = false;
  let consent = '';
  const setKind = (k: string) => ctx.go('#/entry?kind=' + k);

  function areaCode(): string {
    return pick.payam || pick.county || pick.state;
  }

  function validateIncident(d: FormData): Errors {
    const e: Errors = {};
    const start = String(d.get('date_start') ?? '');
    const end = String(d.get('date_end') ?? '');
    if (!start) e.date_start = t('entry.err_required');
    else if (start > today()) e.date_start = t('entry.err_future');
    if (end && start && end < start) e.date_end = t('entry.err_end_before');
    if (!areaCode()) e.area_pcode = t('entry.err_area');
    if (d.getAll('risks').length === 0) e.risks = t('entry.err_risks');
    for (const k of ['killed', 'injured']) {
      const v = String(d.get(k) ?? '');
      if (v && !/^\d{1,6}$/.test(v)) e[k] = t('entry.err_count');
    }
    if (!consent) e.consent = t('entry.err_consent');
    return e;
  }

  function validateReport(d: FormData): Errors {
    const e: Errors = {};
    const start = String(d.get('period_start') ?? '');
    const end = String(d.get('period_end') ?? '');
    if (!start) e.period_start = t('entry.err_required');
    if (end && start && end < start) e.period_end = t('entry.err_end_before');
    if (!areaCode()) e.area_pcode = t('entry.err_area');
    const any = RISKS.some((r) => d.get('present_' + r) || d.get('severity_' + r));
    if (!any) e.answers = t('entry.err_answers');
    return e;
  }

  async function submit(ev: Event): Promise<void> {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const d = new FormData(form);
    errors = kind === 'incident' ? validateIncident(d) : validateReport(d);
    done = '';
    if (Object.keys(errors).length) {
      draw();
      (el.querySelector('[aria-invalid="true"], .error') as HTMLElement | null)?.focus();
      return;
    }
    let body: Record<string, unknown>;
    if (kind === 'incident') {
      const n = (k: string) => (d.get(k) ? Number(d.get(k)) : undefined);
      body = {
        date_start: d.get('date_start'),
        date_end: d.get('date_end') || undefined,
        area_pcode: areaCode(),
        risks: d.getAll('risks'),
        act_type: d.get('act_type') || undefined,
        perpetrator: d.get('perpetrator') || undefined,
        killed: n('killed'),
        injured: n('injured'),
        sensitivity: d.get('sensitivity'),
        consent_share: consent === 'yes',
        consent_referral: d.get('consent_referral') === 'on',
      };
      if (consent === 'yes') {
        body.narrative = d.get('narrative') || undefined;
        body.contact = d.get('contact') || undefined;
      }
    } else {
      body = {
        period_start: d.get('period_start'),
        period_end: d.get('period_end') || undefined,
        area_pcode: areaCode(),
        respondent_type: d.get('respondent_type'),
        answers: RISKS.filter((r) => d.get('present_' + r) || d.get('severity_' + r)).map((r) => ({
          risk: r,
          present: d.get('present_' + r) === 'yes' ? true : d.get('present_' + r) === 'no' ? false : null,
          severity: d.get('severity_' + r) ? Number(d.get('severity_' + r)) : undefined,
        })),
      };
    }
    busy = true;
    draw();
    try {
      const r = await api.post<{ id: number }>(kind === 'incident' ? '/incidents' : '/monitoring-reports', body);
      done = t(kind === 'incident' ? 'entry.saved_incident' : 'entry.saved_report', { id: String(r.id) });
      form.reset();
      consent = '';
      pick.state = pick.county = pick.payam = '';
    } catch (e) {
      if (e instanceof ApiError && e.field) errors = { [e.field]: e.message };
      else errors = { form: (e as Error).message };
    }
    busy = false;
    await draw();
  }

  async function draw(): Promise<void> {
    const picker = await areaPicker(pick, () => void draw(), errors.area_pcode ?? '');
    const tabs = html`<div class="tabs" role="tablist" aria-label=${t('entry.kind')}>
      <button role="tab" type="button" aria-selected=${kind === 'incident' ? 'true' : 'false'} @click=${() => setKind('incident')}>${t('entry.incident')}</button>
      <button role="tab" type="button" aria-selected=${kind === 'report' ? 'true' : 'false'} @click=${() => setKind('report')}>${t('entry.report')}</button>
    </div>`;
    const status = html`${done ? html`<p class="ok" role="status">${done}</p>` : nothing}
      ${errors.form ? html`<p class="error" role="alert">${errors.form}</p>` : nothing}
      ${Object.keys(errors).length ? html`<p class="error" role="alert">${t('entry.fix_errors')}</p>` : nothing}`;
    const incident = html`<form @submit=${submit} novalidate class="entry">
      ${status}
      <div class="row">
        <div class="field"><label for="date_start">${t('entry.date_start')} <span class="req" aria-hidden="true">*</span></label>
          <input id="date_start" name="date_start" type="date" max=${today()} required aria-invalid=${invalid(errors, 'date_start')} aria-describedby=${described(errors, 'date_start')} />
          ${fieldError(errors, 'date_start')}</div>
        <div class="field"><label for="date_end">${t('entry.date_end')}</label>
          <input id="date_end" name="date_end" type="date" aria-invalid=${invalid(errors, 'date_end')} aria-describedby=${described(errors, 'date_end')} />
          ${fieldError(errors, 'date_end')}</div>
      </div>
      ${picker}
      <fieldset aria-describedby=${described(errors, 'risks')}>
        <legend>${t('entry.risks')} <span class="req" aria-hidden="true">*</span></legend>
        <div class="checks">${RISKS.map((r) => html`<label class="check"><input type="checkbox" name="risks" value=${r} /> ${riskLabel(r)}</label>`)}</div>
        ${fieldError(errors, 'risks')}
      </fieldset>
      <div class="row">
        <div class="field"><label for="act_type">${t('entry.act_type')}</label><input id="act_type" name="act_type" maxlength="200" /></div>
        <div class="field"><label for="perpetrator">${t('entry.perpetrator')}</label><select id="perpetrator" name="perpetrator">
          ${PERPETRATORS.map((p) => html`<option value=${p}>${t('perp.' + p)}</option>`)}
        </select></div>
      </div>
      <div class="row">
        <div class="field"><label for="killed">${t('inc.killed')}</label>
          <input id="killed" name="killed" inputmode="numeric" aria-invalid=${invalid(errors, 'killed')} aria-describedby=${described(errors, 'killed')} />${fieldError(errors, 'killed')}</div>
        <div class="field"><label for="injured">${t('inc.injured')}</label>
          <input id="injured" name="injured" inputmode="numeric" aria-invalid=${invalid(errors, 'injured')} aria-describedby=${described(errors, 'injured')} />${fieldError(errors, 'injured')}</div>
        <div class="field"><label for="sensitivity">${t('inc.sensitivity')}</label>
          <select id="sensitivity" name="sensitivity">
            ${['internal', 'confidential', 'strictly_confidential', 'public'].map((s) => html`<option value=${s}>${t('sens.' + s)}</option>`)}
          </select></div>
      </div>
      <fieldset class="consent" aria-describedby=${described(errors, 'consent')}>
        <legend>${t('entry.consent')} <span class="req" aria-hidden="true">*</span></legend>
        <p class="small">${t('entry.consent_help')}</p>
        <label class="check"><input type="radio" name="consent" value="yes" ?checked=${consent === 'yes'} @change=${() => { consent = 'yes'; void draw(); }} /> ${t('entry.consent_yes')}</label>
        <label class="check"><input type="radio" name="consent" value="no" ?checked=${consent === 'no'} @change=${() => { consent = 'no'; void draw(); }} /> ${t('entry.consent_no')}</label>
        <label class="check"><input type="checkbox" name="consent_referral" ?disabled=${consent !== 'yes'} /> ${t('entry.consent_referral')}</label>
        ${fieldError(errors, 'consent')}
      </fieldset>
      ${consent === 'yes'
        ? html`<div class="field"><label for="narrative">${t('inc.narrative')}</label>
              <textarea id="narrative" name="narrative" rows="4" maxlength="10000" aria-describedby="narr-help"></textarea>
              <p class="small" id="narr-help">${t('entry.narrative_help')}</p></div>
            <div class="field"><label for="contact">${t('inc.contact')}</label><input id="contact" name="contact" maxlength="500" /></div>`
        : consent === 'no'
          ? html`<p class="note">${t('entry.no_personal')}</p>`
          : nothing}
      <button type="submit" class="primary" ?disabled=${busy}>${t('entry.save')}</button>
    </form>`;
    const report = html`<form @submit=${submit} novalidate class="entry">
      ${status}
      <div class="row">
        <div class="field"><label for="period_start">${t('entry.period_start')} <span class="req" aria-hidden="true">*</span></label>
          <input id="period_start" name="period_start" type="date" required aria-invalid=${invalid(errors, 'period_start')} aria-describedby=${described(errors, 'period_start')} />${fieldError(errors, 'period_start')}</div>
        <div class="field"><label for="period_end">${t('entry.period_end')}</label>
          <input id="period_end" name="period_end" type="date" aria-invalid=${invalid(errors, 'period_end')} aria-describedby=${described(errors, 'period_end')} />${fieldError(errors, 'period_end')}</div>
        <div class="field"><label for="respondent_type">${t('entry.respondent')}</label>
          <select id="respondent_type" name="respondent_type">
            ${['key_informant', 'area', 'household'].map((s) => html`<option value=${s}>${t('resp.' + s)}</option>`)}</select></div>
      </div>
      ${picker}
      <div class="tablewrap"><table class="answers">
        <caption>${t('entry.answers')}</caption>
        <thead><tr><th scope="col">${t('inc.risk')}</th><th scope="col">${t('entry.present')}</th><th scope="col">${t('entry.severity')}</th></tr></thead>
        <tbody>${RISKS.map(
          (r) => html`<tr><th scope="row">${riskLabel(r)}</th>
            <td><select name=${'present_' + r} aria-label="${riskLabel(r)}: ${t('entry.present')}">
              <option value="">–</option><option value="yes">${t('common.yes')}</option><option value="no">${t('common.no')}</option></select></td>
            <td><select name=${'severity_' + r} aria-label="${riskLabel(r)}: ${t('entry.severity')}">
              <option value="">–</option>${[1, 2, 3, 4, 5].map((n) => html`<option value=${n}>${n}</option>`)}</select></td></tr>`,
        )}</tbody></table></div>
      ${fieldError(errors, 'answers')}
      <button type="submit" class="primary" ?disabled=${busy}>${t('entry.save')}</button>
    </form>`;
    render(html`<h1 tabindex="-1">${t('entry.title')}</h1>${tabs}${kind === 'incident' ? incident : report}`, el);
  }
  await draw();
}
