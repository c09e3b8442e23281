// Streaming XLSX (Office Open XML spreadsheet) reader: one worksheet as a TableReader.
//
// The workbook is a zip archive (read with minizip); its XML parts are parsed with expat. The
// shared-string table and the styles are loaded when the reader opens; the worksheet itself is
// decompressed in small chunks and parsed only as far as the caller has asked for rows, so memory
// stays bounded whatever the number of rows.
//
// Cell values come back as text, the way a user reads them in a spreadsheet program:
//   - shared, inline and rich-text strings: the text (runs joined, phonetic runs left out,
//     _xHHHH_ escapes decoded);
//   - numbers: integral values without ".0" ("17077"), others in the shortest form that reads back
//     to the same double ("0.1", "31.4550252343");
//   - numbers whose cell style is a date format: "YYYY-MM-DD", or "YYYY-MM-DD HH:MM:SS" when there
//     is a time of day (the workbook's 1900 or 1904 date system is honoured);
//   - booleans "TRUE"/"FALSE", errors as Excel shows them ("#N/A");
//   - formulas: their cached result (counted in formula_cells()); formulas are never evaluated.
// Cells are placed by their reference ("C5"): gaps become empty strings, trailing empty cells are
// dropped, and rows with no value at all are skipped. record_number() is the spreadsheet row
// number, so "row 17" in a message is row 17 in Excel.
//
// Thread safety: a reader is not thread-safe; use one reader per thread. Distinct readers, even
// on the same file, are independent. The free functions are safe to call concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/table.h"
#include "util/status.h"

namespace aegis::ingest {

// Opens worksheet `sheet` (by name; empty = the first worksheet) of the workbook at `path`.
// Errors: NotFound for a missing file or sheet (the message lists the sheets there are),
// InvalidArgument for a file that is not a readable XLSX workbook, Unsupported for .xls or
// password-protected workbooks and for chart sheets.
Result<std::unique_ptr<TableReader>> OpenXlsx(const std::string& path, const std::string& sheet);

// Names of all sheets of the workbook at `path`, in workbook (tab) order.
Result<std::vector<std::string>> ListXlsxSheets(const std::string& path);

// Helpers behind the cell conversions, exposed for tests.
namespace xlsx_internal {

// True if a number format code shows a date or time: it contains d, m or y (any case) outside
// quoted text, [brackets], backslash escapes and _/* padding ("yyyy\-mm\-dd", "d/m/yy h:mm").
bool IsDateFormatCode(std::string_view code);
// True for the built-in number format ids that are dates or times.
bool IsBuiltinDateFormat(int num_fmt_id);
// A double as text: integral values without a fraction, others shortest round-trip (%.15g, else
// %.17g).
std::string FormatNumber(double v);
// An Excel serial date as "YYYY-MM-DD" (+ " HH:MM:SS" if it has a time of day); empty if the
// serial is outside Excel's date range.
std::string SerialToIso(double serial, bool date1904);
// Decodes the _xHHHH_ escapes OOXML uses for characters XML cannot carry ("_x000D_" = CR).
std::string DecodeXmlEscapes(std::string_view s);

}  // namespace xlsx_internal

}  // namespace aegis::ingest
