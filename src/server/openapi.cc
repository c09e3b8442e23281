#include "server/openapi.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace aegis::server {

namespace {

const char* Document() {
  return R"JSON({
  "openapi": "3.0.3",
  "info": {
    "title": "Aegis API",
    "version": "1",
    "description": "The information system of a Protection Cluster. Every read of individual records is filtered by the caller's role and organisation under the information-sharing protocol. Errors have one shape: {\"error\": {\"code\", \"message\", \"field\"}}. Unsafe methods with a session cookie need the X-CSRF-Token header returned at sign-in."
  },
  "components": {
    "securitySchemes": {
      "session": {"type": "apiKey", "in": "cookie", "name": "aegis_session"},
      "token": {"type": "http", "scheme": "bearer", "description": "an API token from POST /api/v1/tokens"}
    },
    "schemas": {
      "Error": {
        "type": "object",
        "properties": {"error": {"type": "object", "properties": {
          "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}}
      },
      "Incident": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"}, "source": {"type": "string"}, "source_key": {"type": "string"},
          "date_start": {"type": "string", "format": "date"}, "date_end": {"type": "string", "format": "date"},
          "area_pcode": {"type": "string"}, "risks": {"type": "array", "items": {"type": "string"}},
          "event_type": {"type": "string"}, "act_type": {"type": "string"},
          "perpetrator": {"type": "string"}, "organisation": {"type": "string"},
          "source_type": {"type": "string"}, "verification": {"type": "string"},
          "sensitivity": {"type": "string"}, "narrative": {"type": "string"}, "contact": {"type": "string"},
          "lat": {"type": "number", "nullable": true}, "lon": {"type": "number", "nullable": true},
          "killed": {"type": "integer", "nullable": true}, "injured": {"type": "integer", "nullable": true}
        }
      }
    },
    "responses": {
      "Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "security": [{"session": []}, {"token": []}],
  "paths": {
    "/api/v1/openapi.json": {
      "get": {"summary": "This document", "security": [], "responses": {"200": {"description": "The OpenAPI document"}}}
    },
    "/healthz": {
      "get": {"summary": "The process is up (no data, no store access)", "security": [], "responses": {"200": {"description": "{\"status\": \"ok\"}"}}}
    },
    "/readyz": {
      "get": {"summary": "Ready to serve: the store answers a query through the pool, its migrations are current, the key file is readable", "security": [],
        "responses": {"200": {"description": "status ready, checks (store, migrations, key_file: ok)"},
          "503": {"description": "status not_ready, checks, failed (the names of the checks that failed)"}}}
    },
    "/metrics": {
      "get": {"summary": "Operational metrics in Prometheus text format 0.0.4 (counts and timings by route pattern, the store pool, the alert outbox, import rows; no record). From the server's own host (loopback, not forwarded by a proxy) without credentials; else roles whose protocol entry manages metrics, API tokens of them with the metrics scope",
        "responses": {"200": {"description": "text/plain; version=0.0.4"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/session": {
      "post": {
        "summary": "Sign in; sets the session cookie (HttpOnly, SameSite=Strict) and returns the CSRF token",
        "security": [],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
          "required": ["username", "password"],
          "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": {"200": {"description": "Signed in"}, "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/Error"}}
      },
      "delete": {"summary": "Sign out", "responses": {"200": {"description": "Signed out"},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/me": {
      "get": {"summary": "The signed-in user, a fresh CSRF token, and what the user may do under the protocol in force: may (per action of the protocol, true when the authorization kernel allows it for at least one record, in aggregates at least), may_by_class (per record class and record action: allow, aggregate_only or deny), may_grant (the roles it may give a user of its organisation), aggregates (safe or exact: how the analysis is given to the user) and own_organisation_only (individual records of the user's organisation only)", "responses": {"200": {"description": "id, username, role, organisation, csrf_token, break_glass_until, may, may_by_class, may_grant, aggregates, own_organisation_only"},
        "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/areas": {
      "get": {"summary": "Admin areas (P-codes)",
        "parameters": [
          {"name": "level", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 5}},
          {"name": "parent", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "Areas"}, "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/map/areas": {
      "get": {"summary": "Admin areas with a centroid (lat, lon to 0.001 degree: the area's own, else the mean of the payam centroids under it), for the web application's map",
        "parameters": [
          {"name": "level", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 5}},
          {"name": "parent", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "Areas: items of pcode, name, level, parent, lat, lon (null when unknown)"},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/import-profiles": {
      "get": {"summary": "The built-in mapping profiles (data/profiles): name, description, record kind",
        "responses": {"200": {"description": "Profiles"}, "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/incidents": {
      "get": {"summary": "Incidents the caller may read as individual records (keyset pagination)",
        "parameters": [
          {"name": "area", "in": "query", "schema": {"type": "string"}, "description": "P-code: the area and everything under it"},
          {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "risk", "in": "query", "schema": {"type": "string"}},
          {"name": "organisation", "in": "query", "schema": {"type": "string"}},
          {"name": "after", "in": "query", "schema": {"type": "integer"}, "description": "the last id of the previous page"},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
        "responses": {"200": {"description": "A page of incidents", "content": {"application/json": {"schema": {"type": "object",
          "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Incident"}},
            "count": {"type": "integer"}, "next": {"type": "string"}}}}}},
          "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Enter an incident for the caller's organisation (roles with write access); needs X-CSRF-Token with a session cookie",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
          "required": ["date_start", "area_pcode", "risks"],
          "properties": {
            "source_key": {"type": "string"}, "date_start": {"type": "string", "format": "date"},
            "date_end": {"type": "string", "format": "date"}, "area_pcode": {"type": "string"},
            "risks": {"type": "array", "items": {"type": "string"}}, "act_type": {"type": "string"},
            "perpetrator": {"type": "string"}, "sensitivity": {"type": "string"},
            "narrative": {"type": "string", "maxLength": 10000, "description": "encrypted at rest"},
            "contact": {"type": "string", "maxLength": 500, "description": "encrypted at rest"},
            "location": {"type": "object", "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
              "description": "exact position, encrypted at rest; maps get it rounded to about 1 km"},
            "killed": {"type": "integer", "minimum": 0}, "injured": {"type": "integer", "minimum": 0}}}}}},
        "responses": {"201": {"description": "Created"}, "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/incidents/{id}": {
      "get": {"summary": "One incident (404 when it does not exist or the protocol hides it); the read is audited",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "The incident", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Incident"}}}},
          "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/tracing/records": {
      "get": {"summary": "Family tracing cases, registered people and tracing requests (roles that manage tracing; names included; audited)",
        "parameters": [{"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["registered", "request"]}}],
        "responses": {"200": {"description": "Cases"}, "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Add or update a case by (organisation, kind, external_id); names, relatives and date of birth are encrypted at rest; consent_for_tracing is required for registered people",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
          "required": ["kind", "external_id", "name"]}}}},
        "responses": {"201": {"description": "Stored"}, "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/tracing/records/{id}/candidates": {
      "get": {"summary": "Registered people ranked for a tracing request, 'likely' or 'possible', each with the weight every field added; records without consent and rejected pairs are never returned",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "Candidates"}, "401": {"$ref": "#/components/responses/Error"},
          "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/match-decisions": {
      "get": {"summary": "Decisions taken on proposed pairs (kind=tracing or incident)",
        "parameters": [{"name": "kind", "in": "query", "required": true, "schema": {"type": "string", "enum": ["tracing", "incident"]}}],
        "responses": {"200": {"description": "Decisions"}, "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Confirm or reject a pair (kind, left_id, right_id, decision). Tracing: left = the request, right = the registered person; a rejected pair is never proposed again. Incident: left = the incident kept, right = its duplicate, which then counts once in every aggregate. Audited.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
          "required": ["kind", "left_id", "right_id", "decision"]}}}},
        "responses": {"201": {"description": "Stored"}, "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/duplicates/incidents": {
      "get": {"summary": "Candidate duplicate incidents from different sources among those the caller may read (date window, place hierarchy, risks, counts, narrative similarity), best first, undecided pairs only",
        "parameters": [
          {"name": "area", "in": "query", "schema": {"type": "string"}},
          {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "risk", "in": "query", "schema": {"type": "string"}},
          {"name": "window", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 31}}],
        "responses": {"200": {"description": "Pairs"}, "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/audit": {
      "get": {"summary": "The audit log (coordinators and IMOs)", "responses": {"200": {"description": "Audit rows"},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/users": {
      "get": {"summary": "Accounts (roles that manage users)", "responses": {"200": {"description": "Users"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Create an account (username, password, role, organisation, display_name)",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
          "required": ["username", "password", "role"]}}}},
        "responses": {"201": {"description": "Created"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/users/{id}": {
      "put": {"summary": "Change an account's role, organisation, display name or disabled flag (a permission change, audited)",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "Changed"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/organisations": {
      "get": {"summary": "Organisations", "responses": {"200": {"description": "Organisations"}, "401": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Add an organisation (code, name, kind)", "responses": {"201": {"description": "Created"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/tokens": {
      "get": {"summary": "API tokens (one's own; all for roles that manage users)", "responses": {"200": {"description": "Tokens (never their secret)"}, "401": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Make a scoped API token for a machine client: name, scopes (read, write, export, metrics: GET /metrics only), days (1-366). The token is shown once; send it as Authorization: Bearer",
        "responses": {"201": {"description": "The token"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/tokens/{id}": {
      "delete": {"summary": "Revoke a token", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": {"description": "Revoked"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/protocol": {
      "get": {"summary": "The information-sharing protocol in force (roles, classes, levels) and its text", "responses": {"200": {"description": "The protocol"}, "401": {"$ref": "#/components/responses/Error"}}},
      "put": {"summary": "Load a new version of the protocol (TOML in {\"text\"}); validated, kept with its history, in force at once",
        "responses": {"200": {"description": "The new version"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/protocol/versions": {
      "get": {"summary": "Every version of the protocol, newest first", "responses": {"200": {"description": "Versions"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/break-glass": {
      "post": {"summary": "Break the glass: emergency access to individual records beyond one's role, for at most the protocol's minutes, with a written reason (20+ characters); audited",
        "responses": {"201": {"description": "The grant"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}},
      "get": {"summary": "Grants (one's own; all, with reasons, for reviewers)", "responses": {"200": {"description": "Grants"}, "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/break-glass/{id}": {
      "delete": {"summary": "End a grant early", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": {"description": "Ended"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/monitoring-reports": {
      "get": {"summary": "Monitoring reports the caller may read (keyset pagination)",
        "parameters": [
          {"name": "area", "in": "query", "schema": {"type": "string"}},
          {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "organisation", "in": "query", "schema": {"type": "string"}},
          {"name": "after", "in": "query", "schema": {"type": "integer"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
        "responses": {"200": {"description": "A page of reports"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Enter a key-informant or area monitoring report: period_start, period_end, area_pcode, respondent_type, answers [{risk, present, severity}]",
        "responses": {"201": {"description": "Created"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/monitoring-reports/{id}": {
      "get": {"summary": "One monitoring report (404 when hidden); audited", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "The report"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/analysis": {
      "get": {"summary": "The monthly analysis per area and risk: figures, trends, phases. Safe aggregates (small numbers suppressed) for every reader who may not read all individual incidents; classes the protocol hides are left out. Records placed above the level are in not_further_located (one line per area they are placed on, counts only) and not_further_located_incidents",
        "parameters": [
          {"name": "level", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 5}, "description": "0 countries, 1 states, 2 counties, 3 payams (default 2)"},
          {"name": "period", "in": "query", "schema": {"type": "string"}, "description": "2024-03, 2024-Q1 or 2024; default the latest month"},
          {"name": "within", "in": "query", "schema": {"type": "string"}, "description": "only under this P-code, or country (ISO3)"},
          {"name": "safe", "in": "query", "schema": {"type": "boolean"}},
          {"name": "compare", "in": "query", "schema": {"type": "boolean"}, "description": "true: each area also holds previous and last_year (period, overall_phase, incidents as those periods' analyses publish them to the caller; phase_change and incidents_change, null where a value of either period is withheld or suppressed) and direction (worse, better, same, unknown)"},
          {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "hxl"]}}],
        "responses": {"200": {"description": "The analysis"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/exports/incidents": {
      "get": {"summary": "Export the incidents the caller may read, with pseudonymous ids and without personal fields; formulas neutralised; audited",
        "parameters": [{"name": "format", "in": "query", "required": true, "schema": {"type": "string", "enum": ["csv", "xlsx", "json", "hxl"]}},
          {"name": "area", "in": "query", "schema": {"type": "string"}},
          {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
          {"name": "organisation", "in": "query", "schema": {"type": "string"}},
          {"name": "after", "in": "query", "schema": {"type": "integer"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
        "responses": {"200": {"description": "The file"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/exports/analysis": {
      "get": {"summary": "Export the analysis table (safe aggregates as for GET /api/v1/analysis)",
        "parameters": [{"name": "format", "in": "query", "required": true, "schema": {"type": "string", "enum": ["csv", "xlsx", "json", "hxl"]}},
          {"name": "level", "in": "query", "schema": {"type": "integer"}},
          {"name": "period", "in": "query", "schema": {"type": "string"}},
          {"name": "within", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The file"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/imports": {
      "post": {"summary": "Upload a file to import (the body is the file; up to 256 MB); runs in the background",
        "parameters": [
          {"name": "profile", "in": "query", "required": true, "schema": {"type": "string"}},
          {"name": "file_name", "in": "query", "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {"202": {"description": "Accepted; poll status_url (the id is the import run's, answered by every server process)"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/imports/{id}": {
      "get": {"summary": "Progress and result of an import (rows, bytes, summary); bytes, phase and the summary's detail only from the server process that runs it; the reason a failed import stopped from any", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "The import"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/imports/{id}/quarantine": {
      "get": {"summary": "The rows an import set aside, each with its reason and how to fix it; audited", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "Rows"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/alerts": {
      "post": {"summary": "Send a flash alert: a compact SMS text (ALERT <P-code or place> <risk> <free text>, parsed with place, risk, urgency and a confidence; stored even when it cannot be parsed, flagged needs_review) or structured fields; routed at once by the routing rules (data/alerts/routing.toml). Roles that may write incidents.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
          "text": {"type": "string", "description": "the message as received from the relay"}, "sender": {"type": "string", "description": "the relay's sender (sealed at rest)"},
          "channel": {"type": "string", "enum": ["api", "sms", "web"]}, "area_pcode": {"type": "string"}, "risks": {"type": "array", "items": {"type": "string"}},
          "urgency": {"type": "string", "enum": ["immediate", "high", "medium", "low"]}, "free_text": {"type": "string"}}}}}},
        "responses": {"201": {"description": "The alert as the caller may see it, with routed_to"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}},
      "get": {"summary": "Alerts, newest first: every alert for coordination (coordinator, IMO), else the caller's inbox. Outside recipients and viewers see place, threat and time only.",
        "parameters": [{"name": "status", "in": "query", "schema": {"type": "string"}}, {"name": "needs_review", "in": "query", "schema": {"type": "boolean"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
        "responses": {"200": {"description": "items, count"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/alerts/inbox": {
      "get": {"summary": "Alerts delivered to the caller's organisation or role (in-app inbox)",
        "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}],
        "responses": {"200": {"description": "items, count"}, "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/alerts/board": {
      "get": {"summary": "The alerts board: open alerts, whom each waits on, overdue acknowledgements, deliveries not yet made (coordinator, IMO)",
        "responses": {"200": {"description": "open, overdue, needs_review, with_undelivered, items"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/alerts/{id}": {
      "get": {"summary": "One alert; for coordination also its history (who, when, why), deliveries and possible_duplicates (open alerts likely about the same event)", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "The alert"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/alerts/{id}/status": {
      "post": {"summary": "A triage step: new, verified, unverified, escalated, responded or closed, with a reason (coordinator, IMO)", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["status", "reason"],
          "properties": {"status": {"type": "string"}, "reason": {"type": "string"}}}}}},
        "responses": {"200": {"description": "Done"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/alerts/{id}/merge": {
      "post": {"summary": "Merge a duplicate alert of the same event into another (it is closed, merged_into set), with a reason (coordinator, IMO)", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["into", "reason"],
          "properties": {"into": {"type": "integer"}, "reason": {"type": "string"}}}}}},
        "responses": {"200": {"description": "Done"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/alerts/{id}/ack": {
      "post": {"summary": "Acknowledge an alert sent to the caller (stops its escalation); the first acknowledgement is kept", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "acknowledged, first"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/services": {
      "get": {"summary": "The service directory: entries the caller may read, of every organisation (GBV-specialised services only to roles the protocol allows confidential services); the contact point where the caller may see personal fields; audited",
        "parameters": [
          {"name": "area", "in": "query", "schema": {"type": "string"}, "description": "services covering this P-code (serving it, an area above it, or a place below it)"},
          {"name": "type", "in": "query", "schema": {"type": "string"}, "description": "a service_type of data/taxonomy/vocabularies.json"},
          {"name": "organisation", "in": "query", "schema": {"type": "string"}},
          {"name": "active", "in": "query", "schema": {"type": "boolean"}, "description": "active and accepting referrals only"},
          {"name": "after", "in": "query", "schema": {"type": "integer"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
        "responses": {"200": {"description": "A page of services"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Enter a service of the caller's organisation: service_type, provider or provider_name, pcodes, and optionally name, provider_type, modality, groups_served, languages, hours, accepts_referrals, gbv_specialised (at least confidential), status, assured_date, sensitivity, contact",
        "responses": {"201": {"description": "Created: id, source_key, sensitivity"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/services/export": {
      "get": {"summary": "Export the service directory the caller may export as a 3W/4W table (HXL tags #org, #sector, #activity, #adm1+code, #adm2+code, #service, #date): one row per entry and area served, without the contact point; imports again with the aegis-directory profile; audited by entry",
        "parameters": [{"name": "format", "in": "query", "required": true, "schema": {"type": "string", "enum": ["csv", "xlsx", "json", "hxl"]}},
          {"name": "area", "in": "query", "schema": {"type": "string"}, "description": "P-code: entries covering this area"},
          {"name": "type", "in": "query", "schema": {"type": "string"}, "description": "a service_type"},
          {"name": "organisation", "in": "query", "schema": {"type": "string"}, "description": "the owning organisation's code"},
          {"name": "active", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}}],
        "responses": {"200": {"description": "The file"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/services/coverage": {
      "get": {"summary": "Per area of a level and service type: the active services covering it and their providers (0 where none: the gap map's counts). Entries the caller may not read are not counted",
        "parameters": [
          {"name": "level", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 5}, "description": "admin level (default 2)"},
          {"name": "type", "in": "query", "schema": {"type": "string"}},
          {"name": "country", "in": "query", "schema": {"type": "string"}, "description": "ISO3"}],
        "responses": {"200": {"description": "level, items [{pcode, service_type, services, providers}], areas_without"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/services/recipients": {
      "get": {"summary": "Where to refer a person: the active services accepting referrals that cover the area, nearest level first (distance in admin levels), each with confirmed (checked in the last 90 days); audited",
        "parameters": [
          {"name": "area", "in": "query", "required": true, "schema": {"type": "string"}, "description": "the P-code of the person's area"},
          {"name": "type", "in": "query", "required": true, "schema": {"type": "string"}, "description": "a service_type"}],
        "responses": {"200": {"description": "area, service_type, items"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/services/{id}": {
      "get": {"summary": "One service (404 when hidden); audited", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "The service"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}},
      "put": {"summary": "Replace a service's fields (the fields of POST); only the organisation that owns it, within what its role may write", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "Changed"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/analysis/changes": {
      "get": {"summary": "What changed against the previous period, at every admin level under the selection: the areas whose overall phase rose (direction=worse, the default), fell, stayed, or cannot be compared because a phase of either period is withheld (unknown); each with its published phase and incidents, and the previous period's and the same period last year's (as GET /api/v1/analysis?compare=true). Safe aggregates for the same readers as the analysis: a difference is given only between published values, never with a suppressed count",
        "parameters": [
          {"name": "period", "in": "query", "schema": {"type": "string"}, "description": "2024-03, 2024-Q1 or 2024; default the latest month"},
          {"name": "within", "in": "query", "schema": {"type": "string"}, "description": "only under this P-code, or country (ISO3)"},
          {"name": "safe", "in": "query", "schema": {"type": "boolean"}},
          {"name": "direction", "in": "query", "schema": {"type": "string", "enum": ["worse", "better", "same", "unknown", "all"]}}],
        "responses": {"200": {"description": "period, previous_period, last_year_period, safe, levels, direction, counts, areas"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/analysis/gaps": {
      "get": {"summary": "The service-gap map: per area of the level and service type, the highest phase in the period of the risks the type answers (data/services/answers.toml), the active services covering the area and their providers, and the referrals closed there as service_unavailable; gap = phase 3 or worse with no service or with referrals turned away. Phases as the analysis publishes them to the caller (withheld in safe outputs where they would reveal a small count); a referral count under the threshold is not published in safe outputs. ?format=hxl for HXL CSV",
        "parameters": [
          {"name": "level", "in": "query", "schema": {"type": "integer"}},
          {"name": "period", "in": "query", "schema": {"type": "string"}},
          {"name": "within", "in": "query", "schema": {"type": "string"}},
          {"name": "type", "in": "query", "schema": {"type": "string"}, "description": "one service type"},
          {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "hxl"]}}],
        "responses": {"200": {"description": "period, level, safe, gaps, items"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/referrals": {
      "post": {"summary": "Send a referral from the caller's organisation: receiving_organisation, service_type (or service_id of the receiver's directory entry), priority (emergency 24 h, urgent 72 h, normal 14 days to accept), purpose, origin (incident, alert, tracing, field, direct) and origin_id, area, case_code, person {name, phone, location, sex, age} (sealed), reason, services_provided, gbv, client_id (a resend with the same id creates nothing twice), and consent {given_by (person or caregiver), caregiver_relation, purpose, receiving_organisation, fields (which of name, phone, location, sex, age, reason the receiver sees), given_at, expires_at}. Without valid consent for that recipient and purpose: 422 naming what is missing, unless override_reason is given and the protocol lets the role override consent (audited)",
        "responses": {"201": {"description": "id, due_at, overridden"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}},
      "get": {"summary": "Referrals the caller's organisation sent or received (newest first), each with only the person's fields the caller may see: the receiver those the consent lists while it is in force, never a GBV survivor's name; audited",
        "parameters": [
          {"name": "side", "in": "query", "schema": {"type": "string", "enum": ["sent", "received"]}},
          {"name": "status", "in": "query", "schema": {"type": "string"}},
          {"name": "overdue", "in": "query", "schema": {"type": "boolean"}, "description": "sent and not accepted by the deadline"},
          {"name": "after", "in": "query", "schema": {"type": "integer"}},
          {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "items, count, next"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/referrals/notices": {
      "get": {"summary": "Notices of referrals to the caller's organisation and role (received, accepted, rejected, closed, withdrawn, overdue): ids and codes, never a person's field",
        "responses": {"200": {"description": "items"}, "401": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/referrals/{id}": {
      "get": {"summary": "One referral with its history (404 when hidden), with only the person's fields the caller may see; audited", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "The referral"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/referrals/{id}/status": {
      "post": {"summary": "Move a referral: the receiver accepts, rejects (with a reason) or closes (with an outcome: service_provided, already_received, declined, service_unavailable, not_applicable); the referrer withdraws (with a reason). Any other transition: 422", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "id, status"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/referrals/{id}/consent/withdraw": {
      "post": {"summary": "Record that the person withdrew consent: from now on the receiving organisation sees none of the person's fields", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "id, consent"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages": {
      "get": {"summary": "Life-saving messages, newest first (any role that drafts, approves, sends or manages contacts): texts by language with their SMS segments, status, author and approver",
        "parameters": [{"name": "status", "in": "query", "schema": {"type": "string", "enum": ["draft", "approved", "sending", "sent", "withdrawn"]}}, {"name": "alert", "in": "query", "schema": {"type": "integer"}}, {"name": "after", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "items"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Draft a message: title, content_type, risks, alert_id (closing that alert withdraws it), areas (P-codes), channels (sms, email, radio), base_language and translations (ISO 639-3 -> text). A text with a phone number or a registered person's name, an unknown language or area, or an SMS text over 10 segments is a 400 naming the field",
        "responses": {"201": {"description": "id, status"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages/segments": {
      "get": {"summary": "SMS segments of a text: GSM-7 (160, or 153 per part; ^ { } \\ [ ] ~ | and the euro sign count two) or UCS-2 (70, or 67 per part) and the characters that forced UCS-2",
        "parameters": [{"name": "text", "in": "query", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "encoding, units, segments, non_gsm"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages/suggestions": {
      "get": {"summary": "A message suggested for each open alert whose risk has a template (data/messaging/templates.json), in every language of the template, naming up to three providers of the needed services that cover the area (never a GBV-specialised service)",
        "responses": {"200": {"description": "items: alert_id, area, area_name, risk, message"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages/receipts": {
      "post": {"summary": "The SMS gateway's delivery receipts (an sms_gateway account's API token): receipts [{idempotency_key, status: delivered|failed}]",
        "responses": {"200": {"description": "received, matched"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages/inbound": {
      "post": {"summary": "An inbound SMS from the gateway: from, text. STOP, ARRET or the Arabic stop word from a known number opts the contact out at once; answers opted_out, already_stopped, unknown_number or ignored (never the number)",
        "responses": {"200": {"description": "action"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages/{id}": {
      "get": {"summary": "One message with what it costs (contacts reached by channel and language after the fallback, SMS segments each and in all) and its sends by state", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "The message"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}},
      "put": {"summary": "Change a draft (its author's organisation); a message no longer a draft: 422", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "id, status"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages/{id}/approve": {
      "post": {"summary": "Approve another person's draft, in person (never an API token); its author: 403. The texts are checked again", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "id, status"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages/{id}/send": {
      "post": {"summary": "Send an approved message to the active contacts of its areas on each channel they take, now or at send_at_ms; every area must be one the role sends to (message_areas)", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "id, status, enqueued"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages/{id}/withdraw": {
      "post": {"summary": "Withdraw a message not sent in full, with a reason: its sends not yet handed to the gateway are cancelled", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "id, status"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/messages/{id}/script": {
      "get": {"summary": "A radio script of an approved message, in the language asked (lang, ISO 639-3) or by the fallback", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "text/plain"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/contacts": {
      "get": {"summary": "Contacts who opted in, with their phone numbers (the role that manages contacts only; its own organisation's when own_org_only); audited by contact",
        "parameters": [{"name": "area", "in": "query", "schema": {"type": "string"}}, {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["active", "stopped", "blocked"]}}, {"name": "after", "in": "query", "schema": {"type": "integer"}}, {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "items"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Register a contact who opted in: phone (E.164, checked with libphonenumber), language (ISO 639-3), areas, channels (sms, email), email, opted_in_date, opted_in_via (structure, field, import, entered). A number that opted out stays out",
        "responses": {"200": {"description": "id (updated)"}, "201": {"description": "id, created"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/contacts/counts": {
      "get": {"summary": "Contacts by status (active, stopped, blocked) in an area and below: counts, never a number",
        "parameters": [{"name": "area", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "area, contacts"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/contacts/{id}/opt-out": {
      "post": {"summary": "Opt a contact out at once: every send not yet handed to the gateway is cancelled", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "id, status, changed"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}
    }
  }
})JSON";
}

}  // namespace

std::string OpenApiDocument(const std::vector<RouteInfo>& routes) {
  auto doc = nlohmann::ordered_json::parse(Document());
  for (const RouteInfo& r : routes) {
    std::string method = r.method;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    auto& paths = doc["paths"];
    if (!paths.contains(r.path) || !paths[r.path].contains(method)) continue;  // the test fails
    paths[r.path][method]["x-aegis-action"] = r.action.empty() ? "public" : r.action;
  }
  return doc.dump(1);
}

}  // namespace aegis::server
