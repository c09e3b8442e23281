// Early warning (doc/alerts.md): intake of a flash alert (the SMS text as relayed, or structured
// fields), what the server understood, the caller's inbox with acknowledgement, the board of
// what waits on whom (cluster coordination), and status changes with a reason. The server
// decides who may see what; its refusals are shown as they come.
import { html, render, nothing, type TemplateResult } from 'lit-html';
import { api, ApiError, may, qs, refers } from '../api';
import { fmtDate, fmtNum, riskLabel, t } from '../i18n';
import { areas, RISKS } from './dashboard';
import type { Ctx } from '../main';

interface Alert {
  id: number;
  received_at: string;
  channel: string;
  area: { pcode: string; name: string; level: number };
  risks: string[];
  urgency: string;
  status: string;
  needs_review: boolean;
  merged_into: number;
  escalation_level: number;
  ack_due_at: string;
  acknowledged_at: string;
  acknowledged_by: string;
  text?: string;
  place_as_written?: string;
  confidence?: number;
  parse_note?: string;
  routed_to?: { recipient: string; channel: string }[];
  waiting_on?: string[];
  overdue?: boolean;
  undelivered?: { recipient: string; channel: string; attempts: number; last_error: string }[];
}

interface Board {
  open: number;
  overdue: number;
  needs_review: number;
  with_undelivered: number;
  items: Alert[];
}

type Loaded<T> = { ok: true; data: T } | { ok: false; message: string; status: number } | null;

const URGENCIES = ['immediate', 'high', 'medium', 'low'];
const STATUSES = ['verified', 'unverified', 'escalated', 'responded', 'closed', 'new'];

type Errors = Record<string, string>;

function fail(e: unknown): { ok: false; message: string; status: number } {
  if (e instanceof ApiError) return { ok: false, status: e.status, message: e.message };
  return { ok: false, status: 0, message: (e as Error).message };
}

function place(a: Alert): TemplateResult {
  if (!a.area.pcode) return html`<span class="error">${t('al.no_place')}</span>`;
  return html`${a.area.name || a.area.pcode} <span class="pcode">${a.area.pcode}</span>`;
}

function risks(a: Alert): TemplateResult | string {
  if (!a.risks.length) return t('al.no_risk');
  return html`${a.risks.map((r, i) => html`${i ? ', ' : ''}<abbr title=${riskLabel(r)}>${r}</abbr> ${riskLabel(r)}`)}`;
}

function err(errors: Errors, name: string): TemplateResult | typeof nothing {
  return errors[name] ? html`<p class="error" id=${'err-al-' + name}>${errors[name]}</p>` : nothing;
}
function inv(errors: Errors, name: string): string {
  return errors[name] ? 'true' : 'false';
}
function desc(errors: Errors, name: string): string | typeof nothing {
  return errors[name] ? 'err-al-' + name : nothing;
}

// "Refer" from an alert: the referral form with the alert as its origin and its area.
function referLink(ctx: Ctx, a: Alert): TemplateResult | typeof nothing {
  if (!refers(ctx.me)) return nothing;
  return html`<p><a class="refer" href="#/referrals/new${qs({ origin: 'alert', origin_id: a.id, area: a.area.pcode })}">${t('al.refer')}</a></p>`;
}

// One alert (GET /alerts/{id}): what was received and understood, its status and history.
async function detail(el: HTMLElement, ctx: Ctx, id: string): Promise<void> {
  render(html`<h1 tabindex="-1">${t('al.detail_title', { id })}</h1><p role="status">${t('common.loading')}</p>`, el);
  let a: Alert & { history?: { at: string; actor: string; from: string; to: string; reason: string }[] };
  try {
    a = await api.get('/alerts/' + encodeURIComponent(id));
  } catch (e) {
    render(
      html`<h1 tabindex="-1">${t('al.detail_title', { id })}</h1>
        <p class="error" role="alert">${e instanceof ApiError && e.status === 404 ? t('al.not_visible') : (e as Error).message}</p>
        <p><a href="#/alerts">${t('al.back')}</a></p>`,
      el,
    );
    return;
  }
  const row = (k: string, v: unknown, f = '') =>
    v === '' || v === null || v === undefined ? nothing : html`<dt>${t(k)}</dt><dd data-f=${f || nothing}>${v}</dd>`;
  render(
    html`<div class="al-detail" data-id=${a.id} data-status=${a.status}>
      <h1 tabindex="-1">${t('al.detail_title', { id: String(a.id) })}</h1>
      <p><a href="#/alerts">${t('al.back')}</a></p>
      <dl class="detail">
        ${row('al.received', fmtDate(a.received_at))} ${row('al.place', place(a), 'place')}
        ${row('al.as_written', a.place_as_written ?? '')} ${row('al.risks', risks(a), 'risks')}
        ${row('al.urgency', t('al.urg_' + a.urgency), 'urgency')} ${row('al.status', t('al.st_' + a.status), 'status')}
        ${row('al.needs_review', a.needs_review ? t('common.yes') : t('common.no'))}
        ${row('al.text', a.text ?? '')} ${row('al.ack_due', fmtDate(a.ack_due_at))}
        ${row('al.ack', a.acknowledged_at ? t('al.acked_at', { at: fmtDate(a.acknowledged_at) }) : '')}
      </dl>
      ${referLink(ctx, a)}
      ${a.history && a.history.length
        ? html`<section aria-labelledby="al-h-history"><h2 id="al-h-history">${t('ref.history')}</h2>
            <ul class="plain">${a.history.map(
              (h) => html`<li>${fmtDate(h.at)} · ${h.actor}${h.to ? html` · ${h.from ? t('al.st_' + h.from) + ' → ' : ''}${t('al.st_' + h.to)}` : nothing}${h.reason ? ' · ' + h.reason : ''}</li>`,
            )}</ul></section>`
        : nothing}
      <p class="small">${t('inc.audited')}</p>
    </div>`,
    el,
  );
}

export async function mount(el: HTMLElement, ctx: Ctx): Promise<void> {
  if (ctx.path[1]) return detail(el, ctx, ctx.path[1]);
  const canSend = may(ctx.me, 'submit_alert');
  const canTriage = may(ctx.me, 'triage_alert');
  let mode: 'sms' | 'form' = ctx.params.get('mode') === 'form' ? 'form' : 'sms';
  const pick = { state: '', county: '', payam: '' };
  let errors: Errors = {};
  let result: Alert | null = null;
  let busy = false;
  let inbox: Loaded<Alert[]> = null;
  let board: Loaded<Board> = null;
  let ackMsg = '';
  let stErrors: Errors = {};
  let stDone = '';
  const idx = await areas();
  const all = [...idx.byCode.values()];
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

  async function loadLists(): Promise<void> {
    const [i, b] = await Promise.allSettled([
      api.get<{ items: Alert[] }>('/alerts/inbox?limit=100'),
      api.get<Board>('/alerts/board'),
    ]);
    inbox = i.status === 'fulfilled' ? { ok: true, data: i.value.items } : fail(i.reason);
    board = b.status === 'fulfilled' ? { ok: true, data: b.value } : fail(b.reason);
  }

  async function send(ev: Event): Promise<void> {
    ev.preventDefault();
    const d = new FormData(ev.target as HTMLFormElement);
    errors = {};
    let body: Record<string, unknown>;
    if (mode === 'sms') {
      const text = String(d.get('text') ?? '').trim();
      if (!text) errors.text = t('al.err_text');
      body = { text, sender: String(d.get('sender') ?? '').trim() || undefined };
    } else {
      const area = pick.payam || pick.county || pick.state;
      const rs = d.getAll('risks').map(String);
      if (!area) errors.area_pcode = t('entry.err_area');
      if (!rs.length) errors.risks = t('entry.err_risks');
      body = { area_pcode: area, risks: rs, urgency: String(d.get('urgency') ?? 'high'), free_text: String(d.get('free_text') ?? ''), channel: 'web' };
    }
    result = null;
    if (Object.keys(errors).length) {
      draw();
      (el.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
      return;
    }
    busy = true;
    draw();
    try {
      result = await api.post<Alert>('/alerts', body);
      (ev.target as HTMLFormElement).reset();
      pick.state = pick.county = pick.payam = '';
      await loadLists();
    } catch (e) {
      if (e instanceof ApiError && e.field) errors = { [e.field]: e.message };
      else errors = { form: e instanceof ApiError && e.status === 403 ? t('al.forbidden_send', { msg: e.message }) : (e as Error).message };
    }
    busy = false;
    draw();
    (el.querySelector('#al-result-h, #al-send .error') as HTMLElement | null)?.focus();
  }

  async function ack(id: number): Promise<void> {
    ackMsg = '';
    try {
      await api.post(`/alerts/${id}/ack`, {});
      ackMsg = t('al.acked', { id: String(id) });
      await loadLists();
    } catch (e) {
      ackMsg = fail(e).message;
    }
    draw();
    (el.querySelector('#al-ack-msg') as HTMLElement | null)?.focus();
  }

  async function changeStatus(ev: Event): Promise<void> {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    const d = new FormData(form);
    const id = String(d.get('id') ?? '').trim();
    const status = String(d.get('status') ?? '');
    const reason = String(d.get('reason') ?? '').trim();
    stErrors = {};
    stDone = '';
    if (!/^\d+$/.test(id)) stErrors.id = t('al.err_id');
    if (!reason) stErrors.reason = t('al.err_reason');
    if (!Object.keys(stErrors).length) {
      try {
        await api.post(`/alerts/${id}/status`, { status, reason });
        stDone = t('al.status_done', { id, status: t('al.st_' + status) });
        form.reset();
        await loadLists();
      } catch (e) {
        const f = fail(e);
        if (e instanceof ApiError && (e.field === 'reason' || e.field === 'status')) stErrors[e.field] = f.message;
        else stErrors.form = f.status === 404 ? t('al.err_no_alert', { id }) : f.message;
      }
    }
    draw();
    if (Object.keys(stErrors).length) (el.querySelector('#al-status [aria-invalid="true"], #al-status .error') as HTMLElement | null)?.focus();
  }

  function areaPicker(): TemplateResult {
    const states = all.filter((a) => a.level === 1).sort(byName);
    const counties = all.filter((a) => a.level === 2 && a.parent === pick.state).sort(byName);
    const payams = all.filter((a) => a.level === 3 && a.parent === pick.county).sort(byName);
    const set = (k: 'state' | 'county' | 'payam') => (e: Event) => {
      pick[k] = (e.target as HTMLSelectElement).value;
      if (k === 'state') pick.county = pick.payam = '';
      if (k === 'county') pick.payam = '';
      draw();
    };
    const opts = (list: typeof all, cur: string) =>
      list.map((s) => html`<option value=${s.pcode} ?selected=${s.pcode === cur}>${s.name}</option>`);
    return html`<fieldset class="area-pick" aria-describedby=${desc(errors, 'area_pcode')}>
      <legend>${t('entry.area')} <span class="req" aria-hidden="true">*</span></legend>
      <div class="field"><label for="al-state">${t('entry.state')}</label>
        <select id="al-state" @change=${set('state')} aria-invalid=${inv(errors, 'area_pcode')}>
          <option value="">${t('entry.choose')}</option>${opts(states, pick.state)}</select></div>
      <div class="field"><label for="al-county">${t('entry.county')}</label>
        <select id="al-county" @change=${set('county')} ?disabled=${!pick.state}>
          <option value="">${t('entry.choose')}</option>${opts(counties, pick.county)}</select></div>
      <div class="field"><label for="al-payam">${t('entry.payam')}</label>
        <select id="al-payam" @change=${set('payam')} ?disabled=${!pick.county}>
          <option value="">${t('entry.choose')}</option>${opts(payams, pick.payam)}</select></div>
      ${err(errors, 'area_pcode')}
    </fieldset>`;
  }

  function intake(): TemplateResult {
    if (!canSend) return html`<p class="note">${t('al.no_send')}</p>`;
    const setMode = (m: 'sms' | 'form') => () => {
      mode = m;
      errors = {};
      draw();
    };
    const fields =
      mode === 'sms'
        ? html`<div class="field"><label for="al-text">${t('al.text')} <span class="req" aria-hidden="true">*</span></label>
              <textarea id="al-text" name="text" rows="3" maxlength="2000" required aria-invalid=${inv(errors, 'text')}
                aria-describedby="al-text-help ${errors.text ? 'err-al-text' : ''}"></textarea>
              <p class="small" id="al-text-help">${t('al.text_help')}</p>${err(errors, 'text')}</div>
            <div class="field"><label for="al-sender">${t('al.sender')}</label>
              <input id="al-sender" name="sender" maxlength="200" autocomplete="off" aria-describedby="al-sender-help" />
              <p class="small" id="al-sender-help">${t('al.sender_help')}</p></div>`
        : html`${areaPicker()}
            <fieldset aria-describedby=${desc(errors, 'risks')}>
              <legend>${t('entry.risks')} <span class="req" aria-hidden="true">*</span></legend>
              <div class="checks">${RISKS.map((r) => html`<label class="check"><input type="checkbox" name="risks" value=${r} /> ${riskLabel(r)}</label>`)}</div>
              ${err(errors, 'risks')}
            </fieldset>
            <div class="row"><div class="field"><label for="al-urgency">${t('al.urgency')}</label>
              <select id="al-urgency" name="urgency">${URGENCIES.map((u) => html`<option value=${u} ?selected=${u === 'high'}>${t('al.urg_' + u)}</option>`)}</select></div></div>
            <div class="field"><label for="al-free">${t('al.free_text')}</label>
              <textarea id="al-free" name="free_text" rows="3" maxlength="5000" aria-describedby="al-free-help"></textarea>
              <p class="small" id="al-free-help">${t('al.free_help')}</p></div>`;
    return html`<form id="al-send" class="entry" @submit=${send} novalidate>
      <fieldset class="al-mode"><legend>${t('al.how')}</legend>
        <label class="check"><input type="radio" name="mode" value="sms" ?checked=${mode === 'sms'} @change=${setMode('sms')} /> ${t('al.mode_sms')}</label>
        <label class="check"><input type="radio" name="mode" value="form" ?checked=${mode === 'form'} @change=${setMode('form')} /> ${t('al.mode_form')}</label>
      </fieldset>
      ${errors.form ? html`<p class="error" role="alert" tabindex="-1">${errors.form}</p>` : nothing}
      ${fields}
      <button type="submit" class="primary" ?disabled=${busy}>${t('al.send')}</button>
    </form>`;
  }

  function understood(a: Alert): TemplateResult {
    const conf = a.confidence === undefined ? '–' : fmtNum(Math.round(a.confidence * 100)) + ' %';
    return html`<section class="al-result" data-id=${a.id} aria-labelledby="al-result-h">
      <h3 id="al-result-h" tabindex="-1">${t('al.understood', { id: String(a.id) })}</h3>
      <p class="ok" role="status">${t('al.saved', { id: String(a.id) })}</p>
      ${a.needs_review ? html`<p class="note" data-review="true">${t('al.review_note')}</p>` : nothing}
      <dl class="detail">
        <dt>${t('al.place')}</dt><dd data-f="place">${place(a)}</dd>
        ${a.place_as_written ? html`<dt>${t('al.as_written')}</dt><dd>${a.place_as_written}</dd>` : nothing}
        <dt>${t('al.risks')}</dt><dd data-f="risks">${risks(a)}</dd>
        <dt>${t('al.urgency')}</dt><dd data-f="urgency">${t('al.urg_' + a.urgency)}</dd>
        <dt>${t('al.confidence')}</dt><dd data-f="confidence">${conf}</dd>
        <dt>${t('al.needs_review')}</dt><dd data-f="needs_review">${a.needs_review ? t('common.yes') : t('common.no')}</dd>
        ${a.parse_note ? html`<dt>${t('al.parse_note')}</dt><dd>${a.parse_note}</dd>` : nothing}
        <dt>${t('al.ack_due')}</dt><dd>${fmtDate(a.ack_due_at)}</dd>
        ${a.routed_to ? html`<dt>${t('al.routed_to')}</dt><dd>${a.routed_to.map((r) => `${r.recipient} (${r.channel})`).join(', ') || '–'}</dd>` : nothing}
      </dl>
      ${canTriage ? html`<p><a href="#/alerts/${a.id}">${t('al.open_detail')}</a></p>` : nothing}${referLink(ctx, a)}
    </section>`;
  }

  function refused(l: { message: string; status: number }): TemplateResult {
    return html`<p class="note" data-denied=${l.status === 403 ? 'true' : 'false'}>${l.status === 403 ? t('al.forbidden', { msg: l.message }) : l.message}</p>`;
  }

  function inboxSection(): TemplateResult {
    let body: TemplateResult;
    if (!inbox) body = html`<p role="status">${t('common.loading')}</p>`;
    else if (!inbox.ok) body = refused(inbox);
    else if (!inbox.data.length) body = html`<p>${t('al.inbox_empty')}</p>`;
    else
      body = html`<div class="tablewrap" tabindex="0" role="region" aria-labelledby="al-inbox-cap"><table class="list al-inbox">
        <caption id="al-inbox-cap">${t('al.inbox_caption', { n: inbox.data.length })}</caption>
        <thead><tr><th scope="col">#</th><th scope="col">${t('al.received')}</th><th scope="col">${t('al.place')}</th><th scope="col">${t('al.risks')}</th>
          <th scope="col">${t('al.urgency')}</th><th scope="col">${t('al.status')}</th><th scope="col">${t('al.ack')}</th></tr></thead>
        <tbody>${inbox.data.map(
          (a) => html`<tr data-id=${a.id} data-acked=${a.acknowledged_at ? 'true' : 'false'}>
            <td><a href="#/alerts/${a.id}">${a.id}</a></td><td>${fmtDate(a.received_at)}</td><td>${place(a)}</td><td>${risks(a)}</td>
            <td>${t('al.urg_' + a.urgency)}</td><td>${t('al.st_' + a.status)}</td>
            <td>${a.acknowledged_at
              ? t('al.acked_at', { at: fmtDate(a.acknowledged_at) })
              : html`<button type="button" @click=${() => ack(a.id)} aria-label=${t('al.ack_label', { id: String(a.id) })}>${t('al.ack_button')}</button>`}</td></tr>`,
        )}</tbody></table></div>`;
    return html`<section aria-labelledby="al-h-inbox"><h2 id="al-h-inbox">${t('al.inbox')}</h2>
      <p class="small">${t('al.inbox_lede')}</p>
      ${ackMsg ? html`<p class="ok" role="status" id="al-ack-msg" tabindex="-1">${ackMsg}</p>` : nothing}${body}</section>`;
  }

  function boardSection(): TemplateResult {
    let body: TemplateResult;
    if (!board) body = html`<p role="status">${t('common.loading')}</p>`;
    else if (!board.ok) body = refused(board);
    else {
      const b = board.data;
      body = html`<dl class="counts al-counts">
          <div data-count="open"><dt>${t('al.open')}</dt><dd>${fmtNum(b.open)}</dd></div>
          <div data-count="overdue"><dt>${t('al.overdue')}</dt><dd>${fmtNum(b.overdue)}</dd></div>
          <div data-count="needs_review"><dt>${t('al.needs_review')}</dt><dd>${fmtNum(b.needs_review)}</dd></div>
          <div data-count="with_undelivered"><dt>${t('al.undelivered')}</dt><dd>${fmtNum(b.with_undelivered)}</dd></div>
        </dl>
        ${b.items.length
          ? html`<div class="tablewrap" tabindex="0" role="region" aria-labelledby="al-board-cap"><table class="list al-board">
          <caption id="al-board-cap">${t('al.board_caption', { n: b.items.length })}</caption>
          <thead><tr><th scope="col">#</th><th scope="col">${t('al.received')}</th><th scope="col">${t('al.place')}</th><th scope="col">${t('al.risks')}</th>
            <th scope="col">${t('al.urgency')}</th><th scope="col">${t('al.status')}</th><th scope="col">${t('al.waiting_on')}</th><th scope="col">${t('al.ack_due')}</th></tr></thead>
          <tbody>${b.items.map(
            (a) => html`<tr data-id=${a.id} class=${a.overdue ? 'overdue' : ''}>
              <td><a href="#/alerts/${a.id}">${a.id}</a></td><td>${fmtDate(a.received_at)}</td><td>${place(a)}${a.needs_review ? html` <span class="badge">${t('al.review_badge')}</span>` : nothing}</td>
              <td>${risks(a)}</td><td>${t('al.urg_' + a.urgency)}</td><td>${t('al.st_' + a.status)}</td>
              <td>${a.waiting_on && a.waiting_on.length ? a.waiting_on.join(', ') : a.acknowledged_at ? t('al.acked_by', { who: a.acknowledged_by }) : '–'}
                ${a.undelivered && a.undelivered.length ? html`<br /><span class="small">${t('al.n_undelivered', { n: a.undelivered.length })}</span>` : nothing}</td>
              <td>${fmtDate(a.ack_due_at)}${a.overdue ? html` <span class="badge overdue-badge">${t('al.overdue_badge')}</span>` : nothing}</td></tr>`,
          )}</tbody></table></div>`
          : html`<p>${t('al.board_empty')}</p>`}`;
    }
    return html`<section aria-labelledby="al-h-board"><h2 id="al-h-board">${t('al.board')}</h2>
      <p class="small">${t('al.board_lede')}</p>${body}</section>`;
  }

  function statusSection(): TemplateResult | typeof nothing {
    if (!canTriage) return nothing;
    const ids = board && board.ok ? board.data.items.map((a) => a.id) : [];
    return html`<section aria-labelledby="al-h-status"><h2 id="al-h-status">${t('al.change_status')}</h2>
      <form id="al-status" class="entry" @submit=${changeStatus} novalidate>
        ${stDone ? html`<p class="ok" role="status">${stDone}</p>` : nothing}
        ${stErrors.form ? html`<p class="error" role="alert" tabindex="-1">${stErrors.form}</p>` : nothing}
        <div class="row">
          <div class="field"><label for="al-st-id">${t('al.alert_id')} <span class="req" aria-hidden="true">*</span></label>
            <input id="al-st-id" name="id" inputmode="numeric" list="al-ids" required aria-invalid=${inv(stErrors, 'id')} aria-describedby=${desc(stErrors, 'id')} />
            <datalist id="al-ids">${ids.map((i) => html`<option value=${i}></option>`)}</datalist>${err(stErrors, 'id')}</div>
          <div class="field"><label for="al-st-status">${t('al.new_status')}</label>
            <select id="al-st-status" name="status" aria-invalid=${inv(stErrors, 'status')} aria-describedby=${desc(stErrors, 'status')}>
              ${STATUSES.map((s) => html`<option value=${s}>${t('al.st_' + s)}</option>`)}</select>${err(stErrors, 'status')}</div>
        </div>
        <div class="field"><label for="al-st-reason">${t('al.reason')} <span class="req" aria-hidden="true">*</span></label>
          <textarea id="al-st-reason" name="reason" rows="2" maxlength="2000" required aria-invalid=${inv(stErrors, 'reason')}
            aria-describedby="al-reason-help ${stErrors.reason ? 'err-al-reason' : ''}"></textarea>
          <p class="small" id="al-reason-help">${t('al.reason_help')}</p>${err(stErrors, 'reason')}</div>
        <button type="submit" class="primary">${t('al.apply')}</button>
      </form></section>`;
  }

  function draw(): void {
    render(
      html`<h1 tabindex="-1">${t('al.title')}</h1>
        <div class="al-page" data-ready=${inbox && board ? 'true' : 'false'}>
        <p>${t('al.lede')}</p>
        <section aria-labelledby="al-h-send"><h2 id="al-h-send">${t('al.send_title')}</h2>${intake()}${result ? understood(result) : nothing}</section>
        ${inboxSection()}${boardSection()}${statusSection()}</div>`,
      el,
    );
  }

  draw();
  await loadLists();
  draw();
}
