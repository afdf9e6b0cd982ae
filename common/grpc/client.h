// Calling other qudao services: one long-lived channel per target shared by
// the process (`dns:///host:port` targets with round_robin so every replica
// behind a headless Service gets calls), and client contexts whose deadline
// comes from the call being served.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"

namespace qudao {

// The process-wide channel for `target`, created on first use.
std::shared_ptr<grpc::Channel> SharedChannel(const std::string& target);

// A context for a call made while serving `incoming`: it inherits the
// incoming deadline (capped at `max_timeout`) and cancellation, and forwards
// the correlation id and the W3C trace context (traceparent, tracestate).
std::unique_ptr<grpc::ClientContext> OutgoingContext(
    const grpc::CallbackServerContext& incoming, absl::Duration max_timeout);

// A context for a call that starts here (CLI, gateway, tests), with the
// given correlation id or a new one.
std::unique_ptr<grpc::ClientContext> OutgoingContext(
    absl::Duration timeout, const std::string& correlation_id = "");

}  // namespace qudao
