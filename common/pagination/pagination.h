// Keyset pagination: page tokens carry the last key returned, so every page
// is one index range scan (`WHERE key > $last ORDER BY key LIMIT n`) and
// stays fast at any depth, unlike OFFSET. Tokens are opaque to clients and
// bound to the query's filters.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qudao {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

struct PageRequest {
  // Rows to return (the query fetches limit + 1 to know if more exist).
  int limit = kDefaultPageSize;
  // The last key of the previous page; empty on the first page.
  std::string after_key;
};

// Validates page_size (negative is INVALID_ARGUMENT, 0 is the default,
// oversize is clamped) and decodes page_token. `filter` is a canonical
// description of the query's filters; a token made for other filters is
// INVALID_ARGUMENT.
absl::StatusOr<PageRequest> ParsePageRequest(int64_t page_size,
                                             absl::string_view page_token,
                                             absl::string_view filter);

// The token that continues after `last_key` for the same filters.
std::string MakePageToken(absl::string_view last_key, absl::string_view filter);

// Finishes a page read with `LIMIT page.limit + 1`: drops the extra item,
// if there is one, and returns the token continuing after the last item
// kept (its key is `key(item)`), or "" when there are no more.
template <typename T, typename KeyOf>
std::string TrimToPage(std::vector<T>& items, const PageRequest& page,
                       absl::string_view filter, KeyOf key) {
  if (static_cast<int>(items.size()) <= page.limit) return "";
  items.erase(items.begin() + page.limit, items.end());
  return MakePageToken(key(items.back()), filter);
}

}  // namespace qudao
