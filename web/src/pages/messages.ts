// Life-saving messages (issue 24, doc/messaging): the list and a message's detail (texts by
// language with their SMS segments, the cost before approval, sends by state, the actions the
// role may take), the draft form with a live segment counter computed as the server does
// (src/messaging/segments.cc), suggested messages for open alerts, and the contacts (the
// messaging officer's; other roles see counts). The server decides; its refusals (403, 400 with
// the field, 422) are shown beside the field they name.
import { html, render, nothing, type TemplateResult } from 'lit-html';
import { api, ApiError, may, qs } from '../api';
import { fmtNum, t } from '../i18n';
import type { Ctx } from '../main';

// What the user may do comes from /me (the kernel's answer for the protocol in force); the
// server checks again.
const STATUSES = ['draft', 'approved', 'sending', 'sent', 'withdrawn'];
const CHANNELS = ['sms', 'email', 'radio'];
const LANG_CODES = ['ara', 'eng', 'fra', 'apd', 'dik', 'nus', 'bfa'];

interface Seg {
  encoding: string;
  units: number;
  segments: number;
  non_gsm: string[];
}

interface Message {
  id: number;
  title: string;
  content_type: string;
  risks: string[];
  alert_id: number;
  areas: string[];
  channels: string[];
  base_language: string;
  translations: Record<string, string>;
  segments: Record<string, Seg>;
  service_ids: number[];
  status: string;
  author_id: number;
  approver_id: number;
  sent_by: number;
  send_at_ms: number;
  withdrawn_reason: string;
  created_ms: number;
  approved_ms: number;
  sent_ms: number;
  withdrawn_ms: number;
  cost?: {
    contacts: number;
    sms_segments: number;
    lines: { channel: string; language: string; contacts: number; segments_each: number; segments: number }[];
  };
  sends?: Record<string, number>;
}

interface Suggestion {
  alert_id: number;
  area: string;
  area_name: string;
  risk: string;
  message: Message;
}

interface Contact {
  id: number;
  phone: string;
  email: string;
  language: string;
  areas: string[];
  channels: string[];
  status: string;
  opted_in_date: string;
  opted_in_via: string;
}

type Errors = Record<string, string>;

// --- SMS segments, exactly as src/messaging/segments.cc ----------------------------------------
const BASIC = new Set<number>();
for (const ch of '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà') BASIC.add(ch.codePointAt(0) as number);
for (let c = 0x30; c <= 0x39; c++) BASIC.add(c);
for (let c = 0x41; c <= 0x5a; c++) BASIC.add(c);
for (let c = 0x61; c <= 0x7a; c++) BASIC.add(c);
const EXTENSION = new Set([...'\f^{}\\[~]|€'].map((c) => c.codePointAt(0) as number));

export function countSegments(text: string): Seg {
  let septets = 0;
  let utf16 = 0;
  let ucs2 = false;
  const nonGsm: string[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    utf16 += c > 0xffff ? 2 : 1;
    if (BASIC.has(c)) septets += 1;
    else if (EXTENSION.has(c)) septets += 2;
    else {
      ucs2 = true;
      if (nonGsm.length < 5 && !nonGsm.includes(ch)) nonGsm.push(ch);
    }
  }
  const units = ucs2 ? utf16 : septets;
  const single = ucs2 ? 70 : 160;
  const part = ucs2 ? 67 : 153;
  const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / part);
  return { encoding: ucs2 ? 'ucs2' : 'gsm7', units, segments, non_gsm: nonGsm };
}

function encName(e: string): string {
  return e === 'ucs2' ? 'UCS-2' : 'GSM-7';
}

function segText(s: Seg): string {
  return t('msg.seg_count', { units: fmtNum(s.units), segments: fmtNum(s.segments), enc: encName(s.encoding) });
}

function shown(ch: string): string {
  return ch === '\u00a0' ? 'NBSP' : ch.trim() ? ch : 'U+' + (ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
}

// --- form helpers ------------------------------------------------------------------------------
function err(errors: Errors, name: string): TemplateResult | typeof nothing {
  return errors[name] ? html`<p class="error" id=${'err-msg-' + name.replace(/\W/g, '-')}>${errors[name]}</p>` : nothing;
}
function inv(errors: Errors, name: string): string {
  return errors[name] ? 'true' : 'false';
}
function desc(errors: Errors, name: string, extra = ''): string | typeof nothing {
  const ids = [extra, errors[name] ? 'err-msg-' + name.replace(/\W/g, '-') : ''].filter(Boolean).join(' ');
  return ids || nothing;
}

// A server refusal as field errors: "translations.ara: ..." goes to the Arabic text.
function serverErrors(e: unknown, fields: string[]): Errors {
  if (!(e instanceof ApiError)) return { form: (e as Error).message };
  if (e.status === 403) return { form: t('msg.forbidden', { msg: e.message }) };
  const m = /^translations\.([a-z]{3})\b/.exec(e.message);
  if (m && fields.includes('tr.' + m[1])) return { ['tr.' + m[1]]: e.message };
  if (e.field && fields.includes(e.field)) return { [e.field]: e.message };
  return { form: e.message };
}

function focusError(el: HTMLElement, scope: string): void {
  (el.querySelector(`${scope} [aria-invalid="true"], ${scope} .error[tabindex]`) as HTMLElement | null)?.focus();
}

function splitCodes(s: string): string[] {
  return s
    .split(/[\s,;]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function when(ms: number): string {
  if (!ms) return '';
  return new Intl.DateTimeFormat(document.documentElement.lang || 'en', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}

function who(ctx: Ctx, id: number): string {
  if (!id) return '';
  return id === ctx.me.id ? t('msg.you', { id: String(id) }) : t('msg.user', { id: String(id) });
}

function statusBadge(s: string): TemplateResult {
  return html`<span class="badge msg-st" data-status=${s}>${t('msg.st_' + s)}</span>`;
}

// --- one message -------------------------------------------------------------------------------
async function detail(el: HTMLElement, ctx: Ctx, id: string): Promise<void> {
  let m: Message | null = null;
  let loadError = '';
  let errors: Errors = {};
  let done = '';
  let busy = false;

  const load = async () => {
    try {
      m = await api.get<Message>('/messages/' + encodeURIComponent(id));
      loadError = '';
    } catch (e) {
      loadError = e instanceof ApiError && e.status === 404 ? t('msg.not_found') : e instanceof ApiError && e.status === 403 ? t('msg.forbidden', { msg: e.message }) : (e as Error).message;
    }
  };

  const step = async (name: 'approve' | 'send' | 'withdraw', body: unknown, fields: string[], okKey: string) => {
    if (busy) return;
    busy = true;
    errors = {};
    done = '';
    draw();
    try {
      await api.post(`/messages/${id}/${name}`, body);
      done = t(okKey);
      await load();
    } catch (e) {
      errors = serverErrors(e, fields);
      if (errors.form) errors = { [name]: errors.form };
    }
    busy = false;
    draw();
    if (Object.keys(errors).length) (el.querySelector('.msg-actions [aria-invalid="true"], .msg-actions .error[tabindex]') as HTMLElement | null)?.focus();
    else (el.querySelector('#msg-done') as HTMLElement | null)?.focus();
  };

  const approve = () => step('approve', {}, [], 'msg.approved_ok');
  const send = (e: Event) => {
    e.preventDefault();
    const v = (el.querySelector('#msg-send-at') as HTMLInputElement).value;
    const at = v ? new Date(v).getTime() : 0;
    if (v && (isNaN(at) || at < Date.now())) {
      errors = { send_at_ms: t('msg.send_at_past') };
      draw();
      (el.querySelector('#msg-send-at') as HTMLElement).focus();
      return;
    }
    void step('send', at ? { send_at_ms: at } : {}, ['send_at_ms'], at ? 'msg.scheduled_ok' : 'msg.sent_ok');
  };
  const withdraw = (e: Event) => {
    e.preventDefault();
    const reason = (el.querySelector('#msg-reason') as HTMLTextAreaElement).value.trim();
    if (!reason) {
      errors = { reason: t('msg.reason_required') };
      draw();
      (el.querySelector('#msg-reason') as HTMLElement).focus();
      return;
    }
    void step('withdraw', { reason }, ['reason'], 'msg.withdrawn_ok');
  };

  const actions = (msg: Message): TemplateResult => {
    const canApprove = may(ctx.me, 'approve_message') && msg.status === 'draft' && msg.author_id !== ctx.me.id;
    const canSend = may(ctx.me, 'send_message') && msg.status === 'approved';
    const canWithdraw = may(ctx.me, 'draft_message') && ['draft', 'approved', 'sending'].includes(msg.status);
    const radio = ['approved', 'sending', 'sent'].includes(msg.status) && msg.channels.includes('radio');
    const formErr = (k: string) => (errors[k] ? html`<p class="error" role="alert" tabindex="-1">${errors[k]}</p>` : nothing);
    return html`<section class="msg-actions" aria-labelledby="msg-h-actions"><h2 id="msg-h-actions">${t('msg.actions')}</h2>
      ${done ? html`<p class="ok" role="status" id="msg-done" tabindex="-1">${done}</p>` : nothing}
      ${may(ctx.me, 'approve_message') && msg.status === 'draft' && msg.author_id === ctx.me.id ? html`<p class="note" id="msg-own">${t('msg.own_no_approve')}</p>` : nothing}
      ${canApprove ? html`<p><button type="button" class="primary" id="msg-approve" ?disabled=${busy} @click=${approve}>${t('msg.approve')}</button></p>${formErr('approve')}` : nothing}
      ${canSend
        ? html`<form id="msg-send" class="entry" @submit=${send} novalidate>
            <div class="row"><div class="field"><label for="msg-send-at">${t('msg.send_at')}</label>
              <input id="msg-send-at" type="datetime-local" aria-invalid=${inv(errors, 'send_at_ms')} aria-describedby=${desc(errors, 'send_at_ms', 'msg-send-at-help')} />
              <p class="small" id="msg-send-at-help">${t('msg.send_at_help')}</p>${err(errors, 'send_at_ms')}</div></div>
            ${formErr('send')}
            <button type="submit" class="primary" ?disabled=${busy}>${t('msg.send')}</button></form>`
        : nothing}
      ${canWithdraw
        ? html`<form id="msg-withdraw" class="entry" @submit=${withdraw} novalidate>
            <div class="field"><label for="msg-reason">${t('msg.reason')} <span class="req" aria-hidden="true">*</span></label>
              <textarea id="msg-reason" rows="2" maxlength="500" required aria-invalid=${inv(errors, 'reason')} aria-describedby=${desc(errors, 'reason')}></textarea>${err(errors, 'reason')}</div>
            ${formErr('withdraw')}
            <button type="submit" ?disabled=${busy}>${t('msg.withdraw')}</button></form>`
        : nothing}
      ${radio
        ? html`<p>${t('msg.script')}: ${Object.keys(msg.translations).map(
            (l, i) => html`${i ? ' · ' : ''}<a class="msg-script" href="/api/v1/messages/${msg.id}/script?lang=${l}" download>${t('msg.script_in', { lang: l })}</a>`,
          )}</p>`
        : nothing}
      ${!canApprove && !canSend && !canWithdraw && !radio && !done ? html`<p class="small">${t('msg.no_action')}</p>` : nothing}
    </section>`;
  };

  const draw = () => {
    if (!m) {
      render(
        html`<h1 tabindex="-1">${t('msg.detail_title', { id })}</h1>
          ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : html`<p role="status">${t('common.loading')}</p>`}
          <p><a href="#/messages">${t('msg.back')}</a></p>`,
        el,
      );
      return;
    }
    const msg: Message = m;
    const row = (k: string, v: unknown, f = '') => (v === '' || v === null || v === undefined ? nothing : html`<dt>${t(k)}</dt><dd data-f=${f || nothing}>${v}</dd>`);
    const cost = msg.cost;
    render(
      html`<div class="msg-detail" data-id=${msg.id} data-status=${msg.status}>
        <h1 tabindex="-1">${t('msg.detail_title', { id: String(msg.id) })}</h1>
        <p><a href="#/messages">${t('msg.back')}</a></p>
        <dl class="detail">
          ${row('msg.title', msg.title)} ${row('msg.status', statusBadge(msg.status), 'status')}
          ${row('msg.areas', html`<span class="pcode">${msg.areas.join(', ')}</span>`)}
          ${row('msg.channels', msg.channels.map((c) => t('msg.ch_' + c)).join(', '))}
          ${row('msg.base_language', msg.base_language)}
          ${row('msg.author', who(ctx, msg.author_id), 'author')} ${row('msg.approver', who(ctx, msg.approver_id), 'approver')}
          ${row('msg.created', when(msg.created_ms))} ${row('msg.approved_at', when(msg.approved_ms))}
          ${row('msg.send_at', when(msg.send_at_ms))} ${row('msg.sent_at', when(msg.sent_ms))}
          ${row('msg.alert', msg.alert_id ? html`<a href="#/alerts/${msg.alert_id}">${msg.alert_id}</a>` : '')}
          ${row('msg.withdrawn_reason', msg.withdrawn_reason)}
        </dl>
        <section aria-labelledby="msg-h-texts"><h2 id="msg-h-texts">${t('msg.texts')}</h2>
          ${Object.entries(msg.translations).map(([l, text]) => {
            const s = msg.segments[l] ?? countSegments(text);
            return html`<article class="msg-text" data-lang=${l}><h3>${l}${l === msg.base_language ? ' · ' + t('msg.base') : ''}</h3>
              <p class="msg-body" dir="auto">${text}</p>
              <p class="small seg" data-encoding=${s.encoding} data-segments=${s.segments}>${segText(s)}${s.non_gsm.length ? ' · ' + t('msg.forced_ucs2', { chars: s.non_gsm.map(shown).join(' ') }) : ''}</p></article>`;
          })}
        </section>
        ${cost
          ? html`<section aria-labelledby="msg-h-cost"><h2 id="msg-h-cost">${t('msg.cost')}</h2>
              <p class="small">${t('msg.cost_lede')}</p>
              <dl class="counts msg-cost-sum"><div><dt>${t('msg.contacts')}</dt><dd data-f="contacts">${fmtNum(cost.contacts)}</dd></div>
                <div><dt>${t('msg.sms_segments')}</dt><dd data-f="sms_segments">${fmtNum(cost.sms_segments)}</dd></div></dl>
              ${cost.lines.length
                ? html`<div class="tablewrap" tabindex="0" role="region" aria-labelledby="msg-cost-cap"><table class="list stack msg-cost">
                    <caption id="msg-cost-cap">${t('msg.cost_caption')}</caption>
                    <thead><tr><th scope="col">${t('msg.channel')}</th><th scope="col">${t('msg.language')}</th><th scope="col">${t('msg.recipients')}</th><th scope="col">${t('msg.segments_each')}</th><th scope="col">${t('msg.segments_all')}</th></tr></thead>
                    <tbody>${cost.lines.map(
                      (l) => html`<tr data-channel=${l.channel} data-lang=${l.language}>
                        <td data-label=${t('msg.channel')}>${t('msg.ch_' + l.channel)}</td><td data-label=${t('msg.language')}>${l.language}</td>
                        <td data-label=${t('msg.recipients')} class="num">${fmtNum(l.contacts)}</td>
                        <td data-label=${t('msg.segments_each')} class="num">${l.channel === 'sms' ? fmtNum(l.segments_each) : '—'}</td>
                        <td data-label=${t('msg.segments_all')} class="num" data-f="segments">${l.channel === 'sms' ? `${fmtNum(l.segments_each)} × ${fmtNum(l.contacts)} = ${fmtNum(l.segments)}` : '—'}</td></tr>`,
                    )}</tbody></table></div>`
                : html`<p class="note">${t('msg.no_reach')}</p>`}
            </section>`
          : nothing}
        ${msg.sends
          ? html`<section aria-labelledby="msg-h-sends"><h2 id="msg-h-sends">${t('msg.sends')}</h2>
              <dl class="counts msg-sends">${['queued', 'wired', 'delivered', 'failed', 'cancelled'].map((k) => html`<div><dt>${t('msg.send_' + k)}</dt><dd data-f=${k}>${fmtNum(msg.sends?.[k] ?? 0)}</dd></div>`)}</dl></section>`
          : nothing}
        ${actions(msg)}
        <p class="small">${t('inc.audited')}</p>
      </div>`,
      el,
    );
  };
  draw();
  await load();
  draw();
}

// --- the draft form's state (kept while the page is open, so that a suggestion fills it) -------
interface DraftState {
  title: string;
  areas: string;
  channels: string[];
  base: string;
  texts: { lang: string; text: string }[];
  risks: string[];
  alert_id: number;
  content_type: string;
  service_ids: number[];
}
function emptyDraft(): DraftState {
  return { title: '', areas: '', channels: ['sms'], base: 'eng', texts: [{ lang: 'eng', text: '' }], risks: [], alert_id: 0, content_type: '', service_ids: [] };
}

export async function mount(el: HTMLElement, ctx: Ctx): Promise<void> {
  if (ctx.path[1]) return detail(el, ctx, ctx.path[1]);
  const canDraft = may(ctx.me, 'draft_message');
  const manages = may(ctx.me, 'manage_contacts');
  const status = ctx.params.get('status') ?? '';
  let list: Message[] | null = null;
  let listError = '';
  let suggestions: Suggestion[] | null = null;
  let sugError = '';
  let d = emptyDraft();
  let errors: Errors = {};
  let busy = false;
  let sugNote = '';
  let contacts: Contact[] | null = null;
  let contactsError = '';
  let cErrors: Errors = {};
  let cDone = '';
  let counts: Record<string, number> | null = null;
  let countsError = '';
  let countsArea = '';

  const textFields = () => d.texts.map((x) => 'tr.' + x.lang);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    errors = {};
    if (!d.title.trim()) errors.title = t('msg.required');
    if (!splitCodes(d.areas).length) errors.areas = t('msg.areas_required');
    if (!d.channels.length) errors.channels = t('msg.channels_required');
    if (!/^[a-z]{3}$/.test(d.base)) errors.base_language = t('msg.lang_invalid');
    d.texts.forEach((x) => {
      if (!/^[a-z]{3}$/.test(x.lang)) errors['tr.' + x.lang] = t('msg.lang_invalid');
      else if (!x.text.trim()) errors['tr.' + x.lang] = t('msg.required');
    });
    if (!errors.base_language && !d.texts.some((x) => x.lang === d.base)) errors.base_language = t('msg.base_missing');
    if (Object.keys(errors).length) {
      draw();
      focusError(el, '#msg-draft');
      return;
    }
    const translations: Record<string, string> = {};
    for (const x of d.texts) translations[x.lang] = x.text;
    const body: Record<string, unknown> = { title: d.title.trim(), areas: splitCodes(d.areas), channels: d.channels, base_language: d.base, translations };
    if (d.risks.length) body.risks = d.risks;
    if (d.alert_id) body.alert_id = d.alert_id;
    if (d.content_type) body.content_type = d.content_type;
    if (d.service_ids.length) body.service_ids = d.service_ids;
    busy = true;
    draw();
    try {
      const r = await api.post<{ id: number }>('/messages', body);
      busy = false;
      d = emptyDraft();
      ctx.go('#/messages/' + r.id);
      return;
    } catch (ex) {
      errors = serverErrors(ex, ['title', 'areas', 'channels', 'base_language', 'translations', ...textFields()]);
    }
    busy = false;
    draw();
    focusError(el, '#msg-draft');
  };

  const useSuggestion = (s: Suggestion) => {
    const m = s.message;
    d = {
      title: m.title,
      areas: m.areas.join(', '),
      channels: m.channels.length ? [...m.channels] : ['sms'],
      base: m.base_language,
      texts: Object.entries(m.translations).map(([lang, text]) => ({ lang, text })),
      risks: m.risks ?? [],
      alert_id: s.alert_id,
      content_type: m.content_type ?? '',
      service_ids: m.service_ids ?? [],
    };
    errors = {};
    sugNote = t('msg.sug_used', { id: String(s.alert_id) });
    draw();
    (el.querySelector('#msg-title') as HTMLElement | null)?.focus();
  };

  const loadList = async () => {
    try {
      list = (await api.get<{ items: Message[] }>('/messages' + qs({ status }))).items;
      list.sort((a, b) => b.id - a.id);
    } catch (e) {
      listError = e instanceof ApiError && e.status === 403 ? t('msg.forbidden', { msg: e.message }) : (e as Error).message;
    }
  };
  const loadSuggestions = async () => {
    if (!canDraft) return;
    try {
      suggestions = (await api.get<{ items: Suggestion[] }>('/messages/suggestions')).items;
    } catch (e) {
      sugError = (e as Error).message;
    }
  };
  const loadContacts = async () => {
    if (manages) {
      try {
        contacts = (await api.get<{ items: Contact[] }>('/contacts')).items;
      } catch (e) {
        contactsError = (e as Error).message;
      }
    }
  };
  const loadCounts = async () => {
    try {
      counts = (await api.get<{ contacts: Record<string, number> }>('/contacts/counts' + qs({ area: countsArea }))).contacts;
      countsError = '';
    } catch (e) {
      counts = null;
      countsError = (e as Error).message;
    }
  };

  const addContact = async (e: Event) => {
    e.preventDefault();
    const f = e.target as HTMLFormElement;
    const val = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value.trim();
    const channels = [...f.querySelectorAll<HTMLInputElement>('input[name=c-channels]:checked')].map((x) => x.value);
    cErrors = {};
    cDone = '';
    if (!val('phone')) cErrors.phone = t('msg.required');
    if (!/^[a-z]{3}$/.test(val('language'))) cErrors.language = t('msg.lang_invalid');
    if (!splitCodes(val('c-areas')).length) cErrors.areas = t('msg.areas_required');
    if (!channels.length) cErrors.channels = t('msg.channels_required');
    if (!Object.keys(cErrors).length) {
      draw();
      try {
        const r = await api.post<{ id: number; created: boolean; opted_out: boolean }>('/contacts', {
          phone: val('phone'),
          language: val('language'),
          areas: splitCodes(val('c-areas')),
          channels,
          opted_in_via: 'entered',
        });
        cDone = r.opted_out ? t('msg.contact_stays_out') : t(r.created ? 'msg.contact_added' : 'msg.contact_updated');
        f.reset();
        await loadContacts();
      } catch (ex) {
        cErrors = serverErrors(ex, ['phone', 'language', 'areas', 'channels', 'email', 'opted_in_date']);
      }
    }
    draw();
    if (Object.keys(cErrors).length) focusError(el, '#msg-contact');
    else (el.querySelector('#msg-c-done') as HTMLElement | null)?.focus();
  };

  const optOut = async (c: Contact) => {
    cDone = '';
    cErrors = {};
    try {
      await api.post(`/contacts/${c.id}/opt-out`, {});
      cDone = t('msg.opted_out_ok', { id: String(c.id) });
      await loadContacts();
    } catch (ex) {
      cErrors = { form: (ex as Error).message };
    }
    draw();
    (el.querySelector('#msg-c-done, #msg-contacts .error') as HTMLElement | null)?.focus();
  };

  const counter = (i: number, text: string): TemplateResult => {
    const s = countSegments(text);
    return html`<p class="small seg" id=${'msg-seg-' + i} aria-live="polite" data-encoding=${s.encoding} data-segments=${s.segments} data-units=${s.units}>
      ${segText(s)}${s.non_gsm.length ? html` · <span class="msg-forced">${t('msg.forced_ucs2', { chars: s.non_gsm.map(shown).join(' ') })}</span>` : nothing}
      ${s.segments > 10 ? html` · <span class="error">${t('msg.too_long')}</span>` : nothing}</p>`;
  };

  const draftForm = (): TemplateResult => {
    if (!canDraft) return html`<p class="note">${t('msg.no_draft')}</p>`;
    return html`<section aria-labelledby="msg-h-draft"><h2 id="msg-h-draft">${t('msg.draft')}</h2>
      <form id="msg-draft" class="entry" @submit=${submit} novalidate>
        ${sugNote ? html`<p class="note" role="status">${sugNote}</p>` : nothing}
        ${errors.form ? html`<p class="error" role="alert" tabindex="-1">${errors.form}</p>` : nothing}
        <div class="field"><label for="msg-title">${t('msg.title')} <span class="req" aria-hidden="true">*</span></label>
          <input id="msg-title" maxlength="200" .value=${d.title} @input=${(e: Event) => (d.title = (e.target as HTMLInputElement).value)}
            aria-invalid=${inv(errors, 'title')} aria-describedby=${desc(errors, 'title')} />${err(errors, 'title')}</div>
        <div class="field"><label for="msg-areas">${t('msg.areas')} <span class="req" aria-hidden="true">*</span></label>
          <input id="msg-areas" dir="ltr" autocomplete="off" .value=${d.areas} @input=${(e: Event) => (d.areas = (e.target as HTMLInputElement).value)}
            aria-invalid=${inv(errors, 'areas')} aria-describedby=${desc(errors, 'areas', 'msg-areas-help')} />
          <p class="small" id="msg-areas-help">${t('msg.areas_help')}</p>${err(errors, 'areas')}</div>
        <fieldset id="msg-channels" aria-describedby=${desc(errors, 'channels')}>
          <legend>${t('msg.channels')} <span class="req" aria-hidden="true">*</span></legend>
          <div class="row">${CHANNELS.map(
            (c) => html`<label class="check"><input type="checkbox" name="channels" value=${c} .checked=${d.channels.includes(c)} aria-invalid=${inv(errors, 'channels')}
              @change=${(e: Event) => {
                const on = (e.target as HTMLInputElement).checked;
                d.channels = on ? [...new Set([...d.channels, c])] : d.channels.filter((x) => x !== c);
              }} /> ${t('msg.ch_' + c)}</label>`,
          )}</div>${err(errors, 'channels')}</fieldset>
        <div class="field"><label for="msg-base">${t('msg.base_language')} <span class="req" aria-hidden="true">*</span></label>
          <input id="msg-base" dir="ltr" list="msg-langs" maxlength="3" size="5" .value=${d.base}
            @input=${(e: Event) => (d.base = (e.target as HTMLInputElement).value.trim().toLowerCase())}
            aria-invalid=${inv(errors, 'base_language')} aria-describedby=${desc(errors, 'base_language', 'msg-lang-help')} />
          <p class="small" id="msg-lang-help">${t('msg.lang_help')}</p>${err(errors, 'base_language')}</div>
        <fieldset id="msg-texts" aria-describedby=${desc(errors, 'translations')}>
          <legend>${t('msg.texts')}</legend>
          ${err(errors, 'translations')}
          ${d.texts.map((x, i) => {
            const key = 'tr.' + x.lang;
            return html`<div class="msg-tr" data-i=${i}>
              <div class="row">
                <div class="field"><label for=${'msg-lang-' + i}>${t('msg.language')}</label>
                  <input id=${'msg-lang-' + i} dir="ltr" list="msg-langs" maxlength="3" size="5" .value=${x.lang}
                    @change=${(e: Event) => {
                      x.lang = (e.target as HTMLInputElement).value.trim().toLowerCase();
                      draw();
                    }} /></div>
                ${d.texts.length > 1
                  ? html`<button type="button" class="link" @click=${() => {
                      d.texts.splice(i, 1);
                      draw();
                    }}>${t('msg.remove_lang', { lang: x.lang })}</button>`
                  : nothing}
              </div>
              <div class="field"><label for=${'msg-text-' + i}>${t('msg.text_in', { lang: x.lang || '?' })} <span class="req" aria-hidden="true">*</span></label>
                <textarea id=${'msg-text-' + i} rows="4" dir="auto" .value=${x.text}
                  @input=${(e: Event) => {
                    x.text = (e.target as HTMLTextAreaElement).value;
                    draw();
                  }}
                  aria-invalid=${inv(errors, key)} aria-describedby=${desc(errors, key, 'msg-seg-' + i)}></textarea>
                ${counter(i, x.text)}${err(errors, key)}</div></div>`;
          })}
          <button type="button" id="msg-add-lang" @click=${() => {
            const used = new Set(d.texts.map((x) => x.lang));
            d.texts.push({ lang: ['ara', 'fra', 'eng'].find((l) => !used.has(l)) ?? '', text: '' });
            draw();
            (el.querySelector(`#msg-text-${d.texts.length - 1}`) as HTMLElement | null)?.focus();
          }}>${t('msg.add_lang')}</button>
        </fieldset>
        <p class="small">${t('msg.never_names')}</p>
        <button type="submit" class="primary" ?disabled=${busy}>${t('msg.save_draft')}</button>
      </form></section>`;
  };

  const suggestionsSection = (): TemplateResult | typeof nothing => {
    if (!canDraft) return nothing;
    let body: TemplateResult;
    if (sugError) body = html`<p class="note">${sugError}</p>`;
    else if (!suggestions) body = html`<p role="status">${t('common.loading')}</p>`;
    else if (!suggestions.length) body = html`<p class="small">${t('msg.sug_none')}</p>`;
    else
      body = html`<ul class="plain msg-sug">${suggestions.map(
        (s) => html`<li data-alert=${s.alert_id}><strong>${s.message.title}</strong> · ${s.area_name} <span class="pcode">${s.area}</span> · ${s.risk} ·
          <a href="#/alerts/${s.alert_id}">${t('msg.alert_n', { id: String(s.alert_id) })}</a>
          <button type="button" @click=${() => useSuggestion(s)} aria-label=${t('msg.sug_use_label', { title: s.message.title, area: s.area_name })}>${t('msg.sug_use')}</button></li>`,
      )}</ul>`;
    return html`<section aria-labelledby="msg-h-sug"><h2 id="msg-h-sug">${t('msg.suggestions')}</h2><p class="small">${t('msg.sug_lede')}</p>${body}</section>`;
  };

  const listSection = (): TemplateResult => {
    let body: TemplateResult;
    if (listError) body = html`<p class="note">${listError}</p>`;
    else if (!list) body = html`<p role="status">${t('common.loading')}</p>`;
    else if (!list.length) body = html`<p class="small">${t('msg.none')}</p>`;
    else
      body = html`<div class="tablewrap" tabindex="0" role="region" aria-labelledby="msg-list-cap"><table class="list stack msg-list">
        <caption id="msg-list-cap">${t('msg.list_caption', { n: fmtNum(list.length) })}</caption>
        <thead><tr><th scope="col">${t('msg.number')}</th><th scope="col">${t('msg.title')}</th><th scope="col">${t('msg.status')}</th><th scope="col">${t('msg.areas')}</th><th scope="col">${t('msg.sms')}</th><th scope="col">${t('msg.created')}</th></tr></thead>
        <tbody>${list.map(
          (m) => html`<tr data-id=${m.id} data-status=${m.status}>
            <td data-label=${t('msg.number')}><a href="#/messages/${m.id}">${m.id}</a></td>
            <td data-label=${t('msg.title')}><a href="#/messages/${m.id}">${m.title || t('msg.untitled')}</a></td>
            <td data-label=${t('msg.status')}>${statusBadge(m.status)}</td>
            <td data-label=${t('msg.areas')}><span class="pcode">${m.areas.join(', ')}</span></td>
            <td data-label=${t('msg.sms')}>${Object.entries(m.segments).map(([l, s], i) => html`${i ? ', ' : ''}${l}: ${fmtNum(s.segments)} ${encName(s.encoding)}`)}</td>
            <td data-label=${t('msg.created')}>${when(m.created_ms)}</td></tr>`,
        )}</tbody></table></div>`;
    return html`<section aria-labelledby="msg-h-list"><h2 id="msg-h-list">${t('msg.list')}</h2>
      <form class="filters" @submit=${(e: Event) => {
        e.preventDefault();
        const v = (el.querySelector('#msg-status') as HTMLSelectElement).value;
        ctx.go('#/messages' + qs({ status: v }));
      }}>
        <div class="field"><label for="msg-status">${t('msg.status')}</label>
          <select id="msg-status"><option value="">${t('msg.all')}</option>${STATUSES.map((s) => html`<option value=${s} ?selected=${s === status}>${t('msg.st_' + s)}</option>`)}</select></div>
        <button type="submit">${t('msg.filter')}</button></form>
      ${body}</section>`;
  };

  const contactsSection = (): TemplateResult => {
    if (!manages) {
      return html`<section aria-labelledby="msg-h-counts"><h2 id="msg-h-counts">${t('msg.contact_counts')}</h2>
        <p class="small">${t('msg.counts_lede')}</p>
        <form class="filters" id="msg-counts-form" @submit=${async (e: Event) => {
          e.preventDefault();
          countsArea = (el.querySelector('#msg-counts-area') as HTMLInputElement).value.trim();
          await loadCounts();
          draw();
        }}>
          <div class="field"><label for="msg-counts-area">${t('msg.area_code')}</label>
            <input id="msg-counts-area" dir="ltr" .value=${countsArea} aria-invalid=${countsError ? 'true' : 'false'} aria-describedby=${countsError ? 'err-msg-counts' : nothing} /></div>
          <button type="submit">${t('msg.show')}</button></form>
        ${countsError ? html`<p class="error" id="err-msg-counts">${countsError}</p>` : nothing}
        ${counts
          ? html`<dl class="counts msg-counts">${Object.keys(counts).length
              ? Object.entries(counts).map(([k, n]) => html`<div><dt>${t('msg.cst_' + (k === 'active' || k === 'stopped' ? k : 'other'))}</dt><dd data-status=${k}>${fmtNum(n)}</dd></div>`)
              : html`<div><dt>${t('msg.contacts')}</dt><dd>0</dd></div>`}</dl>`
          : nothing}
      </section>`;
    }
    const list = contactsError
      ? html`<p class="note">${contactsError}</p>`
      : !contacts
        ? html`<p role="status">${t('common.loading')}</p>`
        : !contacts.length
          ? html`<p class="small">${t('msg.no_contacts')}</p>`
          : html`<div class="tablewrap" tabindex="0" role="region" aria-labelledby="msg-c-cap"><table class="list stack msg-contacts">
              <caption id="msg-c-cap">${t('msg.contacts_caption', { n: fmtNum(contacts.length) })}</caption>
              <thead><tr><th scope="col">${t('msg.phone')}</th><th scope="col">${t('msg.language')}</th><th scope="col">${t('msg.areas')}</th><th scope="col">${t('msg.channels')}</th><th scope="col">${t('msg.status')}</th><th scope="col">${t('msg.opted_in')}</th><th scope="col"><span class="vh">${t('msg.opt_out')}</span></th></tr></thead>
              <tbody>${contacts.map(
                (c) => html`<tr data-id=${c.id} data-status=${c.status}>
                  <td data-label=${t('msg.phone')} dir="ltr">${c.phone}</td><td data-label=${t('msg.language')}>${c.language}</td>
                  <td data-label=${t('msg.areas')}><span class="pcode">${c.areas.join(', ')}</span></td>
                  <td data-label=${t('msg.channels')}>${c.channels.map((x) => t('msg.ch_' + x)).join(', ')}</td>
                  <td data-label=${t('msg.status')}>${t('msg.cst_' + (c.status === 'active' || c.status === 'stopped' ? c.status : 'other'))}</td>
                  <td data-label=${t('msg.opted_in')}>${c.opted_in_date}</td>
                  <td>${c.status === 'active' ? html`<button type="button" class="msg-optout" @click=${() => optOut(c)} aria-label=${t('msg.opt_out_label', { id: String(c.id) })}>${t('msg.opt_out')}</button>` : nothing}</td></tr>`,
              )}</tbody></table></div>`;
    return html`<section id="msg-contacts" aria-labelledby="msg-h-contacts"><h2 id="msg-h-contacts">${t('msg.contacts_title')}</h2>
      <p class="small">${t('msg.contacts_lede')}</p>
      ${cDone ? html`<p class="ok" role="status" id="msg-c-done" tabindex="-1">${cDone}</p>` : nothing}
      <form id="msg-contact" class="entry" @submit=${addContact} novalidate>
        <h3>${t('msg.add_contact')}</h3>
        ${cErrors.form ? html`<p class="error" role="alert" tabindex="-1">${cErrors.form}</p>` : nothing}
        <div class="row">
          <div class="field"><label for="msg-c-phone">${t('msg.phone')} <span class="req" aria-hidden="true">*</span></label>
            <input id="msg-c-phone" name="phone" type="tel" dir="ltr" autocomplete="off" aria-invalid=${inv(cErrors, 'phone')} aria-describedby=${desc(cErrors, 'phone', 'msg-c-phone-help')} />
            <p class="small" id="msg-c-phone-help">${t('msg.phone_help')}</p>${err(cErrors, 'phone')}</div>
          <div class="field"><label for="msg-c-lang">${t('msg.language')} <span class="req" aria-hidden="true">*</span></label>
            <input id="msg-c-lang" name="language" dir="ltr" list="msg-langs" maxlength="3" size="5" aria-invalid=${inv(cErrors, 'language')} aria-describedby=${desc(cErrors, 'language')} />${err(cErrors, 'language')}</div>
          <div class="field"><label for="msg-c-areas">${t('msg.areas')} <span class="req" aria-hidden="true">*</span></label>
            <input id="msg-c-areas" name="c-areas" dir="ltr" aria-invalid=${inv(cErrors, 'areas')} aria-describedby=${desc(cErrors, 'areas', 'msg-areas-help2')} />
            <p class="small" id="msg-areas-help2">${t('msg.areas_help')}</p>${err(cErrors, 'areas')}</div>
        </div>
        <fieldset aria-describedby=${desc(cErrors, 'channels')}><legend>${t('msg.channels')}</legend>
          <div class="row">${['sms', 'email'].map((c) => html`<label class="check"><input type="checkbox" name="c-channels" value=${c} ?checked=${c === 'sms'} aria-invalid=${inv(cErrors, 'channels')} /> ${t('msg.ch_' + c)}</label>`)}</div>${err(cErrors, 'channels')}</fieldset>
        <button type="submit" class="primary">${t('msg.add_contact')}</button>
      </form>
      ${list}</section>`;
  };

  const draw = () => {
    render(
      html`<div class="msg-page" data-ready=${list !== null || listError ? 'true' : 'false'}>
        <h1 tabindex="-1">${t('nav.messages')}</h1>
        <p class="lede">${t('msg.lede')}</p>
        ${suggestionsSection()} ${draftForm()} ${listSection()} ${contactsSection()}
        <datalist id="msg-langs">${LANG_CODES.map((l) => html`<option value=${l}></option>`)}</datalist>
      </div>`,
      el,
    );
  };
  draw();
  await Promise.all([loadList(), loadSuggestions(), loadContacts(), manages ? Promise.resolve() : loadCounts()]);
  draw();
}
