// Who a request comes from, for per-client limits: the peer's address, or,
// when the peer is a load balancer or proxy the gateway trusts, the client
// it names in X-Forwarded-For (the nearest address that is not itself a
// trusted proxy). An untrusted peer cannot choose its own address by
// sending the header.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qudao::gateway {

class TrustedProxies {
 public:
  // Comma-separated addresses or CIDR ranges, IPv4 or IPv6:
  // "10.0.0.0/8,192.168.1.7,fd00::/8". INVALID_ARGUMENT naming a bad one.
  static absl::StatusOr<TrustedProxies> Parse(absl::string_view list);

  bool Contains(absl::string_view address) const;

  // The client address of a request from `peer` with this X-Forwarded-For.
  std::string ClientOf(absl::string_view peer,
                       absl::string_view forwarded_for) const;

 private:
  struct Range {
    int family;
    unsigned char bytes[16];
    int prefix_bits;
  };
  std::vector<Range> ranges_;
};

}  // namespace qudao::gateway
