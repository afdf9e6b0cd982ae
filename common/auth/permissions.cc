// The permission table; see permissions.h.
#include "common/auth/permissions.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace qudao::auth {

PermissionTable::PermissionTable(std::string service,
                                 std::vector<MethodRule> rules)
    : service_(std::move(service)), rules_(std::move(rules)) {}

const MethodRule* PermissionTable::Find(absl::string_view method) const {
  for (const MethodRule& rule : rules_) {
    if (rule.method == method) return &rule;
  }
  return nullptr;
}

absl::Status PermissionTable::Authorize(const Principal& principal,
                                        const MethodRule& rule) {
  if (principal.is_partner()) {
    if (rule.partner == PartnerAccess::kNone) {
      return Refusal(absl::StatusCode::kPermissionDenied,
                     kReasonPartnerNotAllowed,
                     absl::StrCat(rule.method, " is not open to partners"));
    }
    return absl::OkStatus();
  }
  if (principal.roles.Intersects(rule.roles)) return absl::OkStatus();
  return Refusal(
      absl::StatusCode::kPermissionDenied, kReasonRoleRequired,
      absl::StrCat(rule.method, " needs one of the roles ",
                   rule.roles.ToString(), "; ", principal.subject,
                   principal.roles.empty()
                       ? " has none"
                       : absl::StrCat(" has ", principal.roles.ToString())));
}

std::string PermissionTable::Markdown() const {
  std::string out = absl::StrCat("#### ", service_,
                                 "\n\n| RPC | kind | roles | partner | rules "
                                 "|\n|---|---|---|---|---|\n");
  for (const MethodRule& rule : rules_) {
    absl::StrAppend(&out, "| ", rule.method, " | ",
                    rule.access == Access::kWrite ? "write" : "read", " | ",
                    rule.roles.Describe(), " | ",
                    rule.partner == PartnerAccess::kOwnDealer ? "own dealer"
                    : rule.partner == PartnerAccess::kShared  ? "yes"
                                                              : "—",
                    " | ", rule.note.empty() ? "—" : rule.note, " |\n");
  }
  return out;
}

}  // namespace qudao::auth
