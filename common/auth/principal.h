// Who is calling: the principal a verified token names, its roles, and (for
// calls the partner gateway makes) the partner dealer it acts for. Plain
// C++, no gRPC or crypto: rules libraries use it for ownership and
// four-eyes checks.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qudao::auth {

// The roles of qudao. Staff roles first, then service accounts (the
// systems that call services for themselves: reconcilers, scheduled runs,
// the gateway, the warehouse that ships orders).
enum class Role : int {
  kSalesRep = 0,
  kSalesManager,
  kCreditController,
  kCreditManager,
  kPricingManager,
  kSupportAgent,
  kSupportManager,
  kServiceEngineer,
  kAdmin,
  // Service accounts.
  kPricingService,
  kCreditControlService,
  kCustomerRecordsService,
  kDealerSupportService,
  kGatewayService,
  kWarehouseService,
  kCount,
};

// The role's name in tokens: "sales_rep", ..., "admin"; service accounts
// are "pricing", "credit_control", "customer_records", "dealer_support",
// "gateway", "warehouse".
absl::string_view RoleName(Role role);
// The role a name stands for; nullopt for names qudao does not know (an
// identity provider may put other roles in the same claim).
std::optional<Role> RoleFromName(absl::string_view name);
bool IsServiceAccount(Role role);

// A set of roles.
class RoleSet {
 public:
  RoleSet() = default;
  RoleSet(std::initializer_list<Role> roles) {
    for (Role r : roles) Add(r);
  }
  static RoleSet All();
  static RoleSet Staff();

  void Add(Role role) { bits_ |= Bit(role); }
  bool Has(Role role) const { return (bits_ & Bit(role)) != 0; }
  bool Intersects(RoleSet other) const { return (bits_ & other.bits_) != 0; }
  bool empty() const { return bits_ == 0; }
  RoleSet Union(RoleSet other) const {
    RoleSet s;
    s.bits_ = bits_ | other.bits_;
    return s;
  }
  std::vector<Role> roles() const;
  // "sales_rep, admin" in the enum's order.
  std::string ToString() const;
  // For people reading tables: "all staff; service accounts: gateway".
  std::string Describe() const;

  bool operator==(const RoleSet& o) const { return bits_ == o.bits_; }

 private:
  static uint32_t Bit(Role r) { return uint32_t{1} << static_cast<int>(r); }
  uint32_t bits_ = 0;
};

struct Principal {
  // The token's `sub`: a staff member ("li.wei") or a service account
  // ("svc-gateway").
  std::string subject;
  RoleSet roles;
  // Set when the gateway calls for a partner: the partner's dealer id. The
  // principal is then the partner, reaching only that dealer's resources.
  std::string partner_dealer_id;
  // The verified bearer token, forwarded when this service calls another
  // on the principal's behalf.
  std::string token;
  // When the token expires.
  absl::Time expires = absl::InfiniteFuture();

  bool is_partner() const { return !partner_dealer_id.empty(); }
  // Whether the principal may see resources of `dealer_id`: staff and
  // service accounts (as their roles allow) every dealer's, a partner only
  // its own. A resource it may not see is answered NOT_FOUND, exactly as
  // a missing one.
  bool Reaches(absl::string_view dealer_id) const {
    return !is_partner() || dealer_id == partner_dealer_id;
  }
  bool Has(Role role) const { return !is_partner() && roles.Has(role); }
  bool HasAny(RoleSet set) const {
    return !is_partner() && roles.Intersects(set);
  }
  // Who did it, as audit records and "changed_by" fields show it:
  // "li.wei", or "partner:DL… via svc-gateway".
  std::string DisplayName() const;
};

// Reasons of refusals about who is calling.
inline constexpr char kReasonUnauthenticated[] = "UNAUTHENTICATED";
inline constexpr char kReasonTokenExpired[] = "TOKEN_EXPIRED";
inline constexpr char kReasonTokenInvalid[] = "TOKEN_INVALID";
inline constexpr char kReasonRoleRequired[] = "ROLE_REQUIRED";
inline constexpr char kReasonNotOwner[] = "NOT_OWNER";
inline constexpr char kReasonFourEyes[] = "FOUR_EYES";
inline constexpr char kReasonActorMismatch[] = "ACTOR_MISMATCH";
inline constexpr char kReasonPartnerNotAllowed[] = "PARTNER_NOT_ALLOWED";

// The actor field of a request (`approved_by`, `released_by`...): who did
// it comes from the token, never from the body. Empty in the body: the
// principal's subject. Equal to it: fine. Anything else: INVALID_ARGUMENT
// ACTOR_MISMATCH naming the field, so nobody records a decision in
// someone else's name.
absl::StatusOr<std::string> ActorOf(const Principal& principal,
                                    absl::string_view field,
                                    absl::string_view body_value);

// Four eyes: `principal` may not decide about `what` when they are
// `other_subject` (the requester, the owner, the one who placed it).
// PERMISSION_DENIED FOUR_EYES naming who else must act.
absl::Status RequireSomeoneElse(const Principal& principal,
                                absl::string_view other_subject,
                                absl::string_view what,
                                absl::string_view who_else);

}  // namespace qudao::auth
