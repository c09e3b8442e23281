#!/usr/bin/env node
// The web application's weight and speed on a slow link (issue 5):
//
//  1. first-load weight: a first visit with an empty cache (sign-in page, sign in, dashboard up),
//     summing the bytes on the wire (gzipped bodies + headers, as Chromium reports them), and
//     the same per resource;
//  2. time to a usable dashboard under Chromium's simulated "Slow 3G" (CDP
//     Network.emulateNetworkConditions: 400 ms latency, 400 kbit/s down and up, as the brief
//     states DevTools' preset) with 4x CPU throttling: a signed-in user opens the dashboard with
//     an empty cache (cold) and again with its assets cached (warm). "Usable" = the map, the heat
//     table and the trend charts are drawn (the app's performance mark aegis-dashboard-ready),
//     measured from the start of navigation.
//
//   node bench/web_bench.mjs [--aegis build/aegis] [--runs 3] [--latency 400] [--kbps 400] [--cpu 4]
//
// It builds a fresh demo store in a temporary folder and starts its own server (tests/e2e/harness.mjs).
import fs from 'node:fs';
import { arg, demoStore, launchChromium, requireInputs, startServer } from '../tests/e2e/harness.mjs';

const RUNS = Number(arg('--runs', '3'));
const LATENCY = Number(arg('--latency', '400'));
const KBPS = Number(arg('--kbps', '400'));
const CPU = Number(arg('--cpu', '4'));

async function throttle(page, on, encoding = '') {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  if (encoding) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': encoding } });
  if (on) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: LATENCY,
      downloadThroughput: (KBPS * 1000) / 8,
      uploadThroughput: (KBPS * 1000) / 8,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU });
  }
  const bytes = [];
  const urls = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, { url: e.response.url, enc: e.response.headers['Content-Encoding'] || e.response.headers['content-encoding'] || '' }));
  cdp.on('Network.loadingFinished', (e) => bytes.push({ ...(urls.get(e.requestId) || { url: '?' }), n: e.encodedDataLength }));
  return { cdp, bytes };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => (n / 1024).toFixed(1) + ' KB';

async function main() {
  requireInputs();
  const store = demoStore();
  const server = await startServer(store.db);
  const browser = await launchChromium();
  const { user, pw } = store.users.coordinator;
  const base = server.base;
  try {
    // 1. First visit, empty cache, no throttling (bytes do not depend on it): gzip only (as the
    //    brief counts it), then as Chromium negotiates (brotli, which cpp-httplib also speaks).
    let total = 0;
    let storage = null;
    for (const encoding of ['gzip', '']) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await ctx.newPage();
      const { bytes } = await throttle(page, false, encoding);
      await page.goto(base + '/#/dashboard');
      await page.waitForSelector('#username');
      await page.fill('#username', user);
      await page.fill('#password', pw);
      await page.click('button[type=submit]');
      await page.waitForSelector('body[data-dashboard=ready]', { timeout: 60000 });
      await page.waitForTimeout(300);
      const sum = bytes.reduce((s, b) => s + b.n, 0);
      if (encoding === 'gzip') total = sum;
      console.log(`First load (empty cache): sign-in page, sign in, dashboard; Accept-Encoding: ${encoding || "Chromium's own"}`);
      for (const b of bytes) console.log(`  ${kb(b.n).padStart(9)}  ${b.enc.padEnd(5)} ${b.url.replace(base, '')}`);
      console.log(`  ${kb(sum).padStart(9)}  total on the wire (${bytes.length} responses, headers included; goal < 400 KB)\n`);
      storage = await ctx.storageState();
      await ctx.close();
    }

    // 2. Signed in, open the dashboard under slow 3G + CPU throttling: cold, then warm cache.
    const cold = [];
    const warm = [];
    let coldBytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const c = await browser.newContext({ viewport: { width: 1280, height: 900 }, storageState: storage });
      const p = await c.newPage();
      const t = await throttle(p, true);
      for (const [list, label] of [
        [cold, 'cold'],
        [warm, 'warm'],
      ]) {
        t.bytes.length = 0;
        if (label === 'cold') await t.cdp.send('Network.clearBrowserCache');
        await p.goto(base + '/#/dashboard' + (label === 'warm' ? '?' : ''), { waitUntil: 'commit' });
        await p.waitForSelector('body[data-dashboard=ready]', { timeout: 120000 });
        const ms = await p.evaluate(() => performance.getEntriesByName('aegis-dashboard-ready')[0]?.startTime ?? -1);
        list.push(ms);
        if (label === 'cold') coldBytes = t.bytes.reduce((s, b) => s + b.n, 0);
        await p.goto('about:blank');
      }
      await c.close();
    }
    console.log(
      `\nTime to a usable dashboard, signed in, Slow 3G (${LATENCY} ms, ${KBPS} kbit/s) + ${CPU}x CPU, ${RUNS} runs:` +
        `\n  empty cache: median ${(median(cold) / 1000).toFixed(2)} s (runs: ${cold.map((x) => (x / 1000).toFixed(2)).join(', ')}; ${kb(coldBytes)} on the wire)` +
        `\n  assets cached: median ${(median(warm) / 1000).toFixed(2)} s (runs: ${warm.map((x) => (x / 1000).toFixed(2)).join(', ')})` +
        `\n  goal: under 2 s`,
    );
    console.log(
      `\nweb bench: first load ${kb(total)} gzipped on the wire; usable dashboard on slow 3G in ${(median(cold) / 1000).toFixed(2)} s (empty cache), ${(median(warm) / 1000).toFixed(2)} s (cached assets)`,
    );
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(store.dir, { recursive: true, force: true });
  }
}

await main();
