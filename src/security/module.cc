// The security module: password hashing, field encryption, pseudonyms and the audit hash chain.
// (This file keeps the module non-empty while its parts are written.)
namespace aegis::security {}
