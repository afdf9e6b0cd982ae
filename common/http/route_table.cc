// RouteTable; see route_table.h.
#include "common/http/route_table.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace qudao::http {
namespace {

std::vector<absl::string_view> SplitPath(absl::string_view path) {
  return absl::StrSplit(path, '/');
}

}  // namespace

std::string Request::Header(absl::string_view name) const {
  auto it = headers.find(absl::AsciiStrToLower(name));
  return it == headers.end() ? "" : it->second;
}

void Response::SetHeader(absl::string_view name, absl::string_view value) {
  for (auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) {
      v = std::string(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::string(value));
}

std::string Response::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

void Response::SetContent(std::string content, absl::string_view type) {
  body = std::move(content);
  SetHeader("Content-Type", type);
}

void RouteTable::Add(std::string method, std::string pattern, Handler handler) {
  Route route;
  route.method = std::move(method);
  for (absl::string_view s : SplitPath(pattern)) {
    route.segments.emplace_back(s);
  }
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

bool RouteTable::Match(const Route& route,
                       const std::vector<absl::string_view>& segments,
                       PathParams* params) {
  if (route.segments.size() != segments.size()) return false;
  PathParams found;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      found[want.substr(1, want.size() - 2)] = std::string(segments[i]);
    } else if (want != segments[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

std::string RouteTable::Dispatch(const Request& request,
                                 Response& response) const {
  const std::vector<absl::string_view> segments = SplitPath(request.path);
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    PathParams params;
    if (!Match(route, segments, &params)) continue;
    if (route.method == request.method ||
        (request.method == "HEAD" && route.method == "GET")) {
      route.handler(request, params, response);
      if (request.method == "HEAD") response.body.clear();
      return route.pattern;
    }
    allowed.insert(route.method);
  }
  if (allowed.empty()) {
    response.status = 404;
  } else {
    if (allowed.count("GET") > 0) allowed.insert("HEAD");
    response.status = 405;
    response.SetHeader("Allow", absl::StrJoin(allowed, ", "));
  }
  if (error_renderer_) error_renderer_(request, response);
  return "";
}

}  // namespace qudao::http
