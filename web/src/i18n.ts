// English, French and Arabic. Catalogs are flat JSON (src/i18n/*.json); English is bundled as the
// fallback, the others load when chosen. Arabic sets dir="rtl" on <html>; numbers and dates go
// through Intl with the chosen locale.
import en from './i18n/en.json';

export type Lang = 'en' | 'fr' | 'ar';
export const LANGS: { code: Lang; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
  { code: 'ar', name: 'العربية' },
];

type Catalog = Record<string, string>;
const fallback: Catalog = en;
let catalog: Catalog = en;
let lang: Lang = 'en';
let numberFmt = new Intl.NumberFormat('en');

function stored(): Lang {
  let v: string | null = null;
  try {
    v = localStorage.getItem('aegis.lang');
  } catch {
    v = null;
  }
  if (v === 'en' || v === 'fr' || v === 'ar') return v;
  const nav = (navigator.language || 'en').slice(0, 2);
  return nav === 'fr' || nav === 'ar' ? nav : 'en';
}

export function currentLang(): Lang {
  return lang;
}

export async function setLang(l: Lang, remember = true): Promise<void> {
  if (l === 'fr') catalog = (await import('./i18n/fr.json')).default;
  else if (l === 'ar') catalog = (await import('./i18n/ar.json')).default;
  else catalog = en;
  lang = l;
  // Latin digits in Arabic too: P-codes, dates and figures stay readable across the team.
  numberFmt = new Intl.NumberFormat(l === 'ar' ? 'ar-u-nu-latn' : l);
  document.documentElement.lang = l;
  document.documentElement.dir = l === 'ar' ? 'rtl' : 'ltr';
  if (remember) {
    try {
      localStorage.setItem('aegis.lang', l);
    } catch {
      /* private mode: not remembered */
    }
  }
}

export function initLang(): Promise<void> {
  return setLang(stored(), false);
}

// t('key', {n: 3}) with {n} placeholders.
export function t(key: string, params?: Record<string, string | number>): string {
  let s = catalog[key] ?? fallback[key] ?? key;
  if (params)
    for (const [k, v] of Object.entries(params))
      s = s.split('{' + k + '}').join(typeof v === 'number' ? fmtNum(v) : v);
  return s;
}

export function fmtNum(n: number): string {
  return numberFmt.format(n);
}

// A count of safe aggregates: a number, or "<5" / "x" / "withheld" as the server wrote it.
export function fmtCount(c: number | string | undefined | null): string {
  if (c === undefined || c === null) return '–';
  if (typeof c === 'number') return fmtNum(c);
  if (c === 'withheld') return t('count.withheld');
  if (c === 'x') return t('count.x');
  return c; // "<5"
}

const dateFmts = new Map<string, Intl.DateTimeFormat>();
function dateFmt(opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = lang + JSON.stringify(opts);
  let f = dateFmts.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'ar' ? 'ar-u-nu-latn' : lang, { ...opts, timeZone: 'UTC' });
    dateFmts.set(key, f);
  }
  return f;
}

// "2026-10-05" -> 5 Oct 2026 in the chosen language; "2026-10-05T08:00:00Z" with the time.
export function fmtDate(iso: string): string {
  if (!iso) return '';
  const withTime = iso.length > 10;
  const d = new Date(withTime ? iso : iso + 'T00:00:00Z');
  if (isNaN(d.getTime())) return iso;
  return dateFmt(withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' }).format(d);
}

// "2026-10" -> October 2026; "2026-Q3" and years are returned as written.
export function fmtMonth(ym: string): string {
  if (!/^\d{4}-\d{2}$/.test(ym)) return ym;
  return dateFmt({ year: 'numeric', month: 'long' }).format(new Date(ym + '-01T00:00:00Z'));
}

export function fmtMonthShort(ym: string): string {
  if (!/^\d{4}-\d{2}$/.test(ym)) return ym;
  return dateFmt({ month: 'short' }).format(new Date(ym + '-01T00:00:00Z'));
}

export function riskLabel(code: string): string {
  return t('risk.' + code);
}
