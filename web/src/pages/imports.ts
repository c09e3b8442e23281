// Imports: upload a file, choose its mapping profile, follow the background import, then read
// its counts and the quarantined rows with their reasons, and download them as CSV.
import { html, render, nothing } from 'lit-html';
import { api, qs } from '../api';
import { fmtNum, t } from '../i18n';
import type { Ctx } from '../main';

interface Profile {
  name: string;
  description: string;
  record: string;
}
interface Summary {
  read: number;
  imported: number;
  updated: number;
  unchanged: number;
  quarantined: number;
}
interface Job {
  id: number;
  state: string;
  file_name: string;
  profile: string;
  rows: number;
  bytes: number;
  total_bytes: number;
  phase: string;
  error?: string;
  summary?: Summary;
}
interface QRow {
  row: number;
  column: string;
  reason: string;
  hint: string;
  raw: unknown;
}

function csvCell(v: unknown): string {
  let s = typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s; // no formulas when opened in a spreadsheet
  return /[",\n\r;]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export function quarantineCsv(rows: QRow[]): string {
  const lines = [['row', 'column', 'reason', 'hint', 'raw'].join(',')];
  for (const r of rows) lines.push([r.row, r.column, r.reason, r.hint, r.raw].map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}

export async function mount(el: HTMLElement, _ctx: Ctx): Promise<void> {
  const profiles = (await api.get<{ items: Profile[] }>('/import-profiles')).items;
  let job: Job | null = null;
  let quarantine: QRow[] | null = null;
  let error = '';
  let timer = 0;

  async function poll(id: number): Promise<void> {
    try {
      job = await api.get<Job>('/imports/' + id);
    } catch (e) {
      error = (e as Error).message;
      draw();
      return;
    }
    if (job.state === 'completed') {
      quarantine = (await api.get<{ items: QRow[] }>('/imports/' + id + '/quarantine')).items;
    } else if (job.state !== 'failed') {
      timer = window.setTimeout(() => void poll(id), 400);
    }
    draw();
  }

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const input = form.querySelector('#file') as HTMLInputElement;
    const profile = (form.querySelector('#profile') as HTMLSelectElement).value;
    const file = input.files?.[0];
    error = '';
    quarantine = null;
    if (!file) error = t('imp.err_file');
    else if (!profile) error = t('imp.err_profile');
    if (error) {
      draw();
      return;
    }
    window.clearTimeout(timer);
    try {
      job = await api.upload<Job>('/imports' + qs({ profile, file_name: file!.name }), file!);
      draw();
      await poll(job.id);
    } catch (err) {
      error = (err as Error).message;
      draw();
    }
  }

  function download(): void {
    if (!quarantine || !job) return;
    const blob = new Blob([quarantineCsv(quarantine)], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = job.file_name.replace(/\.[^.]*$/, '') + '-quarantine.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  function draw(): void {
    const pct = job && job.total_bytes > 0 ? Math.round((100 * job.bytes) / job.total_bytes) : 0;
    const s = job?.summary;
    render(
      html`<h1 tabindex="-1">${t('imp.title')}</h1>
        <form class="entry" @submit=${submit} novalidate>
          <div class="field"><label for="file">${t('imp.file')}</label>
            <input id="file" name="file" type="file" accept=".csv,.xlsx,.json,.txt" required aria-describedby="file-help" />
            <p class="small" id="file-help">${t('imp.file_help')}</p></div>
          <div class="field"><label for="profile">${t('imp.profile')}</label>
            <select id="profile" name="profile" required>
              <option value="">${t('entry.choose')}</option>
              ${profiles.map((p) => html`<option value=${p.name}>${p.name} – ${p.description}</option>`)}
            </select></div>
          ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
          <button type="submit" class="primary">${t('imp.start')}</button>
        </form>
        ${job
          ? html`<section aria-labelledby="h-job" class="job" data-state=${job.state}>
              <h2 id="h-job">${t('imp.job', { id: String(job.id), file: job.file_name })}</h2>
              <p role="status" aria-live="polite">${t('imp.state_' + job.state)}${job.phase ? ' · ' + job.phase : ''} ·
                ${t('imp.rows', { n: fmtNum(job.rows) })}</p>
              <progress max="100" value=${job.state === 'completed' ? 100 : pct} aria-label=${t('imp.progress')}>${pct}%</progress>
              ${job.error ? html`<p class="error" role="alert">${job.error}</p>` : nothing}
              ${s
                ? html`<dl class="counts">
                    ${(['read', 'imported', 'updated', 'unchanged', 'quarantined'] as const).map(
                      (k) => html`<div data-count=${k}><dt>${t('imp.n_' + k)}</dt><dd>${fmtNum(s[k])}</dd></div>`,
                    )}
                  </dl>`
                : nothing}
            </section>`
          : nothing}
        ${quarantine
          ? html`<section aria-labelledby="h-q">
              <h2 id="h-q">${t('imp.quarantine', { n: fmtNum(quarantine.length) })}</h2>
              ${quarantine.length
                ? html`<p><button type="button" @click=${download}>${t('imp.download')}</button></p>
                    <div class="tablewrap" tabindex="0" role="region" aria-labelledby="q-caption"><table class="list quarantine">
                      <caption id="q-caption">${t('imp.q_caption')}</caption>
                      <thead><tr><th scope="col">${t('imp.row')}</th><th scope="col">${t('imp.column')}</th><th scope="col">${t('imp.reason')}</th><th scope="col">${t('imp.hint')}</th></tr></thead>
                      <tbody>${quarantine.map((q) => html`<tr><td>${q.row}</td><td>${q.column}</td><td>${q.reason}</td><td>${q.hint}</td></tr>`)}</tbody>
                    </table></div>`
                : html`<p>${t('imp.q_none')}</p>`}
            </section>`
          : nothing}`,
      el,
    );
  }
  draw();
}
