// The JSON API under /api/v1: the session cookie is sent by the browser (SameSite=Strict,
// HttpOnly); unsafe methods carry the CSRF token returned at sign-in or by /me.

export interface Me {
  id: number;
  username: string;
  role: string;
  organisation: string;
  csrf_token: string;
  break_glass_until?: string;
  // What the user may do under the protocol in force, as the server's authorization kernel
  // decides it: per action, and per record class and record action. The app copies no role list.
  may: Record<string, boolean>;
  may_by_class: Record<string, Record<string, 'allow' | 'aggregate_only' | 'deny'>>;
  may_grant: string[]; // the roles the user may give (the protocol's, in force)
  aggregates: 'safe' | 'exact';
  own_organisation_only: boolean;
}

// Whether the protocol lets `m` do `action` to some individual record of class `cls`.
export function allows(m: Me, cls: string, action: string): boolean {
  return m.may_by_class?.[cls]?.[action] === 'allow';
}
export function may(m: Me, action: string): boolean {
  return m.may?.[action] === true;
}
// Those who send or receive referrals (doc/referrals.md).
export function refers(m: Me): boolean {
  return allows(m, 'referral', 'create') || allows(m, 'referral', 'read_individual');
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field: string,
  ) {
    super(message);
  }
}

let csrf = '';
export function setCsrf(token: string): void {
  csrf = token;
}

async function request<T>(method: string, path: string, body?: BodyInit, type?: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (type) headers['Content-Type'] = type;
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch('/api/v1' + path, { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'network', '');
  }
  const text = await res.text();
  let data: unknown = null;
  if (text && (res.headers.get('Content-Type') ?? '').includes('json')) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    throw new ApiError(res.status, e?.code ?? 'http_error', e?.message ?? res.statusText, e?.field ?? '');
  }
  return (data ?? text) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown) => request<T>('POST', path, JSON.stringify(body), 'application/json'),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, JSON.stringify(body), 'application/json'),
  del: <T>(path: string) => request<T>('DELETE', path),
  upload: <T>(path: string, file: Blob) => request<T>('POST', path, file, 'application/octet-stream'),
};

export function qs(params: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? '?' + s : '';
}

// --- shapes of the answers the app reads ------------------------------------------------------

export type Count = number | string; // "<5", "x" or "withheld" in safe aggregates

export interface Trend {
  flag: string;
  withheld?: string;
  current?: Count;
  previous?: Count;
  baseline_mean?: number;
  p_increase?: number;
  p_decrease?: number;
  test?: string;
}

export interface Override {
  phase: number;
  rationale: string;
  author: string;
  at: string;
}

export interface RiskCell {
  risk: string;
  label: string;
  incidents: Count;
  killed?: Count;
  phase?: number;
  phase_computed?: number;
  phase_evidence?: { measure: string; phase: number; value_per_month?: number; thresholds?: number[] }[];
  phase_cap?: string;
  phase_override?: Override;
  phase_withheld?: string;
  organisations?: number | string;
  source_types?: string[];
  monitoring_answers?: number;
  monitoring_present?: number;
  monitoring_severity_max?: number;
  trend?: Trend;
}

// Another period's figures of an area, as that period's analysis publishes them to the caller;
// the changes are null where a value of either period is withheld or suppressed.
export interface PeriodFigures {
  period: string;
  overall_phase: number | string;
  incidents: Count;
  phase_change: number | null;
  incidents_change: number | null;
}

export type Direction = 'worse' | 'better' | 'same' | 'unknown';

export interface AreaResult {
  pcode: string;
  name: string;
  parent_pcode: string;
  overall_phase: number;
  overall_rule?: string;
  overall_withheld?: string;
  overall_override?: Override;
  previous?: PeriodFigures;
  last_year?: PeriodFigures;
  direction?: Direction;
  risks: RiskCell[];
}

export interface Changes {
  period: string;
  previous_period: string;
  last_year_period: string;
  safe: boolean;
  levels: number[];
  counts: Record<Direction, number>;
  areas: (Omit<AreaResult, 'risks'> & { level: number; incidents: Count })[];
}

// Records placed above the analysis's level: one line per area they are placed on (counts only).
export interface LineResult {
  pcode: string;
  name: string;
  level: number;
  parent_pcode: string;
  risks: RiskCell[];
}

export interface Analysis {
  period: string;
  admin_level: number;
  safe: boolean;
  suppression_threshold?: number;
  notes: string[];
  areas: AreaResult[];
  not_further_located: LineResult[];
  not_further_located_incidents: Count;
  months: string[];
  monthly_incidents: Record<string, Count[]>;
}

export interface MapArea {
  pcode: string;
  name: string;
  level: number;
  parent: string;
  lat: number | null;
  lon: number | null;
}

export interface Incident {
  id: number;
  duplicate_of?: number;
  source: string;
  source_key: string;
  date_start: string;
  date_end: string;
  area_pcode: string;
  risks: string[];
  event_type: string;
  act_type: string;
  perpetrator: string;
  organisation: string;
  source_type: string;
  verification: string;
  sensitivity: string;
  narrative: string;
  contact: string;
  killed: number | null;
  injured: number | null;
}

export interface Page<T> {
  items: T[];
  count: number;
  next?: string;
}
