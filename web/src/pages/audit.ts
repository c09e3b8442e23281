// The audit log (coordinators): who did what, when; ids and actions only, never personal data.
import { html, render, nothing } from 'lit-html';
import { api, qs, type Page } from '../api';
import { fmtDate, fmtNum, t } from '../i18n';
import type { Ctx } from '../main';

interface Row {
  seq: number;
  at: string;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  organisation: string;
  detail: string;
}

export async function mount(el: HTMLElement, _ctx: Ctx): Promise<void> {
  let rows: Row[] = [];
  let next = '';
  async function load(after?: string): Promise<void> {
    const p = await api.get<Page<Row>>('/audit' + qs({ limit: 200, after }));
    rows = rows.concat(p.items);
    next = p.next && p.items.length === 200 ? new URLSearchParams(p.next.split('?')[1] ?? '').get('after') ?? '' : '';
    draw();
  }
  function draw(): void {
    render(
      html`<h1 tabindex="-1">${t('audit.title')}</h1>
        <p>${t('audit.lede')}</p>
        <div class="tablewrap" tabindex="0" role="region" aria-labelledby="au-caption"><table class="list">
          <caption id="au-caption">${t('audit.caption', { n: fmtNum(rows.length) })}</caption>
          <thead><tr><th scope="col">#</th><th scope="col">${t('audit.at')}</th><th scope="col">${t('audit.actor')}</th><th scope="col">${t('audit.action')}</th>
            <th scope="col">${t('audit.object')}</th><th scope="col">${t('inc.organisation')}</th><th scope="col">${t('audit.detail')}</th></tr></thead>
          <tbody>${rows.map(
            (r) => html`<tr><td>${r.seq}</td><td>${fmtDate(r.at)}</td><td>${r.actor}</td><td><code>${r.action}</code></td>
              <td>${r.object_type} ${r.object_id}</td><td>${r.organisation}</td><td>${r.detail}</td></tr>`,
          )}</tbody></table></div>
        ${next ? html`<button type="button" @click=${() => load(next)}>${t('inc.more')}</button>` : nothing}`,
      el,
    );
  }
  await load();
}
