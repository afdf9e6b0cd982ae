// Serving unary RPCs; see unary.h.
#include "common/grpc/unary.h"

#include <google/protobuf/reflection.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/grpc/client.h"
#include "common/validation/validation.h"

namespace qudao {

namespace {

bool IsServerFault(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kResourceExhausted;
}

// Whether the status carries a reason of its own (set on purpose, with a
// message meant for the caller), not just its code's name.
bool HasOwnReason(const absl::Status& status) {
  return ReasonOf(status) !=
         absl::AsciiStrToUpper(absl::StatusCodeToString(status.code()));
}

}  // namespace

absl::Status ForCaller(const absl::Status& status,
                       absl::string_view correlation_id) {
  if (status.ok() || !IsServerFault(status.code()) || HasOwnReason(status)) {
    return status;
  }
  log::Error("request failed on the server side",
             {{"code", absl::StatusCodeToString(status.code())},
              {"error", std::string(status.message())}});
  const char* what =
      status.code() == absl::StatusCode::kUnavailable
          ? "the service cannot reach what it needs right now; retry later"
      : status.code() == absl::StatusCode::kResourceExhausted
          ? "the service is out of capacity for this request right now; "
            "retry later"
          : "the service failed to complete the request";
  return WithReason(
      absl::Status(status.code(), absl::StrCat(what, " (correlation id ",
                                               correlation_id, ")")),
      status.code() == absl::StatusCode::kUnavailable ? "BACKEND_UNAVAILABLE"
      : status.code() == absl::StatusCode::kResourceExhausted
          ? "RESOURCE_EXHAUSTED"
          : "INTERNAL");
}

grpc::ServerUnaryReactor* ServeOnPool(grpc::CallbackServerContext* context,
                                      WorkerPool& pool,
                                      std::function<absl::Status()> handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool accepted =
      pool.Schedule([context, reactor, handler = std::move(handler)]() {
        const std::string correlation_id = CorrelationIdOf(*context);
        log::ScopedContext log_context({{"correlation_id", correlation_id}});
        absl::Status status;
        if (context->IsCancelled()) {
          status = absl::CancelledError("the caller cancelled the request");
        } else if (context->deadline() < std::chrono::system_clock::now()) {
          status = absl::DeadlineExceededError(
              "the request's deadline passed while it waited to be served");
        } else {
          status = ForCaller(handler(), correlation_id);
        }
        AttachErrorMetadata(context, status);
        reactor->Finish(ToGrpcStatus(status));
      });
  if (!accepted) {
    const absl::Status busy =
        WithReason(absl::ResourceExhaustedError(
                       "the server is overloaded; retry with backoff"),
                   kReasonOverloaded);
    AttachErrorMetadata(context, busy);
    reactor->Finish(ToGrpcStatus(busy));
  }
  return reactor;
}

CallContext Call::Outgoing() const {
  CallContext out = CallContextOf(*context);
  out.authorization = principal.token;
  out.partner_dealer_id = principal.partner_dealer_id;
  return out;
}

storage::IdempotentRequest Call::Idempotent(absl::string_view request_id,
                                            std::string fingerprint) const {
  return storage::IdempotentRequest::FromCaller(
      method, principal.DisplayName(), request_id, std::move(fingerprint));
}

absl::StatusOr<auth::Principal> Authenticate(
    const grpc::ServerContextBase& context,
    const auth::TokenVerifier& verifier) {
  const auto& md = context.client_metadata();
  auto value = [&md](const char* key) -> std::optional<std::string> {
    auto it = md.find(key);
    if (it == md.end()) return std::nullopt;
    return std::string(it->second.data(), it->second.size());
  };
  const std::optional<std::string> header = value(kAuthorizationKey);
  if (!header.has_value() || header->empty()) {
    return Refusal(absl::StatusCode::kUnauthenticated,
                   auth::kReasonUnauthenticated,
                   "no credentials: send a bearer token in the "
                   "'authorization' metadata ('Bearer <token>'; `qudao "
                   "login` gets one)");
  }
  absl::string_view token = *header;
  // The scheme is case-insensitive (RFC 9110).
  if (token.size() < 7 ||
      !absl::EqualsIgnoreCase(token.substr(0, 7), "Bearer ")) {
    return Refusal(absl::StatusCode::kUnauthenticated,
                   auth::kReasonTokenInvalid,
                   "the 'authorization' metadata must be 'Bearer <token>'");
  }
  token.remove_prefix(7);
  ASSIGN_OR_RETURN(auth::Principal principal, verifier.Verify(token));
  if (std::optional<std::string> partner = value(kPartnerDealerKey)) {
    if (!principal.roles.Has(auth::Role::kGatewayService)) {
      return Refusal(absl::StatusCode::kPermissionDenied,
                     auth::kReasonPartnerNotAllowed,
                     absl::StrCat("only the gateway's account may act for a "
                                  "partner ('",
                                  kPartnerDealerKey, "' metadata)"));
    }
    RETURN_IF_ERROR(RequireDealerId(kPartnerDealerKey, *partner));
    principal.partner_dealer_id = *std::move(partner);
  }
  return principal;
}

namespace internal {
namespace {

// A serving thread's reusable first arena block.
struct ThreadBlock {
  std::unique_ptr<char[]> data;
  bool held = false;
};
thread_local ThreadBlock thread_block;

}  // namespace

ArenaBlockLease::ArenaBlockLease() {
  if (thread_block.held) return;
  if (thread_block.data == nullptr) {
    thread_block.data = std::make_unique<char[]>(kArenaThreadBlock);
  }
  thread_block.held = true;
  data_ = thread_block.data.get();
}

ArenaBlockLease::~ArenaBlockLease() {
  if (data_ != nullptr) thread_block.held = false;
}

std::string StringField(const google::protobuf::Message& message,
                        absl::string_view name) {
  if (name.empty()) return "";
  // A dotted path walks singular message fields: "dealer.dealer_id".
  const google::protobuf::Message* at = &message;
  std::vector<std::string> parts = absl::StrSplit(name, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const google::protobuf::FieldDescriptor* field =
        at->GetDescriptor()->FindFieldByName(parts[i]);
    if (field == nullptr || field->is_repeated()) return "";
    if (i + 1 == parts.size()) {
      if (field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
        return "";
      }
      return at->GetReflection()->GetString(*at, field);
    }
    if (field->cpp_type() !=
        google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      return "";
    }
    at = &at->GetReflection()->GetMessage(*at, field);
  }
  return "";
}

void SetStringField(google::protobuf::Message& message, absl::string_view name,
                    absl::string_view value) {
  const google::protobuf::FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr || field->is_repeated() ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return;
  }
  message.GetReflection()->SetString(&message, field, std::string(value));
}

absl::Status ScopeToPartner(const auth::Principal& principal,
                            const auth::MethodRule& rule,
                            google::protobuf::Message& request) {
  if (!principal.is_partner() ||
      rule.partner != auth::PartnerAccess::kOwnDealer) {
    return absl::OkStatus();
  }
  const std::string asked = StringField(request, "dealer_id");
  if (asked.empty()) {
    SetStringField(request, "dealer_id", principal.partner_dealer_id);
    return absl::OkStatus();
  }
  if (!principal.Reaches(asked)) {
    RETURN_IF_ERROR(RequireDealerId("dealer_id", asked));
    // As if it did not exist (the stores' words): a partner must not learn
    // which ids do.
    return absl::NotFoundError(
        absl::StrCat("dealer ", asked, " does not exist"));
  }
  return absl::OkStatus();
}

void CheckPermissionTable(const google::protobuf::ServiceDescriptor& service,
                          const auth::PermissionTable& table) {
  bool ok = table.service() == service.full_name();
  for (int i = 0; i < service.method_count(); ++i) {
    const auth::MethodRule* rule = table.Find(service.method(i)->name());
    if (rule == nullptr) {
      log::Error("a method has no row in its permission table",
                 {{"service", service.full_name()},
                  {"method", service.method(i)->name()}});
      ok = false;
      continue;
    }
    // The partner rule scopes a request by its dealer_id: a method open to
    // partners for their own dealer must have one, or it would not be
    // scoped at all.
    const google::protobuf::FieldDescriptor* dealer =
        service.method(i)->input_type()->FindFieldByName("dealer_id");
    if (rule->partner == auth::PartnerAccess::kOwnDealer &&
        (dealer == nullptr || dealer->is_repeated() ||
         dealer->type() != google::protobuf::FieldDescriptor::TYPE_STRING)) {
      log::Error(
          "a method open to partners for their own dealer has no "
          "dealer_id in its request",
          {{"service", service.full_name()},
           {"method", service.method(i)->name()}});
      ok = false;
    }
  }
  for (const auth::MethodRule& rule : table.rules()) {
    if (service.FindMethodByName(rule.method) == nullptr) {
      log::Error("a permission row names no method of its service",
                 {{"service", service.full_name()}, {"method", rule.method}});
      ok = false;
    }
  }
  GPR_ASSERT(ok);
}

absl::Status RunCall(
    const Serving& serving, const auth::MethodRule& rule,
    const std::string& method, grpc::CallbackServerContext* context,
    const std::function<absl::Status(const Call&, storage::AuditScope*)>&
        body) {
  Call call;
  call.context = context;
  call.method = method;
  call.correlation_id = CorrelationIdOf(*context);
  const bool audited = rule.access == auth::Access::kWrite;
  std::optional<storage::AuditScope> scope;
  if (audited) {
    storage::AuditEvent event;
    event.time = serving.clock->Now();
    event.method = method;
    event.correlation_id = call.correlation_id;
    scope.emplace(std::move(event));
  }
  bool authenticated = false;
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(call.principal, Authenticate(*context, *serving.verifier));
    authenticated = true;
    if (scope) {
      storage::AuditEvent& event = scope->event();
      event.principal = call.principal.subject;
      event.roles = call.principal.roles.ToString();
      event.partner_dealer_id = call.principal.partner_dealer_id;
    }
    RETURN_IF_ERROR(auth::PermissionTable::Authorize(call.principal, rule));
    return body(call, scope ? &*scope : nullptr);
  }();
  // A call that did not authenticate names nobody: it is counted by the
  // RPC metrics and logged, not audited (an anonymous flood must not grow
  // the trail or hold a writer per call).
  if (scope && authenticated && !scope->recorded()) {
    // Refused, failed, or a replay: nothing was written with the event.
    storage::AuditEvent event = scope->event();
    event.outcome =
        status.ok()
            ? "OK"
            : absl::AsciiStrToUpper(absl::StatusCodeToString(status.code()));
    event.reason =
        status.ok() ? (scope->replayed() ? "REPLAY" : "") : ReasonOf(status);
    if (absl::Status appended =
            storage::AppendAuditEvent(*serving.database, event);
        !appended.ok()) {
      log::Error("could not append to the audit trail",
                 {{"method", method},
                  {"outcome", event.outcome},
                  {"error", std::string(appended.message())}});
    }
  }
  return status;
}

}  // namespace internal

}  // namespace qudao
