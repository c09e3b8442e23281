#!/usr/bin/env bash
# Shows that the authorization tests would catch a broken decision point: each mutant removes one
# check from src/access/decision.cc (a mutated copy in build/mutants; the tree is never changed),
# builds build/ with it (CMake's AEGIS_DECISION_SOURCE), and runs the generated authorization
# matrix (AuthzMatrixTest) and the kernel's own tests (AuthorizationKernel). A mutant is killed
# when a test fails. Prints one line per mutant with the matrix's unexpected cells; exits 1 if
# any mutant survives. build/ is rebuilt with the real kernel at the end, failed or not.
#
#   scripts/kernel-mutants.sh            every mutant (about 1-2 minutes each on 2 cores)
#   scripts/kernel-mutants.sh 3          only mutant 3
#
# Needs a normal build first (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$PWD/build/mutants
jobs=$(nproc 2>/dev/null || echo 2)

# name | perl substitution applied to src/access/decision.cc (must change the file)
mutants=(
  "read: own-organisation rule ignored|s/\(!rule\.own_org_only \|\| own\)/(true)/"
  "read: break-the-glass cap ignored|s/std::min\(s\.break_glass_rank, p\.break_glass_rank\(\)\)/s.break_glass_rank/"
  "write: other organisation's records|s/if \(!OwnsOrReceives\(s, r\)\) return Deny/if (false) return Deny/"
  "write: class and sensitivity level ignored|s/rule\.write_rank\[c\] < r\.sensitivity/false/"
  "write: GBV or child record made public|s/r\.sensitivity < MinimumRank\(r\.record_class\)/false/"
  "token: read-only token writes|s/IsWriteAction\(a\) && !s\.scope_write/false/"
  "token: export without export scope|s/a == Action::kExport && !s\.scope_export/false/"
  "export: aggregate-only role exports records|s/if \(d\.effect == Effect::kAggregateOnly\) d\.effect = Effect::kDeny;//"
  "import: role without import right|s/!rule->import_files/false/"
  "users: role granted above one's own|s/!Has\(rule\.grant_roles, r\.target_role\)/false/"
  "users: other organisation's users|s/!rule\.users_all_organisations && /false && /"
  "break glass: any role|s/!p\.BreakGlassRole\(s\.role\)/false/"
  "alerts: any role sends|s/rule->alert_submit \? Allow\(\)/true ? Allow()/"
  "metrics: open to everyone|s/if \(s\.local\) return Allow\(\);/return Allow();/"
  "metrics: the host itself refused|s/if \(s\.local\) return Allow\(\);//"
  "metrics: any role|s/return Manage\(\*rule, s, \"metrics\"\);/return Allow();/"
  "metrics: token without the metrics scope|s/s\.token && !s\.scope_metrics/false/"
  "referral: the receiver treated as a stranger|s/\(r\.receiving_organisation_id > 0 && r\.receiving_organisation_id == s\.organisation_id\)/(false)/"
  "referral: own-organisation limit ignored|s/rule\.own_org_only && store::OrganisationScoped\(static_cast<store::RecordClass>\(c\)\)/rule.own_org_only \&\& c < store::kCaseClasses/"
  "referral: an account of no organisation sends|s/r\.record_class == store::RecordClass::kReferral && r\.organisation_id == 0/false/"
  "consent override: any role|s/return Manage\(\*rule, s, \"consent_override\"\);/return Allow();/"
  "consent override: by API token|s/a == Action::kOverrideConsent;/false;/"
)

only=${1:-}
[ -x build/aegis_tests ] || { echo "kernel-mutants: build first (scripts/build.sh)"; exit 2; }
mkdir -p "$work"
mutant=$work/decision.cc
restore() {
  cmake -S . -B build -DAEGIS_DECISION_SOURCE= >/dev/null
  cmake --build build -j "$jobs" >/dev/null && echo "kernel-mutants: build/ has the real kernel again"
}
trap restore EXIT
cp src/access/decision.cc "$mutant"
cmake -S . -B build -DAEGIS_DECISION_SOURCE="$mutant" >/dev/null 2>&1

pristine=$(cat src/access/decision.cc)
survivors=0
i=0
printf '%-3s %-48s %-9s %-10s %s\n' "#" "check removed" "result" "matrix" "kernel tests"
printf '%-3s %-48s %-9s %-10s %s\n' "" "" "" "unexpected" "(AuthorizationKernel.*)"
for m in "${mutants[@]}"; do
  i=$((i + 1))
  [ -n "$only" ] && [ "$only" != "$i" ] && continue
  name=${m%%|*}
  expr=${m#*|}
  printf '%s\n' "$pristine" >"$mutant"
  perl -0pi -e "$expr" "$mutant"
  if [ "$(cat "$mutant")" = "$pristine" ]; then
    printf '%-3s %-48s %s\n' "$i" "$name" "NOT APPLIED (decision.cc changed: update the mutant)"
    survivors=$((survivors + 1))
    continue
  fi
  if ! cmake --build build -j "$jobs" --target aegis_tests >"$work/build-$i.log" 2>&1; then
    printf '%-3s %-48s %s\n' "$i" "$name" "does not compile (see $work/build-$i.log)"
    survivors=$((survivors + 1))
    continue
  fi
  log=$work/mutant-$i.log
  (cd build/test-work && ../aegis_tests --gtest_filter='AuthzMatrixTest.*' >"$log" 2>&1) ||
    true
  cells=$(grep '^\[figure\] authorization matrix' "$log" | grep -o '[0-9]\+ unexpected' | cut -d' ' -f1)
  kernel=passed
  (cd build/test-work &&
    ../aegis_tests --gtest_filter='AuthorizationKernel.*' >"$log.kernel" 2>&1) || kernel=failed
  if [ "${cells:-?}" != 0 ] || [ "$kernel" = failed ]; then verdict=killed; else
    verdict=SURVIVED
    survivors=$((survivors + 1))
  fi
  printf '%-3s %-48s %-9s %-10s %s\n' "$i" "$name" "$verdict" "${cells:-?}" "$kernel"
done
echo "kernel-mutants: $survivors mutant(s) survived"
[ "$survivors" = 0 ]
