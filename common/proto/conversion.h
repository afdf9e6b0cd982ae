// Conversions between qudao's domain types and the shared proto types, and
// the canonical bytes of a request for idempotency fingerprints. Needs
// protobuf, not gRPC: stores and caches may use it too.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "common/money/payment_term.h"
#include "qudao/type/v1/money.pb.h"
#include "qudao/type/v1/payment_term.pb.h"

namespace qudao {

// Converts and validates a Money message (currency known); errors name
// `field`.
absl::StatusOr<Money> MoneyFromProto(absl::string_view field,
                                     const qudao::type::v1::Money& proto);
qudao::type::v1::Money MoneyToProto(const Money& money);
// The same, set in place (on the message's arena, if any).
void MoneyToProto(const Money& money, qudao::type::v1::Money* out);

// A payment term, checked (CheckPaymentTerm); errors name `field`.
absl::StatusOr<PaymentTerm> PaymentTermFromProto(
    absl::string_view field, const qudao::type::v1::PaymentTerm& proto);
qudao::type::v1::PaymentTerm PaymentTermToProto(const PaymentTerm& term);

google::protobuf::Timestamp TimeToProto(absl::Time t);
absl::Time TimeFromProto(const google::protobuf::Timestamp& ts);

// Deterministic bytes of a message.
std::string CanonicalBytes(const google::protobuf::Message& message);

// The idempotency fingerprint of a request: its canonical bytes without
// the top-level `request_id` and without every field marked
// [(qudao.type.v1.output_only) = true], at any depth. A retry that sends
// back what the server returned (ids, times) is the same request; a change
// to anything the operation reads is not.
std::string RequestFingerprint(const google::protobuf::Message& request);

// A message as the partner API shows it: JSON with the proto's field names.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);
// A JSON request body into `message`: unknown fields and malformed JSON
// are INVALID_ARGUMENT (field "body") naming what is wrong.
absl::Status FromJson(absl::string_view json,
                      google::protobuf::Message* message);

// Routes libprotobuf's own messages ("[libprotobuf ERROR ...] String field
// contains invalid UTF-8") through the JSON logger, so every line a process
// writes stays JSON. Call once at start-up.
void InstallProtobufLogHandler();

}  // namespace qudao
