// Page tokens: base64url("p1" NUL filter NUL last_key).
#include "common/pagination/pagination.h"

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qudao {

absl::StatusOr<PageRequest> ParsePageRequest(int64_t page_size,
                                             absl::string_view page_token,
                                             absl::string_view filter) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must not be negative (got ", page_size, ")"));
  }
  PageRequest page;
  page.limit =
      page_size == 0
          ? kDefaultPageSize
          : static_cast<int>(std::min<int64_t>(page_size, kMaxPageSize));
  if (page_token.empty()) return page;
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(page_token, &decoded)) {
    return absl::InvalidArgumentError(
        "page_token is not a token returned by this method");
  }
  std::vector<std::string> parts =
      absl::StrSplit(decoded, absl::MaxSplits('\0', 2));
  if (parts.size() != 3 || parts[0] != "p1" || parts[2].empty()) {
    return absl::InvalidArgumentError(
        "page_token is not a token returned by this method");
  }
  if (parts[1] != filter) {
    return absl::InvalidArgumentError(
        "page_token was issued for different filters; repeat the first "
        "request's filters or start without a page_token");
  }
  page.after_key = std::move(parts[2]);
  return page;
}

std::string MakePageToken(absl::string_view last_key,
                          absl::string_view filter) {
  return absl::WebSafeBase64Escape(
      absl::StrCat("p1", absl::string_view("\0", 1), filter,
                   absl::string_view("\0", 1), last_key));
}

}  // namespace qudao
