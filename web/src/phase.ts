// Severity phases 1-5 (data/taxonomy/severity.json): a colour with a text label and the number,
// never colour alone. Text colours meet WCAG AA contrast on each fill (see style.css .ph-N).
import { t } from './i18n';

export const PHASE_FILL = ['#e6e6e6', '#cdfacd', '#fae61e', '#e67800', '#c80000', '#640000'];

export function phaseName(p: number | undefined): string {
  if (!p) return t('phase.0');
  return t('phase.' + p);
}

export function phaseClass(p: number | undefined): string {
  return 'ph ph-' + (p && p >= 1 && p <= 5 ? p : 0);
}
