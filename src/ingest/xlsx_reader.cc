#include "ingest/xlsx_reader.h"

#include <expat.h>
#include <minizip/unzip.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <system_error>
#include <utility>

#include "util/date.h"
#include "util/text.h"

namespace aegis::ingest {

namespace {

// Memory bounds. A workbook is a zip archive: deflate packs repeated bytes about 1000:1, so a
// 1 MB file can expand to a gigabyte of XML. Whatever a file holds, a reader keeps at most
// about 200 MB: the shared strings (128 MiB, with a per-string overhead counted), one row
// (32 MiB), one XML token not yet parsed (4 MiB) and a part other than a sheet or the shared
// strings (16 MiB of XML). Real workbooks are far below: a cell holds at most 32,767 characters.
constexpr int kChunk = 64 << 10;                      // bytes of XML handed to expat at a time
constexpr int kMaxColumns = 16384;                    // Excel's last column, XFD
constexpr int64_t kMaxRows = 1048576;                 // Excel's last row
constexpr size_t kMaxRowBytes = 32u << 20;            // text in one row
constexpr size_t kMaxSharedStringBytes = 128u << 20;  // the shared-string table, in memory
constexpr size_t kSharedStringOverhead = 48;          // a std::string in a deque, and its block
constexpr int64_t kMaxTokenBytes = 4 << 20;           // XML read without a complete token
constexpr int64_t kMaxSmallPartBytes = 16 << 20;      // workbook, relationships, styles

// The reason a reader refuses a file whose content would exceed a memory bound.
std::string TooLarge(const std::string& path, const std::string& what) {
  return path + ": " + what +
         ", more than Aegis reads (it bounds the memory an import uses; a spreadsheet program "
         "writes at most 32,767 characters in a cell). Check where the file comes from; to "
         "import it, save its sheet as CSV";
}

constexpr char kResave[] = "open it in a spreadsheet program and save it again as .xlsx";

Status NotXlsx(const std::string& path, const std::string& what) {
  return Status::InvalidArgument(path + ": not a valid XLSX file (" + what + "); " + kResave);
}

Status Damaged(const std::string& path, const std::string& what) {
  return Status::Corruption(path + ": the file is damaged (" + what +
                            "); it may be truncated: download or copy it again, or " + kResave);
}

// "x:id" -> "id"; expat runs without namespace processing, so prefixes are whatever the writer
// chose ("r:id", "relationships:id") and only the local part is meaningful here.
std::string_view LocalName(const char* name) {
  const char* colon = std::strrchr(name, ':');
  return colon ? std::string_view(colon + 1) : std::string_view(name);
}

const char* Attr(const char** attrs, std::string_view local) {
  for (int i = 0; attrs[i]; i += 2)
    if (LocalName(attrs[i]) == local) return attrs[i + 1];
  return nullptr;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

template <typename T>
bool ParseWhole(std::string_view s, T* out) {
  s = text::Trim(s);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// ---------------------------------------------------------------------------------------------
// Zip archive access (minizip).

class Zip {
 public:
  static Result<std::unique_ptr<Zip>> Open(const std::string& path);
  ~Zip() {
    if (entry_open_) unzCloseCurrentFile(file_);
    unzClose(file_);
  }
  Zip(const Zip&) = delete;
  Zip& operator=(const Zip&) = delete;

  const std::string& path() const { return path_; }
  bool Has(const std::string& entry) { return unzLocateFile(file_, entry.c_str(), 2) == UNZ_OK; }
  // Opens `entry` for Read(); *size is its uncompressed size.
  Status OpenEntry(const std::string& entry, int64_t* size);
  // Reads up to n bytes of the open entry: the count, 0 at its end, or < 0 on damaged data.
  int Read(void* buf, int n) { return unzReadCurrentFile(file_, buf, static_cast<unsigned>(n)); }
  // Closes the open entry; fails if its checksum does not match (damaged data).
  Status CloseEntry();

 private:
  Zip(std::string path, unzFile f) : path_(std::move(path)), file_(f) {}
  std::string path_;
  unzFile file_;
  std::string entry_;
  bool entry_open_ = false;
};

Result<std::unique_ptr<Zip>> Zip::Open(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::NotFound(path + ": cannot open (" + ec.message() + "); check the path");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::IOError(path + ": cannot open for reading; check its permissions");
  unsigned char magic[4] = {0, 0, 0, 0};
  size_t got = std::fread(magic, 1, 4, f);
  std::fclose(f);
  if (size == 0) return NotXlsx(path, "the file is empty");
  if (got == 4 && magic[0] == 0xD0 && magic[1] == 0xCF && magic[2] == 0x11 && magic[3] == 0xE0) {
    return Status::Unsupported(path +
                               ": this is an old-format (.xls) or password-protected Excel "
                               "workbook; remove the password and save it as .xlsx or CSV");
  }
  unzFile z = unzOpen64(path.c_str());
  if (!z) return NotXlsx(path, "zip directory not found");
  return std::unique_ptr<Zip>(new Zip(path, z));
}

Status Zip::OpenEntry(const std::string& entry, int64_t* size) {
  if (entry_open_) AEGIS_RETURN_IF_ERROR(CloseEntry());
  if (unzLocateFile(file_, entry.c_str(), 2) != UNZ_OK)
    return NotXlsx(path_, "part " + entry + " is missing");
  unz_file_info64 info;
  if (unzGetCurrentFileInfo64(file_, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK)
    return Damaged(path_, "unreadable zip entry for " + entry);
  if (info.flag & 1) {
    return Status::Unsupported(path_ + ": part " + entry +
                               " is encrypted; remove the password and save it again as .xlsx");
  }
  int rc = unzOpenCurrentFile(file_);
  if (rc != UNZ_OK) {
    return rc == UNZ_BADZIPFILE && info.compression_method != 0 && info.compression_method != 8
               ? NotXlsx(path_, "part " + entry + " uses an unsupported compression method")
               : Damaged(path_, "cannot open part " + entry);
  }
  entry_ = entry;
  entry_open_ = true;
  *size = static_cast<int64_t>(info.uncompressed_size);
  return Status::Ok();
}

Status Zip::CloseEntry() {
  entry_open_ = false;
  int rc = unzCloseCurrentFile(file_);
  if (rc == UNZ_CRCERROR) return Damaged(path_, "checksum mismatch in " + entry_);
  if (rc != UNZ_OK) return Damaged(path_, "cannot read " + entry_);
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Expat, with element and attribute names reduced to their local part.

class XmlParser;

class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void OnStart(std::string_view name, const char** attrs) = 0;
  virtual void OnEnd(std::string_view name) {}
  virtual void OnText(std::string_view text) {}

 protected:
  XmlParser* parser_ = nullptr;  // set by the XmlParser bound to this handler
  friend class XmlParser;
};

class XmlParser {
 public:
  explicit XmlParser(XmlHandler* h) : handler_(h), p_(XML_ParserCreate(nullptr)) {
    h->parser_ = this;
    if (!p_) return;
    XML_SetUserData(p_, this);
    XML_SetElementHandler(p_, OnStart, OnEnd);
    XML_SetCharacterDataHandler(p_, OnText);
    XML_SetStartDoctypeDeclHandler(p_, OnDoctype);
  }
  ~XmlParser() {
    if (p_) XML_ParserFree(p_);
  }
  XmlParser(const XmlParser&) = delete;
  XmlParser& operator=(const XmlParser&) = delete;

  bool ok() const { return p_ != nullptr; }
  // Reads up to kChunk bytes from `zip` straight into expat's buffer and parses them; the last
  // call (zip at its end) finishes the document. Returns the expat status; *n gets the byte count.
  XML_Status ParseFrom(Zip* zip, int* n) {
    // A token (a tag with its attributes) that is not complete after kMaxTokenBytes: expat
    // would keep all of it in its buffer (and scan it again with every chunk).
    if (unparsed_ > kMaxTokenBytes) {
      FailTooLarge("an XML tag longer than 4 MiB");
      return XML_STATUS_ERROR;
    }
    if (max_bytes_ > 0 && fed_ > max_bytes_) {
      FailTooLarge("more than " + std::to_string(max_bytes_ >> 20) + " MiB of XML in one part");
      return XML_STATUS_ERROR;
    }
    void* buf = XML_GetBuffer(p_, kChunk);
    if (!buf) return Fail("out of memory"), XML_STATUS_ERROR;
    *n = zip->Read(buf, kChunk);
    if (*n < 0) return Fail("compressed data error"), XML_STATUS_ERROR;
    fed_ += *n;
    unparsed_ += *n;
    return XML_ParseBuffer(p_, *n, *n == 0);
  }
  // Bounds the XML bytes of the part (0 = none; a sheet is streamed).
  void LimitBytes(int64_t max) { max_bytes_ = max; }
  XML_Status Resume() { return XML_ResumeParser(p_); }
  // From a handler: stop with an error / pause after the current event.
  void Fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    XML_StopParser(p_, XML_FALSE);
  }
  void Suspend() { XML_StopParser(p_, XML_TRUE); }
  // Stops because the content would exceed a memory bound: `what` says which.
  void FailTooLarge(std::string what) {
    too_large_ = true;
    Fail(std::move(what));
  }
  bool too_large() const { return too_large_; }
  std::string Error() const {
    if (!error_.empty()) return error_;
    return std::string("XML error: ") + XML_ErrorString(XML_GetErrorCode(p_)) + " at line " +
           std::to_string(XML_GetCurrentLineNumber(p_)) + ", column " +
           std::to_string(XML_GetCurrentColumnNumber(p_));
  }

 private:
  // Every event means expat has consumed the input up to it.
  static void OnStart(void* self, const char* name, const char** attrs) {
    static_cast<XmlParser*>(self)->unparsed_ = 0;
    static_cast<XmlParser*>(self)->handler_->OnStart(LocalName(name), attrs);
  }
  static void OnEnd(void* self, const char* name) {
    static_cast<XmlParser*>(self)->unparsed_ = 0;
    static_cast<XmlParser*>(self)->handler_->OnEnd(LocalName(name));
  }
  static void OnText(void* self, const char* s, int len) {
    static_cast<XmlParser*>(self)->unparsed_ = 0;
    static_cast<XmlParser*>(self)->handler_->OnText(std::string_view(s, len));
  }
  static void OnDoctype(void* self, const char*, const char*, const char*, int) {
    static_cast<XmlParser*>(self)->Fail("a DTD, which XLSX files never contain");
  }

  XmlHandler* handler_;
  XML_Parser p_;
  std::string error_;
  bool too_large_ = false;
  int64_t fed_ = 0, max_bytes_ = 0;
  int64_t unparsed_ = 0;  // bytes fed since the last event
};

// Parses a whole part of the archive with `h`, reading at most `max_bytes` of XML (0 = no
// bound: the handler bounds what it keeps).
Status ParsePart(Zip* zip, const std::string& entry, XmlHandler* h,
                 int64_t max_bytes = kMaxSmallPartBytes) {
  int64_t size = 0;
  AEGIS_RETURN_IF_ERROR(zip->OpenEntry(entry, &size));
  XmlParser parser(h);
  if (!parser.ok()) return Status::Internal(zip->path() + ": out of memory");
  parser.LimitBytes(max_bytes);
  for (int n = 1; n > 0;) {
    if (parser.ParseFrom(zip, &n) != XML_STATUS_OK) {
      static_cast<void>(zip->CloseEntry());  // the parse error is the one to report
      if (parser.too_large())
        return Status::InvalidArgument(TooLarge(zip->path(), entry + ": " + parser.Error()));
      return Damaged(zip->path(), entry + ": " + parser.Error());
    }
  }
  return zip->CloseEntry();
}

// ---------------------------------------------------------------------------------------------
// Workbook structure: relationships, sheet list, styles, shared strings.

struct Relationship {
  std::string id, type, target;
};

class RelsHandler : public XmlHandler {
 public:
  std::vector<Relationship> rels;
  void OnStart(std::string_view name, const char** a) override {
    if (name != "Relationship") return;
    const char* id = Attr(a, "Id");
    const char* type = Attr(a, "Type");
    const char* target = Attr(a, "Target");
    const char* mode = Attr(a, "TargetMode");
    if (!id || !target || (mode && std::strcmp(mode, "External") == 0)) return;
    rels.push_back({id, type ? type : "", target});
  }
};

struct SheetEntry {
  std::string name, rel_id;
  std::string part;  // zip entry, resolved through the workbook relationships
  bool worksheet = false;
};

class WorkbookHandler : public XmlHandler {
 public:
  std::vector<SheetEntry> sheets;
  bool date1904 = false;
  void OnStart(std::string_view name, const char** a) override {
    if (name == "sheet") {
      const char* n = Attr(a, "name");
      const char* id = Attr(a, "id");  // r:id, whatever the prefix
      sheets.push_back({n ? n : "", id ? id : "", "", false});
    } else if (name == "workbookPr") {
      const char* d = Attr(a, "date1904");
      date1904 = d && (std::strcmp(d, "1") == 0 || std::strcmp(d, "true") == 0);
    }
  }
};

// Number formats of the cell styles (cellXfs): which style indexes show dates.
class StylesHandler : public XmlHandler {
 public:
  std::vector<bool> DateStyles() const {
    std::vector<bool> out;
    for (int id : xf_formats_) {
      auto it =
          std::find_if(custom_.begin(), custom_.end(), [&](auto& f) { return f.first == id; });
      out.push_back(it != custom_.end() ? xlsx_internal::IsDateFormatCode(it->second)
                                        : xlsx_internal::IsBuiltinDateFormat(id));
    }
    return out;
  }
  void OnStart(std::string_view name, const char** a) override {
    if (name == "numFmts") in_num_fmts_ = true;
    if (name == "cellXfs") in_cell_xfs_ = true;
    int id = 0;
    const char* id_text = Attr(a, "numFmtId");
    if (id_text) ParseWhole(id_text, &id);
    if (name == "numFmt" && in_num_fmts_) {
      const char* code = Attr(a, "formatCode");
      custom_.emplace_back(id, code ? code : "");
    } else if (name == "xf" && in_cell_xfs_) {
      xf_formats_.push_back(id);
    }
  }
  void OnEnd(std::string_view name) override {
    if (name == "numFmts") in_num_fmts_ = false;
    if (name == "cellXfs") in_cell_xfs_ = false;
  }

 private:
  bool in_num_fmts_ = false, in_cell_xfs_ = false;
  std::vector<std::pair<int, std::string>> custom_;
  std::vector<int> xf_formats_;
};

// The shared-string table: <si> items of plain <t> text or rich-text runs <r><t>; phonetic
// guides (<rPh>) are not part of the value.
class SharedStringsHandler : public XmlHandler {
 public:
  explicit SharedStringsHandler(std::deque<std::string>* out) : out_(out) {}
  void OnStart(std::string_view name, const char**) override {
    if (name == "si") {
      current_.clear();
      total_ += kSharedStringOverhead;
      Bound();
    }
    if (name == "t") in_t_ = true;
    if (name == "rPh") ++rph_depth_;
  }
  void OnEnd(std::string_view name) override {
    if (name == "t") in_t_ = false;
    if (name == "rPh") --rph_depth_;
    if (name == "si") out_->push_back(xlsx_internal::DecodeXmlEscapes(current_));
  }
  void OnText(std::string_view s) override {
    if (!in_t_ || rph_depth_ > 0) return;
    if (current_.size() + s.size() > kMaxRowBytes)
      return parser_->FailTooLarge("a shared text longer than 32 MiB");
    current_.append(s);
    total_ += s.size();
    Bound();
  }

 private:
  void Bound() {
    if (total_ > kMaxSharedStringBytes)
      parser_->FailTooLarge("more than 128 MiB of shared text (with its overhead)");
  }
  std::deque<std::string>* out_;
  std::string current_;
  bool in_t_ = false;
  int rph_depth_ = 0;
  size_t total_ = 0;
};

// "xl/" + "worksheets/sheet1.xml" -> "xl/worksheets/sheet1.xml"; "/xl/x.xml" is absolute;
// "." and ".." are resolved.
std::string ResolvePart(const std::string& dir, const std::string& target) {
  std::string joined = !target.empty() && target[0] == '/' ? target.substr(1) : dir + target;
  std::vector<std::string> parts;
  for (std::string& seg : text::Split(joined, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(std::move(seg));
    }
  }
  return text::Join(parts, "/");
}

struct Workbook {
  std::vector<SheetEntry> sheets;
  std::string shared_strings, styles;  // parts; empty if absent
  bool date1904 = false;
};

// The workbook part, as named by the package relationships (_rels/.rels).
Result<std::string> FindWorkbookPart(Zip* zip) {
  std::string part = "xl/workbook.xml";
  if (zip->Has("_rels/.rels")) {
    RelsHandler rels;
    AEGIS_RETURN_IF_ERROR(ParsePart(zip, "_rels/.rels", &rels));
    for (const Relationship& r : rels.rels)
      if (EndsWith(r.type, "/officeDocument")) part = ResolvePart("", r.target);
  }
  if (!zip->Has(part))
    return NotXlsx(zip->path(), "it is a zip archive but has no Excel workbook in it");
  return part;
}

Result<Workbook> LoadWorkbook(Zip* zip) {
  AEGIS_ASSIGN_OR_RETURN(std::string wb_part, FindWorkbookPart(zip));
  Workbook wb;
  WorkbookHandler wbh;
  AEGIS_RETURN_IF_ERROR(ParsePart(zip, wb_part, &wbh));
  wb.sheets = std::move(wbh.sheets);
  wb.date1904 = wbh.date1904;
  size_t slash = wb_part.rfind('/');
  std::string dir = slash == std::string::npos ? "" : wb_part.substr(0, slash + 1);
  std::string rels_part = dir + "_rels/" + wb_part.substr(dir.size()) + ".rels";
  if (!zip->Has(rels_part)) return NotXlsx(zip->path(), "part " + rels_part + " is missing");
  RelsHandler rels;
  AEGIS_RETURN_IF_ERROR(ParsePart(zip, rels_part, &rels));
  for (const Relationship& r : rels.rels) {
    for (SheetEntry& s : wb.sheets) {
      if (s.rel_id != r.id) continue;
      s.part = ResolvePart(dir, r.target);
      s.worksheet = EndsWith(r.type, "/worksheet");
    }
    if (EndsWith(r.type, "/sharedStrings")) wb.shared_strings = ResolvePart(dir, r.target);
    if (EndsWith(r.type, "/styles")) wb.styles = ResolvePart(dir, r.target);
  }
  if (wb.shared_strings.empty() && zip->Has(dir + "sharedStrings.xml"))
    wb.shared_strings = dir + "sharedStrings.xml";
  if (wb.styles.empty() && zip->Has(dir + "styles.xml")) wb.styles = dir + "styles.xml";
  return wb;
}

std::string QuotedNames(const std::vector<SheetEntry>& sheets) {
  std::vector<std::string> names;
  names.reserve(sheets.size());
  for (const SheetEntry& s : sheets) names.push_back("\"" + s.name + "\"");
  return text::Join(names, ", ");
}

Result<const SheetEntry*> PickSheet(const std::string& path, const Workbook& wb,
                                    const std::string& name) {
  const SheetEntry* found = nullptr;
  for (const SheetEntry& s : wb.sheets) {
    if (name.empty() ? s.worksheet : s.name == name) {
      found = &s;
      break;
    }
  }
  for (size_t i = 0; !found && i < wb.sheets.size(); ++i)
    if (!name.empty() && text::IEquals(wb.sheets[i].name, name)) found = &wb.sheets[i];
  if (!found && name.empty()) return NotXlsx(path, "the workbook has no worksheet");
  if (!found) {
    return Status::NotFound(path + ": no sheet named \"" + name + "\" (the workbook has " +
                            QuotedNames(wb.sheets) + "); give one of these sheet names");
  }
  if (!found->worksheet && !found->part.empty()) {
    return Status::Unsupported(path + ": sheet \"" + found->name +
                               "\" is a chart or dialog sheet, not a table of cells; choose "
                               "another sheet");
  }
  if (found->part.empty())
    return NotXlsx(path, "sheet \"" + found->name + "\" has no part in the workbook");
  return found;
}

// ---------------------------------------------------------------------------------------------
// The worksheet stream.

enum class CellType { kNumber, kShared, kInline, kString, kBool, kError, kIsoDate };

CellType ParseCellType(const char* t) {
  if (!t) return CellType::kNumber;
  std::string_view v(t);
  if (v == "s") return CellType::kShared;
  if (v == "inlineStr") return CellType::kInline;
  if (v == "str") return CellType::kString;
  if (v == "b") return CellType::kBool;
  if (v == "e") return CellType::kError;
  if (v == "d") return CellType::kIsoDate;
  return CellType::kNumber;
}

// "C5" -> 2 (0-based column); -1 without letters, kMaxColumns if beyond column XFD.
int ColumnOf(std::string_view ref) {
  int col = 0;
  size_t i = 0;
  for (; i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i])); ++i) {
    col = col * 26 + (std::toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
    if (col > kMaxColumns) return kMaxColumns;
  }
  return i == 0 ? -1 : col - 1;
}

// "2021-07-28T10:00:00Z" (t="d" cells) -> "2021-07-28 10:00:00"; midnight is dropped.
std::string IsoDateCell(std::string_view v) {
  v = text::Trim(v);
  if (v.size() < 10 || v[4] != '-' || v[7] != '-') return std::string(v);
  std::string out(v.substr(0, 10));
  if (v.size() >= 19 && v[10] == 'T' && v.substr(11, 8) != "00:00:00")
    out += " " + std::string(v.substr(11, 8));
  return out;
}

class XlsxReader final : public TableReader, public XmlHandler {
 public:
  struct Setup {
    std::string path, sheet;
    std::unique_ptr<Zip> zip;
    int64_t total = 0;
    std::deque<std::string> strings;  // a deque: growing it never copies what it holds
    std::vector<bool> date_styles;
    bool date1904 = false;
  };
  explicit XlsxReader(Setup s) : s_(std::move(s)), parser_obj_(this) {}

  bool Next(Row* row) override {
    while (ready_.empty()) {
      if (!status_.ok() || done_) return false;
      Fill();
    }
    row->swap(ready_.front().second);
    record_ = ready_.front().first;
    ready_.pop_front();
    return true;
  }
  const Status& status() const override { return status_; }
  int64_t record_number() const override { return record_; }
  int64_t bytes_read() const override { return read_; }
  int64_t total_bytes() const override { return s_.total; }
  int64_t formula_cells() const override { return formulas_; }

 private:
  // Feeds expat until it pauses after a row, fails, or the sheet ends.
  void Fill() {
    if (!parser_obj_.ok()) return Fail(Status::Internal(s_.path + ": out of memory"));
    XML_Status st;
    if (suspended_) {
      suspended_ = false;
      st = parser_obj_.Resume();
    } else {
      int n = 0;
      st = parser_obj_.ParseFrom(s_.zip.get(), &n);
      read_ += n > 0 ? n : 0;
      at_end_ = n == 0;
    }
    if (st == XML_STATUS_SUSPENDED) {
      suspended_ = true;
    } else if (st == XML_STATUS_ERROR) {
      if (status_.ok() && parser_obj_.too_large())
        Fail(Status::InvalidArgument(TooLarge(s_.path, Where() + parser_obj_.Error())));
      else if (status_.ok())
        Fail(Damaged(s_.path, Where() + parser_obj_.Error()));
    } else if (at_end_) {
      done_ = true;
      Status closed = s_.zip->CloseEntry();
      if (!closed.ok()) Fail(closed);
    }
  }
  void Fail(Status st) {
    status_ = std::move(st);
    done_ = true;
  }
  std::string Where() const {
    std::string row = row_number_ > 0 ? " near row " + std::to_string(row_number_) : "";
    return "sheet \"" + s_.sheet + "\"" + row + ": ";
  }

  void OnStart(std::string_view name, const char** a) override {
    if (name == "c") {
      StartCell(a);
    } else if (name == "v") {
      collect_ = in_cell_;
    } else if (name == "t") {
      collect_ = in_cell_ && in_inline_ && rph_depth_ == 0;
    } else if (name == "f") {
      formula_ = in_cell_;
    } else if (name == "is") {
      in_inline_ = in_cell_;
    } else if (name == "rPh") {
      ++rph_depth_;
    } else if (name == "row") {
      StartRow(a);
    }
  }
  void OnEnd(std::string_view name) override {
    if (name == "v" || name == "t") {
      collect_ = false;
    } else if (name == "c") {
      EndCell();
    } else if (name == "is") {
      in_inline_ = false;
    } else if (name == "rPh") {
      --rph_depth_;
    } else if (name == "row") {
      EndRow();
    }
  }
  void OnText(std::string_view s) override {
    if (!collect_) return;
    value_.append(s);
    if (value_.size() > kMaxRowBytes) TooBig();
  }

  void StartRow(const char** a) {
    const char* r = Attr(a, "r");
    int64_t n = 0;
    bool numbered = r && ParseWhole(r, &n) && n > 0;
    // Rows without a number follow the previous one; a number beyond Excel's last row cannot
    // come from a spreadsheet program (and would make the next row's number overflow).
    if (numbered && n > kMaxRows)
      return parser_->Fail("a row lies beyond row 1048576, Excel's last");
    row_number_ = numbered ? n : row_number_ + 1;
    row_.clear();
    row_bytes_ = 0;
    next_col_ = 0;
  }
  void EndRow() {
    if (row_.empty()) return;  // no values: skipped, like a blank line in a CSV file
    ready_.emplace_back(row_number_, std::move(row_));
    row_ = Row();
    parser_->Suspend();
  }
  void StartCell(const char** a) {
    const char* r = Attr(a, "r");
    const char* s = Attr(a, "s");
    col_ = r ? ColumnOf(r) : -1;
    if (col_ < 0) col_ = next_col_;
    type_ = ParseCellType(Attr(a, "t"));
    if (!s || !ParseWhole(s, &style_)) style_ = 0;
    in_cell_ = true;
    formula_ = in_inline_ = collect_ = false;
    value_.clear();
  }
  void EndCell();
  bool CellText(std::string* out);
  bool NumberText(std::string* out);
  void TooBig() { parser_->FailTooLarge("more than 32 MiB of text in one row"); }

  Setup s_;
  XmlParser parser_obj_;
  std::deque<std::pair<int64_t, Row>> ready_;  // (row number, cells)
  Status status_;
  bool suspended_ = false, at_end_ = false, done_ = false;
  int64_t record_ = 0, read_ = 0, formulas_ = 0;
  // Parse state of the current row and cell.
  Row row_;
  int64_t row_number_ = 0;
  size_t row_bytes_ = 0;
  int next_col_ = 0, col_ = 0, style_ = 0, rph_depth_ = 0;
  CellType type_ = CellType::kNumber;
  bool in_cell_ = false, in_inline_ = false, collect_ = false, formula_ = false;
  std::string value_;
};

void XlsxReader::EndCell() {
  in_cell_ = collect_ = false;
  if (formula_) ++formulas_;
  if (col_ >= kMaxColumns) return parser_->Fail("a cell lies beyond column XFD");
  next_col_ = col_ + 1;
  std::string text;
  if (!CellText(&text) || text.empty()) return;
  row_bytes_ += text.size();
  if (row_bytes_ > kMaxRowBytes) return TooBig();
  if (static_cast<size_t>(col_) >= row_.size()) row_.resize(col_ + 1);
  row_[col_] = std::move(text);
}

// The displayed text of the cell just closed; false (parser stopped) if it is damaged.
bool XlsxReader::CellText(std::string* out) {
  switch (type_) {
    case CellType::kShared: {
      size_t i = 0;
      if (text::Trim(value_).empty()) return true;
      if (!ParseWhole(value_, &i) || i >= s_.strings.size()) {
        parser_->Fail("a cell refers to a shared string that does not exist");
        return false;
      }
      *out = s_.strings[i];
      return true;
    }
    case CellType::kInline:
    case CellType::kString:
      *out = xlsx_internal::DecodeXmlEscapes(value_);
      return true;
    case CellType::kBool:
      *out = value_ == "1" ? "TRUE" : value_ == "0" ? "FALSE" : value_;
      return true;
    case CellType::kError:
      *out = value_;
      return true;
    case CellType::kIsoDate:
      *out = IsoDateCell(value_);
      return true;
    case CellType::kNumber:
      return NumberText(out);
  }
  return true;
}

bool XlsxReader::NumberText(std::string* out) {
  if (text::Trim(value_).empty()) return true;
  double v = 0;
  if (!ParseWhole(value_, &v)) {
    *out = value_;  // not a number after all: keep what the file says
    return true;
  }
  bool is_date =
      style_ >= 0 && static_cast<size_t>(style_) < s_.date_styles.size() && s_.date_styles[style_];
  if (is_date) *out = xlsx_internal::SerialToIso(v, s_.date1904);
  if (out->empty()) *out = xlsx_internal::FormatNumber(v);
  return true;
}

Result<std::vector<bool>> LoadDateStyles(Zip* zip, const std::string& part) {
  if (part.empty() || !zip->Has(part)) return std::vector<bool>();
  StylesHandler h;
  AEGIS_RETURN_IF_ERROR(ParsePart(zip, part, &h));
  return h.DateStyles();
}

Result<std::deque<std::string>> LoadSharedStrings(Zip* zip, const std::string& part) {
  std::deque<std::string> strings;
  if (part.empty() || !zip->Has(part)) return strings;
  SharedStringsHandler h(&strings);
  AEGIS_RETURN_IF_ERROR(ParsePart(zip, part, &h, 0));
  return strings;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The code unit of an "_xHHHH_" escape at s[i], or -1.
int EscapeAt(std::string_view s, size_t i) {
  if (i + 7 > s.size() || s[i] != '_' || s[i + 1] != 'x' || s[i + 6] != '_') return -1;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data() + i + 2, s.data() + i + 6, v, 16);
  return ec == std::errc() && end == s.data() + i + 6 ? static_cast<int>(v) : -1;
}

}  // namespace

namespace xlsx_internal {

bool IsBuiltinDateFormat(int id) {
  // 14-22 and 45-47 everywhere; 27-36 and 50-58 are the East Asian locales' date formats.
  return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
         (id >= 50 && id <= 58);
}

bool IsDateFormatCode(std::string_view code) {
  for (size_t i = 0; i < code.size(); ++i) {
    char c = code[i];
    if (c == '"') {
      size_t close = code.find('"', i + 1);
      if (close == std::string_view::npos) return false;
      i = close;
    } else if (c == '[') {
      size_t close = code.find(']', i + 1);
      if (close == std::string_view::npos) return false;
      i = close;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal text or padding
    } else if (std::strchr("dmyDMY", c)) {
      return true;
    }
  }
  return false;
}

std::string FormatNumber(double v) {
  if (v == std::trunc(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[40];
  for (int precision : {15, 17}) {
    auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision);
    double back = 0;
    std::from_chars(buf, res.ptr, back);
    if (back == v || precision == 17) return std::string(buf, res.ptr);
  }
  return "";
}

std::string SerialToIso(double serial, bool date1904) {
  if (!std::isfinite(serial)) return "";
  double s = date1904 ? serial + 1462 : serial;
  double day = std::floor(s);
  int64_t secs = std::llround((s - day) * 86400.0);
  if (secs >= 86400) {
    day += 1;
    secs = 0;
  }
  std::optional<Date> d = DateFromExcelSerial(day);
  if (!d) return "";
  std::string out = d->Iso();
  if (secs > 0) {
    char hms[16];
    std::snprintf(hms, sizeof hms, " %02d:%02d:%02d", static_cast<int>(secs / 3600),
                  static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
    out += hms;
  }
  return out;
}

std::string DecodeXmlEscapes(std::string_view s) {
  if (s.find("_x") == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int u = EscapeAt(s, i);
    int low = u >= 0xD800 && u <= 0xDBFF ? EscapeAt(s, i + 7) : -1;
    if (low >= 0xDC00 && low <= 0xDFFF) {  // a UTF-16 surrogate pair
      AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00), &out);
      i += 14;
    } else if (u < 0 || (u >= 0xD800 && u <= 0xDFFF)) {
      out.push_back(s[i++]);  // plain text, or a lone surrogate kept as written
    } else {
      AppendUtf8(static_cast<uint32_t>(u), &out);
      i += 7;
    }
  }
  return out;
}

}  // namespace xlsx_internal

Result<std::vector<std::string>> ListXlsxSheets(const std::string& path) {
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<Zip> zip, Zip::Open(path));
  AEGIS_ASSIGN_OR_RETURN(Workbook wb, LoadWorkbook(zip.get()));
  std::vector<std::string> names;
  for (const SheetEntry& s : wb.sheets) names.push_back(s.name);
  return names;
}

Result<std::unique_ptr<TableReader>> OpenXlsx(const std::string& path, const std::string& sheet) {
  XlsxReader::Setup s;
  s.path = path;
  AEGIS_ASSIGN_OR_RETURN(s.zip, Zip::Open(path));
  AEGIS_ASSIGN_OR_RETURN(Workbook wb, LoadWorkbook(s.zip.get()));
  AEGIS_ASSIGN_OR_RETURN(const SheetEntry* entry, PickSheet(path, wb, sheet));
  s.sheet = entry->name;
  s.date1904 = wb.date1904;
  AEGIS_ASSIGN_OR_RETURN(s.strings, LoadSharedStrings(s.zip.get(), wb.shared_strings));
  AEGIS_ASSIGN_OR_RETURN(s.date_styles, LoadDateStyles(s.zip.get(), wb.styles));
  if (!s.zip->Has(entry->part))
    return NotXlsx(path, "the part of sheet \"" + entry->name + "\" is missing");
  AEGIS_RETURN_IF_ERROR(s.zip->OpenEntry(entry->part, &s.total));
  return std::unique_ptr<TableReader>(new XlsxReader(std::move(s)));
}

}  // namespace aegis::ingest
