#include "server/openapi.h"

namespace aegis::server {

std::string OpenApiDocument() {
  return R"JSON({
  "openapi": "3.0.3",
  "info": {
    "title": "Aegis API",
    "version": "1",
    "description": "The information system of a Protection Cluster. Every read of individual records is filtered by the caller's role and organisation under the information-sharing protocol. Errors have one shape: {\"error\": {\"code\", \"message\", \"field\"}}. Unsafe methods with a session cookie need the X-CSRF-Token header returned at sign-in."
  },
  "components": {
    "securitySchemes": {
      "session": {"type": "apiKey", "in": "cookie", "name": "aegis_session"}
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
          "sensitivity": {"type": "string"}, "narrative": {"type": "string"},
          "killed": {"type": "integer", "nullable": true}, "injured": {"type": "integer", "nullable": true}
        }
      }
    },
    "responses": {
      "Error": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  },
  "security": [{"session": []}],
  "paths": {
    "/api/v1/openapi.json": {
      "get": {"summary": "This document", "security": [], "responses": {"200": {"description": "The OpenAPI document"}}}
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
      "get": {"summary": "The signed-in user and a fresh CSRF token", "responses": {"200": {"description": "The user"},
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
            "narrative": {"type": "string", "maxLength": 10000},
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
    "/api/v1/audit": {
      "get": {"summary": "The audit log (coordinators and IMOs)", "responses": {"200": {"description": "Audit rows"},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/users": {
      "get": {"summary": "Accounts (coordinators and IMOs)", "responses": {"200": {"description": "Users"},
        "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}
    }
  }
})JSON";
}

}  // namespace aegis::server
