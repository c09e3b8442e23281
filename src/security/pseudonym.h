// Pseudonyms: stable, non-reversible identifiers for exports and shared datasets.
//
//   Pseudonym(keyring, "person", "4711")  ->  "P-7K3Q9D2M0XWB4T1R"
//
// = "P-" + the first 80 bits, in Crockford base32 (digits and capitals without I, L, O, U: easy
// to read aloud and type), of HMAC-SHA256 under the pseudonym subkey ("AegisPsn") over the
// canonical message len|"aegis-pseudonym-v1"|len|kind|len|id (8-byte big-endian lengths).
// 80 bits make a collision among ten million identifiers about a 1 in 10^10 event.
//
// Properties:
//  - the same (kind, id) gives the same pseudonym with the same key file, in every export, on
//    every machine holding that key file: recipients can link records of one person across
//    exports without learning who it is;
//  - different kinds give unrelated pseudonyms (a person id and an incident id "12" differ), and
//    so do different key files (two deployments cannot link their exports);
//  - without the key file a pseudonym cannot be reversed or confirmed, even for a guessed id.
//    With the key file, anyone can compute the pseudonym of a guessed id: feed it internal ids
//    (random or database keys), never names, phone numbers or case numbers a third party knows.
//
// Stability across rotation: pseudonyms use the key file's dedicated pseudonym key (purpose
// "pseudonym", id "p1"), which Keyring::Rotate never replaces, so `aegis keys rotate` does not
// change them. Deliberately changing them (for instance after that key leaked) means a new
// pseudonym key and re-issuing every export; no code does that today.
//
// Thread-safe (the Keyring is only read).
#pragma once

#include <string>
#include <string_view>

#include "security/keyring.h"

namespace aegis::security {

// Length of the base32 part (80 bits).
inline constexpr size_t kPseudonymChars = 16;

// The pseudonym of record `id` of kind `kind` ("person", "incident", "organisation", ...: fixed
// lower-case names; a kind is part of the input, so keep using the same spelling).
std::string Pseudonym(const Keyring& keyring, std::string_view kind, std::string_view id);

}  // namespace aegis::security
