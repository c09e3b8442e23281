// The JSON API under /api/v1: the session cookie is sent by the browser (SameSite=Strict,
// HttpOnly); unsafe methods carry the CSRF token returned at sign-in or by /me.

export interface Me {
  id: number;
  username: string;
  role: string;
  organisation: string;
  csrf_token: string;
  break_glass_until?: string;
}

// The roles that send or receive referrals (doc/referrals.md).
export const REFERRERS = new Set(['partner_focal_point', 'field_monitor', 'service_provider', 'coordinator', 'imo']);

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
  current?: Count;
  previous?: Count;
}

export interface RiskCell {
  risk: string;
  label: string;
  incidents: Count;
  killed?: Count;
  phase?: number;
  trend?: Trend;
}

export interface AreaResult {
  pcode: string;
  name: string;
  parent_pcode: string;
  overall_phase: number;
  overall_rule?: string;
  risks: RiskCell[];
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
