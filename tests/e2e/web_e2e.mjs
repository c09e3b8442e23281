#!/usr/bin/env node
// End-to-end tests of the web application in headless Debian Chromium (playwright-core from
// web/node_modules; no browser is downloaded).
//
// It builds a fresh demo store in a temporary folder, adds a coordinator and a viewer, starts
// `aegis serve` on a free loopback port with the built front end (web/dist), and checks:
// sign-in; the dashboard shows the demo data's phases (the same as the API's); drill-down from a
// state to its counties and payams (mouse and keyboard); importing a Kobo CSV shows its counts
// and its quarantined rows, and the download holds them; a viewer sees "<5" cells and cannot open
// an individual GBV record; French and the Arabic right-to-left layout; entry-form validation;
// static-file headers and confinement; keyboard use (skip link, drill-down); no script error and
// nothing blocked by the server's Content-Security-Policy (not bypassed); an automated
// accessibility check (axe-core, WCAG 2.1 A/AA) on every page; early warning: an SMS-format and a
// structured alert through the alerts page, what the server understood, the board (overdue
// highlighting), the inbox's acknowledgement, a status change with its reason, the viewer's 403;
// referrals: a partner refers an incident's person to another organisation's service through the
// form (recipient search, the 422 without consent), the receiver sees only the consented fields,
// accepts and closes it; the same in Arabic at 390 px, with a withdrawal; "Refer" from an alert's
// detail, a rejection with a reason, a consent withdrawal after which the receiver sees no person
// field; the service directory (filters, the map against the coverage API, detail, a change the
// server refuses and one it takes), in Arabic at 390 px too; the dashboard's service-gap panel
// against the gap map's API (the viewer's withheld phases); life-saving messages: the messaging
// officer's contacts (add, opt-out), a coordinator's draft with the live SMS segment counter
// (GSM-7, UCS-2 and the character that forced it), a phone number refused at its text, no Approve
// for the author, an IMO's approval, the cost (segments x recipients, = API), the radio script, in
// Arabic at 390 px. Screenshots of each page go to
// --screenshots (default build/e2e-screenshots). Exit status 1 if any check fails.
//
//   node tests/e2e/web_e2e.mjs [--aegis build/aegis] [--screenshots DIR] [--keep]
import fs from 'node:fs';
import path from 'node:path';
import { arg, demoStore, launchChromium, require, requireInputs, root, runAegis, startServer } from './harness.mjs';

const SHOTS = path.resolve(arg('--screenshots', path.join(root, 'build/e2e-screenshots')));
const KEEP = process.argv.includes('--keep');

const started = Date.now();
const results = [];
let failures = 0;
function check(name, ok, detail = '') {
  results.push({ name, ok, detail });
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ' — ' + detail : ''}`);
}

// A tiny ";"-separated CSV reader/writer for the Kobo export (quoted fields, "" escapes).
function parseLine(line, sep = ';') {
  const out = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === sep) out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out;
}
function formatLine(cells, sep = ';') {
  return cells.map((c) => (/[";\n]/.test(c) ? '"' + c.replace(/"/g, '""') + '"' : c)).join(sep);
}

// A Kobo CSV of 10 submissions taken from the demo's export, with new submission ids, two of
// them broken: a date that does not exist and an unknown P-code.
function makeKoboCsv(demoDir, out) {
  const lines = fs.readFileSync(path.join(demoDir, 'input/kobo_incidents.csv'), 'utf8').split(/\r?\n/).filter(Boolean);
  const head = parseLine(lines[0]);
  const col = (name) => {
    const i = head.findIndex((h) => h === name || h.endsWith('/' + name));
    if (i < 0) throw new Error('kobo_incidents.csv has no column ' + name);
    return i;
  };
  const [uuid, id, date, pcode, index] = ['_uuid', '_id', 'incident_date', 'payam_pcode', '_index'].map(col);
  const rows = lines.slice(1, 11).map((l, n) => {
    const c = parseLine(l);
    c[uuid] = `e2e00000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    c[id] = String(900000 + n);
    c[index] = String(n + 1);
    return c;
  });
  rows[3][date] = '2026-02-30';
  rows[7][pcode] = 'SS039901';
  fs.writeFileSync(out, [formatLine(head), ...rows.map((r) => formatLine(r))].join('\n') + '\n');
  return { read: 10, imported: 8, quarantined: 2 };
}

// axe-core is evaluated through DevTools, which the page's Content-Security-Policy does not
// govern: the app itself runs under the server's real CSP (no bypass).
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
async function axeCheck(page, name) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axeSource);
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const res = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length, target: v.nodes[0]?.target?.join(' '), help: v.help }));
  });
  check(`accessibility (axe, WCAG 2.1 A/AA): ${name}`, r.length === 0, r.map((v) => `${v.id} [${v.impact}] x${v.n} ${v.target}: ${v.help}`).join('; '));
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

async function signIn(page, base, user, password) {
  await page.goto(base + '/#/dashboard');
  await page.waitForSelector('#username');
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('body[data-dashboard=ready]', { timeout: 20000 });
}

async function waitDashboard(page, level) {
  await page.waitForFunction((l) => document.querySelector('main[data-ready=true] .scope')?.getAttribute('data-level') === String(l), level, {
    timeout: 20000,
  });
}

// The three catalogs hold the same keys, and every literal key the code asks for exists.
function checkCatalogs() {
  const dir = path.join(root, 'web/src/i18n');
  const cat = Object.fromEntries(['en', 'fr', 'ar'].map((l) => [l, JSON.parse(fs.readFileSync(path.join(dir, l + '.json'), 'utf8'))]));
  const keys = (l) => Object.keys(cat[l]).sort().join('\n');
  const untranslated = ['fr', 'ar'].flatMap((l) => Object.keys(cat.en).filter((k) => !cat[l][k]).map((k) => l + ':' + k));
  check('the en, fr and ar catalogs have the same keys, none empty', keys('en') === keys('fr') && keys('en') === keys('ar') && untranslated.length === 0, untranslated.slice(0, 5).join(', '));
  const used = new Set();
  const walk = (d) => {
    for (const f of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, f.name);
      if (f.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/\bt\('([a-z_]+\.[a-z_.0-9]+)'\s*[,)]/g)) used.add(m[1]);
    }
  };
  walk(path.join(root, 'web/src'));
  const missing = [...used].filter((k) => !(k in cat.en));
  check('every catalog key the code uses exists', used.size > 100 && missing.length === 0, `${used.size} keys used; missing: ${missing.join(', ')}`);
}

// Referrals (doc/referrals.md): a partner of organisation E2EA refers the person of one of its
// incidents to a health service of E2EB with consent, through the form (recipient search, the
// server's 422 without consent); E2EB's service provider sees it in Received, reads only the
// consented fields, accepts and closes it with an outcome. Then again in Arabic, at 390 px.
async function apiPost(page, base, path, body) {
  const me = await (await page.request.get(base + '/api/v1/me')).json();
  const res = await page.request.post(base + '/api/v1' + path, { data: body, headers: { 'X-CSRF-Token': me.csrf_token } });
  return { status: res.status(), body: await res.json().catch(() => null) };
}

async function fillReferral(page, base, incidentId, serviceId, lang) {
  await page.goto(base + `/#/incidents/${incidentId}`);
  await page.waitForSelector('a.refer');
  await page.click('a.refer');
  await page.waitForSelector('form.ref-form');
  const area = await page.inputValue('#rf-area');
  await page.selectOption('#rf-type', 'health');
  await page.click('#rf-find');
  await page.waitForSelector(`label[data-service="${serviceId}"]`);
  const rec = (await page.textContent(`label[data-service="${serviceId}"]`)).replace(/\s+/g, ' ');
  await page.check(`label[data-service="${serviceId}"] input`);
  const org = await page.inputValue('#rf-org');
  await page.selectOption('#rf-priority', 'urgent');
  await page.fill('#rf-case', 'E2E-' + lang);
  await page.fill('#rf-name', 'E2E Person ' + lang);
  await page.fill('#rf-phone', '+211900000000');
  await page.fill('#rf-location', 'E2E block 4');
  await page.selectOption('#rf-sex', 'f');
  await page.fill('#rf-age', '34');
  await page.fill('#rf-reason', 'E2E: needs medical care after the attack');
  return { area, rec, org };
}

// The service directory (#/services): the list against the API, filters by area name and type,
// the unconfirmed mark, the map's symbols against /services/coverage, active only, an entry's
// detail; the partner's change of another organisation's entry refused by the server (and the
// refusal shown); the provider's confirmation of its own entry.
async function directoryWalk(pa, pb, base, ids) {
  await pa.goto(base + '/#/services');
  await pa.waitForSelector('.dir-page[data-ready=true] svg.mapsvg');
  const all = await (await pa.request.get(base + '/api/v1/services?limit=200')).json();
  const rowsAll = await pa.$$eval('table.dir-list tbody tr', (trs) => trs.map((tr) => Number(tr.dataset.id)));
  check('directory: the list holds the entries the API gives the partner', rowsAll.length === all.items.length && all.items.every((x) => rowsAll.includes(x.id)) && rowsAll.includes(ids.svc2), `${rowsAll.length} rows, API ${all.items.length}`);
  const states = await pa.$$eval('svg.mapsvg g.sym', (gs) => gs.length);
  check('directory: the map is drawn, one symbol per state', states >= 10, `${states} symbols`);
  await axeCheck(pa, 'service directory');
  // Filter: the area by its name, a service type.
  await pa.fill('#dir-area', 'pibor');
  await pa.selectOption('#dir-type', 'health');
  await pa.click('form.dir-filters button[type=submit]');
  await pa.waitForSelector('.dir-page[data-ready=true][data-area=SS0308] svg.mapsvg');
  const hash = await pa.evaluate(() => location.hash);
  const api = await (await pa.request.get(base + '/api/v1/services?area=SS0308&type=health&limit=200')).json();
  const rows = await pa.$$eval('table.dir-list tbody tr', (trs) => trs.map((tr) => ({ id: Number(tr.dataset.id), type: tr.dataset.type, unconfirmed: !!tr.querySelector('[data-unconfirmed]'), text: tr.textContent.replace(/\s+/g, ' ') })));
  check('directory: "pibor" and Health filter to Pibor (SS0308) health services (= API)', hash.includes('type=health') && rows.length === api.items.length && rows.length >= 2 && rows.every((r) => r.type === 'health') && rows.some((r) => r.id === ids.serviceId) && rows.some((r) => r.id === ids.svc4), `${hash}: ${rows.map((r) => r.id).join(',')} vs API ${api.items.map((x) => x.id).join(',')}`);
  const r4 = rows.find((r) => r.id === ids.svc4);
  check('directory: an entry shows type, provider, areas, modality, referrals, last confirmed and status; one confirmed long ago is marked unconfirmed',
    !!r4 && r4.unconfirmed && /Health/.test(r4.text) && /E2EA/.test(r4.text) && /Pibor/.test(r4.text) && /Mobile/.test(r4.text) && /Accepts referrals/.test(r4.text) && /Jan 1, 2026|1 Jan 2026/.test(r4.text) && /Active/.test(r4.text), r4?.text);
  const cov = await (await pa.request.get(base + '/api/v1/services/coverage?level=3&type=health')).json();
  const covPibor = Object.fromEntries(cov.items.filter((c) => c.pcode.startsWith('SS0308')).map((c) => [c.pcode, c.services]));
  const syms = await pa.$$eval('svg.mapsvg g.sym', (gs) => gs.map((g) => [g.dataset.pcode, Number(g.dataset.n)]));
  check("directory: the map shows Pibor's payams with the health services covering each (= /services/coverage)",
    (await pa.getAttribute('figure.dir-map', 'data-level')) === '3' && syms.length === Object.keys(covPibor).length && syms.length > 0 && syms.every(([p, n]) => covPibor[p] === n && n >= 2),
    JSON.stringify(syms.slice(0, 4)));
  await shot(pa, '30-directory-filtered');
  // Active only: the inactive health post goes.
  await pa.goto(base + '/#/services?type=health');
  await pa.waitForSelector(`.dir-page[data-ready=true] tr[data-id="${ids.svc3}"]`);
  const inactive = (await pa.textContent(`tr[data-id="${ids.svc3}"] td[data-status]`)).trim();
  await pa.check('form.dir-filters input[name=active]');
  await pa.click('form.dir-filters button[type=submit]');
  // The page drawn for the new filter (the previous one stays ready until the route changes).
  await pa.waitForSelector('.dir-page[data-ready=true][data-active=true]');
  check('directory: "Active only" leaves out the inactive entry', inactive === 'Inactive' && (await pa.$(`tr[data-id="${ids.svc3}"]`)) === null && (await pa.$(`tr[data-id="${ids.serviceId}"]`)) !== null, inactive);
  const exportHref = await pa.getAttribute('.dir-exports a:first-child', 'href');
  check('directory: the export links carry the same filters', exportHref === '/api/v1/services/export?format=csv&type=health&active=true', exportHref);
  // Detail; the partner tries to change E2EB's entry: the server refuses, the page says so.
  await pa.click(`tr[data-id="${ids.serviceId}"] a`);
  await pa.waitForSelector(`.dir-detail[data-id="${ids.serviceId}"]`);
  const det = await pa.$$eval('.dir-detail dd[data-f]', (dds) => Object.fromEntries(dds.map((d) => [d.dataset.f, d.textContent.replace(/\s+/g, ' ').trim()])));
  check('directory: the detail shows the entry (E2EB, health, Jonglei, unconfirmed)', det.organisation === 'E2EB' && det.type === 'Health' && det.areas.includes('SS03') && det.confirmed.includes('unconfirmed'), JSON.stringify(det));
  await axeCheck(pa, 'service detail');
  await pa.click('button[data-act=edit]');
  await pa.check('#dir-edit input[name=confirm]');
  await pa.click('#dir-edit button[type=submit]');
  await pa.waitForSelector('.dir-detail p.error[role=alert]');
  const refusal = await pa.textContent('.dir-detail p.error[role=alert]');
  const still = await (await pa.request.get(base + `/api/v1/services/${ids.serviceId}`)).json();
  check("directory: a partner's change of another organisation's entry is refused by the server, and the refusal shown", refusal.length > 5 && !still.assured_date, refusal);
  // The provider confirms its own entry.
  await pb.goto(base + `/#/services/${ids.svc2}`);
  await pb.waitForSelector(`.dir-detail[data-id="${ids.svc2}"] button[data-act=edit]`);
  const before = await pb.textContent('dd[data-f=confirmed]');
  await pb.click('button[data-act=edit]');
  await pb.fill('#de-hours', 'Mon-Fri 8-16');
  await pb.check('#dir-edit input[name=confirm]');
  await pb.click('#dir-edit button[type=submit]');
  await pb.waitForSelector('.dir-detail p.ok');
  const after = await pb.textContent('dd[data-f=confirmed]');
  const saved = await (await pb.request.get(base + `/api/v1/services/${ids.svc2}`)).json();
  check('directory: the provider confirms its own entry today (no longer unconfirmed; the API agrees)',
    before.includes('unconfirmed') && !after.includes('unconfirmed') && saved.assured_date === new Date().toISOString().slice(0, 10) && saved.hours === 'Mon-Fri 8-16' && saved.modality === 'mobile' && saved.accepts_referrals === false && saved.name === 'E2E protection team',
    JSON.stringify({ after, assured: saved.assured_date, hours: saved.hours }));
  await shot(pb, '31-directory-detail-saved');
}

// Refer from an alert (origin alert); the receiver rejects that referral with a reason; the
// referrer withdraws the consent of another, after which the receiver sees no person field.
async function rejectAndWithdrawConsent(pc, pb, pa, base, serviceId) {
  // A coordinator of organisation E2EC opens an alert (alerts go to the coordinators) and refers
  // from it.
  const al = await apiPost(pc, base, '/alerts', { area_pcode: 'SS0308', risks: ['ATK'], urgency: 'high', free_text: 'E2E: attack near the market', channel: 'web' });
  const alertId = al.body?.id;
  await pc.goto(base + `/#/alerts/${alertId}`);
  await pc.waitForSelector(`.al-detail[data-id="${alertId}"] a.refer`);
  check('alerts: the alert detail shows the alert, with "Refer"', (await pc.textContent('dd[data-f=place]')).includes('SS0308'));
  await axeCheck(pc, 'alert detail');
  await pc.click('a.refer');
  await pc.waitForSelector('form.ref-form');
  const area = await pc.inputValue('#rf-area');
  const note = await pc.textContent('main p.note');
  await pc.selectOption('#rf-type', 'health');
  await pc.click('#rf-find');
  await pc.waitForSelector(`label[data-service="${serviceId}"]`);
  await pc.check(`label[data-service="${serviceId}"] input`);
  await pc.fill('#rf-case', 'E2E-ALERT');
  await pc.fill('#rf-name', 'E2E Alert Person');
  await pc.fill('#rf-reason', 'E2E: injured in the attack');
  await pc.selectOption('#rf-given', 'person');
  for (const fld of ['name', 'reason']) await pc.check(`input[name=fields][value=${fld}]`);
  await pc.click('form.ref-form button[type=submit]');
  await pc.waitForSelector('.ref-detail[data-id]', { timeout: 15000 });
  const rejId = Number(await pc.getAttribute('.ref-detail', 'data-id'));
  const fromAlert = await (await pc.request.get(base + `/api/v1/referrals/${rejId}`)).json();
  check('referrals: "Refer" from an alert opens the form with its area and sends a referral with origin alert',
    area === 'SS0308' && note.includes(String(alertId)) && fromAlert.origin === 'alert' && fromAlert.origin_id === alertId,
    JSON.stringify({ area, note, origin: fromAlert.origin, origin_id: fromAlert.origin_id }));
  // The receiver rejects it, with a reason.
  await pb.goto(base + `/#/referrals/${rejId}`);
  await pb.waitForSelector('.ref-detail[data-status=sent] button[data-act=reject]');
  await pb.click('button[data-act=reject]');
  await pb.click('#ref-reason button[type=submit]');
  const emptyRefused = (await pb.$('.ref-detail[data-status=sent]')) !== null;
  await pb.fill('#ref-reason-text', 'E2E: no surgeon this month');
  await pb.click('#ref-reason button[type=submit]');
  await pb.waitForSelector('.ref-detail[data-status=rejected] p.ok');
  const rejected = await (await pc.request.get(base + `/api/v1/referrals/${rejId}`)).json();
  const receiverStatus = await pb.textContent('dd[data-f=status]');
  await pc.reload();
  await pc.waitForSelector('.ref-detail[data-status=rejected]');
  const shownReason = await pc.textContent('.ref-detail dl.detail');
  check('referrals: the receiver rejects a referral with a reason; the referrer reads the reason (the API agrees)', emptyRefused && receiverStatus.includes('Rejected') && rejected.status === 'rejected' && rejected.status_reason === 'E2E: no surgeon this month' && shownReason.includes('no surgeon'), `${rejected.status}: ${rejected.status_reason}`);
  await shot(pb, '32-referral-rejected');
  // Consent withdrawn by the referrer: the receiver's detail then holds no person field.
  const cons = await apiPost(pa, base, '/referrals', {
    client_id: 'e2e-consent-' + Date.now(), receiving_organisation: 'E2EB', service_type: 'health', service_id: serviceId, area: 'SS0308',
    priority: 'normal', purpose: 'service_provision', case_code: 'E2E-CONSENT', reason: 'E2E: follow-up care',
    person: { name: 'E2E Consent Person', phone: '+211900000001', sex: 'm', age: 40 },
    consent: { given_by: 'person', purpose: 'service_provision', receiving_organisation: 'E2EB', fields: ['name', 'phone', 'sex', 'reason'] },
  });
  const cId = cons.body?.id;
  await pb.goto(base + `/#/referrals/${cId}`);
  await pb.waitForSelector(`.ref-detail[data-id="${cId}"]`);
  const seenBefore = await pb.$$eval('dl.person dd[data-f]', (dds) => dds.map((d) => d.dataset.f).sort().join(','));
  await pa.goto(base + `/#/referrals/${cId}`);
  await pa.waitForSelector(`.ref-detail[data-id="${cId}"] button[data-act=consent]`);
  pa.once('dialog', (d) => d.accept());
  await pa.click('button[data-act=consent]');
  await pa.waitForSelector('.ref-detail p.ok');
  const inForce = (await pa.textContent('dd[data-f=in_force]')).trim();
  await pb.reload();
  await pb.waitForSelector(`.ref-detail[data-id="${cId}"]`);
  const seenAfter = await pb.$$eval('dl.person dd[data-f]', (dds) => dds.length);
  const pbText = await pb.textContent('.ref-detail');
  const apiAfter = await (await pb.request.get(base + `/api/v1/referrals/${cId}`)).json();
  check('referrals: after the referrer withdraws consent, the receiver\'s detail shows no person field (nor does the API)',
    cons.status === 201 && seenBefore === 'name,phone,reason,sex' && inForce === 'No' && seenAfter === 0 && !pbText.includes('E2E Consent Person') && !pbText.includes('+211900000001') &&
      Object.keys(apiAfter.person ?? {}).length === 0 && apiAfter.reason === undefined && (await pb.$('section[aria-labelledby=h-person] p.note')) !== null,
    JSON.stringify({ status: cons.status, seenBefore, inForce, seenAfter, person: apiAfter.person }));
  await shot(pb, '33-referral-consent-withdrawn');
  await axeCheck(pb, 'referral detail after consent withdrawal');
}

// The directory in Arabic at 390 px: right to left, cards, the map, nothing wider than the screen.
async function directoryArabic(pa, base) {
  await pa.goto(base + '/#/services?area=SS03&type=health');
  await pa.waitForSelector('.dir-page[data-ready=true] svg.mapsvg g.sym');
  const ar = await pa.evaluate(() => {
    const tr = document.querySelector('table.dir-list tbody tr');
    const over = [...document.querySelectorAll('main *')].filter((e) => !e.closest('table.stack thead') && !e.ownerSVGElement && (e.getBoundingClientRect().right > window.innerWidth + 1 || e.getBoundingClientRect().left < -1)).map((e) => e.tagName + '.' + e.className).slice(0, 3);
    return {
      dir: document.documentElement.dir,
      mainDir: getComputedStyle(document.querySelector('main')).direction,
      h1: document.querySelector('h1').textContent,
      card: tr ? getComputedStyle(tr).display : '',
      rows: document.querySelectorAll('table.dir-list tbody tr').length,
      symbols: document.querySelectorAll('svg.mapsvg g.sym').length,
      scroll: document.documentElement.scrollWidth,
      over,
    };
  });
  check('directory (Arabic, 390 px): right to left, translated, entries as cards, the map drawn, nothing overflowing',
    ar.dir === 'rtl' && ar.mainDir === 'rtl' && ar.h1.includes('دليل الخدمات') && ar.card === 'block' && ar.rows >= 2 && ar.symbols > 1 && ar.scroll <= 390 && ar.over.length === 0,
    JSON.stringify(ar));
  await shot(pa, '34-directory-ar-390');
  await axeCheck(pa, 'service directory in Arabic at 390 px');
}

async function referralWalk(browser, base, ctxOpts, partner, provider, coordC) {
  const errors = [];
  // The service provider's directory entry: health, covering Jonglei (SS03).
  const bctx = await browser.newContext(ctxOpts);
  const pb = await bctx.newPage();
  pb.on('pageerror', (e) => errors.push(e.message));
  await signIn(pb, base, provider.user, provider.pw);
  const svc = await apiPost(pb, base, '/services', { service_type: 'health', name: 'E2E clinic', provider_name: 'E2E clinic', pcodes: ['SS03'], accepts_referrals: true });
  check('referrals: the service provider has a health service in Jonglei', svc.status === 201 && svc.body?.id > 0, JSON.stringify(svc));
  const serviceId = svc.body?.id;
  // More entries for the directory: E2EB's mobile protection team in Pibor (no referrals, not
  // yet confirmed) and an inactive health post in Upper Nile; E2EA's own health service below.
  const svc2 = await apiPost(pb, base, '/services', { service_type: 'protection', name: 'E2E protection team', provider_name: 'E2E clinic', pcodes: ['SS0308'], modality: 'mobile', accepts_referrals: false });
  const svc3 = await apiPost(pb, base, '/services', { service_type: 'health', name: 'E2E closed post', provider_name: 'E2E clinic', pcodes: ['SS04'], status: 'inactive', assured_date: new Date().toISOString().slice(0, 10) });
  check('directory: the service provider enters two more services', svc2.status === 201 && svc3.status === 201, JSON.stringify([svc2.status, svc3.status]));

  // The partner's incident in Pibor (SS0308), and the referral from it.
  const actx = await browser.newContext(ctxOpts);
  const pa = await actx.newPage();
  pa.on('pageerror', (e) => errors.push(e.message));
  await signIn(pa, base, partner.user, partner.pw);
  check('referrals: the partner has Referrals in the menu', (await pa.$$('header nav a[href="#/referrals"]')).length === 1);
  const incidents = [];
  for (let i = 0; i < 2; i++) {
    const inc = await apiPost(pa, base, '/incidents', { date_start: '2026-10-01', area_pcode: 'SS0308', risks: ['ATK'], sensitivity: 'internal', consent_share: false });
    incidents.push(inc.body?.id);
  }
  const svc4 = await apiPost(pa, base, '/services', { service_type: 'health', name: 'E2EA mobile clinic', provider_name: 'E2EA', pcodes: ['SS0308'], modality: 'mobile', accepts_referrals: true, assured_date: '2026-01-01' });
  check('directory: the partner enters its own health service, last confirmed long ago', svc4.status === 201, JSON.stringify(svc4));
  check('referrals: the partner records two incidents', incidents.every((x) => x > 0), JSON.stringify(incidents));
  const f = await fillReferral(pa, base, incidents[0], serviceId, 'en');
  check('referrals: "Refer" from the incident opens the form with its area', f.area === 'SS0308', f.area);
  check('referrals: "Find recipients" lists the service of E2EB, marked unconfirmed; picking it fills the organisation', f.rec.includes('E2EB') && f.rec.includes('not confirmed') && f.org === 'E2EB', f.rec + ' -> ' + f.org);
  await pa.click('form.ref-form button[type=submit]');
  await pa.waitForSelector('form.ref-form p.error[role=alert]');
  const refused = await pa.textContent('form.ref-form p.error[role=alert]');
  check("referrals: without consent the server's refusal (422) is shown, naming the consent", /consent/i.test(refused), refused);
  await pa.selectOption('#rf-given', 'person');
  for (const fld of ['name', 'phone', 'reason']) await pa.check(`input[name=fields][value=${fld}]`);
  await pa.setViewportSize({ width: 390, height: 900 });
  const scroll = await pa.evaluate(() => document.documentElement.scrollWidth);
  check('referrals: the form has no horizontal scroll at 390 px', scroll <= 390, `${scroll} px`);
  await shot(pa, '23-referral-form-390');
  await axeCheck(pa, 'referral form');
  await pa.setViewportSize(ctxOpts.viewport);
  await pa.click('form.ref-form button[type=submit]');
  await pa.waitForSelector('.ref-detail[data-id]', { timeout: 15000 });
  const refId = Number(await pa.getAttribute('.ref-detail', 'data-id'));
  const sentText = await pa.textContent('.ref-detail');
  check('referrals: the referral is sent and its detail shows route, status and consent', refId > 0 && sentText.includes('E2EB') && sentText.includes('Sent') && sentText.includes('Urgent') && (await pa.textContent('dd[data-f=fields]')).includes('Phone'), String(refId));
  check('referrals: the referrer may withdraw, not accept', (await pa.$('button[data-act=withdraw]')) !== null && (await pa.$('button[data-act=accept]')) === null);
  await pa.goto(base + '/#/referrals?side=sent');
  await pa.waitForSelector(`.ref-page[data-ready=true][data-side=sent] tr[data-id="${refId}"]`);
  check('referrals: it is in the partner\'s Sent list', (await pa.textContent(`tr[data-id="${refId}"]`)).includes('E2EB'));
  await shot(pa, '24-referrals-sent');
  await axeCheck(pa, 'referrals sent');

  // The receiver: Received, the consented fields only, accept, close with an outcome.
  await pb.goto(base + '/#/referrals');
  await pb.waitForSelector(`.ref-page[data-ready=true][data-side=received] tr[data-id="${refId}"]`);
  const row = (await pb.textContent(`tr[data-id="${refId}"]`)).replace(/\s+/g, ' ');
  check('referrals: the service provider sees it in Received (from E2EA, health, urgent, sent)', row.includes('E2EA') && row.includes('Health') && row.includes('Urgent') && row.includes('Sent'), row);
  await shot(pb, '25-referrals-received');
  await axeCheck(pb, 'referrals received');
  // Overdue: a deadline is hours away, so the list's answer is replayed with the referral overdue.
  await pb.route('**/api/v1/referrals?*', async (route) => {
    const res = await route.fetch();
    const b = await res.json();
    for (const it of b.items ?? []) if (it.id === refId) it.overdue = true;
    await route.fulfill({ response: res, json: b });
  });
  await pb.reload();
  await pb.waitForSelector(`.ref-page[data-ready=true] tr[data-id="${refId}"]`);
  const od = await pb.$eval(`tr[data-id="${refId}"]`, (tr) => ({ cls: tr.className, badge: tr.querySelector('.overdue-badge')?.textContent }));
  check('referrals: an overdue referral is marked in the list', od.cls.includes('overdue') && od.badge === 'Overdue', JSON.stringify(od));
  await pb.unroute('**/api/v1/referrals?*');
  await pb.click(`tr[data-id="${refId}"] a`);
  await pb.waitForSelector('.ref-detail[data-status=sent]');
  const shown = await pb.$$eval('dl.person dd[data-f]', (dds) => dds.map((d) => d.dataset.f));
  check('referrals: the receiver sees only the consented fields (name, phone, reason)', shown.sort().join(',') === 'name,phone,reason', shown.join(','));
  await pb.click('button[data-act=accept]');
  await pb.waitForSelector('.ref-detail[data-status=accepted] p.ok');
  check('referrals: the receiver accepts it', (await pb.textContent('dd[data-f=status]')).includes('Accepted'));
  await pb.click('button[data-act=close]');
  await pb.selectOption('#ref-outcome', 'service_provided');
  await pb.click('#ref-close button[type=submit]');
  await pb.waitForSelector('.ref-detail[data-status=closed]');
  const closed = await (await pb.request.get(base + `/api/v1/referrals/${refId}`)).json();
  check('referrals: ... and closes it as "Service provided" (the API agrees)', (await pb.textContent('dd[data-f=outcome]')).includes('Service provided') && closed.status === 'closed' && closed.outcome === 'service_provided', closed.status + ' ' + closed.outcome);
  await shot(pb, '26-referral-closed');
  await axeCheck(pb, 'referral detail');

  await directoryWalk(pa, pb, base, { serviceId, svc2: svc2.body?.id, svc3: svc3.body?.id, svc4: svc4.body?.id });
  const cctx = await browser.newContext(ctxOpts);
  const pc = await cctx.newPage();
  pc.on('pageerror', (e) => errors.push(e.message));
  await signIn(pc, base, coordC.user, coordC.pw);
  await rejectAndWithdrawConsent(pc, pb, pa, base, serviceId);
  await cctx.close();

  // Arabic, at 390 px: the partner sends a second referral, the receiver accepts it.
  // The language is switched on the dashboard, and the next page opened at once: a dashboard
  // that answers late must not draw over it.
  for (const p of [pa, pb]) {
    await p.setViewportSize({ width: 390, height: 900 });
    await p.goto(base + '/#/dashboard');
    await p.waitForSelector('.who select');
    await p.selectOption('.who select', 'ar');
    await p.waitForFunction(() => document.documentElement.lang === 'ar');
  }
  await fillReferral(pa, base, incidents[1], serviceId, 'ar');
  await pa.selectOption('#rf-given', 'person');
  await pa.check('input[name=fields][value=sex]');
  await pa.click('form.ref-form button[type=submit]');
  await pa.waitForSelector('.ref-detail[data-id]', { timeout: 15000 });
  const arId = Number(await pa.getAttribute('.ref-detail', 'data-id'));
  check('referrals (Arabic): the partner sends a referral', arId > refId && (await pa.textContent('dd[data-f=status]')).includes('مرسلة'), String(arId));
  await shot(pa, '27-referral-sent-ar-390');
  await pb.goto(base + '/#/referrals?side=received');
  await pb.waitForSelector(`.ref-page[data-ready=true] tr[data-id="${arId}"]`);
  const arList = await pb.evaluate(() => ({
    dir: document.documentElement.dir,
    h1: document.querySelector('h1').textContent,
    tab: document.querySelector('.tabs [aria-selected=true]').textContent,
    first: document.querySelector('table.ref-list tbody tr')?.dataset.id,
    scroll: document.documentElement.scrollWidth,
  }));
  const arRow = await pb.textContent(`tr[data-id="${arId}"]`);
  check('referrals (Arabic): Received is right to left, newest first, translated, without horizontal scroll at 390 px',
    arList.dir === 'rtl' && arList.h1.includes('الإحالات') && arList.tab.includes('الواردة') && arList.first === String(arId) && arRow.includes('عاجلة') && arList.scroll <= 390,
    JSON.stringify(arList));
  await shot(pb, '28-referrals-received-ar-390');
  await axeCheck(pb, 'referrals received in Arabic');
  await pb.click(`tr[data-id="${arId}"] a`);
  await pb.waitForSelector('.ref-detail[data-status=sent] button[data-act=accept]');
  await pb.click('button[data-act=accept]');
  await pb.waitForSelector('.ref-detail[data-status=accepted] p.ok');
  const arDetail = { status: await pb.textContent('dd[data-f=status]'), ok: await pb.textContent('p.ok'), scroll: await pb.evaluate(() => document.documentElement.scrollWidth) };
  check('referrals (Arabic): the receiver accepts it', arDetail.status.includes('مقبولة') && arDetail.ok.includes('تم القبول') && arDetail.scroll <= 390, JSON.stringify(arDetail));
  await shot(pb, '29-referral-accepted-ar-390');
  // The referrer withdraws it, with a reason.
  await pa.reload();
  await pa.waitForSelector('.ref-detail[data-status=accepted] button[data-act=withdraw]');
  await pa.click('button[data-act=withdraw]');
  await pa.fill('#ref-reason-text', 'E2E: the person moved away');
  await pa.click('#ref-reason button[type=submit]');
  await pa.waitForSelector('.ref-detail[data-status=withdrawn] p.ok');
  check('referrals (Arabic): the referrer withdraws it with a reason', (await pa.textContent('dd[data-f=status]')).includes('مسحوبة'));
  await directoryArabic(pa, base);
  check('referrals and directory: no script errors', errors.length === 0, errors.join('; '));
  await actx.close();
  await bctx.close();
}

// Change first (issue 20): the "worse this period" list of November 2026 against the API's own
// analyses of October and November at every level (computed here from the two periods' phases,
// not from the list route), one phase's evidence, the drill to that payam's incidents (total
// and the explaining line), "Back" keeping the evidence open, and the sort by change.
const PERIOD = '2026-11';
const PREVIOUS = '2026-10';
async function worseFromApi(page, base) {
  const worse = [];
  let unknown = 0;
  for (const level of [0, 1, 2, 3]) {
    const [now, before] = await Promise.all(
      [PERIOD, PREVIOUS].map(async (p) => (await page.request.get(base + `/api/v1/analysis?level=${level}&period=${p}`)).json()),
    );
    const prev = Object.fromEntries(before.areas.map((a) => [a.pcode, a.overall_phase]));
    for (const a of now.areas) {
      const b = prev[a.pcode] ?? 0;
      if (typeof a.overall_phase !== 'number' || typeof b !== 'number') unknown++;
      else if (a.overall_phase > b) worse.push(`${a.pcode}:${b}>${a.overall_phase}`);
    }
  }
  return { worse: worse.sort(), unknown };
}

async function changeWalk(page, base) {
  await page.goto(base + `/#/dashboard?period=${PERIOD}`);
  await waitDashboard(page, 1);
  await page.waitForSelector('#worse-panel [data-worse-count]');
  const ui = await page.$$eval('#worse-panel ol.worse li', (lis) =>
    lis.map((li) => ({ pcode: li.dataset.pcode, level: Number(li.dataset.level), phases: [...li.querySelectorAll('.wph .sw')].map((x) => x.textContent.trim()) })),
  );
  const api = await worseFromApi(page, base);
  const uiKeys = ui.map((x) => `${x.pcode}:${x.phases[0] === '–' ? 0 : x.phases[0]}>${x.phases[1]}`).sort();
  check(
    `"worse this period" lists every area whose phase rose ${PREVIOUS} -> ${PERIOD}, at every level (= the API's analyses of both months)`,
    api.worse.length > 0 && JSON.stringify(uiKeys) === JSON.stringify(api.worse),
    `${uiKeys.length} on the page (${[0, 1, 2, 3].map((l) => ui.filter((x) => x.level === l).length).join('/')} by level), ${api.worse.length} from the API; ${uiKeys.filter((k) => !api.worse.includes(k)).slice(0, 3)} | ${api.worse.filter((k) => !uiKeys.includes(k)).slice(0, 3)}`,
  );
  await shot(page, '23-worse-this-period');
  await axeCheck(page, 'dashboard with the worse list');
  // The evidence of the first payam that got worse.
  const payam = ui.find((x) => x.level === 3) ?? ui.find((x) => x.level >= 1);
  await page.click(`#worse-panel li[data-pcode="${payam.pcode}"] a.ev-link`);
  await page.waitForSelector(`#ev-panel .evidence[data-pcode="${payam.pcode}"]`);
  const lvl = await (await page.request.get(base + `/api/v1/analysis?level=${payam.level}&period=${PERIOD}&compare=true`)).json();
  const area = lvl.areas.find((a) => a.pcode === payam.pcode);
  const ev = await page.evaluate(() => ({
    focused: document.activeElement?.id,
    title: document.querySelector('#ev-title')?.textContent ?? '',
    rule: document.querySelector('#ev-panel .rule')?.textContent ?? '',
    risks: document.querySelectorAll('#ev-panel .evl li').length,
    hash: location.hash,
  }));
  const phased = area.risks.filter((r) => r.risk !== '*' && typeof r.phase === 'number' && r.phase > 0).length;
  check(
    "a phase's evidence opens from the list: the overall rule and the risks' phases (= API)",
    ev.focused === 'ev-title' && ev.title.includes(String(area.overall_phase)) && ev.rule.includes(area.overall_rule) && ev.risks === phased && ev.hash.includes('ev=' + payam.pcode),
    JSON.stringify({ ...ev, apiRule: area.overall_rule, phased }),
  );
  check('the row of that area says it is worse than the previous month', (await page.getAttribute(`table.heat tr[data-pcode="${payam.pcode}"] td.chgcell`, 'data-direction')) === 'worse');
  // One risk's evidence: indicators and thresholds reached, and the trend test's p-values.
  const risk = [...area.risks].filter((r) => r.risk !== '*' && r.phase > 0).sort((a, b) => b.phase - a.phase)[0];
  await page.click(`table.heat tr[data-pcode="${payam.pcode}"] td[data-risk="${risk.risk}"] button.phbtn`);
  await page.waitForSelector(`#ev-panel .evidence[data-risk="${risk.risk}"]`);
  const rev = await page.evaluate(() => ({ items: document.querySelectorAll('#ev-panel .evl li').length, text: document.querySelector('#ev-panel').textContent }));
  check(
    "a risk phase's evidence shows its indicators and the trend test's p-value (coordinator)",
    rev.items === (risk.phase_evidence ?? []).length && rev.items > 0 && rev.text.includes('p-value') && rev.text.includes('Reporting organisations'),
    JSON.stringify({ ...rev, text: rev.text.slice(0, 200), api: risk.phase_evidence }),
  );
  await shot(page, '24-phase-evidence');
  await axeCheck(page, 'phase evidence');
  // Drill to the payam's incidents of the month: the list's total is the dashboard's count, or
  // a line says how many are not listed and why.
  const dashCount = area.risks[0].incidents;
  await page.click(`table.heat tr[data-pcode="${payam.pcode}"] a.cntlink`);
  await page.waitForSelector('main p.total[data-total]');
  const drill = await page.evaluate(() => ({
    total: Number(document.querySelector('p.total').dataset.total),
    rows: document.querySelectorAll('table.list tbody tr').length,
    match: !!document.querySelector('p.match'),
    line: document.querySelector('p.hidden-line')?.textContent.trim() ?? '',
    areas: [...document.querySelectorAll('table.list tbody tr td:nth-child(3) .pcode')].map((x) => x.textContent),
    export: document.querySelector('a.export')?.getAttribute('href') ?? '',
    hash: location.hash,
  }));
  const apiList = await (await page.request.get(base + `/api/v1/incidents?area=${payam.pcode}&from=${PERIOD}-01&to=${PERIOD}-30&limit=1000`)).json();
  check(
    `the payam's incidents of ${PERIOD}: every one listed (its payam only), newest first, with the total`,
    drill.total === apiList.items.length && drill.rows === drill.total && drill.areas.every((p) => p.startsWith(payam.pcode)) && drill.export.includes(`area=${payam.pcode}`) && apiList.items.length > 0,
    JSON.stringify({ total: drill.total, rows: drill.rows, api: apiList.items.length }),
  );
  const sorted = await page.$$eval('table.list tbody tr td:first-child a', (as) => as.map((a) => Number(a.textContent)));
  const apiOrder = [...apiList.items].sort((x, y) => (x.date_start < y.date_start ? 1 : x.date_start > y.date_start ? -1 : y.id - x.id)).map((i) => i.id);
  check('... newest first', JSON.stringify(sorted) === JSON.stringify(apiOrder), sorted.slice(0, 5).join(','));
  check(
    "the list's total matches the dashboard's count, or a line explains the difference",
    (drill.match && drill.total === dashCount) || (!drill.match && drill.line.includes(`${dashCount}`) && drill.line.includes('in the list')),
    JSON.stringify({ dashCount, total: drill.total, match: drill.match, line: drill.line }),
  );
  await shot(page, '25-drilled-incidents');
  await axeCheck(page, 'drilled incidents');
  // An incident's detail, then "Back to the list" keeps the filters; "Back to the dashboard"
  // keeps the evidence open.
  if (drill.rows > 0) {
    await page.click('table.list tbody tr:first-child td:first-child a');
    await page.waitForSelector('dl.detail');
    await page.click('main a.back');
    await page.waitForSelector('main p.total[data-total]');
    check('"Back to the list" keeps the filters', (await page.evaluate(() => location.hash)) === drill.hash);
  }
  await page.click('main a.back');
  await page.waitForSelector(`#ev-panel .evidence[data-pcode="${payam.pcode}"]`);
  check(
    '"Back to the dashboard" returns to the area with the evidence that was open',
    (await page.evaluate(() => location.hash)).includes('ev=' + payam.pcode) && (await page.$(`#ev-panel .evidence[data-risk="${risk.risk}"]`)) !== null,
  );
  // An override: the evidence shows the phase it sets, who set it and the rationale.
  await page.goto(base + '/#/dashboard?area=SS0104&period=2026-06&ev=SS010402&evrisk=ATK');
  await page.waitForSelector('#ev-panel .evidence[data-risk="ATK"] .override');
  const ov = await page.textContent('#ev-panel .override');
  check("a phase's evidence shows the analyst's override with who set it and the rationale", ov.includes('phase 4') && ov.includes('E2E IMO') && ov.includes('two attacks reported by phone'), ov.trim());
  await page.goBack();
  await page.waitForSelector(`#ev-panel .evidence[data-pcode="${payam.pcode}"]`);
  // Sort by change: the areas that got worse come first.
  await page.click('button.sortbtn');
  await page.waitForSelector('button.sortbtn[aria-pressed=true]');
  const dirs = await page.$$eval('table.heat tbody tr[data-pcode] td.chgcell', (tds) => tds.map((td) => td.dataset.direction));
  const firstNotWorse = dirs.findIndex((d) => d !== 'worse');
  const symLinks = await page.$$eval('svg.mapsvg a.symlink', (as) => as.map((a) => a.getAttribute('href')));
  check('at payam level each map symbol opens its payam\'s incidents of the month', symLinks.length > 0 && symLinks.every((h) => /^#\/incidents\?area=SS\d{6}&from=2026-11-01&to=2026-11-30/.test(h)), symLinks.slice(0, 2).join(' '));
  check('sort by change puts the areas that got worse first', dirs[0] === 'worse' && (firstNotWorse < 0 || dirs.slice(firstNotWorse).every((d) => d !== 'worse')), dirs.join(','));
}

// A partner (its organisation's records) and an outside recipient (aggregates only) follow the
// same path: the list is what the protocol allows, no difference is computed from a suppressed
// figure, and every drilled list has its total matching or an explaining line.
async function changeWalkRestricted(browser, base, ctxOpts, who, label, why) {
  const ctx = await browser.newContext(ctxOpts);
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, base, who.user, who.pw);
  await page.goto(base + `/#/dashboard?period=${PERIOD}`);
  await waitDashboard(page, 1);
  await page.waitForSelector('#worse-panel [data-worse-count]');
  const ch = await (await page.request.get(base + `/api/v1/analysis/changes?period=${PERIOD}&direction=all`)).json();
  const leaks = ch.areas.filter((a) =>
    ['previous', 'last_year'].some((k) => (a[k].incidents_change !== null && (typeof a[k].incidents !== 'number' || typeof a.incidents !== 'number')) || (typeof a[k].incidents === 'number' && a[k].incidents > 0 && a[k].incidents < 5)),
  );
  check(`${label}: comparisons are safe (no change beside a suppressed count, no small number)`, ch.safe === true && leaks.length === 0, JSON.stringify(leaks.slice(0, 2)));
  const api = await worseFromApi(page, base);
  const uiN = await page.$$eval('#worse-panel ol.worse li', (l) => l.length);
  check(`${label}: the worse list is the one of its own safe analyses`, uiN === api.worse.length && ch.counts.worse === api.worse.length, `${uiN} vs ${api.worse.length}`);
  // Drill from the all-risks count of the state where the reader has most records of its own
  // (else the state with the most incidents): the list holds exactly what /incidents gives it.
  const rows = await page.$$eval('table.heat tbody tr[data-pcode] a.cntlink', (as) => as.map((a) => ({ pcode: a.closest('tr').dataset.pcode, n: a.textContent.trim() })));
  const own = (await (await page.request.get(base + `/api/v1/incidents?from=${PERIOD}-01&to=${PERIOD}-30&limit=1000`)).json()).items;
  const ownIn = (pcode) => own.filter((i) => i.area_pcode.startsWith(pcode)).length;
  const byCount = rows.filter((r) => /^\d+$/.test(r.n.replace(/,/g, ''))).sort((a, b) => ownIn(b.pcode) - ownIn(a.pcode) || Number(b.n.replace(/,/g, '')) - Number(a.n.replace(/,/g, '')));
  const target = byCount[0] ?? rows[0];
  await page.click(`table.heat tr[data-pcode="${target.pcode}"] a.cntlink`);
  await page.waitForSelector('main p.total[data-total], main p.hidden-line');
  const drill = await page.evaluate(() => ({
    total: Number(document.querySelector('p.total')?.dataset.total ?? -1),
    match: !!document.querySelector('p.match'),
    line: document.querySelector('p.hidden-line')?.textContent.trim() ?? '',
  }));
  check(
    `${label}: the drilled list shows what the protocol allows, and a line says how many are not listed and why`,
    drill.total === ownIn(target.pcode) && (drill.match ? String(drill.total) === target.n.replace(/,/g, '') : drill.line.includes('in the list') && why.test(drill.line)),
    JSON.stringify({ target, own: ownIn(target.pcode), ...drill }),
  );
  await shot(page, `26-${label.replace(/\W+/g, '-')}-drilled`);
  await axeCheck(page, `${label}: drilled incidents`);
  check(`${label}: no script errors`, errors.length === 0, errors.join('; '));
  await ctx.close();
}

// Life-saving messages (issue 24, #/messages): the messaging officer registers a contact who
// opted in; a coordinator drafts a message (the live counter: 1 GSM-7 segment for a short Latin
// text, UCS-2 for Arabic; a text with a phone number refused at its field, focus there), is not
// offered Approve on their own message; an IMO approves it; the detail shows the cost
// (segments x recipients); the page in Arabic, right to left, at 390 px without overflow; axe.
// The elements of the page wider than the window (evaluated as an expression through DevTools).
const OVERFLOWING = `[...document.querySelectorAll('main *')]
  .filter((e) => !e.closest('table.stack thead') && !e.closest('.vh') && !e.ownerSVGElement && (e.getBoundingClientRect().right > window.innerWidth + 1 || e.getBoundingClientRect().left < -1))
  .map((e) => e.tagName + '#' + e.id + '.' + e.className)
  .slice(0, 3)`;

async function messagesWalk(browser, base, ctxOpts, coord, imo, officer) {
  // The messaging officer: contacts with phone numbers, the add form, opt-out.
  const octx = await browser.newContext(ctxOpts);
  const po = await octx.newPage();
  const errors = [];
  po.on('pageerror', (e) => errors.push(e.message));
  await signIn(po, base, officer.user, officer.pw);
  check('messages: the menu offers Messages to the messaging officer', (await po.$$('header nav a[href="#/messages"]')).length === 1);
  await po.goto(base + '/#/messages');
  await po.waitForSelector('.msg-page[data-ready=true] #msg-contact');
  await po.click('#msg-contact button[type=submit]');
  await po.waitForSelector('#msg-contact .error');
  check('messages: the contact form names the missing fields, focus on the first', (await po.evaluate(() => document.activeElement?.id)) === 'msg-c-phone');
  const addContact = async (phone, lang, n) => {
    await po.fill('#msg-c-phone', phone);
    await po.fill('#msg-c-lang', lang);
    await po.fill('#msg-c-areas', 'SS01');
    await po.click('#msg-contact button[type=submit]');
    await po.waitForFunction((k) => document.querySelectorAll('table.msg-contacts tbody tr').length === k || document.querySelector('#msg-contact .error'), n);
  };
  await addContact('+211 912 345 678', 'eng', 1);
  await addContact('+211 912 345 679', 'ara', 2);
  await addContact('+211 912 345 670', 'eng', 3);
  const rows = await po.$$eval('table.msg-contacts tbody tr', (trs) => trs.map((tr) => ({ id: tr.dataset.id, st: tr.dataset.status, phone: tr.cells[0].textContent })));
  check('messages: the officer adds contacts through the form and sees their numbers', rows.length === 3 && rows.every((r) => r.st === 'active' && r.phone.startsWith('+211')), JSON.stringify(rows));
  await po.click(`table.msg-contacts tr[data-id="${rows.find((r) => r.phone.endsWith('670'))?.id}"] button.msg-optout`);
  await po.waitForSelector('table.msg-contacts tbody tr[data-status=stopped]');
  const st = await po.$$eval('table.msg-contacts tbody tr', (trs) => trs.map((tr) => tr.dataset.status).sort().join(','));
  check('messages: opt-out at once (the contact shows as opted out)', st === 'active,active,stopped', st);
  await shot(po, '40-messages-contacts');
  await axeCheck(po, 'messages, the messaging officer\'s contacts');

  // The coordinator drafts.
  const cctx = await browser.newContext(ctxOpts);
  const pc = await cctx.newPage();
  pc.on('pageerror', (e) => errors.push(e.message));
  await signIn(pc, base, coord.user, coord.pw);
  check('messages: the menu offers Messages to the coordinator', (await pc.$$('header nav a[href="#/messages"]')).length === 1);
  await pc.goto(base + '/#/messages');
  await pc.waitForSelector('.msg-page[data-ready=true] #msg-draft');
  check('messages: the coordinator sees contact counts, never the contacts', (await pc.$('.msg-counts')) !== null && (await pc.$('table.msg-contacts')) === null && (await pc.$('#msg-contact')) === null);
  // Suggested messages (one per open alert whose risk has a template): a button fills the form.
  const sugg = (await (await pc.request.get(base + '/api/v1/messages/suggestions')).json()).items;
  const sugUi = await pc.$$eval('ul.msg-sug li', (lis) => lis.map((li) => li.dataset.alert));
  let filled = null;
  if (sugUi.length) {
    await pc.click('ul.msg-sug li button');
    filled = { title: await pc.inputValue('#msg-title'), areas: await pc.inputValue('#msg-areas'), texts: (await pc.$$('#msg-texts textarea')).length, focus: await pc.evaluate(() => document.activeElement?.id) };
  }
  const s0 = sugg[0]?.message;
  check('messages: the suggestions are the API\'s, and "Use in the draft" fills the form',
    sugUi.length === sugg.length && (!s0 || (filled.title === s0.title && filled.areas === s0.areas.join(', ') && filled.texts === Object.keys(s0.translations).length && filled.focus === 'msg-title')),
    `${sugUi.length} suggestions; ${JSON.stringify(filled)}`);
  await pc.reload();
  await pc.waitForSelector('.msg-page[data-ready=true] #msg-draft');
  await pc.fill('#msg-title', 'E2E road safety');
  await pc.fill('#msg-areas', 'SS01');
  await pc.check('#msg-channels input[value=radio]');
  await pc.fill('#msg-text-0', 'Avoid the market road after dark. Ask the health post for help.');
  const seg0 = await pc.$eval('#msg-seg-0', (e) => ({ enc: e.dataset.encoding, n: e.dataset.segments, text: e.textContent }));
  check('messages: the live counter says 1 segment GSM-7 for a short Latin text', seg0.enc === 'gsm7' && seg0.n === '1' && seg0.text.includes('GSM-7'), JSON.stringify(seg0));
  // The browser's counter against the server's (GET /messages/segments) on the segment table of
  // response.md §7 and the edge characters.
  const cases = ['a'.repeat(160), 'a'.repeat(161), 'ب'.repeat(70), 'ب'.repeat(71), 'ب'.repeat(135), 'a'.repeat(158) + '€', 'a'.repeat(99) + '’',
    'x'.repeat(153) + '{}', 'Ça coûte 5 € [à] ~ ^ | \\ ok', 'aide 😀 ici', 'ligne\fsuivante', 'Ñandú ¿qué? ΔΦ'];
  const expected = [1, 2, 1, 2, 3, 1, 2]; // the table's segments for its seven cases
  const mism = [];
  for (const [i, text] of cases.entries()) {
    await pc.fill('#msg-text-0', text);
    const ui = await pc.$eval('#msg-seg-0', (e) => `${e.dataset.encoding}/${e.dataset.units}/${e.dataset.segments}`);
    const sv = await (await pc.request.get(base + '/api/v1/messages/segments?text=' + encodeURIComponent(text))).json();
    if (i < expected.length && !ui.endsWith('/' + expected[i])) mism.push(`case ${i}: ${ui}, expected ${expected[i]} segments`);
    if (ui !== `${sv.encoding}/${sv.units}/${sv.segments}`) mism.push(`${text.slice(0, 12)}…: page ${ui}, server ${sv.encoding}/${sv.units}/${sv.segments}`);
  }
  check('messages: the live counter equals the server\'s count on the segment table and the edge characters', mism.length === 0, mism.join('; '));
  await pc.fill('#msg-text-0', 'Avoid the market road after dark. Ask the health post for help.');
  await pc.type('#msg-text-0', ' ’');
  const seg0b = await pc.$eval('#msg-seg-0', (e) => ({ enc: e.dataset.encoding, forced: e.querySelector('.msg-forced')?.textContent ?? '' }));
  check('messages: a curly quote switches the text to UCS-2 and is named', seg0b.enc === 'ucs2' && seg0b.forced.includes('’'), JSON.stringify(seg0b));
  await pc.fill('#msg-text-0', 'Avoid the market road after dark. Call 0912 345 678 for help.');
  await pc.click('#msg-add-lang');
  const arText = 'تجنبوا طريق السوق بعد حلول الظلام. اطلبوا المساعدة من المركز الصحي.';
  await pc.fill('#msg-text-1', arText);
  const seg1 = await pc.$eval('#msg-seg-1', (e) => ({ enc: e.dataset.encoding, n: e.dataset.segments, units: e.dataset.units }));
  const lang1 = await pc.inputValue('#msg-lang-1');
  check('messages: the live counter says UCS-2 for Arabic (counted in UTF-16 units)', lang1 === 'ara' && seg1.enc === 'ucs2' && seg1.units === String(arText.length) && seg1.n === (arText.length <= 70 ? '1' : String(Math.ceil(arText.length / 67))), JSON.stringify(seg1));
  await shot(pc, '41-messages-draft');
  await pc.click('#msg-draft button[type=submit]');
  await pc.waitForSelector('#err-msg-tr-eng');
  const refused = await pc.evaluate(() => ({
    msg: document.querySelector('#err-msg-tr-eng').textContent,
    invalid: document.querySelector('#msg-text-0').getAttribute('aria-invalid'),
    focus: document.activeElement?.id,
  }));
  check('messages: a text with a phone number is refused by the server at its field, focus there', /phone number/.test(refused.msg) && refused.invalid === 'true' && refused.focus === 'msg-text-0', JSON.stringify(refused));
  await shot(pc, '42-messages-refused');
  await axeCheck(pc, 'messages, the draft form with a refusal');
  await pc.fill('#msg-text-0', 'Avoid the market road after dark. Ask the health post for help.');
  await pc.click('#msg-draft button[type=submit]');
  await pc.waitForSelector('.msg-detail[data-id]');
  const id = await pc.getAttribute('.msg-detail', 'data-id');
  const own = await pc.evaluate(() => ({ status: document.querySelector('.msg-detail').dataset.status, approve: !!document.querySelector('#msg-approve'), note: !!document.querySelector('#msg-own') }));
  check('messages: the draft is saved; Approve is not offered to its author', own.status === 'draft' && !own.approve && own.note, JSON.stringify(own));
  await pc.goto(base + '/#/messages');
  await pc.waitForSelector('.msg-page[data-ready=true] table.msg-list');
  const first = await pc.$eval('table.msg-list tbody tr', (tr) => tr.dataset.id);
  check('messages: the list has it, newest first', first === id, `${first} vs ${id}`);

  // The IMO approves; the detail shows the cost.
  const ictx = await browser.newContext(ctxOpts);
  const pi = await ictx.newPage();
  pi.on('pageerror', (e) => errors.push(e.message));
  await signIn(pi, base, imo.user, imo.pw);
  await pi.goto(base + '/#/messages/' + id);
  await pi.waitForSelector('.msg-detail #msg-approve');
  check('messages: the IMO is offered Approve, not Send', (await pi.$('#msg-send')) === null);
  const api = await (await pi.request.get(base + '/api/v1/messages/' + id)).json();
  const lines = await pi.$$eval('table.msg-cost tbody tr', (trs) => trs.map((tr) => ({ ch: tr.dataset.channel, lang: tr.dataset.lang, seg: tr.querySelector('[data-f=segments]').textContent })));
  const sms = api.cost.lines.filter((l) => l.channel === 'sms');
  check('messages: the detail shows the cost by channel and language, segments × recipients (= API)',
    sms.length === 2 && sms.reduce((n, l) => n + l.contacts, 0) === 2 && lines.length === api.cost.lines.length &&
      sms.every((l) => lines.some((r) => r.ch === 'sms' && r.lang === l.language && r.seg.includes('×') && r.seg.includes(String(l.contacts)) && r.seg.endsWith(String(l.segments)))),
    JSON.stringify({ lines, api: api.cost }));
  await axeCheck(pi, 'messages, a draft\'s detail with its cost');
  await pi.click('#msg-approve');
  await pi.waitForSelector('.msg-detail[data-status=approved] #msg-done');
  const approver = await pi.$eval('[data-f=approver]', (e) => e.textContent);
  check('messages: the IMO approves it (the approver is shown)', /\d/.test(approver), approver);
  await shot(pi, '43-messages-approved');
  await pc.goto(base + '/#/messages/' + id);
  await pc.waitForSelector('.msg-detail[data-status=approved]');
  const scripts = await pc.$$eval('a.msg-script', (as) => as.map((a) => a.getAttribute('href')));
  const script = scripts.length ? await pc.request.get(base + scripts.find((h) => h.endsWith('lang=ara'))) : null;
  check('messages: the coordinator is then offered Send (now or at a time), Withdraw and the radio script per language',
    (await pc.$('#msg-send #msg-send-at')) !== null && (await pc.$('#msg-withdraw')) !== null && scripts.length === 2 && script?.status() === 200 && (await script.text()).includes('تجنبوا'),
    scripts.join(' '));

  // Arabic, 390 px: the list and the detail.
  await pc.setViewportSize({ width: 390, height: 900 });
  await pc.goto(base + '/#/dashboard');
  await pc.waitForSelector('.who select');
  await pc.selectOption('.who select', 'ar');
  await pc.waitForFunction(() => document.documentElement.lang === 'ar');
  await pc.goto(base + '/#/messages');
  await pc.waitForSelector('.msg-page[data-ready=true] table.msg-list');
  await pc.fill('#msg-text-0', 'مرحبا');
  const ar = await pc.evaluate(() => ({ dir: document.documentElement.dir, mainDir: getComputedStyle(document.querySelector('main')).direction, h1: document.querySelector('h1').textContent, seg: document.querySelector('#msg-seg-0').textContent, scroll: document.documentElement.scrollWidth }));
  ar.over = await pc.evaluate(OVERFLOWING);
  check('messages (Arabic, 390 px): right to left, translated, the counter in Arabic, nothing overflowing',
    ar.dir === 'rtl' && ar.mainDir === 'rtl' && ar.h1.includes('الرسائل') && ar.seg.includes('UCS-2') && ar.scroll <= 390 && ar.over.length === 0, JSON.stringify(ar));
  await shot(pc, '44-messages-ar-390');
  await axeCheck(pc, 'messages in Arabic at 390 px');
  await pc.goto(base + '/#/messages/' + id);
  await pc.waitForSelector('.msg-detail[data-status=approved]');
  const ard = await pc.evaluate(() => ({ scroll: document.documentElement.scrollWidth, h: document.querySelector('#msg-h-cost')?.textContent }));
  ard.over = await pc.evaluate(OVERFLOWING);
  check('messages (Arabic, 390 px): the detail with its cost, nothing overflowing', ard.scroll <= 390 && ard.over.length === 0 && ard.h.includes('الكلفة'), JSON.stringify(ard));
  await shot(pc, '45-message-detail-ar-390');
  await axeCheck(pc, 'a message\'s detail in Arabic at 390 px');
  check('messages: no script error', errors.length === 0, errors.join('; '));
  for (const c of [octx, cctx, ictx]) await c.close();
}

async function main() {
  requireInputs();
  checkCatalogs();
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f));
  const store = demoStore();
  const tmp = store.dir;
  const coord = store.users.coordinator;
  const viewer = store.users.viewer;
  // Referrals: a partner focal point of one organisation and a service provider of another.
  const rnd = () => Math.random().toString(36).slice(2);
  const partner = { user: 'e2e-partner', pw: 'Part-e2e-' + rnd() + '!C3', org: 'E2EA', role: 'partner_focal_point' };
  const provider = { user: 'e2e-provider', pw: 'Prov-e2e-' + rnd() + '!D4', org: 'E2EB', role: 'service_provider' };
  const coordC = { user: 'e2e-coord-c', pw: 'Coor-e2e-' + rnd() + '!E5', org: 'E2EC', role: 'coordinator' };
  // Change first: a partner of a demo organisation (its own records) and an outside recipient.
  const demoPartner = { user: 'e2e-delta', pw: 'Delt-e2e-' + rnd() + '!F6', org: 'DEMO-DELTA', role: 'partner_focal_point' };
  const outsider = { user: 'e2e-outside', pw: 'Outs-e2e-' + rnd() + '!G7', org: 'DEMO-BETA', role: 'outside_recipient' };
  // An analyst's override of one payam's phase in June 2026 (not a month the change walk
  // compares), shown with its rationale in the evidence.
  runAegis(['--db', store.db, 'analyze', 'override', '--area', 'SS010402', '--risk', 'ATK', '--period', '2026-06', '--phase', '4', '--rationale', 'E2E: two attacks reported by phone, not yet in the data', '--by', 'E2E IMO']);
  // Life-saving messages: an IMO approves, a messaging officer keeps the contacts.
  const imo = { user: 'e2e-imo', pw: 'Imo-e2e-' + rnd() + '!F6', org: 'E2EC', role: 'imo' };
  const officer = { user: 'e2e-msgofficer', pw: 'Msg-e2e-' + rnd() + '!G7', org: 'E2EA', role: 'messaging_officer' };
  for (const u of [partner, provider, coordC, demoPartner, outsider, imo, officer])
    runAegis(['--db', store.db, 'user', 'add', u.user, '--role', u.role, '--organisation', u.org, '--name', 'E2E ' + u.role], { AEGIS_PASSWORD: u.pw });
  let server = null;
  let browser = null;
  try {
    const kobo = path.join(tmp, 'kobo_e2e.csv');
    const expected = makeKoboCsv(tmp, kobo);
    server = await startServer(store.db);
    const base = server.base;
    console.log(`server ${base} on ${store.db}; screenshots in ${SHOTS}`);

    // The server side of the web app (src/server/web.cc): cache headers, compression, no way out
    // of the web folder, centroids for the map.
    const index = await fetch(base + '/', { headers: { 'Accept-Encoding': 'gzip' } });
    const html = await index.text();
    const asset = html.match(/\/assets\/index-[\w-]+\.js/)?.[0];
    const js = asset ? await fetch(base + asset, { headers: { 'Accept-Encoding': 'gzip' } }) : null;
    check(
      'static files: index.html revalidated, hashed assets cached a year and gzipped',
      index.status === 200 && /no-cache/.test(index.headers.get('cache-control')) && js?.status === 200 &&
        /immutable/.test(js.headers.get('cache-control')) && js.headers.get('content-encoding') === 'gzip',
      `${index.headers.get('cache-control')} | ${asset} ${js?.headers.get('cache-control')} ${js?.headers.get('content-encoding')}`,
    );
    const outside = await Promise.all(['/%2e%2e/%2e%2e/etc/passwd', '/assets/../../CMakeLists.txt', '/nope.js'].map((u) => fetch(base + u).then((r) => r.status)));
    check('static files: nothing outside the web folder, unknown files 404', outside.every((st) => st === 404 || st === 400), outside.join(','));
    const anon = await fetch(base + '/api/v1/map/areas');
    check('the map areas need a session', anon.status === 401, String(anon.status));

    browser = await launchChromium();
    const ctxOpts = { viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'en-GB' };
    const cspViolations = [];
    const watchCsp = (p) => p.on('console', (m) => /Content Security Policy|Content-Security-Policy/i.test(m.text()) && cspViolations.push(m.text()));

    // --- coordinator -------------------------------------------------------------------------
    const cctx = await browser.newContext(ctxOpts);
    const page = await cctx.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    watchCsp(page);
    await page.goto(base + '/');
    await page.waitForSelector('#username');
    check('sign-in page is shown to a visitor', (await page.title()).includes('Sign in'));
    await shot(page, '01-sign-in');
    await axeCheck(page, 'sign-in');
    await page.fill('#username', coord.user);
    await page.fill('#password', 'wrong-password-123');
    await page.click('button[type=submit]');
    await page.waitForSelector('.error[role=alert]');
    check('a wrong password is refused with a message', (await page.textContent('.error[role=alert]')).includes('Wrong'));
    await page.fill('#password', coord.pw);
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-dashboard=ready]', { timeout: 20000 });
    await waitDashboard(page, 1);
    check('sign-in leads to the dashboard', (await page.textContent('h1')).includes('Dashboard'));
    // From the top of the page (the app itself moves focus to the heading after each route).
    await page.evaluate(() => {
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute('tabindex');
    });
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.textContent?.trim());
    await page.keyboard.press('Enter');
    const afterSkip = await page.evaluate(() => document.activeElement?.id);
    check('keyboard: the first Tab reaches "Skip to content", which moves focus to the page', first === 'Skip to content' && afterSkip === 'main', `${first} -> #${afterSkip}`);

    // The phases on the page are the API's.
    const api1 = await (await page.request.get(base + '/api/v1/analysis?level=1')).json();
    const states = (await (await page.request.get(base + '/api/v1/map/areas?level=1')).json()).items;
    check(
      'every state has a centroid (the mean of its payams)',
      states.length >= 10 && states.every((a) => a.lat > 3 && a.lat < 13 && a.lon > 23 && a.lon < 36),
      states.map((a) => `${a.pcode} ${a.lat},${a.lon}`).slice(0, 3).join('; '),
    );
    const shown = await page.$$eval('table.heat tbody tr[data-pcode]', (trs) =>
      trs.map((tr) => ({ pcode: tr.dataset.pcode, phase: Number(tr.querySelector('td[data-phase]').dataset.phase) })),
    );
    const apiPhases = Object.fromEntries(api1.areas.map((a) => [a.pcode, a.overall_phase]));
    check('the heat table lists every state of the analysis', shown.length === api1.areas.length && shown.length >= 10, `${shown.length} rows, API ${api1.areas.length}`);
    const mismatch = shown.filter((s) => apiPhases[s.pcode] !== s.phase);
    check("the dashboard shows the demo data's phases (= API)", mismatch.length === 0 && shown.some((s) => s.phase >= 3), JSON.stringify(mismatch.slice(0, 3)));
    const symbols = await page.$$eval('svg.mapsvg g.sym', (gs) => gs.map((g) => g.getAttribute('aria-label')));
    check('the map has one phase symbol per state, labelled with its phase', symbols.length === api1.areas.length && symbols.every((s) => /phase \d/.test(s)), `${symbols.length} symbols`);
    const trends = await page.$$eval('ul.trends li.trend svg path.ln', (p) => p.length);
    check('trend charts per risk are drawn', trends >= 10, `${trends} charts with a line`);
    // Two directory entries of the coordinator's (health in Central Equatoria, protection in
    // Upper Nile): the gap map has cells for the types the directory holds.
    for (const [type, pc] of [['health', 'SS01'], ['protection', 'SS07']]) {
      const r = await apiPost(page, base, '/services', { service_type: type, name: 'E2E ' + type, provider_name: 'E2E cluster', pcodes: [pc], accepts_referrals: true });
      if (r.status !== 201) throw new Error('service not created: ' + JSON.stringify(r));
    }
    await page.reload();
    await waitDashboard(page, 1);
    // The service-gap panel (GET /analysis/gaps): the gaps of the period, by service type, each
    // with the API's phase and a link to the directory filtered to its area and type.
    await page.waitForSelector('#gap-panel[data-ready=true]');
    const gapsApi = await (await page.request.get(base + `/api/v1/analysis/gaps?level=1&period=${api1.period}`)).json();
    const apiGaps = gapsApi.items.filter((g) => g.gap);
    const uiGaps = await page.$$eval('#gap-panel li.gap', (lis) => lis.map((li) => ({ k: li.dataset.pcode + '/' + li.dataset.type, phase: li.querySelector('[data-phase]').dataset.phase, href: li.querySelector('a.gap-link').getAttribute('href') })));
    const apiByKey = Object.fromEntries(apiGaps.map((g) => [g.pcode + '/' + g.service_type, g.phase_withheld ? 'withheld' : String(g.phase)]));
    check('the dashboard\'s gap panel lists the gap map\'s gaps with their phases (= API)',
      apiGaps.length > 0 && uiGaps.length === apiGaps.length && Number(await page.getAttribute('.gap-summary', 'data-gaps')) === gapsApi.gaps && uiGaps.every((g) => apiByKey[g.k] === g.phase),
      `${uiGaps.length} on the page, ${apiGaps.length} in the API`);
    const g0 = uiGaps[0];
    check('each gap links to the directory filtered to its area and type', !!g0 && g0.href === `#/services?area=${g0.k.split('/')[0]}&type=${g0.k.split('/')[1]}`, g0?.href);
    await shot(page, '02-dashboard-states');
    await axeCheck(page, 'dashboard');

    // Drill-down: the most severe state, then its county with the most incidents.
    const state = [...api1.areas].sort((a, b) => b.overall_phase - a.overall_phase)[0];
    await page.click(`table.heat tr[data-pcode="${state.pcode}"] th button`);
    await waitDashboard(page, 2);
    const counties = await page.$$eval('table.heat tbody tr[data-pcode]', (trs) => trs.map((tr) => tr.dataset.pcode));
    check(`drill-down: ${state.name} shows its counties`, counties.length > 1 && counties.every((p) => p.startsWith(state.pcode) && p.length === state.pcode.length + 2), counties.join(','));
    await shot(page, '03-dashboard-counties');
    const api2 = await (await page.request.get(base + `/api/v1/analysis?level=2&within=${state.pcode}`)).json();
    const county = [...api2.areas].sort((a, b) => (b.risks[0].incidents || 0) - (a.risks[0].incidents || 0))[0];
    // By keyboard this time: focus the county's map symbol and press Enter.
    await page.focus(`svg.mapsvg g.sym[data-pcode="${county.pcode}"]`);
    await page.keyboard.press('Enter');
    await waitDashboard(page, 3);
    const payams = await page.$$eval('table.heat tbody tr[data-pcode]', (trs) => trs.map((tr) => tr.dataset.pcode));
    check(`drill-down by keyboard: ${county.name} shows its payams`, payams.length > 0 && payams.every((p) => p.startsWith(county.pcode) && p.length === county.pcode.length + 2), payams.join(','));
    const crumbs = await page.$$eval('nav.crumbs li', (l) => l.map((x) => x.textContent.trim()));
    check('the breadcrumb reads country > state > county', crumbs.length === 3 && crumbs[1] === state.name && crumbs[2] === county.name, crumbs.join(' > '));
    await shot(page, '04-dashboard-payams');
    await page.click('nav.crumbs li:first-child a');
    await waitDashboard(page, 1);
    check('the breadcrumb leads back to the states', (await page.$$('table.heat tbody tr[data-pcode]')).length === api1.areas.length);
    await changeWalk(page, base);

    // Records the community network locates by state only ("Jonglei State"): at county level they
    // are in a "not further located" line under Jonglei, with the API's counts, and the page says
    // how many incidents it could not place below the counties.
    await page.goto(base + '/#/dashboard?area=SS03');
    await waitDashboard(page, 2);
    const apiJ = await (await page.request.get(base + '/api/v1/analysis?level=2&within=SS03')).json();
    const uiLines = await page.$$eval('table.heat tbody.nfl tr', (trs) => trs.map((tr) => ({ pcode: tr.dataset.nfl, n: tr.querySelector('td.num').textContent.trim() })));
    const apiLines = apiJ.not_further_located.map((l) => ({ pcode: l.pcode, n: String(l.risks[0].incidents) }));
    check(
      'records located by state only show in a "not further located" line under the state (= API)',
      apiLines.length === 1 && apiLines[0].pcode === 'SS03' && Number(apiLines[0].n) >= 1 && JSON.stringify(uiLines) === JSON.stringify(apiLines),
      JSON.stringify({ uiLines, apiLines }),
    );
    const scope = await page.textContent('.scope');
    check('the dashboard says how many incidents it could not place below the counties', scope.includes(`${apiJ.not_further_located_incidents} incidents placed above this level`), scope);
    await shot(page, '04b-dashboard-not-further-located');

    // Import a Kobo CSV: counts and quarantined rows.
    await page.goto(base + '/#/imports');
    await page.waitForSelector('#profile option[value="kobo-incident"]', { state: 'attached' });
    await shot(page, '05-import-form');
    await axeCheck(page, 'import form');
    await page.setInputFiles('#file', kobo);
    await page.selectOption('#profile', 'kobo-incident');
    await page.click('form.entry button[type=submit]');
    await page.waitForSelector('section.job[data-state=completed] dl.counts', { timeout: 30000 });
    await page.waitForSelector('table.quarantine, section[aria-labelledby=h-q]', { timeout: 10000 });
    const counts = await page.$$eval('dl.counts div', (ds) => Object.fromEntries(ds.map((d) => [d.dataset.count, d.querySelector('dd').textContent.trim()])));
    check(
      'the import shows its counts (read 10, imported 8, quarantined 2)',
      counts.read === String(expected.read) && counts.imported === String(expected.imported) && counts.quarantined === String(expected.quarantined),
      JSON.stringify(counts),
    );
    const qrows = await page.$$eval('table.quarantine tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
    check(
      'the quarantined rows are listed with their reasons',
      qrows.length === 2 && qrows.some((r) => r[2].includes('2026-02-30')) && qrows.some((r) => r[2].includes('SS039901')),
      qrows.map((r) => r.join(' | ')).join(' ; '),
    );
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('section[aria-labelledby=h-q] button')]);
    const csv = fs.readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
    check('the quarantined rows download as CSV', csv.length === 3 && csv[0].startsWith('row,column,reason'), `${csv.length - 1} rows, ${download.suggestedFilename()}`);
    await shot(page, '06-import-done');
    await axeCheck(page, 'import result');

    // Incidents: list, filters, detail of a GBV record (a coordinator may read it).
    const gbv = await (await page.request.get(base + '/api/v1/incidents?risk=GBV&limit=1')).json();
    const gbvId = gbv.items[0]?.id;
    check('the demo data have a GBV record', !!gbvId);
    await page.goto(base + '/#/incidents?risk=GBV');
    await page.waitForFunction(() => document.querySelector('#inc-caption') && !document.querySelector('main [role=status]'));
    const listed = await page.$$eval('table.list tbody tr', (t) => t.length);
    check('the incident list filters by risk', listed > 0 && (await page.$$eval('table.list tbody tr td:nth-child(4)', (tds) => tds.every((td) => td.textContent.includes('GBV')))), `${listed} rows`);
    await shot(page, '07-incidents');
    await axeCheck(page, 'incidents');
    await page.goto(base + `/#/incidents/${gbvId}`);
    await page.waitForSelector('dl.detail');
    check('a coordinator opens the GBV record', (await page.textContent('h1')).includes(String(gbvId)));
    await shot(page, '08-incident-detail');

    // Entry: validation, consent, then a saved incident.
    await page.goto(base + '/#/entry');
    await page.waitForSelector('form.entry');
    await page.click('form.entry button[type=submit]');
    await page.waitForSelector('#err-date_start');
    const errs = await page.$$eval('form.entry .error', (e) => e.length);
    check('the incident form refuses an empty entry, naming the fields', errs >= 4, `${errs} messages`);
    await shot(page, '09-entry-errors');
    await axeCheck(page, 'entry form with errors');
    await page.fill('#date_start', '2026-10-02');
    await page.selectOption('#a-state', state.pcode);
    await page.selectOption('#a-county', county.pcode);
    await page.check('input[name=risks][value=MOV]');
    await page.check('input[name=consent][value=yes]');
    await page.fill('#narrative', 'E2E test record: checkpoint restricts movement.');
    await page.click('form.entry button[type=submit]');
    await page.waitForSelector('form.entry .ok[role=status]');
    check('a valid incident with consent is saved', /\d/.test(await page.textContent('form.entry .ok')));
    await page.goto(base + '/#/entry?kind=report');
    await page.waitForSelector('table.answers');
    await shot(page, '10-entry-report');
    await axeCheck(page, 'monitoring report form');

    // Analysis update, audit log, administration.
    await page.goto(base + '/#/analysis');
    await page.waitForSelector('#an-caption');
    await shot(page, '11-analysis');
    await axeCheck(page, 'analysis update');
    // The analysis page at payam level, sorted by change: the payams that got worse first, as
    // many as the list route counts.
    await page.goto(base + `/#/analysis?level=3&period=${PERIOD}&sort=change`);
    await page.waitForFunction(() => document.querySelector('button.sortbtn[aria-pressed=true]') && [...document.querySelectorAll('table.heat-an tbody tr')].every((tr) => tr.dataset.pcode.length === 8));
    const anDirs = await page.$$eval('table.heat-an tbody tr td.chgcell', (tds) => tds.map((td) => td.dataset.direction));
    const worse3 = (await (await page.request.get(base + `/api/v1/analysis/changes?period=${PERIOD}`)).json()).areas.filter((a) => a.level === 3).length;
    check(
      'the analysis page sorted by change puts the payams that got worse first (= API)',
      worse3 > 0 && anDirs.slice(0, worse3).every((d) => d === 'worse') && anDirs.filter((d) => d === 'worse').length === worse3,
      `${anDirs.filter((d) => d === 'worse').length} on the page, ${worse3} in the API`,
    );
    const firstEv = await page.getAttribute('table.heat-an tbody tr:first-child a.evlink', 'href');
    await page.click('table.heat-an tbody tr:first-child a.evlink');
    await page.waitForSelector('#ev-panel .evidence');
    check('a phase on the analysis page opens its evidence on the dashboard', /ev=SS\d{6}/.test(firstEv) && (await page.getAttribute('#ev-panel .evidence', 'data-pcode')) === new URLSearchParams(firstEv.split('?')[1]).get('ev'), firstEv);
    await page.goBack();
    await page.waitForSelector('#an-caption');
    await shot(page, '11b-analysis-by-change');
    await axeCheck(page, 'analysis update sorted by change');
    await page.goto(base + '/#/audit');
    await page.waitForSelector('#au-caption');
    const auditRows = await page.$$eval('table.list tbody tr', (t) => t.length);
    check('the audit log lists entries for a coordinator', auditRows > 5, `${auditRows} rows`);
    await shot(page, '12-audit');
    await axeCheck(page, 'audit log');
    await page.goto(base + '/#/admin');
    await page.waitForSelector('#h-users');
    check('the administration lists the users', (await page.textContent('main')).includes(viewer.user));
    await shot(page, '13-admin');
    await axeCheck(page, 'administration');

    // Early warning (doc/alerts.md): an SMS-format alert through the web app, what the server
    // understood, the board, the coordinator's inbox (the shipped routing sends every alert to
    // role:coordinator) with an acknowledgement by keyboard, and a status change with a reason.
    await page.goto(base + '/#/alerts');
    await page.waitForSelector('.al-page[data-ready=true] #al-text');
    await page.fill('#al-text', 'ALERT Pibor gunmen attacking Gumuruk road now');
    await page.fill('#al-sender', '+211912345678');
    await page.click('#al-send button[type=submit]');
    await page.waitForSelector('section.al-result[data-id]', { timeout: 15000 });
    const alertId = Number(await page.getAttribute('section.al-result', 'data-id'));
    const understood = await page.$$eval('section.al-result dd[data-f]', (dds) => Object.fromEntries(dds.map((d) => [d.dataset.f, d.textContent.replace(/\s+/g, ' ').trim()])));
    check(
      'alerts: an SMS-format alert is read as Pibor (SS0308), attack, immediate, not for review',
      alertId > 0 && /Pibor/.test(understood.place) && /SS0308/.test(understood.place) && /ATK/.test(understood.risks) &&
        understood.urgency === 'Immediate' && /\d+ %/.test(understood.confidence) && understood.needs_review === 'No',
      JSON.stringify(understood),
    );
    const apiAlert = await (await page.request.get(base + `/api/v1/alerts/${alertId}`)).json();
    check('alerts: the page shows what the API stored', apiAlert.area?.pcode === 'SS0308' && apiAlert.risks?.[0] === 'ATK' && apiAlert.channel === 'sms', JSON.stringify({ area: apiAlert.area, risks: apiAlert.risks, channel: apiAlert.channel }));
    const boardRow = `table.al-board tr[data-id="${alertId}"]`;
    await page.waitForSelector(boardRow);
    const waiting = (await page.textContent(`${boardRow} td:nth-child(7)`)).trim();
    check('alerts: the new alert is on the board, waiting on the coordinators', waiting.includes('role:coordinator'), waiting);
    const inboxRow = `table.al-inbox tr[data-id="${alertId}"]`;
    await page.waitForSelector(`${inboxRow}[data-acked=false] button`);
    await page.focus(`${inboxRow} button`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${inboxRow}[data-acked=true]`, { timeout: 10000 });
    const acked = await (await page.request.get(base + `/api/v1/alerts/${alertId}`)).json();
    check('alerts: the inbox item is acknowledged by keyboard (the API has the acknowledgement)', !!acked.acknowledged_at && !(await page.$(`${inboxRow} button`)), `acknowledged_at ${acked.acknowledged_at}`);
    await page.fill('#al-st-id', String(alertId));
    await page.selectOption('#al-st-status', 'verified');
    await page.click('#al-status button[type=submit]');
    await page.waitForSelector('#err-al-reason');
    await page.fill('#al-st-reason', 'E2E: confirmed by the county focal point');
    await page.click('#al-status button[type=submit]');
    await page.waitForSelector('#al-status .ok[role=status]');
    const verified = await (await page.request.get(base + `/api/v1/alerts/${alertId}`)).json();
    check('alerts: a status change needs a reason, then is kept', verified.status === 'verified' && verified.history?.some((h) => h.to === 'verified'), verified.status);
    await shot(page, '20-alerts');
    await axeCheck(page, 'alerts (result, inbox, board)');
    // Overdue highlighting: the demo's deadlines are minutes away, so the board's answer is
    // replayed with the first alert marked overdue (the page must tint, edge and badge the row).
    await page.route('**/api/v1/alerts/board', async (route) => {
      const res = await route.fetch();
      const b = await res.json();
      if (b.items?.[0]) (b.items[0].overdue = true), (b.overdue = 1);
      await route.fulfill({ response: res, json: b });
    });
    await page.reload();
    await page.waitForSelector('.al-page[data-ready=true] table.al-board');
    const od = await page.$$eval('table.al-board tbody tr', (trs) => trs.map((tr) => ({ cls: tr.className, badge: !!tr.querySelector('.overdue-badge') })));
    const odCount = (await page.textContent('dl.al-counts [data-count=overdue] dd')).trim();
    check('alerts: an overdue alert is highlighted on the board (row, badge, count)', od.length > 0 && od[0].cls.includes('overdue') && od[0].badge && od.slice(1).every((r) => !r.badge) && odCount === '1', JSON.stringify(od));
    await shot(page, '20b-alerts-overdue');
    await axeCheck(page, 'alerts board with an overdue alert');
    await page.unroute('**/api/v1/alerts/board');
    await page.reload();
    await page.waitForSelector('.al-page[data-ready=true] #al-text');
    // The structured form: an area picked from the areas list, a risk, an urgency.
    await page.check('input[name=mode][value=form]');
    await page.selectOption('#al-state', state.pcode);
    await page.check('input[name=risks][value=MOV]');
    await page.selectOption('#al-urgency', 'medium');
    await page.fill('#al-free', 'E2E: roads closed by a checkpoint');
    await page.click('#al-send button[type=submit]');
    await page.waitForFunction((id) => Number(document.querySelector('section.al-result')?.dataset.id) > id, alertId, { timeout: 15000 });
    const structured = await page.$$eval('section.al-result dd[data-f]', (dds) => Object.fromEntries(dds.map((d) => [d.dataset.f, d.textContent.replace(/\s+/g, ' ').trim()])));
    check(`alerts: a structured alert is taken in (${state.name}, movement, medium)`, structured.place.includes(state.pcode) && /MOV/.test(structured.risks) && structured.urgency === 'Medium', JSON.stringify(structured));
    await axeCheck(page, 'alerts (structured form)');
    // A message without a place is still stored, and flagged for review.
    await page.check('input[name=mode][value=sms]');
    await page.fill('#al-text', 'ALERT gunmen seen near the river tonight');
    await page.click('#al-send button[type=submit]');
    await page.waitForSelector('section.al-result .note[data-review=true]', { timeout: 15000 });
    const review = await page.textContent('section.al-result dd[data-f=needs_review]');
    check('alerts: a message without a place is flagged for review', review.trim() === 'Yes', review);

    // Languages: French, then Arabic right to left.
    await page.goto(base + '/#/dashboard');
    await waitDashboard(page, 1);
    await page.selectOption('.who select', 'fr');
    await page.waitForFunction(() => document.documentElement.lang === 'fr' && document.querySelector('main[data-ready=true]'));
    await waitDashboard(page, 1);
    check('French: the page is translated', (await page.textContent('nav[aria-label] a[href="#/dashboard"]')).includes('Tableau de bord'));
    await shot(page, '14-dashboard-fr');
    await page.selectOption('.who select', 'ar');
    await page.waitForFunction(() => document.documentElement.lang === 'ar');
    await waitDashboard(page, 1);
    const rtl = await page.evaluate(() => {
      const items = [...document.querySelectorAll('header nav li')].map((li) => li.getBoundingClientRect().left);
      return {
        dir: document.documentElement.dir,
        lang: document.documentElement.lang,
        mainDir: getComputedStyle(document.querySelector('main')).direction,
        rightToLeft: items.length > 2 && items.every((x, i) => i === 0 || x < items[i - 1]),
        h1: document.querySelector('h1').textContent,
      };
    });
    check(
      'Arabic: the layout renders right to left',
      rtl.dir === 'rtl' && rtl.lang === 'ar' && rtl.mainDir === 'rtl' && rtl.rightToLeft && rtl.h1.includes('لوحة'),
      JSON.stringify(rtl),
    );
    await shot(page, '15-dashboard-ar');
    await axeCheck(page, 'dashboard in Arabic');
    // Change first in Arabic on a phone: the worse list comes before the charts, a phase's
    // evidence opens, nothing overflows the 390 px screen, axe is clean.
    await page.setViewportSize({ width: 390, height: 900 });
    await page.goto(base + `/#/dashboard?period=${PERIOD}`);
    await waitDashboard(page, 1);
    await page.waitForSelector('#worse-panel ol.worse li');
    await page.click('#worse-panel ol.worse li:not([data-level="0"]) a.ev-link');
    await page.waitForSelector('#ev-panel .evidence');
    const phone = await page.evaluate(() => ({
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      worseFirst: document.querySelector('#h-worse').getBoundingClientRect().top < document.querySelector('#h-trends').getBoundingClientRect().top,
      heatFirst: document.querySelector('#h-heat').getBoundingClientRect().top < document.querySelector('#h-map').getBoundingClientRect().top,
      title: document.querySelector('#ev-title').textContent,
      dir: getComputedStyle(document.querySelector('#ev-panel')).direction,
    }));
    check(
      'Arabic at 390 px: the worse list and the heat table before the charts, the evidence translated and right to left, no horizontal overflow',
      phone.overflow <= 0 && phone.worseFirst && phone.heatFirst && phone.title.includes('لماذا') && phone.dir === 'rtl',
      JSON.stringify(phone),
    );
    await shot(page, '15b-worse-evidence-ar-390');
    await axeCheck(page, 'worse list and evidence in Arabic at 390 px');
    await page.setViewportSize(ctxOpts.viewport);
    await page.goto(base + '/#/imports');
    await page.waitForSelector('#profile');
    await shot(page, '16-imports-ar');
    await page.goto(base + '/#/alerts');
    await page.waitForSelector('.al-page[data-ready=true] table.al-board');
    const alAr = await page.evaluate(() => ({ dir: document.documentElement.dir, mainDir: getComputedStyle(document.querySelector('main')).direction, h1: document.querySelector('h1').textContent }));
    check('Arabic: the alerts page is translated and right to left', alAr.dir === 'rtl' && alAr.mainDir === 'rtl' && alAr.h1.includes('تنبيهات'), JSON.stringify(alAr));
    await shot(page, '21-alerts-ar');
    await axeCheck(page, 'alerts in Arabic');
    await page.selectOption('.who select', 'en');
    check('no script errors in the coordinator session', pageErrors.length === 0, pageErrors.join('; '));
    check("nothing broke the server's Content-Security-Policy", cspViolations.length === 0, cspViolations.slice(0, 3).join('; '));
    await cctx.close();

    // --- viewer: safe aggregates only ----------------------------------------------------------
    const vctx = await browser.newContext(ctxOpts);
    const vpage = await vctx.newPage();
    await signIn(vpage, base, viewer.user, viewer.pw);
    await waitDashboard(vpage, 1);
    const vapi = await (await vpage.request.get(base + '/api/v1/analysis?level=1')).json();
    const apiSmall = vapi.areas.flatMap((a) => a.risks.filter((r) => r.risk !== '*' && r.incidents === '<5').map((r) => a.pcode + '/' + r.risk));
    const uiSmall = await vpage.$$eval('table.heat tr[data-pcode] td[data-count="<5"]', (tds) =>
      tds.map((td) => td.closest('tr').dataset.pcode + '/' + td.dataset.risk + '=' + td.querySelector('.cnt').textContent),
    );
    check(
      'a viewer sees "<5" cells (the same as the API\'s safe aggregates)',
      apiSmall.length > 0 && uiSmall.length === apiSmall.length && uiSmall.every((s) => s.endsWith('=<5')),
      `${uiSmall.length} cells on the page, ${apiSmall.length} in the API`,
    );
    check('the viewer dashboard says it shows safe aggregates', (await vpage.textContent('.scope')).includes('Safe aggregates'));
    const gbvCells = await vpage.$$eval('table.heat td[data-risk=GBV]', (tds) => tds.map((td) => td.dataset.count));
    check('GBV is withheld from the viewer', gbvCells.length > 0 && gbvCells.every((c) => c === 'withheld'), [...new Set(gbvCells)].join(','));
    await vpage.waitForSelector('#gap-panel[data-ready=true]');
    const vgaps = await (await vpage.request.get(base + `/api/v1/analysis/gaps?level=1&period=${vapi.period}`)).json();
    const vApiWithheld = vgaps.items.filter((g) => g.gap && g.phase_withheld).length;
    const vUi = await vpage.$$eval('#gap-panel li.gap', (lis) => lis.map((li) => ({ phase: li.querySelector('[data-phase]').dataset.phase, un: li.querySelector('[data-unavailable]')?.dataset.unavailable ?? null })));
    check('a viewer\'s gap panel shows withheld phases as withheld, and no computed counts (= API)',
      vUi.length === vgaps.items.filter((g) => g.gap).length && vUi.filter((g) => g.phase === 'withheld').length === vApiWithheld && vUi.every((g) => g.un === null || /^(<\d+|\d+)$/.test(g.un)),
      `${vUi.length} gaps, ${vApiWithheld} withheld in the API`);
    await shot(vpage, '17-viewer-dashboard');
    await axeCheck(vpage, 'viewer dashboard');
    await vpage.goto(base + `/#/incidents/${gbvId}`);
    await vpage.waitForSelector('p.error[data-denied]');
    check('a viewer cannot open an individual GBV record', (await vpage.getAttribute('p.error[data-denied]', 'data-denied')) === 'true' && (await vpage.$('dl.detail')) === null);
    const direct = await vpage.request.get(base + `/api/v1/incidents/${gbvId}`);
    check('... and the API answers 404 to the viewer', direct.status() === 404, String(direct.status()));
    await shot(vpage, '18-viewer-gbv-denied');
    await vpage.goto(base + '/#/incidents');
    await vpage.waitForSelector('#inc-caption');
    await vpage.waitForFunction(() => !document.querySelector('main [role=status]'));
    check('the viewer\'s incident list is empty, with the reason', (await vpage.$$('table.list tbody tr')).length === 0 && (await vpage.$('p.note')) !== null);
    await shot(vpage, '19-viewer-incidents');
    await vpage.goto(base + '/#/alerts');
    await vpage.waitForSelector('.al-page[data-ready=true]');
    check(
      'a viewer sees the server\'s refusal of the alerts board, and no intake form',
      (await vpage.$('main p.note[data-denied=true]')) !== null && (await vpage.$('#al-send')) === null && (await vpage.$('table.al-board')) === null,
    );
    await shot(vpage, '22-viewer-alerts');
    await axeCheck(vpage, 'viewer alerts');
    check('the viewer has no referrals page in the menu', (await vpage.$$('header nav a[href="#/referrals"]')).length === 0);
    check('the viewer has no import, entry, audit or admin pages in the menu', (await vpage.$$('header nav a[href="#/imports"], header nav a[href="#/audit"], header nav a[href="#/admin"]')).length === 0);
    await vctx.close();

    await changeWalkRestricted(browser, base, ctxOpts, demoPartner, 'partner', /only DEMO-DELTA's own records/);
    await changeWalkRestricted(browser, base, ctxOpts, outsider, 'outside recipient', /aggregates only/);
    await changeWalkRestricted(browser, base, ctxOpts, viewer, 'viewer', /aggregates only/);
    await referralWalk(browser, base, ctxOpts, partner, provider, coordC);
    await messagesWalk(browser, base, ctxOpts, coord, imo, officer);
  } finally {
    if (browser) await browser.close();
    if (server) await server.stop();
    if (!KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  check('the end-to-end run completed', false, e.stack || String(e));
}
const secs = ((Date.now() - started) / 1000).toFixed(1);
const passed = results.filter((r) => r.ok).length;
console.log(`\nweb e2e: ${passed} passed, ${failures} failed in ${secs} s; screenshots: ${SHOTS}`);
process.exit(failures ? 1 : 0);
