// The OpenAPI 3 document of /api/v1, written by hand as the API's contract; a test checks that
// every route the server registers is in it and that it lists no route the server lacks. Each
// operation carries the authorization kernel's action of its route as `x-aegis-action`, taken
// from the routes as registered ("public" for routes without a caller), so the authorization
// matrix test generated from this document covers every route.
#pragma once

#include <string>
#include <vector>

#include "server/server.h"

namespace aegis::server {

std::string OpenApiDocument(const std::vector<RouteInfo>& routes);

}  // namespace aegis::server
