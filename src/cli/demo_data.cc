#include "cli/demo_data.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "util/date.h"

namespace aegis::cli {

namespace {

// Deterministic helpers on mt19937's raw output (its sequence is fixed by the standard).
struct Rng {
  std::mt19937 g;
  explicit Rng(unsigned seed) : g(seed) {}
  int Int(int lo, int hi) {
    return lo + static_cast<int>(g() % static_cast<unsigned>(hi - lo + 1));
  }
  bool Chance(int percent) { return Int(1, 100) <= percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Int(0, static_cast<int>(v.size()) - 1))];
  }
};

// Kobo option names of the demo form -> a weight per hotspot profile.
struct Hotspot {
  std::string county;              // county name (P-code looked up in the loaded areas)
  std::vector<std::string> risks;  // demo form option names, most frequent first
  int weight;                      // incidents per month (mean)
  int trend;                       // added per month (escalation when > 0)
};

// Invented partners; the demo never names a real organisation or person.
const std::vector<std::string> kPartners = {"DEMO-ALPHA", "DEMO-BRAVO", "DEMO-CHARLIE",
                                            "DEMO-DELTA"};

const std::vector<Hotspot> kHotspots = {
    {"Pibor", {"abduction", "attack", "separation", "property"}, 7, 1},   // Pibor area
    {"Akobo", {"attack", "movement", "property"}, 4, 0},                  // Akobo
    {"Leer", {"gbv", "attack", "psychological_abuse"}, 6, 1},             // Leer
    {"Mayendit", {"gbv", "movement", "property"}, 4, 0},                  // Mayendit
    {"Yei", {"attack", "property", "movement", "torture"}, 5, -1},        // Yei
    {"Morobo", {"attack", "explosive_ordnance", "property"}, 3, 0},       // Morobo
    {"Tambura", {"recruitment", "separation", "abduction"}, 3, 1},        // Tambura
    {"Tonj North", {"attack", "property", "early_marriage"}, 3, 0},       // Tonj North
    {"Raja", {"discrimination", "legal_identity", "trafficking"}, 2, 0},  // Raja
    {"Malakal", {"attack", "movement", "disinformation"}, 4, 1},          // Malakal
};

const std::map<std::string, std::string> kActs = {{"abduction", "abduction"},
                                                  {"attack", "attack_on_civilians"},
                                                  {"gbv", "sexual_violence"},
                                                  {"property", "looting_destruction"},
                                                  {"explosive_ordnance", "explosive_device"},
                                                  {"recruitment", "other"},
                                                  {"separation", "other"},
                                                  {"movement", "other"},
                                                  {"torture", "other"},
                                                  {"early_marriage", "other"},
                                                  {"discrimination", "other"},
                                                  {"legal_identity", "other"},
                                                  {"trafficking", "other"},
                                                  {"psychological_abuse", "other"},
                                                  {"disinformation", "other"}};

const std::vector<std::string> kRiskOptions = {
    "abduction",           "attack",      "separation", "early_marriage", "discrimination",
    "disinformation",      "recruitment", "gbv",        "legal_identity", "explosive_ordnance",
    "psychological_abuse", "property",    "torture",    "trafficking",    "movement"};
const std::vector<std::string> kRiskCodes = {"abd", "atk", "sep", "cefm", "dsc",
                                             "inf", "rec", "gbv", "jus",  "eo",
                                             "psy", "hlp", "tor", "tip",  "mov"};

struct Incident {
  std::string uuid, partner, date, state, county, payam, pcode;
  std::vector<std::string> risks;
  std::string act, perpetrator;
  int killed = 0, injured = 0;
  struct Victim {
    std::string sex, disability, displacement;
    int age;
  };
  std::vector<Victim> victims;
  bool consent_share = true;
};

std::string Uuid(Rng& r) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(r.g()),
                static_cast<unsigned>(r.g() & 0xffff), static_cast<unsigned>(r.g() & 0xfff),
                static_cast<unsigned>(r.g() & 0xfff),
                static_cast<unsigned long long>(r.g()) * 65536ULL % 0xffffffffffffULL);
  return buf;
}

std::vector<std::string> MonthStarts(const std::string& today, int months) {
  Date t = *ParseDate(today).date;
  std::vector<std::string> out;
  int y = t.year, m = t.month;
  for (int i = 0; i < months; ++i) {
    if (--m == 0) {
      m = 12;
      --y;
    }
    out.push_back(Date{y, m, 1}.Iso());
  }
  std::reverse(out.begin(), out.end());
  return out;
}

int DaysIn(const std::string& month_start) {
  Date d = *ParseDate(month_start).date;
  Date next = d.month == 12 ? Date{d.year + 1, 1, 1} : Date{d.year, d.month + 1, 1};
  return next.DaysSinceEpoch() - d.DaysSinceEpoch();
}

std::vector<Incident> Generate(Rng& r, const std::vector<std::string>& months,
                               const std::vector<store::AreaRow>& areas) {
  std::map<std::string, std::vector<const store::AreaRow*>> payams;  // county -> payams
  std::map<std::string, const store::AreaRow*> by_code, county_by_name;
  for (const auto& a : areas) {
    by_code[a.pcode] = &a;
    if (a.level == 3) payams[a.parent_pcode].push_back(&a);
    if (a.level == 2) county_by_name[a.name] = &a;
  }
  std::vector<Incident> out;
  for (size_t mi = 0; mi < months.size(); ++mi) {
    for (const Hotspot& hs : kHotspots) {
      if (!county_by_name.count(hs.county)) continue;
      Hotspot h = hs;
      h.county = county_by_name[hs.county]->pcode;
      if (payams[h.county].empty()) continue;
      int n = std::max(0, h.weight + h.trend * static_cast<int>(mi) + r.Int(-2, 2));
      for (int k = 0; k < n; ++k) {
        Incident inc;
        inc.uuid = Uuid(r);
        inc.partner = kPartners[static_cast<size_t>(r.Int(0, 2))];
        Date d = *ParseDate(months[mi]).date;
        inc.date = Date{d.year, d.month, r.Int(1, DaysIn(months[mi]))}.Iso();
        const store::AreaRow* payam = r.Pick(payams[h.county]);
        const store::AreaRow* county = by_code[h.county];
        inc.pcode = payam->pcode;
        inc.payam = payam->name;
        inc.county = county->name;
        inc.state = by_code[county->parent_pcode]->name;
        // The first risk of a hotspot dominates; a second risk sometimes joins.
        int pick = r.Chance(55) ? 0 : r.Int(0, static_cast<int>(h.risks.size()) - 1);
        inc.risks.push_back(h.risks[static_cast<size_t>(pick)]);
        if (r.Chance(20)) {
          const std::string& extra = r.Pick(h.risks);
          if (extra != inc.risks[0]) inc.risks.push_back(extra);
        }
        inc.act = kActs.at(inc.risks[0]);
        inc.perpetrator = r.Pick(std::vector<std::string>{"non_state_armed_group", "militia",
                                                          "state_forces", "criminal", "unknown"});
        if (inc.risks[0] == "attack") {
          inc.killed = r.Chance(40) ? r.Int(1, 6) : 0;
          inc.injured = r.Chance(50) ? r.Int(1, 8) : 0;
        }
        int nv = inc.risks[0] == "gbv" ? 1 : r.Int(1, 4);
        for (int v = 0; v < nv; ++v) {
          Incident::Victim vic;
          vic.sex = inc.risks[0] == "gbv" ? (r.Chance(92) ? "female" : "male")
                                          : (r.Chance(50) ? "female" : "male");
          vic.age = inc.risks[0] == "recruitment" || inc.risks[0] == "separation" ? r.Int(8, 17)
                                                                                  : r.Int(3, 70);
          vic.disability = r.Chance(12) ? "yes" : "no";
          vic.displacement = r.Pick(std::vector<std::string>{"idp", "idp", "host_non_displaced",
                                                             "returnee_refugee", "refugee"});
          inc.victims.push_back(vic);
        }
        inc.consent_share = !r.Chance(15);
        out.push_back(inc);
      }
    }
  }
  return out;
}

std::string Narrative(const Incident& i) {
  return "SYNTHETIC DEMO RECORD - not a real event. Monitors reported " + i.act + " affecting " +
         std::to_string(i.victims.size()) + " person(s) near " + i.payam + ".";
}

Status WriteKobo(const std::string& dir, const std::vector<Incident>& incs, DemoFile* main) {
  std::ofstream f(dir + "/kobo_incidents.csv"), v(dir + "/kobo_incidents_victims.csv");
  if (!f || !v) return Status::IOError(dir + ": cannot write the demo files");
  f << "start;end;grp_meta/partner;grp_when/incident_date;grp_where/state;grp_where/county;"
       "grp_where/payam;grp_where/payam_pcode;grp_what/risks";
  for (const auto& o : kRiskOptions) f << ";grp_what/risks/" << o;
  f << ";grp_what/act_type;grp_what/perpetrator;grp_impact/killed;grp_impact/injured;"
       "grp_consent/consent_share;grp_consent/consent_referral;narrative;_id;_uuid;"
       "_submission_time;_validation_status;_index\n";
  v << "victims/sex;victims/age;victims/disability;victims/displacement;_index;_parent_index;"
       "_parent_table_name;_submission__uuid\n";
  int index = 0, vindex = 0;
  for (const Incident& i : incs) {
    ++index;
    std::string risks;
    for (const auto& r : i.risks) risks += (risks.empty() ? "" : " ") + r;
    f << i.date << "T08:00:00;" << i.date << "T08:30:00;" << i.partner << ';' << i.date << ';'
      << i.state << ';' << i.county << ';' << i.payam << ';' << i.pcode << ';' << risks;
    for (const auto& o : kRiskOptions)
      f << ';' << (std::find(i.risks.begin(), i.risks.end(), o) != i.risks.end() ? 1 : 0);
    f << ';' << i.act << ';' << i.perpetrator << ';' << i.killed << ';' << i.injured << ';'
      << (i.consent_share ? "yes" : "no") << ";yes;\"" << Narrative(i) << "\";" << 100000 + index
      << ';' << i.uuid << ';' << i.date << "T09:00:00;validation_status_approved;" << index << '\n';
    for (const auto& vic : i.victims) {
      v << vic.sex << ';' << vic.age << ';' << vic.disability << ';' << vic.displacement << ';'
        << ++vindex << ';' << index << ";protection_incident;" << i.uuid << '\n';
    }
  }
  main->path = dir + "/kobo_incidents.csv";
  main->profile = "kobo-incident";
  main->repeats = {"victims=" + dir + "/kobo_incidents_victims.csv"};
  return Status::Ok();
}

Status WriteOdk(const std::string& dir, const std::vector<Incident>& incs, DemoFile* main) {
  std::ofstream f(dir + "/odk_incidents.csv"), v(dir + "/odk_incidents-victims.csv");
  if (!f || !v) return Status::IOError(dir + ": cannot write the demo files");
  f << "SubmissionDate,meta-instanceID,partner,incident-incident_date,location-county,"
       "location-payam_pcode,details-risks";
  for (const auto& o : kRiskOptions) f << ",details-risks/" << o;
  f << ",details-act_type,details-perpetrator,impact-killed,impact-injured,consent-consent_share,"
       "narrative,KEY,SubmitterID,SubmitterName,Status,ReviewState\n";
  v << "victims-sex,victims-age,victims-disability,victims-displacement,PARENT_KEY,KEY\n";
  for (const Incident& i : incs) {
    std::string key = "uuid:" + i.uuid;
    std::string risks;
    for (const auto& r : i.risks) risks += (risks.empty() ? "" : " ") + r;
    f << i.date << "T10:00:00.000Z," << key << ",DEMO-DELTA," << i.date << ',' << i.county << ','
      << i.pcode << ',' << risks;
    for (const auto& o : kRiskOptions)
      f << ',' << (std::find(i.risks.begin(), i.risks.end(), o) != i.risks.end() ? 1 : 0);
    f << ',' << i.act << ',' << i.perpetrator << ',' << i.killed << ',' << i.injured << ','
      << (i.consent_share ? "yes" : "no") << ",\"" << Narrative(i) << "\"," << key
      << ",7,demo-monitor,,approved\n";
    int n = 0;
    for (const auto& vic : i.victims) {
      v << vic.sex << ',' << vic.age << ',' << vic.disability << ',' << vic.displacement << ','
        << key << ',' << key << "/victims[" << ++n << "]\n";
    }
  }
  main->path = dir + "/odk_incidents.csv";
  main->profile = "odk-incident";
  main->repeats = {"victims=" + dir + "/odk_incidents-victims.csv"};
  return Status::Ok();
}

// A community network's HXL sheet, with two deliberately bad rows so that the demo shows the
// quarantine: an unknown P-code and an impossible date.
Status WriteHxl(const std::string& dir, const std::vector<Incident>& incs, DemoFile* main) {
  std::ofstream f(dir + "/community_network_hxl.csv");
  if (!f) return Status::IOError(dir + ": cannot write the demo files");
  f << "Report ID,Date,State,County P-code,Payam P-code,Risk,Killed,Injured,People affected,"
       "Reporting organisation,Description\n"
       "#meta+id,#date+occurred,#adm1+name,#adm2+code,#adm3+code,#indicator+risk,"
       "#affected+killed,#affected+injured,#affected+total,#org+code,#description\n";
  int n = 0;
  auto risk_code = [](const std::string& option) {
    auto it = std::find(kRiskOptions.begin(), kRiskOptions.end(), option);
    std::string c = kRiskCodes[static_cast<size_t>(it - kRiskOptions.begin())];
    for (auto& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return c;
  };
  for (const Incident& i : incs) {
    f << "CN-" << ++n << ',' << i.date << ',' << i.state << ',' << i.pcode.substr(0, 6) << ','
      << i.pcode << ',' << risk_code(i.risks[0]) << ',' << i.killed << ',' << i.injured << ','
      << i.victims.size() << ",DEMO-DELTA,\"" << Narrative(i) << "\"\n";
  }
  f << "CN-" << ++n
    << ",2026-03-14,Jonglei,SS0399,SS039901,ATK,0,1,1,DEMO-DELTA,"
       "\"SYNTHETIC DEMO RECORD with a P-code that does not exist\"\n";
  f << "CN-" << ++n
    << ",2026-02-30,Unity,SS0502,SS050201,GBV,0,0,1,DEMO-DELTA,"
       "\"SYNTHETIC DEMO RECORD with an impossible date\"\n";
  // Reports the network locates only by state, as it writes it ("Jonglei State"): placed on the
  // state, they show in the analysis's "not further located" lines below state level.
  std::string last;
  for (const Incident& i : incs) last = std::max(last, i.date);
  if (!last.empty()) {
    const std::string month = last.substr(0, 8);
    f << "CN-" << ++n << ',' << month
      << "03,Jonglei State,,,ATK,2,1,3,DEMO-DELTA,\"SYNTHETIC DEMO RECORD located by state "
         "only\"\n";
    f << "CN-" << ++n << ',' << month
      << "09,Upper Nile State,,,MOV,0,0,6,DEMO-DELTA,\"SYNTHETIC DEMO RECORD located by state "
         "only\"\n";
    f << "CN-" << ++n << ',' << month
      << "11,Jonglei State,,,ABD,0,0,2,DEMO-DELTA,\"SYNTHETIC DEMO RECORD located by state "
         "only\"\n";
  }
  main->path = dir + "/community_network_hxl.csv";
  main->profile = "hxl-incident";
  return Status::Ok();
}

Status WriteMonitoring(const std::string& dir, Rng& r, const std::vector<std::string>& months,
                       const std::vector<store::AreaRow>& areas, DemoFile* main) {
  std::ofstream f(dir + "/kobo_ki_monitoring.csv");
  if (!f) return Status::IOError(dir + ": cannot write the demo files");
  f << "grp_meta/partner;reporting_month;grp_area/payam_pcode";
  for (const auto& c : kRiskCodes) f << ";risks_present/" << c;
  for (const auto& c : kRiskCodes) f << ";severity_" << c;
  f << ";_uuid;_submission_time\n";
  std::map<std::string, std::string> county_code;
  for (const auto& a : areas)
    if (a.level == 2) county_code[a.name] = a.pcode;
  std::map<std::string, std::vector<std::string>> hot;  // county P-code -> risk codes
  for (const Hotspot& h : kHotspots)
    for (const auto& o : h.risks) {
      auto it = std::find(kRiskOptions.begin(), kRiskOptions.end(), o);
      hot[county_code[h.county]].push_back(
          kRiskCodes[static_cast<size_t>(it - kRiskOptions.begin())]);
    }
  for (const std::string& m : months) {
    for (const auto& a : areas) {
      if (a.level != 3 || !hot.count(a.parent_pcode) || !r.Chance(60)) continue;
      const auto& risks = hot[a.parent_pcode];
      f << kPartners[static_cast<size_t>(r.Int(0, 2))] << ';' << m << ';' << a.pcode;
      std::vector<int> present;
      for (const auto& c : kRiskCodes) {
        bool p =
            std::find(risks.begin(), risks.end(), c) != risks.end() ? r.Chance(80) : r.Chance(8);
        present.push_back(p ? 1 : 0);
        f << ';' << (p ? 1 : 0);
      }
      for (size_t k = 0; k < kRiskCodes.size(); ++k) {
        f << ';';
        if (present[k]) f << r.Int(2, 5);
      }
      f << ';' << Uuid(r) << ';' << m << "T12:00:00\n";
    }
  }
  main->path = dir + "/kobo_ki_monitoring.csv";
  main->profile = "kobo-monitoring";
  return Status::Ok();
}

}  // namespace

Result<std::vector<DemoFile>> WriteDemoFiles(const DemoOptions& opts,
                                             const std::vector<store::AreaRow>& areas) {
  std::error_code ec;
  std::filesystem::create_directories(opts.dir, ec);
  if (ec) return Status::IOError(opts.dir + ": cannot create (" + ec.message() + ")");
  Rng r(opts.seed);
  std::vector<std::string> months = MonthStarts(opts.today, opts.months);
  std::vector<Incident> all = Generate(r, months, areas);
  if (all.empty())
    return Status::InvalidArgument("no South Sudan payams loaded: the demo needs data/geo/ssd");
  // Three partners use the Kobo form, one uses ODK, the community network sends HXL.
  std::vector<Incident> kobo, odk, hxl;
  for (size_t i = 0; i < all.size(); ++i)
    (i % 5 < 3 ? kobo : i % 5 == 3 ? odk : hxl).push_back(all[i]);
  std::vector<DemoFile> files(4);
  AEGIS_RETURN_IF_ERROR(WriteKobo(opts.dir, kobo, &files[0]));
  AEGIS_RETURN_IF_ERROR(WriteOdk(opts.dir, odk, &files[1]));
  AEGIS_RETURN_IF_ERROR(WriteHxl(opts.dir, hxl, &files[2]));
  AEGIS_RETURN_IF_ERROR(WriteMonitoring(opts.dir, r, months, areas, &files[3]));
  return files;
}

std::vector<store::Population> DemoPopulation(const std::vector<store::AreaRow>& areas,
                                              unsigned seed, int year) {
  Rng r(seed + 1);
  std::vector<store::Population> out;
  for (const auto& a : areas) {
    if (a.level != 2) continue;
    int64_t total = r.Int(40, 400) * 1000LL;
    int64_t female = total * r.Int(49, 54) / 100;
    out.push_back({a.pcode, year, total, female, total - female,
                   "SYNTHETIC demo figures (not real population)"});
  }
  return out;
}

Result<std::vector<ingest::ImportSummary>> ImportDemoFiles(store::Store& store,
                                                           const ingest::Catalog& catalog,
                                                           const std::vector<DemoFile>& files) {
  std::vector<ingest::ImportSummary> out;
  for (const DemoFile& f : files) {
    ingest::ImportOptions io;
    io.file = f.path;
    io.profile = f.profile;
    for (const auto& r : f.repeats) {
      size_t eq = r.find('=');
      io.repeat_files[r.substr(0, eq)] = r.substr(eq + 1);
    }
    AEGIS_ASSIGN_OR_RETURN(ingest::ImportSummary sum, ingest::RunImport(store, catalog, io));
    out.push_back(std::move(sum));
  }
  return out;
}

}  // namespace aegis::cli
