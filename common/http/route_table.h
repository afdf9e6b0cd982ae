// HTTP routing as a table: each route is a method and a path pattern
// ("/v1/dealers/{dealer_id}") with a handler. The table decides 404 (no
// route has the path) and 405 with an Allow header (the path exists under
// other methods), so every endpoint answers the same way whichever server
// carries the bytes. The request and response types are qudao's own, so
// the server underneath can change without touching a handler.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace qudao::http {

struct Request {
  std::string method;
  // The path, percent-decoded, without the query.
  std::string path;
  std::string query;
  // Header names in lower case.
  std::multimap<std::string, std::string> headers;
  std::string body;
  // The peer's IP address as text.
  std::string peer;

  // The first value of header `name` (any case), or "".
  std::string Header(absl::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetHeader(absl::string_view name, absl::string_view value);
  std::string Header(absl::string_view name) const;
  void SetContent(std::string body, absl::string_view content_type);
};

// The values of a route's {placeholders}, by name.
using PathParams = std::map<std::string, std::string>;
using Handler =
    std::function<void(const Request&, const PathParams&, Response&)>;

class RouteTable {
 public:
  // Called when the table answers by itself (404, 405) to fill in the
  // body; the status is already set.
  using ErrorRenderer = std::function<void(const Request&, Response&)>;

  // `pattern` is "/"-separated; a segment "{name}" matches any one
  // non-empty segment and is passed to the handler under `name`.
  void Add(std::string method, std::string pattern, Handler handler);
  void SetErrorRenderer(ErrorRenderer renderer) {
    error_renderer_ = std::move(renderer);
  }

  // Fills in the body of an error the transport decided (413, 400...)
  // whose status is already set, as the table does for 404 and 405.
  void RenderError(const Request& request, Response& response) const {
    if (error_renderer_) error_renderer_(request, response);
  }

  // Runs the matching route's handler, or answers 404 / 405 (with Allow).
  // Returns the pattern that matched ("" for none), e.g. for metrics.
  std::string Dispatch(const Request& request, Response& response) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::string pattern;
    Handler handler;
  };
  static bool Match(const Route& route,
                    const std::vector<absl::string_view>& segments,
                    PathParams* params);

  std::vector<Route> routes_;
  ErrorRenderer error_renderer_;
};

}  // namespace qudao::http
