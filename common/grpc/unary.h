// Serving unary RPCs: the one place a request's bytes become a message, the
// caller is authenticated and authorized, the call is audited, and a status
// goes back to the caller.
//
// A service adapter derives from ServedService<pb::FooService> and, in its
// constructor, names a handler per method:
//
//   Handle<pb::GetDealerRequest, pb::Dealer>(
//       "GetDealer", [this](const Call& call, const pb::GetDealerRequest& req,
//                           pb::Dealer* out) { return GetDealer(call, req,
//                           out); });
//
// Before a handler runs, in this order:
//   1. the bearer token in `authorization` is verified (UNAUTHENTICATED
//      otherwise); a partner dealer header is believed only from the
//      gateway's service account;
//   2. the method's row of the service's PermissionTable is applied
//      (PERMISSION_DENIED); for a partner on an own-dealer method, the
//      request's dealer_id must be the partner's (another dealer is
//      NOT_FOUND; an empty one is set to the partner's);
//   3. the bytes are parsed: bytes that are not the method's request
//      (invalid UTF-8 in a string field, garbage) get INVALID_ARGUMENT
//      "could not parse request" (gRPC 1.51's generated handlers would
//      answer a bare UNIMPLEMENTED).
// A write (Access::kWrite) is audited: allowed or refused, its event is
// appended to the service's audit trail, in the transaction of its change
// when it commits one (storage/audit.h).
//
// The handler runs on the module's worker pool (it may do database I/O;
// gRPC's threads never block), every log line it writes carries the call's
// correlation id, and its status is mapped once: the reason and field
// travel in trailing metadata, and a server-side fault (UNAVAILABLE,
// INTERNAL, DATA_LOSS, UNKNOWN, or RESOURCE_EXHAUSTED without a reason of
// its own) reaches the caller as a plain message quoting the correlation
// id, its detail (hosts, SQL, library text) going to the log.
#pragma once

#include <google/protobuf/arena.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/auth/permissions.h"
#include "common/auth/principal.h"
#include "common/auth/tokens.h"
#include "common/call/call_context.h"
#include "common/clock/clock.h"
#include "common/concurrency/worker_pool.h"
#include "common/grpc/audit_trail.h"
#include "common/grpc/observability.h"
#include "common/grpc/status.h"
#include "common/log/log.h"
#include "common/status/macros.h"
#include "common/storage/audit.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"

namespace qudao {

inline constexpr char kReasonMalformedRequest[] = "MALFORMED_REQUEST";
inline constexpr char kReasonOverloaded[] = "OVERLOADED";

// What the caller sees of `status`: itself, or for a server-side fault a
// message it can act on that quotes the correlation id (the detail is
// logged here).
absl::Status ForCaller(const absl::Status& status,
                       absl::string_view correlation_id);

// Runs `handler` on `pool` and finishes `reactor` with its status.
grpc::ServerUnaryReactor* ServeOnPool(grpc::CallbackServerContext* context,
                                      WorkerPool& pool,
                                      std::function<absl::Status()> handler);

// What a handler knows about its call.
struct Call {
  grpc::CallbackServerContext* context = nullptr;
  // "CreditControlService/SetCreditLimit".
  std::string method;
  auth::Principal principal;
  std::string correlation_id;

  // For calls this one makes on the principal's behalf: its deadline,
  // correlation id, trace context and credentials.
  CallContext Outgoing() const;
  // The idempotency record of a keyed write, scoped by method and caller.
  storage::IdempotentRequest Idempotent(absl::string_view request_id,
                                        std::string fingerprint) const;
};

// What every served service of a module shares.
struct Serving {
  WorkerPool* workers = nullptr;
  const auth::TokenVerifier* verifier = nullptr;
  // The service's table; every method must have a row.
  const auth::PermissionTable* permissions = nullptr;
  // Where the audit trail is kept (the module's database).
  storage::Database* database = nullptr;
  const Clock* clock = &Clock::Real();
};

// Metadata the gateway sets to act for a partner dealer.
inline constexpr char kPartnerDealerKey[] = "x-qudao-partner-dealer";
inline constexpr char kAuthorizationKey[] = "authorization";

// The principal of a call: its verified bearer token, and the partner it
// acts for when the gateway's account sends kPartnerDealerKey.
absl::StatusOr<auth::Principal> Authenticate(
    const grpc::ServerContextBase& context,
    const auth::TokenVerifier& verifier);

namespace internal {

// A message's string field at `name` ("dealer_id", "dealer.dealer_id"), or
// "".
std::string StringField(const google::protobuf::Message& message,
                        absl::string_view name);
// Sets it (for scoping a partner's list to its dealer).
void SetStringField(google::protobuf::Message& message, absl::string_view name,
                    absl::string_view value);

// One call of `rule`'s method: authenticates, authorizes, audits a write,
// and runs `body` (which parses and handles) with the call and, for a
// write, its pending audit event.
absl::Status RunCall(
    const Serving& serving, const auth::MethodRule& rule,
    const std::string& method, grpc::CallbackServerContext* context,
    const std::function<absl::Status(const Call&, storage::AuditScope*)>& body);

// The partner rule of an own-dealer method on `request`.
absl::Status ScopeToPartner(const auth::Principal& principal,
                            const auth::MethodRule& rule,
                            google::protobuf::Message& request);

// Aborts when the table and the service's methods disagree (a method
// without a row, a row without a method).
void CheckPermissionTable(const google::protobuf::ServiceDescriptor& service,
                          const auth::PermissionTable& table);

}  // namespace internal

// A call's arena: its first block, and the largest it grows blocks to.
inline constexpr size_t kArenaStartBlock = 4096;
inline constexpr size_t kArenaMaxBlock = 64 * 1024;
// Each serving thread's first block, reused call after call (a 10-line
// quote with its explanations fits; a larger answer grows past it).
inline constexpr size_t kArenaThreadBlock = 64 * 1024;

namespace internal {

// This thread's first arena block while a call holds it; empty (no block)
// when a call on this thread already does.
class ArenaBlockLease {
 public:
  ArenaBlockLease();
  ~ArenaBlockLease();
  ArenaBlockLease(const ArenaBlockLease&) = delete;
  ArenaBlockLease& operator=(const ArenaBlockLease&) = delete;

  char* data() const { return data_; }
  size_t size() const { return data_ != nullptr ? kArenaThreadBlock : 0; }

 private:
  char* data_ = nullptr;
};

}  // namespace internal

template <typename GeneratedService>
class ServedService : public GeneratedService::CallbackService {
 protected:
  explicit ServedService(Serving serving) : serving_(serving) {
    GPR_ASSERT(serving_.workers != nullptr && serving_.verifier != nullptr &&
               serving_.permissions != nullptr && serving_.database != nullptr);
    internal::CheckPermissionTable(*Descriptor(), *serving_.permissions);
  }

  template <typename Request, typename Response>
  using Handler =
      std::function<absl::Status(const Call&, const Request&, Response*)>;

  // Serves the method `name` of GeneratedService with `handler`.
  template <typename Request, typename Response>
  void Handle(absl::string_view name, Handler<Request, Response> handler) {
    const google::protobuf::MethodDescriptor* method =
        Descriptor()->FindMethodByName(std::string(name));
    GPR_ASSERT(method != nullptr);
    const auth::MethodRule* rule = serving_.permissions->Find(name);
    GPR_ASSERT(rule != nullptr);
    const std::string path =
        absl::StrCat(Descriptor()->name(), "/", method->name());
    const Serving* serving = &serving_;
    this->MarkMethodRawCallback(
        method->index(),
        new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer,
                                                 grpc::ByteBuffer>(
            [serving, rule, path, handler = std::move(handler)](
                grpc::CallbackServerContext* context,
                const grpc::ByteBuffer* request_bytes,
                grpc::ByteBuffer* response_bytes) {
              return ServeOnPool(context, *serving->workers, [=, &handler]() {
                return internal::RunCall(
                    *serving, *rule, path, context,
                    [&](const Call& call,
                        storage::AuditScope* audit) -> absl::Status {
                      return Serve<Request, Response>(call, *rule, handler,
                                                      request_bytes,
                                                      response_bytes, audit);
                    });
              });
            }));
  }

  // Serves ListAuditEvents over the module's audit trail.
  void ServeAuditTrail() {
    storage::Database* db = serving_.database;
    Handle<type::v1::ListAuditEventsRequest, type::v1::ListAuditEventsResponse>(
        "ListAuditEvents",
        [db](const Call&, const type::v1::ListAuditEventsRequest& request,
             type::v1::ListAuditEventsResponse* response) {
          return ListAuditEvents(*db, request, response);
        });
  }

  const Serving& serving() const { return serving_; }

 private:
  static const google::protobuf::ServiceDescriptor* Descriptor() {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            GeneratedService::service_full_name());
    GPR_ASSERT(service != nullptr);
    return service;
  }

  template <typename Request, typename Response>
  static absl::Status Serve(const Call& call, const auth::MethodRule& rule,
                            const Handler<Request, Response>& handler,
                            const grpc::ByteBuffer* request_bytes,
                            grpc::ByteBuffer* response_bytes,
                            storage::AuditScope* audit) {
    // The request, the response and everything in them live on one arena
    // per call, freed at once when the response has been serialized
    // (malloc and free of a large answer's many strings and messages were
    // a third of a quote's CPU).
    internal::ArenaBlockLease block;
    google::protobuf::ArenaOptions options;
    options.start_block_size = kArenaStartBlock;
    options.max_block_size = kArenaMaxBlock;
    options.initial_block = block.data();
    options.initial_block_size = block.size();
    google::protobuf::Arena arena(options);
    Request& request = *google::protobuf::Arena::CreateMessage<Request>(&arena);
    grpc::ByteBuffer copy(*request_bytes);
    grpc::ProtoBufferReader reader(&copy);
    if (!request.ParseFromZeroCopyStream(&reader)) {
      return WithReason(
          absl::InvalidArgumentError(
              "could not parse request: the bytes are not a valid " +
              Request::descriptor()->full_name() + " (strings must be UTF-8)"),
          kReasonMalformedRequest);
    }
    if (audit != nullptr) {
      storage::AuditEvent& event = audit->event();
      event.request_id = internal::StringField(request, "request_id");
      const std::string id = internal::StringField(request, rule.id_field);
      if (!id.empty()) {
        event.resource = absl::StrCat(rule.collection, "/", id);
      } else {
        // A create: the id is in the response, recorded with the change.
        audit->resource_of_response = [&rule](absl::string_view bytes) {
          Response stored;
          if (!stored.ParseFromArray(bytes.data(),
                                     static_cast<int>(bytes.size()))) {
            return std::string();
          }
          const std::string id = internal::StringField(stored, rule.id_field);
          return id.empty() ? std::string()
                            : absl::StrCat(rule.collection, "/", id);
        };
      }
    }
    RETURN_IF_ERROR(internal::ScopeToPartner(call.principal, rule, request));
    Response& response =
        *google::protobuf::Arena::CreateMessage<Response>(&arena);
    RETURN_IF_ERROR(handler(call, request, &response));
    if (audit != nullptr && audit->event().resource.empty()) {
      const std::string id = internal::StringField(response, rule.id_field);
      if (!id.empty()) {
        audit->event().resource = absl::StrCat(rule.collection, "/", id);
      }
    }
    bool own = false;
    grpc::Status serialized = grpc::SerializationTraits<Response>::Serialize(
        response, response_bytes, &own);
    if (!serialized.ok()) {
      return absl::InternalError("could not serialize the response");
    }
    return absl::OkStatus();
  }

  Serving serving_;
};

}  // namespace qudao
