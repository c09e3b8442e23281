// Readers for admin-area (P-code) lists and population figures keyed by P-code.
//
// ReadAreas detects and reads four layouts, from CSV now and XLSX through OpenTable:
//  (a) wide COD-AB tables, one row per deepest area with the codes and names of every level:
//      adm3_pcode,adm3_name,adm2_pcode,adm2_name,adm1_pcode,adm1_name,lat,lon (South Sudan
//      payam list); also ADM2_PCODE/ADM2_EN/ADM2_REF, admin2Pcode/admin2Name_en/
//      admin2AltName1_en, state_/county_/payam_pcode. Parent areas are derived from the rows;
//      a derived area's centroid is the mean of its children's.
//  (b) OCHA's long global list: Location,Admin Level,P-Code,Name,Parent P-Code[,Valid from
//      date]; level-1 parents that are country codes ("SSD") become empty.
//  (c) HXL-tagged tables (a tag row under the header): #adm1+code, #adm1+name, ..., #adm3+name,
//      #adm2+name+alt (alternative names), #geo+lat, #geo+lon, #country+code; read as (a).
//  (d) a generic long list: pcode,name,level,parent_pcode[,country,alt_names (| separated),
//      lat,lon].
// The country of each area comes from a country column, else from country_hint (ISO3, ISO2 or
// English name), else from the P-code's letter prefix ("SS0101" -> SSD). With a hint, rows of
// other countries are skipped (the OCHA global list holds 156 countries).
//
// Errors name the file, row and column and say what to do: a P-code given twice with
// different names or parents, a parent missing from the file, a parent not one level up, an
// empty code or name, bad coordinates. Warnings (returned through the optional `warnings`)
// cover softer problems: a code that does not start with its parent's code, a repeated row.
//
// Thread safety: the functions share no state; run them from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "geo/gazetteer.h"
#include "store/records.h"
#include "util/status.h"

namespace aegis::ingest {

// Reads the admin areas of `path` (layouts above), in file order, parents before children.
Result<std::vector<geo::Area>> ReadAreas(const std::string& path,
                                         const std::string& country_hint = "");
// The same, appending warnings ("<file> row 17: ...; ...") to *warnings when not null.
Result<std::vector<geo::Area>> ReadAreas(const std::string& path, const std::string& country_hint,
                                         std::vector<std::string>* warnings);

// OCHA's global admin 1-2 P-code list (Location, Admin Level, P-Code, Name, Parent P-Code;
// HDX "Global P-codes", global_pcodes_adm_1_2.csv), for `aegis areas import --global`. Looked
// for, in order, at `given` (when not empty; the CLI passes $AEGIS_GLOBAL_PCODES),
// `data_dir`/geo/global_pcodes_adm_1_2.csv (where an operation puts its download), and beside
// the project in ../shared/data/hdx-python-country-pcodes/tests/fixtures/ (the copy the tests
// read). NotFound says where to download it and where to put it.
Result<std::string> FindGlobalPcodeList(const std::string& data_dir, const std::string& given = "");

// Builds a finalized gazetteer from area files (each read with ReadAreas and the hint) and, if
// `aliases_csv` is not empty, a project alias file such as data/geo/aliases.csv.
Result<geo::Gazetteer> BuildGazetteer(const std::vector<std::string>& area_files,
                                      const std::string& aliases_csv,
                                      const std::string& country_hint = "");

// One population (or people-count) figure for one admin area.
struct PopulationFigure {
  std::string pcode;
  int year = 0;  // 0 when the file has no year column
  int64_t total = 0;
  std::optional<int64_t> female, male;
  std::string source;  // the file's source column, else the file name
};

// Reads figures keyed by P-code from a CSV/XLSX. Columns: the deepest P-code column
// (ADM2_PCODE, admin2Pcode, county_pcode, pcode, or HXL #adm2+code), the total (Total, T_TL,
// population, or HXL #population / #population+total / #population+ind without sex or age
// attributes), optional female/male (F_TL/M_TL, female/male, #population+f / +m), year (year,
// #date+year) and source. Numbers may be written " 50,170 ". Rows with no P-code or an empty
// total are skipped (e.g. the national total row); a total that is not a whole number is an
// error naming the row and column.
Result<std::vector<PopulationFigure>> ReadPopulation(const std::string& path);

// The store's form of areas.
std::vector<store::AreaRow> ToAreaRows(const std::vector<geo::Area>& areas);
// And back: an area as the gazetteer holds it.
geo::Area ToGeoArea(store::AreaRow row);

}  // namespace aegis::ingest
