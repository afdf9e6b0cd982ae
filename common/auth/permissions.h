// Who may call what: one table per service, a row per RPC with the roles
// allowed and what a partner (a dealer through the gateway) may do. The
// serving layer checks the row before a handler runs (a method without a
// row is a build-time bug: the service refuses to start); rules that need
// data (a rep changes only the dealers they own; a partner reaches only its
// own dealer) live in the operations, which get the Principal.
// docs/security.md prints every table (a test keeps it in step).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/auth/principal.h"

namespace qudao::auth {

enum class Access {
  // Reads nothing but reads: not audited.
  kRead,
  // Changes data: audited, allowed or refused.
  kWrite,
};

enum class PartnerAccess {
  // Partners may not call it.
  kNone,
  // Partners may, for their own dealer's resources only; another dealer's
  // resource is NOT_FOUND (never PERMISSION_DENIED, which would confirm it
  // exists). The request's dealer_id must be the partner's (empty is set
  // to it); other resources are checked by the operation.
  kOwnDealer,
  // Partners may; the resource belongs to no dealer (the product
  // catalogue).
  kShared,
};

struct MethodRule {
  // The method's name within its service: "SetCreditLimit".
  std::string method;
  Access access = Access::kRead;
  // Staff roles and service accounts that may call it.
  RoleSet roles;
  PartnerAccess partner = PartnerAccess::kNone;
  // The audit trail's resource: the collection ("dealers") and the request
  // field holding the id ("dealer_id", "dealer.dealer_id"); when the
  // request's is empty (a create), the response's.
  std::string collection;
  std::string id_field;
  // Rules beyond the roles, in words, for docs/security.md: "a sales_rep
  // only for dealers they own".
  std::string note;
};

class PermissionTable {
 public:
  // `service`: the proto service's full name.
  PermissionTable(std::string service, std::vector<MethodRule> rules);

  const std::string& service() const { return service_; }
  const std::vector<MethodRule>& rules() const { return rules_; }
  // The row of `method`, or null.
  const MethodRule* Find(absl::string_view method) const;

  // Whether `principal` may call the method of `rule`: PERMISSION_DENIED
  // ROLE_REQUIRED naming the roles that may, or PARTNER_NOT_ALLOWED.
  static absl::Status Authorize(const Principal& principal,
                                const MethodRule& rule);

  // The table in Markdown, as docs/security.md prints it.
  std::string Markdown() const;

 private:
  std::string service_;
  std::vector<MethodRule> rules_;
};

}  // namespace qudao::auth
