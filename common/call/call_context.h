// What a call carries to the calls it makes: its deadline, correlation id,
// W3C trace context and the caller's credentials. Plain data, free of gRPC,
// so operations (which do not know gRPC) can pass it from the adapter that
// received a call to the client that makes the next one.
#pragma once

#include <string>

#include "absl/time/time.h"

namespace qudao {

struct CallContext {
  // The incoming call's deadline; outgoing calls inherit it (capped).
  absl::Time deadline = absl::InfiniteFuture();
  // Ties together the log lines and downstream calls of one request.
  std::string correlation_id;
  // W3C trace context, forwarded unchanged.
  std::string traceparent;
  std::string tracestate;
  // The bearer token to present: the end user's when acting for a person.
  // Empty: the calling service's own account (ServiceClientOptions).
  std::string authorization;
  // The partner dealer a gateway call acts for, forwarded with the
  // gateway's token.
  std::string partner_dealer_id;
};

}  // namespace qudao
