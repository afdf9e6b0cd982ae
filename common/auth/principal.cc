// Principals and roles; see principal.h.
#include "common/auth/principal.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"

namespace qudao::auth {
namespace {

constexpr std::array<absl::string_view, static_cast<int>(Role::kCount)>
    kRoleNames = {
        "sales_rep",       "sales_manager",    "credit_controller",
        "credit_manager",  "pricing_manager",  "support_agent",
        "support_manager", "service_engineer", "admin",
        "pricing",         "credit_control",   "customer_records",
        "dealer_support",  "gateway",          "warehouse",
};

}  // namespace

absl::string_view RoleName(Role role) {
  return kRoleNames[static_cast<int>(role)];
}

std::optional<Role> RoleFromName(absl::string_view name) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == name) return static_cast<Role>(i);
  }
  return std::nullopt;
}

bool IsServiceAccount(Role role) {
  return static_cast<int>(role) >= static_cast<int>(Role::kPricingService);
}

RoleSet RoleSet::All() {
  RoleSet s;
  for (int i = 0; i < static_cast<int>(Role::kCount); ++i) {
    s.Add(static_cast<Role>(i));
  }
  return s;
}

RoleSet RoleSet::Staff() {
  RoleSet s;
  for (int i = 0; i < static_cast<int>(Role::kCount); ++i) {
    if (!IsServiceAccount(static_cast<Role>(i))) s.Add(static_cast<Role>(i));
  }
  return s;
}

std::vector<Role> RoleSet::roles() const {
  std::vector<Role> out;
  for (int i = 0; i < static_cast<int>(Role::kCount); ++i) {
    if (Has(static_cast<Role>(i))) out.push_back(static_cast<Role>(i));
  }
  return out;
}

std::string RoleSet::ToString() const {
  std::vector<absl::string_view> names;
  for (Role r : roles()) names.push_back(RoleName(r));
  return absl::StrJoin(names, ", ");
}

std::string RoleSet::Describe() const {
  std::vector<std::string> parts;
  std::vector<absl::string_view> staff, services;
  bool all_staff = true, all_services = true;
  for (int i = 0; i < static_cast<int>(Role::kCount); ++i) {
    const Role role = static_cast<Role>(i);
    const bool service = IsServiceAccount(role);
    if (Has(role)) {
      (service ? services : staff).push_back(RoleName(role));
    } else {
      (service ? all_services : all_staff) = false;
    }
  }
  if (all_staff) {
    parts.push_back("all staff");
  } else if (!staff.empty()) {
    parts.push_back(absl::StrJoin(staff, ", "));
  }
  if (all_services) {
    parts.push_back("every service account");
  } else if (!services.empty()) {
    parts.push_back(
        absl::StrCat("service accounts: ", absl::StrJoin(services, ", ")));
  }
  return parts.empty() ? "nobody" : absl::StrJoin(parts, "; ");
}

std::string Principal::DisplayName() const {
  if (is_partner()) {
    return absl::StrCat("partner:", partner_dealer_id, " via ", subject);
  }
  return subject;
}

absl::StatusOr<std::string> ActorOf(const Principal& principal,
                                    absl::string_view field,
                                    absl::string_view body_value) {
  if (body_value.empty() || body_value == principal.subject) {
    return principal.subject;
  }
  return WithField(
      Refusal(absl::StatusCode::kInvalidArgument, kReasonActorMismatch,
              absl::StrCat(field, ": ", QuoteInput(body_value),
                           " is not who is calling (",
                           QuoteInput(principal.subject),
                           "); leave it empty, it is taken from your token")),
      field);
}

absl::Status RequireSomeoneElse(const Principal& principal,
                                absl::string_view other_subject,
                                absl::string_view what,
                                absl::string_view who_else) {
  if (other_subject.empty() || principal.subject != other_subject) {
    return absl::OkStatus();
  }
  return Refusal(absl::StatusCode::kPermissionDenied, kReasonFourEyes,
                 absl::StrCat("four eyes: you cannot decide ", what,
                              " yourself; ", who_else, " must"));
}

}  // namespace qudao::auth
