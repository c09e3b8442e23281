// The OpenAPI 3 document of /api/v1, written by hand as the API's contract; a test checks that
// every route the server registers is in it and that it lists no route the server lacks.
#pragma once

#include <string>

namespace aegis::server {

std::string OpenApiDocument();

}  // namespace aegis::server
