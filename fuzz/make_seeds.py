#!/usr/bin/env python3
"""Writes the hand-made seed corpora of the fuzz targets into fuzz/corpus/<target>/.

Every seed is synthetic (invented names, numbers and texts on real South Sudan P-codes) and
small; nothing is copied from ../shared/data. Re-running rewrites the same files. Inputs found by
fuzzing (crash reproducers, merged cases) live beside them under other names and are kept.
"""
import io
import os
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- CSV -------------------------------------------------------------------------------------
KOBO_HEADER = ("start;end;incident_date;state;county;payam;payam_pcode;village;risks;risks/attack;"
               "risks/gbv;act_type;perpetrator;killed;injured;victims_count;partner;"
               "consent_share;narrative;_incident_gps_latitude;_incident_gps_longitude;_uuid;_index")
put("csv", "kobo_semicolon.csv",
    KOBO_HEADER + "\n"
    "2024-03-02T08:00:00;2024-03-02T08:20:00;2024-03-01;Central Equatoria;Juba;Rejaf;SS010101;"
    "Gondokoro;attack gbv;1;1;armed_attack;armed_group;2;1;3;PARTNER-A;yes;"
    "\"Men came at night; \"\"two\"\" houses burnt\nthe family fled\";4.80;31.60;"
    "0a1b2c3d-0000-4000-8000-000000000001;1\n"
    "2024-03-05T10:00:00;;2024-03-04;Jonglei;Pibor;;;;separation;0;0;;;0;0;1;PARTNER-A;no;;;;"
    "0a1b2c3d-0000-4000-8000-000000000002;2\n")
put("csv", "kobo_repeat_victims.csv",
    "sex,age,age_band,disability,displacement,_index,_parent_index\r\n"
    "female,17,15-17,no,idp,1,1\r\nmale,,unknown,,,2,1\r\n")
put("csv", "odk_tab_bom.csv",
    "\ufeffSubmissionDate\tmeta-instanceID\tincident-date\tincident-county_pcode\tincident-risks\n"
    "2024-02-10\tuuid:1\t10/02/2024\tSS0301\tABD REC\n"
    "2024-02-11\tuuid:2\t \"quoted\ttab\" \tSS0302\t\n")
put("csv", "hxl_pipe.csv",
    "Date|Location|Event|Killed\n#date|#adm2+code|#event+type|#affected+killed\n"
    "2024-01-31|SS0707|Attack|4\n||| \n")
put("csv", "acled_comma.csv",
    "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,admin1,admin2,admin3,"
    "latitude,longitude,fatalities,notes\n"
    "SSD1,2024-03-01,2024,Violence against civilians,Attack,Unidentified Armed Group (South Sudan),"
    "Unity,Leer,Leer,8.30,30.14,2,\"On 1 March 2024, armed men \"\"attacked\"\" a market.\"\n")
put("csv", "truncated_quote.csv", "a,b\n1,\"never closed\n2,3\n")
put("csv", "odd_quotes.csv", "x\"y,\"a\"b\" , \"\" ,\r\n\r\n\n\"\"\"\"\r")

# --- JSON ------------------------------------------------------------------------------------
put("json", "kobo_results_repeat.json", """{"count": 2, "next": null, "results": [
 {"_id": 101, "_uuid": "0a1b2c3d-0000-4000-8000-000000000101",
  "incident/incident_date": "2024-03-01", "incident/payam_pcode": "SS010101",
  "risks": "attack gbv", "killed": "2", "_geolocation": [4.80, 31.60],
  "victims": [{"victims/sex": "female", "victims/age": "17"},
              {"victims/sex": "male", "victims/age": "34", "victims/displacement": "idp"}],
  "_attachments": [], "_notes": [], "_tags": ["a", 1, true, null]},
 {"_id": 102, "incident": {"incident_date": "2024-03-04", "county_pcode": "SS0308"},
  "victims": [], "consent_share": false, "fraction": 0.5, "big": 12345678901234567890,
  "text": "\\u0627\\u0644\\u0633\\u0644\\u0627\\u0645 \\ud83d\\ude00"}]}""")
put("json", "odk_value.json",
    '{"@odata.context": "x", "value": [{"__id": "uuid:1", "meta": {"instanceID": "uuid:1"}, '
    '"incident": {"date": "2024-02-10", "risks": "ABD REC"}, "victims@odata.navigationLink": '
    '"Submissions(\'uuid:1\')/victims"}]}')
# 1e300: a float beyond int64 (was an undefined conversion in the reader; UBSan found it here).
put("json", "array.json", '[{"a": 1, "b": {"c": [1, 2.5, "x"]}}, {"b": {"d": null}, "e": 1e300}]')
put("json", "records.ndjson.json",
    '{"id": 1, "date": "2024-01-01"}\n\n{"id": 2, "date": "2024-01-02", "extra": [{"k": 1}]}\n')
put("json", "not_records.json", '{"results": {"a": 1}}')
# 10,000 nested arrays: reading them overflowed the stack under ASan (a hostile upload nested
# 100,000 deep did in any build); now refused with a clear error.
put("json", "crash-deep-nesting.json",
    '[{"id": 1, "deep": ' + '[' * 10000 + '1' + ']' * 10000 + '}]')
# A number no double holds: nlohmann threw out_of_range past the reader (std::terminate).
put("json", "crash-number-overflow.json", '{"results": [{"_id": 1, "e": 1e327}]}')
put("json", "truncated.json", '[{"a": 1}, {"b": ')

# --- XLSX ------------------------------------------------------------------------------------
CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
      '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
      '</Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>')


def workbook(sheets, date1904=False):
    pr = '<workbookPr date1904="1"/>' if date1904 else ''
    s = ''.join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (n, i + 1, i + 1)
                for i, n in enumerate(sheets))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<workbook '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            + pr + '<sheets>' + s + '</sheets></workbook>')


def workbook_rels(n):
    r = ''.join('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, i + 1) for i in range(n))
    r += ('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>' % (n + 1))
    r += ('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>' % (n + 2))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + r +
            '</Relationships>')


SST = ('<?xml version="1.0" encoding="UTF-8"?>\n<sst '
       'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" uniqueCount="7">'
       '<si><t>incident_date</t></si><si><t>payam_pcode</t></si><si><t>narrative</t></si>'
       '<si><t>SS010101</t></si>'
       '<si><r><rPr><b/></rPr><t>rich </t></r><r><t xml:space="preserve">text_x000D_ run</t></r>'
       '<rPh sb="0" eb="1"><t>phonetic</t></rPh></si>'
       '<si><t>#date</t></si><si><t>\u0647\u062c\u0648\u0645 \u0639\u0644\u0649 \u0627\u0644\u0633\u0648\u0642</t></si></sst>')
STYLES = ('<?xml version="1.0" encoding="UTF-8"?>\n<styleSheet '
          'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
          '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/>'
          '<xf numFmtId="22"/></cellXfs></styleSheet>')
SHEET1 = ('<?xml version="1.0" encoding="UTF-8"?>\n<worksheet '
          'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
          '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
          '<c r="C1" t="s"><v>2</v></c></row>'
          '<row r="2"><c r="A2" t="s"><v>5</v></c></row>'
          '<row r="3"><c r="A3" s="1"><v>45352</v></c><c r="B3" t="s"><v>3</v></c>'
          '<c r="C3" t="s"><v>4</v></c><c r="E3" t="inlineStr"><is><t>inline</t></is></c></row>'
          '<row r="5"><c r="A5" s="2"><v>45352.5</v></c><c r="B5" t="b"><v>1</v></c>'
          '<c r="C5" t="e"><v>#N/A</v></c><c r="D5"><f>1+1</f><v>2</v></c>'
          '<c r="F5"><v>0.1</v></c><c r="G5" t="s"><v>6</v></c></row>'
          '</sheetData></worksheet>')
SHEET2 = ('<?xml version="1.0" encoding="UTF-8"?>\n<worksheet '
          'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
          '<row><c t="inlineStr"><is><t>_index</t></is></c><c t="inlineStr"><is><t>sex</t></is></c></row>'
          '<row><c><v>1</v></c><c t="str"><f>"fe"&amp;"male"</f><v>female</v></c></row>'
          '</sheetData></worksheet>')


def xlsx(parts, compression):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, text in parts:
            info = zipfile.ZipInfo(name, date_time=(2024, 3, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, text)
    return buf.getvalue()


BASE = [("[Content_Types].xml", CT), ("_rels/.rels", RELS),
        ("xl/workbook.xml", workbook(["incidents", "victims"])),
        ("xl/_rels/workbook.xml.rels", workbook_rels(2)),
        ("xl/sharedStrings.xml", SST), ("xl/styles.xml", STYLES),
        ("xl/worksheets/sheet1.xml", SHEET1), ("xl/worksheets/sheet2.xml", SHEET2)]
# Stored (not deflated) parts let the fuzzer mutate the XML itself.
put("xlsx", "kobo_shared_strings_stored.xlsx", xlsx(BASE, zipfile.ZIP_STORED))
put("xlsx", "kobo_shared_strings_deflated.xlsx", xlsx(BASE, zipfile.ZIP_DEFLATED))
put("xlsx", "date1904_one_sheet.xlsx", xlsx(
    [("[Content_Types].xml", CT), ("_rels/.rels", RELS),
     ("xl/workbook.xml", workbook(["Sheet1"], date1904=True)),
     ("xl/_rels/workbook.xml.rels", workbook_rels(1)), ("xl/sharedStrings.xml", SST),
     ("xl/styles.xml", STYLES), ("xl/worksheets/sheet1.xml", SHEET1)], zipfile.ZIP_STORED))
# A row numbered beyond Excel's last row, then one without a number (the row counter overflowed:
# undefined behaviour, found with this target; now a clear error).
BIG_ROW = ('<?xml version="1.0" encoding="UTF-8"?>\n<worksheet '
           'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           '<row r="9223372036854775807"><c t="inlineStr"><is><t>a</t></is></c></row>'
           '<row><c t="inlineStr"><is><t>b</t></is></c></row></sheetData></worksheet>')
put("xlsx", "crash-row-number-overflow.xlsx", xlsx(
    [p if p[0] != "xl/worksheets/sheet1.xml" else (p[0], BIG_ROW) for p in BASE],
    zipfile.ZIP_STORED))
put("xlsx", "missing_workbook.xlsx", xlsx([("[Content_Types].xml", CT)], zipfile.ZIP_STORED))
put("xlsx", "ole_xls_magic.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 24)

# --- SMS alerts ------------------------------------------------------------------------------
for i, text in enumerate([
        "ALERT Bungu attack armed men at the market",
        "ALERT SS0308 abduction of 3 children tonight",
        "alret Malakal PoC women raped at night",
        "ALERTE Yambio attque sur le marché maintenant",
        "ALERTE SSO1O1 enlèvement d'enfants",
        "تنبيه هجوم في ملكال الآن",
        "عاجل اختطاف أطفال في بور",
        "urgent armed men in Leer town",
        "ALERT Rumbek cattle raid revenge attack expected tomorrow",
        "hello is this the number for help",
        "ALERT: Kajo-Keji recruitment of boys by armed group, mines on the road",
        "ALERT\tSS0101\nGBV\u00a0now \U0001F6A8",
]):
    put("sms_alert", "sms_%02d.txt" % i, text)

# --- Profiles --------------------------------------------------------------------------------
put("profile", "kobo_small.toml", """name = "kobo-small"
description = "a small KoboToolbox incident form"
record = "incident"
date_order = "ymd"
group_separator = "/"
delimiter = ";"

[source]
code = "kobo-small"
kind = "kobo"
source_type = "direct_monitoring"

[defaults]
sensitivity = "confidential"

[key]
columns = ["_uuid"]

[victims]
repeat = "victims"

[fields]
date = { columns = ["incident_date"], required = true }
pcode = ["payam_pcode", "county_pcode"]
killed = { columns = ["killed", "killed_children"], sum = true }
organisation = { columns = ["partner"], required = true }

[fields.risks]
columns = ["risks"]
split = " "
prefix = "risks/"
values = { attack = "ATK", gbv = "GBV" }
""")
put("profile", "monitoring_small.toml", """name = "ki"
record = "monitoring_report"
date_order = "dmy"
delimiter = "tab"
empty_values = ["NA", "-", ""]

[monitoring]
present = "{risk}_present"
severity = "{risk}_severity"

[risks]
if_positive = { "abducted" = "ABD" }
event_table = "mappings/acled_event_risks.csv"

[fields]
date = "date"
admin2 = "#adm2+name"
""")
put("profile", "hxl_small.toml", """name = "hxl"
[key]
identical_rows = "distinct"
merge_actor_rows = true
[place]
allow_country_level = true
use_coordinates = false
[fields]
date = ["#date", "#date+occurred"]
latitude = "#geo+lat"
""")
put("profile", "bad_record.toml", 'record = "case"\n[fields]\ndate = "d"\n')
put("profile", "bad_syntax.toml", '[fields\ndate = "d"\n')
put("profile", "unknown_field.toml", '[fields]\ndate = "d"\nfavourite_colour = "c"\n')

# --- HTTP path and query ---------------------------------------------------------------------
for i, text in enumerate([
        "/api/v1/incidents?area=SS0101&from=2024-03-01&to=2024-03-31&risk=GBV&limit=50",
        "/api/v1/incidents?after=120&limit=1000&organisation=PARTNER-A\naegis_session=abc; x=y",
        "/api/v1/incidents/42",
        "/api/v1/monitoring-reports/99999999999999999999999",
        "/api/v1/analysis?period=2024-Q1&level=2&safe=true",
        "/api/v1/analysis?period=2024-01..2024-06",
        "/api/v1/analysis?period=0000-01",
        "/api/v1/analysis?period=2024",
        "/api/v1/incidents?from=2024-02-30&limit=0",
        "/api/v1/incidents?risk=violence%20basee%20sur%20le%20genre&limit=1%2C000",
        "/api/v1/alerts/7/triage?x=%zz&&=&a==b\n  aegis_session = s1 ;aegis_session=s2",
        "/api/v1/incidents?from=+2024-03-01&to=2024-3-1&after=-1",
]):
    put("http_query", "query_%02d.txt" % i, text)
