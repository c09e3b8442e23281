// aegis message ...: life-saving messages from the operator's side. The SMS cost of a text
// (segments), the messages with their status and what they cost, a radio script, the emergency
// withdrawal of a message, and contacts: counts by area and the import of a list of people who
// opted in. Drafting, approval and sending are people's acts, in the web application or the API,
// where the authorization kernel knows who acts (doc/messaging.md). No command prints a phone
// number.
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "alert/routing.h"
#include "alert/service.h"
#include "cli/cli_internal.h"
#include "ingest/csv_reader.h"
#include "messaging/messaging.h"
#include "util/text.h"

namespace aegis::cli {

namespace {

struct MessageArgs {
  std::string text, status, keys, lang, out, file, org, via = "import", area, routing, reason;
  int64_t id = 0;
};

// The operation's messaging settings: iso-codes and the routing file's [messages] table.
Result<messaging::Settings> SettingsOf(const GlobalOptions& g, const std::string& routing) {
  std::string path = routing.empty() ? Env("AEGIS_ALERT_ROUTING") : routing;
  if (path.empty()) path = g.data_dir + "/alerts/routing.toml";
  AEGIS_ASSIGN_OR_RETURN(auto config, alert::RoutingConfig::Load(path, RoutingFromEnvironment()));
  AEGIS_ASSIGN_OR_RETURN(messaging::Languages langs, messaging::Languages::Load());
  messaging::Settings st;
  st.languages = std::make_shared<messaging::Languages>(std::move(langs));
  st.primary_language = config.primary_language();
  st.region = config.phone_region();
  return st;
}

Status Segments(const MessageArgs& a) {
  messaging::Segments s = messaging::CountSegments(a.text);
  std::printf("%s, %d %s, %d SMS segment(s)\n", s.ucs2 ? "UCS-2" : "GSM-7", s.units,
              s.ucs2 ? "UTF-16 units" : "septets", s.segments);
  if (s.ucs2 && s.non_gsm.size() < 5)
    std::printf("UCS-2 because of: %s (replace them to send as GSM-7, 160 per message)\n",
                text::Join(s.non_gsm, " ").c_str());
  else if (s.ucs2)
    std::printf("UCS-2: the text's script is outside GSM-7 (70 per message, 67 per part)\n");
  return Status::Ok();
}

Status List(const GlobalOptions& g, const MessageArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  store::MessageQuery q;
  q.status = a.status;
  q.limit = 1000;
  AEGIS_ASSIGN_OR_RETURN(auto rows, st->ListMessages(q));
  std::printf("%-6s %-10s %-8s %-24s %-20s %s\n", "id", "status", "alert", "areas", "languages",
              "title");
  for (const auto& m : rows) {
    std::vector<std::string> langs;
    for (const auto& [lang, t] : m.translations) langs.push_back(lang);
    std::printf("%-6lld %-10s %-8s %-24s %-20s %s\n", static_cast<long long>(m.id),
                m.status.c_str(), m.alert_id ? std::to_string(m.alert_id).c_str() : "-",
                text::Join(m.areas, ",").substr(0, 24).c_str(), text::Join(langs, ",").c_str(),
                m.title.c_str());
  }
  std::printf("%zu message(s)\n", rows.size());
  return AuditCommand(g, a.keys, *st, "message.list", "message", "", std::to_string(rows.size()));
}

Status Show(const GlobalOptions& g, const MessageArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(auto m, st->GetMessage(a.id));
  if (!m) return Status::NotFound("no message " + std::to_string(a.id));
  AEGIS_ASSIGN_OR_RETURN(messaging::Settings settings, SettingsOf(g, a.routing));
  std::printf("message %lld: %s, %s; areas %s; channels %s\n", static_cast<long long>(m->id),
              m->title.c_str(), m->status.c_str(), text::Join(m->areas, ", ").c_str(),
              text::Join(m->channels, ", ").c_str());
  for (const auto& [lang, t] : m->translations) {
    messaging::Segments s = messaging::CountSegments(t);
    std::printf("  [%s%s] %d SMS segment(s), %s: %s\n", lang.c_str(),
                lang == m->base_language ? ", base" : "", s.segments, s.ucs2 ? "UCS-2" : "GSM-7",
                t.c_str());
  }
  AEGIS_ASSIGN_OR_RETURN(messaging::Cost cost, messaging::CostOf(*st, *m, settings));
  for (const auto& l : cost.lines)
    std::printf("  %s in %s: %lld contact(s)%s\n", l.channel.c_str(), l.language.c_str(),
                static_cast<long long>(l.contacts),
                l.channel == "sms" ? (" x " + std::to_string(l.segments_each) + " = " +
                                      std::to_string(l.segments) + " segment(s)")
                                         .c_str()
                                   : "");
  std::printf("  reaches %lld contact(s), %lld SMS segment(s) in all\n",
              static_cast<long long>(cost.contacts), static_cast<long long>(cost.sms_segments));
  AEGIS_ASSIGN_OR_RETURN(store::SendCounts c, st->MessageSendCounts(a.id));
  std::printf("  sends: %lld queued, %lld wired, %lld delivered, %lld failed, %lld cancelled\n",
              static_cast<long long>(c.queued), static_cast<long long>(c.wired),
              static_cast<long long>(c.delivered), static_cast<long long>(c.failed),
              static_cast<long long>(c.cancelled));
  return AuditCommand(g, a.keys, *st, "message.read", "message", std::to_string(a.id), "");
}

Status Script(const GlobalOptions& g, const MessageArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(auto m, st->GetMessage(a.id));
  if (!m) return Status::NotFound("no message " + std::to_string(a.id));
  if (m->status == "draft" || m->status == "withdrawn")
    return Status::FailedPrecondition("message " + std::to_string(a.id) + " is " + m->status +
                                      ": only an approved message is read on the radio");
  AEGIS_ASSIGN_OR_RETURN(messaging::Settings settings, SettingsOf(g, a.routing));
  const std::string script = messaging::RadioScript(*m, a.lang, settings);
  if (a.out.empty()) {
    std::fputs(script.c_str(), stdout);
  } else {
    std::ofstream f(a.out, std::ios::binary);
    f << script;
    if (!f) return Status::IOError(a.out + ": cannot write the script");
    std::printf("wrote %s\n", a.out.c_str());
  }
  return AuditCommand(g, a.keys, *st, "message.script", "message", std::to_string(a.id), "");
}

Status Withdraw(const GlobalOptions& g, const MessageArgs& a) {
  if (text::Trim(a.reason).size() < 5)
    return Status::InvalidArgument("--reason: say why it is withdrawn (at least 5 characters)");
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(bool done, st->WithdrawMessage(a.id, a.reason, alert::NowMs()));
  if (!done)
    return Status::FailedPrecondition("message " + std::to_string(a.id) +
                                      " is not a draft, approved or sending: nothing to withdraw");
  AEGIS_ASSIGN_OR_RETURN(store::SendCounts c, st->MessageSendCounts(a.id));
  std::printf(
      "message %lld withdrawn; %lld send(s) cancelled, %lld already handed to the gateway\n",
      static_cast<long long>(a.id), static_cast<long long>(c.cancelled),
      static_cast<long long>(c.wired) + static_cast<long long>(c.delivered) +
          static_cast<long long>(c.failed));
  return AuditCommand(g, a.keys, *st, "message.withdraw", "message", std::to_string(a.id), "");
}

Status Counts(const GlobalOptions& g, const MessageArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(auto counts, st->ContactCounts(a.area));
  std::printf("contacts%s%s:", a.area.empty() ? "" : " in ", a.area.c_str());
  for (const auto& [status, n] : counts)
    std::printf(" %s %lld", status.c_str(), static_cast<long long>(n));
  std::printf("\n");
  return AuditCommand(g, a.keys, *st, "contact.counts", "contact", "", a.area);
}

// A CSV of people who opted in: phone, language, areas (P-codes separated by spaces or
// semicolons), and optionally channels, email, opted_in_date. Every row is checked; a rejected
// row is reported with its number, column and reason (never its value) and listed in
// FILE.rejected.csv (row, column, reason), so the list can be mended and imported again (a
// number already registered is updated, never doubled).
Status Import(const GlobalOptions& g, const MessageArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(messaging::Settings settings, SettingsOf(g, a.routing));
  AEGIS_ASSIGN_OR_RETURN(security::Keyring keys, LoadOrCreateKeys(KeyFile(g, a.keys)));
  AEGIS_ASSIGN_OR_RETURN(auto orgs, st->ListOrganisations());
  std::optional<int64_t> org;
  for (const auto& o : orgs)
    if (o.code == a.org) org = o.id;
  if (!org)
    return Status::NotFound("--org " + a.org +
                            ": no such organisation (contacts belong to the organisation that "
                            "registered them)");
  AEGIS_ASSIGN_OR_RETURN(auto reader, ingest::OpenCsv(a.file, 0));
  std::vector<std::vector<std::string>> rows;
  for (ingest::Row row; reader->Next(&row);) rows.push_back(row);
  AEGIS_RETURN_IF_ERROR(reader->status());
  if (rows.empty()) return Status::InvalidArgument(a.file + ": empty; expected a header row");
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < rows[0].size(); ++i) col[text::ToLowerAscii(text::Trim(rows[0][i]))] = i;
  for (const char* need : {"phone", "language", "areas"})
    if (!col.count(need))
      return Status::InvalidArgument(a.file + ": no '" + std::string(need) +
                                     "' column; the header needs phone, language, areas (and "
                                     "may have channels, email, opted_in_date)");
  AEGIS_ASSIGN_OR_RETURN(auto areas, st->LoadAreas());
  std::set<std::string> known;
  for (const auto& r : areas) known.insert(r.pcode);
  auto area_known = [&](const std::string& p) { return known.count(p) > 0; };
  auto cell = [&](const std::vector<std::string>& row, const char* name) {
    auto it = col.find(name);
    return it == col.end() || it->second >= row.size() ? std::string()
                                                       : std::string(text::Trim(row[it->second]));
  };
  int64_t added = 0, updated = 0, still_out = 0;
  std::string rejected = "row,column,reason\n";
  int64_t rejected_n = 0;
  const int64_t now = alert::NowMs();
  for (size_t r = 1; r < rows.size(); ++r) {
    messaging::ContactInput in;
    in.phone = cell(rows[r], "phone");
    in.language = cell(rows[r], "language");
    in.areas = text::SplitAny(cell(rows[r], "areas"), " ;,");
    in.channels = text::SplitAny(cell(rows[r], "channels"), " ;,");
    in.email = cell(rows[r], "email");
    in.opted_in_date = cell(rows[r], "opted_in_date");
    in.opted_in_via = a.via;
    in.organisation_id = *org;
    Result<store::Contact> c = messaging::PrepareContact(keys, settings, area_known, in, now);
    Result<std::pair<int64_t, bool>> put =
        c.ok() ? st->PutContact(*c) : Result<std::pair<int64_t, bool>>(c.status());
    if (!put.ok()) {
      const std::string& why = put.status().message();
      const std::string column = why.substr(0, why.find(':'));
      std::fprintf(stderr, "%s:%zu: column %s: %s\n", a.file.c_str(), r + 1, column.c_str(),
                   why.c_str());
      rejected += std::to_string(r + 1) + "," + column + ",\"" + why + "\"\n";
      ++rejected_n;
      continue;
    }
    (put->second ? added : updated) += 1;
    if (!put->second) {
      AEGIS_ASSIGN_OR_RETURN(auto now_c, st->GetContact(put->first));
      if (now_c && now_c->status == "stopped") ++still_out;
    }
  }
  if (rejected_n > 0) {
    std::ofstream f(a.file + ".rejected.csv", std::ios::binary);
    f << rejected;
  }
  std::printf(
      "%s: %zu row(s): %lld contact(s) added, %lld updated (%lld of them opted out earlier and "
      "stay out), %lld rejected%s\n",
      a.file.c_str(), rows.size() - 1, static_cast<long long>(added),
      static_cast<long long>(updated), static_cast<long long>(still_out),
      static_cast<long long>(rejected_n),
      rejected_n ? (" (rows and reasons in " + a.file + ".rejected.csv)").c_str() : "");
  AEGIS_RETURN_IF_ERROR(AuditCommand(g, a.keys, *st, "contact.import", "contact", "",
                                     std::to_string(added + updated)));
  return rejected_n > 0 && added + updated == 0
             ? Status::InvalidArgument("no row of " + a.file + " was imported")
             : Status::Ok();
}

}  // namespace

void AddMessageCommands(CLI::App& app, GlobalOptions& g) {
  static MessageArgs a;
  auto* s = app.add_subcommand("message",
                               "Life-saving messages to communities: cost, status, "
                               "radio scripts, contacts");
  s->require_subcommand(1);
  s->footer(
      "Messages are drafted, approved by a second person and sent in the web application or the\n"
      "API (doc/messaging.md), where the authorization kernel knows who acts. Here the operator\n"
      "sees what a text costs, follows messages, prints radio scripts, withdraws a message in an\n"
      "emergency, and imports lists of people who opted in. No command prints a phone number.\n"
      "Examples:\n"
      "  aegis message segments \"Avoid the river road after dark\"\n"
      "  aegis message list --status sending\n"
      "  aegis message show 4\n"
      "  aegis message script 4 --lang ara --out radio-4.txt\n"
      "  aegis message withdraw 4 --reason \"the road was cleared\"\n"
      "  aegis message contacts import opted-in.csv --org ORG-A\n"
      "  aegis message contacts counts --area SS0101");
  auto* seg = s->add_subcommand("segments", "SMS segments of a text (GSM-7 or UCS-2)");
  seg->add_option("text", a.text, "The text")->required();
  seg->callback([] { Run([] { return Segments(a); }); });
  auto* ls = s->add_subcommand("list", "Messages, newest first");
  ls->add_option("--status", a.status, "draft, approved, sending, sent or withdrawn");
  ls->callback([&g] { Run([&] { return List(g, a); }); });
  auto* sh = s->add_subcommand("show", "A message: texts, segments, reach, sends");
  sh->add_option("id", a.id, "The message's id")->required();
  sh->callback([&g] { Run([&] { return Show(g, a); }); });
  auto* sc = s->add_subcommand("script", "A radio script of an approved message");
  sc->add_option("id", a.id, "The message's id")->required();
  sc->add_option("--lang", a.lang, "ISO 639-3 language (the fallback applies)");
  sc->add_option("--out", a.out, "Write it to this file (default: stdout)");
  sc->callback([&g] { Run([&] { return Script(g, a); }); });
  auto* wd = s->add_subcommand("withdraw", "Withdraw a message: its sends not yet wired stop");
  wd->add_option("id", a.id, "The message's id")->required();
  wd->add_option("--reason", a.reason, "Why (kept with the message)")->required();
  wd->callback([&g] { Run([&] { return Withdraw(g, a); }); });
  auto* ct = s->add_subcommand("contacts", "People who opted in: counts and imports");
  ct->require_subcommand(1);
  auto* co = ct->add_subcommand("counts", "Contacts by status (active, stopped, blocked)");
  co->add_option("--area", a.area, "In this area and below");
  co->callback([&g] { Run([&] { return Counts(g, a); }); });
  auto* im = ct->add_subcommand(
      "import",
      "Import a CSV of people who opted in (phone, language, areas[, channels, email, "
      "opted_in_date])");
  im->add_option("file", a.file, "The CSV file")->required()->check(CLI::ExistingFile);
  im->add_option("--org", a.org, "The organisation that registered them")->required();
  im->add_option("--via", a.via,
                 "How they opted in: structure, field, import (default) or entered");
  im->callback([&g] { Run([&] { return Import(g, a); }); });
  for (auto* sub : {ls, sh, sc, wd, co, im})
    sub->add_option("--keys", a.keys, "Key file (default: <store>.keys)");
  for (auto* sub : {sh, sc, im})
    sub->add_option("--routing", a.routing,
                    "Routing file with the [messages] table (default $AEGIS_ALERT_ROUTING, else "
                    "data/alerts/routing.toml)");
}

}  // namespace aegis::cli
