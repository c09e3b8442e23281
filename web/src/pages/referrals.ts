// Referrals (doc/referrals.md): the received and sent lists, a referral's detail with the
// actions the reader's side may take, and the form that sends a person to another organisation's
// service with the person's consent. The server decides who sees which of the person's fields;
// the page shows only what the answer holds.
import { html, render, nothing, type TemplateResult } from 'lit-html';
import { api, ApiError, qs, type Page } from '../api';
import { fmtDate, fmtNum, t } from '../i18n';
import { areas } from './dashboard';
import { SERVICE_TYPES } from '../svc';
import type { Ctx } from '../main';

const PRIORITIES = ['emergency', 'urgent', 'normal'];
const PURPOSES = ['service_provision', 'case_management', 'follow_up'];
const OUTCOMES = ['service_provided', 'already_received', 'declined', 'service_unavailable', 'not_applicable'];
const FIELDS = ['name', 'phone', 'location', 'sex', 'age', 'reason'];

interface Consent {
  given_by: string;
  caregiver_relation: string;
  purpose: string;
  receiving_organisation: string;
  fields: string[];
  given_at: string;
  expires_at: string;
  withdrawn_at: string;
  in_force: boolean;
}

interface Referral {
  id: number;
  case_code: string;
  origin: string;
  origin_id: number;
  referring_organisation: string;
  receiving_organisation: string;
  service_id: number;
  service_type: string;
  area: string;
  priority: string;
  purpose: string;
  gbv: boolean;
  status: string;
  outcome: string;
  created_at: string;
  due_at: string;
  accepted_at: string;
  closed_at: string;
  overdue: boolean;
  consent_recorded: boolean;
  consent: Consent;
  disclosed_fields: string[];
  person: { name?: string; phone?: string; location?: string; sex?: string; age?: number };
  reason?: string;
  status_reason?: string;
  history?: { at: string; actor: string; action: string; from: string; to: string }[];
}

interface Recipient {
  id: number;
  organisation: string;
  provider_name: string;
  name: string;
  service_type: string;
  distance: number;
  confirmed: boolean;
  gbv_specialised: boolean;
}

const personValue = (f: string, v: unknown) => (f === 'sex' && (v === 'f' || v === 'm') ? t('ref.sex.' + v) : String(v));
const svc = (s: string) => (s ? t('svc.' + s) : '–');
const label = (prefix: string, v: string) => (v ? t(prefix + v) : '–');
const EVENTS = new Set(['created', 'created_without_consent', 'accepted', 'rejected', 'closed', 'withdrawn', 'consent_withdrawn', 'escalated']);
const evLabel = (a: string) => (EVENTS.has(a) ? t('ref.ev.' + a) : a);

// --- lists ---------------------------------------------------------------------------------------

async function list(el: HTMLElement, ctx: Ctx): Promise<void> {
  const side = ctx.params.get('side') === 'sent' ? 'sent' : 'received';
  const idx = await areas();
  let items: Referral[] = [];
  let error = '';
  let busy = true;

  function draw(): void {
    const other = (r: Referral) => (side === 'received' ? r.referring_organisation : r.receiving_organisation);
    render(
      html`<div class="ref-page" data-side=${side} data-ready=${busy ? 'false' : 'true'}>
        <div class="page-head"><h1 tabindex="-1">${t('ref.title')}</h1>
          <p><a href="#/referrals/new">${t('ref.new')}</a></p></div>
        <div class="tabs" role="tablist" aria-label=${t('ref.title')}>
          ${(['received', 'sent'] as const).map(
            (s) => html`<button role="tab" type="button" data-side=${s} aria-selected=${s === side ? 'true' : 'false'}
              @click=${() => ctx.go('#/referrals?side=' + s)}>${t('ref.' + s)}</button>`,
          )}
        </div>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <div class="tablewrap" tabindex="0" role="region" aria-labelledby="ref-caption">
          <table class="list ref-list stack">
            <caption id="ref-caption">${t('ref.caption_' + side, { n: fmtNum(items.length) })}</caption>
            <thead><tr><th scope="col">${t('ref.id')}</th><th scope="col">${t(side === 'received' ? 'ref.from_org' : 'ref.to_org')}</th>
              <th scope="col">${t('ref.service_type')}</th><th scope="col">${t('ref.area')}</th><th scope="col">${t('ref.priority')}</th>
              <th scope="col">${t('ref.status')}</th><th scope="col">${t('ref.due')}</th></tr></thead>
            <tbody>
              ${items.map(
                (r) => html`<tr data-id=${r.id} class=${r.overdue ? 'overdue' : ''}>
                  <td data-label=${t('ref.id')}><a href="#/referrals/${r.id}">${r.id}</a></td>
                  <td data-label=${t(side === 'received' ? 'ref.from_org' : 'ref.to_org')}>${other(r)}</td>
                  <td data-label=${t('ref.service_type')}>${svc(r.service_type)}</td>
                  <td data-label=${t('ref.area')}>${idx.byCode.get(r.area)?.name ?? ''} <span class="pcode">${r.area}</span></td>
                  <td data-label=${t('ref.priority')}>${label('ref.pri.', r.priority)}</td>
                  <td data-label=${t('ref.status')} data-status=${r.status}>${label('ref.st.', r.status)}</td>
                  <td data-label=${t('ref.due')}>${fmtDate(r.due_at)} ${r.overdue ? html`<span class="badge overdue-badge">${t('ref.overdue')}</span>` : nothing}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
        ${!busy && items.length === 0 && !error ? html`<p>${t('ref.none')}</p>` : nothing}
        ${busy ? html`<p role="status">${t('common.loading')}</p>` : nothing}
      </div>`,
      el,
    );
  }
  draw();
  try {
    const page = await api.get<Page<Referral>>('/referrals' + qs({ side, limit: 200 }));
    items = [...page.items].sort((a, b) => (b.created_at || '').localeCompare(a.created_at || '') || b.id - a.id);
  } catch (e) {
    error = (e as Error).message;
  }
  busy = false;
  draw();
}

// --- detail --------------------------------------------------------------------------------------

async function detail(el: HTMLElement, ctx: Ctx, id: string): Promise<void> {
  const idx = await areas();
  let r: Referral | null = null;
  let error = '';
  let done = '';
  let busy = false;
  let asking = ''; // 'rejected' | 'withdrawn' | 'closed': the form that asks a reason or an outcome

  async function load(): Promise<void> {
    try {
      r = await api.get<Referral>('/referrals/' + encodeURIComponent(id));
    } catch (e) {
      error = e instanceof ApiError && e.status === 404 ? t('ref.not_visible') : (e as Error).message;
    }
  }

  async function act(path: string, body: unknown, ok: string): Promise<void> {
    busy = true;
    error = '';
    done = '';
    draw();
    try {
      await api.post(path, body);
      done = ok;
      asking = '';
      await load();
    } catch (e) {
      error = (e as Error).message;
    }
    busy = false;
    draw();
  }

  function status(to: string, e?: Event): void {
    let outcome = '';
    let reason = '';
    if (e) {
      e.preventDefault();
      const d = new FormData(e.target as HTMLFormElement);
      outcome = String(d.get('outcome') ?? '');
      reason = String(d.get('reason') ?? '').trim();
    }
    void act(`/referrals/${id}/status`, { status: to, outcome, reason }, t('ref.done.' + to));
  }

  function withdrawConsent(): void {
    if (!confirm(t('ref.confirm_consent_withdraw'))) return;
    void act(`/referrals/${id}/consent/withdraw`, {}, t('ref.done.consent_withdrawn'));
  }

  function askForm(): TemplateResult | typeof nothing {
    if (!asking) return nothing;
    const cancel = html`<button type="button" @click=${() => { asking = ''; draw(); }}>${t('common.cancel')}</button>`;
    if (asking === 'closed')
      return html`<form class="inline-form" id="ref-close" @submit=${(e: Event) => status('closed', e)}>
        <div class="field"><label for="ref-outcome">${t('ref.outcome')}</label>
          <select id="ref-outcome" name="outcome" required>
            ${OUTCOMES.map((o) => html`<option value=${o}>${t('ref.out.' + o)}</option>`)}
          </select></div>
        <div class="row"><button type="submit" class="primary" ?disabled=${busy}>${t('ref.act.close')}</button>${cancel}</div>
      </form>`;
    return html`<form class="inline-form" id="ref-reason" @submit=${(e: Event) => status(asking, e)}>
      <div class="field"><label for="ref-reason-text">${t('ref.reason_for.' + asking)}</label>
        <textarea id="ref-reason-text" name="reason" rows="2" maxlength="4000" required></textarea></div>
      <div class="row"><button type="submit" class="primary" ?disabled=${busy}>${t(asking === 'rejected' ? 'ref.act.reject' : 'ref.act.withdraw')}</button>${cancel}</div>
    </form>`;
  }

  function draw(): void {
    if (!r) {
      render(
        html`<h1 tabindex="-1">${t('ref.detail_title', { id })}</h1>
          <p class="error" role="alert">${error}</p><p><a href="#/referrals">${t('ref.back')}</a></p>`,
        el,
      );
      return;
    }
    const x = r;
    const org = ctx.me.organisation;
    const receiver = !!org && org === x.receiving_organisation;
    const referrer = !!org && org === x.referring_organisation;
    const row = (k: string, v: unknown, f = '') =>
      v === '' || v === null || v === undefined ? nothing : html`<dt>${t(k)}</dt><dd data-f=${f || nothing}>${v}</dd>`;
    const area = idx.byCode.get(x.area);
    const person = x.person ?? {};
    const personRows = FIELDS.filter((f) => f !== 'reason' && (person as Record<string, unknown>)[f] !== undefined);
    const buttons: TemplateResult[] = [];
    if (receiver && x.status === 'sent') {
      buttons.push(html`<button type="button" class="primary" data-act="accept" ?disabled=${busy} @click=${() => status('accepted')}>${t('ref.act.accept')}</button>`);
      buttons.push(html`<button type="button" data-act="reject" ?disabled=${busy} @click=${() => { asking = 'rejected'; draw(); }}>${t('ref.act.reject')}</button>`);
    }
    if (receiver && x.status === 'accepted')
      buttons.push(html`<button type="button" class="primary" data-act="close" ?disabled=${busy} @click=${() => { asking = 'closed'; draw(); }}>${t('ref.act.close')}</button>`);
    if (referrer && (x.status === 'sent' || x.status === 'accepted'))
      buttons.push(html`<button type="button" data-act="withdraw" ?disabled=${busy} @click=${() => { asking = 'withdrawn'; draw(); }}>${t('ref.act.withdraw')}</button>`);
    if (referrer && x.consent_recorded && !x.consent.withdrawn_at)
      buttons.push(html`<button type="button" data-act="consent" ?disabled=${busy} @click=${withdrawConsent}>${t('ref.act.consent_withdraw')}</button>`);
    render(
      html`<div class="ref-detail" data-id=${x.id} data-status=${x.status}>
        <h1 tabindex="-1">${t('ref.detail_title', { id: String(x.id) })}</h1>
        <p><a href="#/referrals?side=${receiver ? 'received' : 'sent'}">${t('ref.back')}</a></p>
        ${done ? html`<p class="ok" role="status">${done}</p>` : nothing}
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        <section aria-labelledby="h-route"><h2 id="h-route">${t('ref.route')}</h2>
          <dl class="detail">
            ${row('ref.from_org', x.referring_organisation)} ${row('ref.to_org', x.receiving_organisation)}
            ${row('ref.service_type', svc(x.service_type))} ${row('ref.service_id', x.service_id ? String(x.service_id) : '')}
            ${row('ref.area', (area ? area.name + ' ' : '') + '(' + x.area + ')')}
            ${row('ref.priority', label('ref.pri.', x.priority))} ${row('ref.purpose', label('ref.pur.', x.purpose))}
            ${row('ref.status', html`${label('ref.st.', x.status)} ${x.overdue ? html`<span class="badge overdue-badge">${t('ref.overdue')}</span>` : nothing}`, 'status')}
            ${row('ref.outcome', x.outcome ? t('ref.out.' + x.outcome) : '', 'outcome')}
            ${row('ref.status_reason', x.status_reason ?? '')}
            ${row('ref.created', fmtDate(x.created_at))} ${row('ref.due', fmtDate(x.due_at))}
            ${row('ref.accepted_at', fmtDate(x.accepted_at))} ${row('ref.closed_at', fmtDate(x.closed_at))}
            ${row('ref.case_code', x.case_code)} ${row('ref.origin', x.origin && x.origin !== 'direct' ? ((x.origin === 'incident' || x.origin === 'alert') && referrer ? html`<a href="#/${x.origin}s/${x.origin_id}">${t('ref.origin.' + x.origin, { id: String(x.origin_id) })}</a>` : t('ref.origin.' + x.origin, { id: String(x.origin_id) })) : '')}
            ${row('ref.gbv', x.gbv ? t('common.yes') : '')}
          </dl></section>
        ${buttons.length ? html`<div class="row ref-actions">${buttons}</div>` : nothing}
        ${askForm()}
        <section aria-labelledby="h-consent"><h2 id="h-consent">${t('ref.consent')}</h2>
          ${x.consent_recorded
            ? html`<dl class="detail">
                ${row('ref.given_by', label('ref.gb.', x.consent.given_by))} ${row('ref.caregiver_relation', x.consent.caregiver_relation)}
                ${row('ref.fields', x.consent.fields.map((f) => t('ref.f.' + f)).join(', ') || '–', 'fields')}
                ${row('ref.given_at', fmtDate(x.consent.given_at))} ${row('ref.expires_at', fmtDate(x.consent.expires_at))}
                ${row('ref.withdrawn_at', fmtDate(x.consent.withdrawn_at))}
                ${row('ref.in_force', x.consent.in_force ? t('common.yes') : t('common.no'), 'in_force')}
              </dl>`
            : html`<p class="note">${t('ref.no_consent')}</p>`}
        </section>
        <section aria-labelledby="h-person"><h2 id="h-person">${t('ref.person')}</h2>
          ${personRows.length || x.reason !== undefined
            ? html`<dl class="detail person">
                ${personRows.map((f) => row('ref.f.' + f, personValue(f, (person as Record<string, unknown>)[f]), f))}
                ${x.reason !== undefined ? row('ref.f.reason', x.reason, 'reason') : nothing}
              </dl>`
            : html`<p class="note">${t('ref.no_person')}</p>`}
        </section>
        <section aria-labelledby="h-history"><h2 id="h-history">${t('ref.history')}</h2>
          <div class="tablewrap" tabindex="0" role="region" aria-labelledby="h-history">
            <table class="list ref-history stack">
              <thead><tr><th scope="col">${t('ref.when')}</th><th scope="col">${t('ref.who')}</th><th scope="col">${t('ref.what')}</th></tr></thead>
              <tbody>${(x.history ?? []).map(
                (h) => html`<tr><td data-label=${t('ref.when')}>${fmtDate(h.at)}</td><td data-label=${t('ref.who')}>${h.actor}</td>
                  <td data-label=${t('ref.what')} data-action=${h.action}>${evLabel(h.action)}${h.from && h.to && h.to !== h.from ? html` <span class="small">(${label('ref.st.', h.from)} → ${label('ref.st.', h.to)})</span>` : nothing}</td></tr>`,
              )}</tbody>
            </table></div>
        </section>
        <p class="small">${t('inc.audited')}</p>
      </div>`,
      el,
    );
  }
  await load();
  draw();
}

// --- the form ------------------------------------------------------------------------------------

async function form(el: HTMLElement, ctx: Ctx): Promise<void> {
  const p = ctx.params;
  const origin = p.get('origin') ?? '';
  const originId = p.get('origin_id') ?? '';
  const idx = await areas();
  const clientId = typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2);
  const v = { area: p.get('area') ?? '', service_type: '', receiving_organisation: '', service_id: '' };
  let recipients: Recipient[] | null = null;
  let recipientsError = '';
  let error = '';
  let busy = false;
  let givenBy = '';

  function read(): FormData {
    return new FormData(el.querySelector('form.ref-form') as HTMLFormElement);
  }

  async function find(): Promise<void> {
    const d = read();
    v.area = String(d.get('area') ?? '').trim();
    v.service_type = String(d.get('service_type') ?? '');
    recipientsError = '';
    recipients = null;
    if (!v.area || !v.service_type) {
      recipientsError = t('ref.find_needs');
      draw();
      return;
    }
    try {
      const r = await api.get<{ items: Recipient[] }>('/services/recipients' + qs({ area: v.area, type: v.service_type }));
      recipients = r.items;
    } catch (e) {
      recipientsError = (e as Error).message;
    }
    draw();
  }

  function pick(s: Recipient): void {
    v.receiving_organisation = s.organisation;
    v.service_id = String(s.id);
    const input = el.querySelector('#rf-org') as HTMLInputElement | null;
    if (input) input.value = s.organisation;
    draw();
  }

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    const d = new FormData(e.target as HTMLFormElement);
    const s = (k: string) => String(d.get(k) ?? '').trim();
    const org = s('receiving_organisation');
    const person: Record<string, unknown> = {};
    for (const k of ['name', 'phone', 'location', 'sex']) if (s('p_' + k)) person[k] = s('p_' + k);
    if (s('p_age')) person.age = Number(s('p_age'));
    const body: Record<string, unknown> = {
      client_id: clientId,
      receiving_organisation: org,
      service_type: s('service_type'),
      area: s('area'),
      priority: s('priority'),
      purpose: s('purpose'),
      case_code: s('case_code'),
      reason: s('reason'),
      gbv: d.get('gbv') === 'on',
      person,
    };
    if (v.service_id && org === v.receiving_organisation) body.service_id = Number(v.service_id);
    if (origin && /^\d+$/.test(originId)) {
      body.origin = origin;
      body.origin_id = Number(originId);
    }
    if (s('given_by'))
      body.consent = {
        given_by: s('given_by'),
        caregiver_relation: s('caregiver_relation'),
        purpose: s('purpose'),
        receiving_organisation: org,
        fields: d.getAll('fields').map(String),
      };
    busy = true;
    error = '';
    draw();
    try {
      const r = await api.post<{ id: number }>('/referrals', body);
      ctx.go('#/referrals/' + r.id);
      return;
    } catch (x) {
      error = (x as Error).message;
    }
    busy = false;
    draw();
    (el.querySelector('.ref-form .error') as HTMLElement | null)?.focus();
  }

  function draw(): void {
    const area = idx.byCode.get(v.area);
    render(
      html`<h1 tabindex="-1">${t('ref.new_title')}</h1>
        <p><a href="#/referrals">${t('ref.back')}</a></p>
        ${origin && originId ? html`<p class="note">${t('ref.origin.' + origin, { id: originId })}</p>` : nothing}
        <form class="entry ref-form" novalidate @submit=${submit}>
          ${error ? html`<p class="error" role="alert" tabindex="-1">${error}</p>` : nothing}
          <fieldset><legend>${t('ref.service')}</legend>
            <div class="row">
              <div class="field"><label for="rf-area">${t('ref.area_pcode')}</label>
                <input id="rf-area" name="area" .value=${v.area} maxlength="20" autocomplete="off" aria-describedby="rf-area-name" />
                <span class="small" id="rf-area-name">${area ? area.name : ''}</span></div>
              <div class="field"><label for="rf-type">${t('ref.service_type')}</label>
                <select id="rf-type" name="service_type">
                  <option value="">–</option>
                  ${SERVICE_TYPES.map((s) => html`<option value=${s} ?selected=${s === v.service_type}>${t('svc.' + s)}</option>`)}
                </select></div>
              <button type="button" id="rf-find" @click=${find}>${t('ref.find')}</button>
            </div>
            ${recipientsError ? html`<p class="error" role="alert">${recipientsError}</p>` : nothing}
            ${recipients
              ? recipients.length
                ? html`<fieldset class="recipients"><legend>${t('ref.recipients', { n: fmtNum(recipients.length) })}</legend>
                    ${recipients.map(
                      (s) => html`<label class="check" data-service=${s.id}><input type="radio" name="pick" value=${s.id}
                          ?checked=${String(s.id) === v.service_id} @change=${() => pick(s)} />
                        <span>${s.name || svc(s.service_type)} · <b>${s.organisation}</b>${s.provider_name ? ' · ' + s.provider_name : ''}
                          ${s.confirmed ? nothing : html`<span class="badge" data-unconfirmed="true">${t('ref.unconfirmed')}</span>`}</span></label>`,
                    )}</fieldset>`
                : html`<p class="note" role="status">${t('ref.no_recipients')}</p>`
              : nothing}
            <div class="row">
              <div class="field"><label for="rf-org">${t('ref.to_org')}</label>
                <input id="rf-org" name="receiving_organisation" .value=${v.receiving_organisation} maxlength="200" /></div>
              <div class="field"><label for="rf-priority">${t('ref.priority')}</label>
                <select id="rf-priority" name="priority">${PRIORITIES.map((x) => html`<option value=${x} ?selected=${x === 'normal'}>${t('ref.pri.' + x)}</option>`)}</select></div>
              <div class="field"><label for="rf-purpose">${t('ref.purpose')}</label>
                <select id="rf-purpose" name="purpose">${PURPOSES.map((x) => html`<option value=${x}>${t('ref.pur.' + x)}</option>`)}</select></div>
            </div>
          </fieldset>
          <fieldset><legend>${t('ref.person')}</legend>
            <p class="small">${t('ref.person_help')}</p>
            <div class="row">
              <div class="field"><label for="rf-case">${t('ref.case_code')}</label><input id="rf-case" name="case_code" maxlength="200" /></div>
              <div class="field"><label for="rf-name">${t('ref.f.name')}</label><input id="rf-name" name="p_name" maxlength="500" autocomplete="off" /></div>
              <div class="field"><label for="rf-phone">${t('ref.f.phone')}</label><input id="rf-phone" name="p_phone" type="tel" maxlength="500" autocomplete="off" /></div>
              <div class="field"><label for="rf-location">${t('ref.f.location')}</label><input id="rf-location" name="p_location" maxlength="500" autocomplete="off" /></div>
              <div class="field"><label for="rf-sex">${t('ref.f.sex')}</label>
                <select id="rf-sex" name="p_sex"><option value="">–</option>
                  ${['f', 'm'].map((x) => html`<option value=${x}>${t('ref.sex.' + x)}</option>`)}</select></div>
              <div class="field"><label for="rf-age">${t('ref.f.age')}</label><input id="rf-age" name="p_age" inputmode="numeric" maxlength="3" /></div>
            </div>
            <div class="field"><label for="rf-reason">${t('ref.f.reason')}</label><textarea id="rf-reason" name="reason" rows="3" maxlength="4000"></textarea></div>
            <label class="check"><input type="checkbox" name="gbv" /> ${t('ref.gbv_check')}</label>
          </fieldset>
          <fieldset class="consent"><legend>${t('ref.consent')}</legend>
            <p class="small">${t('ref.consent_help')}</p>
            <div class="row">
              <div class="field"><label for="rf-given">${t('ref.given_by')}</label>
                <select id="rf-given" name="given_by" @change=${(e: Event) => { givenBy = (e.target as HTMLSelectElement).value; draw(); }}>
                  <option value="">${t('ref.gb.none')}</option>
                  ${['person', 'caregiver'].map((x) => html`<option value=${x} ?selected=${x === givenBy}>${t('ref.gb.' + x)}</option>`)}
                </select></div>
              ${givenBy === 'caregiver'
                ? html`<div class="field"><label for="rf-relation">${t('ref.caregiver_relation')}</label><input id="rf-relation" name="caregiver_relation" maxlength="200" /></div>`
                : nothing}
            </div>
            <fieldset><legend>${t('ref.fields_may_see')}</legend>
              <div class="checks">${FIELDS.map((f) => html`<label class="check"><input type="checkbox" name="fields" value=${f} /> ${t('ref.f.' + f)}</label>`)}</div>
            </fieldset>
          </fieldset>
          <button type="submit" class="primary" ?disabled=${busy}>${t('ref.send')}</button>
        </form>`,
      el,
    );
  }
  draw();
}

export async function mount(el: HTMLElement, ctx: Ctx): Promise<void> {
  if (ctx.path[1] === 'new') return form(el, ctx);
  if (ctx.path[1]) return detail(el, ctx, ctx.path[1]);
  return list(el, ctx);
}
