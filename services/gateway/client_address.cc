// TrustedProxies; see client_address.h.
#include "services/gateway/client_address.h"

#include <arpa/inet.h>

#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qudao::gateway {
namespace {

// The address's family and bytes, or false.
bool ParseAddress(absl::string_view text, int* family, unsigned char* bytes) {
  const std::string s(absl::StripAsciiWhitespace(text));
  if (inet_pton(AF_INET, s.c_str(), bytes) == 1) {
    *family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), bytes) == 1) {
    *family = AF_INET6;
    return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(absl::string_view list) {
  TrustedProxies out;
  for (absl::string_view item : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) continue;
    Range r{};
    absl::string_view address = item;
    const size_t slash = item.find('/');
    if (slash != absl::string_view::npos) address = item.substr(0, slash);
    if (!ParseAddress(address, &r.family, r.bytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat("trusted proxy '", item, "' is not an IP address"));
    }
    const int max_bits = r.family == AF_INET ? 32 : 128;
    r.prefix_bits = max_bits;
    if (slash != absl::string_view::npos &&
        (!absl::SimpleAtoi(item.substr(slash + 1), &r.prefix_bits) ||
         r.prefix_bits < 0 || r.prefix_bits > max_bits)) {
      return absl::InvalidArgumentError(
          absl::StrCat("trusted proxy '", item, "' has a bad prefix length"));
    }
    out.ranges_.push_back(r);
  }
  return out;
}

bool TrustedProxies::Contains(absl::string_view address) const {
  int family = 0;
  unsigned char bytes[16] = {};
  if (!ParseAddress(address, &family, bytes)) return false;
  for (const Range& r : ranges_) {
    if (r.family != family) continue;
    const int full = r.prefix_bits / 8;
    const int rest = r.prefix_bits % 8;
    if (std::memcmp(r.bytes, bytes, full) != 0) continue;
    if (rest != 0) {
      const unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
      if ((r.bytes[full] & mask) != (bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

std::string TrustedProxies::ClientOf(absl::string_view peer,
                                     absl::string_view forwarded_for) const {
  if (!Contains(peer) || forwarded_for.empty()) return std::string(peer);
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',');
  // From the nearest hop outwards, skipping proxies we trust.
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const absl::string_view hop = absl::StripAsciiWhitespace(*it);
    int family = 0;
    unsigned char bytes[16];
    if (!ParseAddress(hop, &family, bytes)) return std::string(peer);
    if (!Contains(hop)) return std::string(hop);
  }
  return std::string(absl::StripAsciiWhitespace(hops.front()));
}

}  // namespace qudao::gateway
