// `qudao login`, `qudao logout` and `qudao audit`.
//   qudao login --as=li.wei --role=credit_controller   (development issuer)
//   qudao login --with_token < token.jwt               (the company's IdP)
//   qudao audit --service=credit_control [--principal=...] [--resource=...]
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/auth/dev_issuer.h"
#include "common/auth/principal.h"
#include "common/auth/private_file.h"
#include "common/proto/conversion.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "tools/qudao/cli.h"

namespace qudao::cli {
namespace {

// Stores `token` where ClientOptions reads it, readable by the user only.
absl::Status StoreToken(const std::string& token) {
  return auth::WritePrivateFile(TokenFilePath(), token + "\n");
}

void AddLogin(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "login",
      "get a token for the CLI: from the development issuer of `qudao dev` "
      "(--as, --role), or one from your identity provider (--with_token)");
  struct Flags {
    std::string as;
    std::vector<std::string> roles;
    std::string data_dir = ".qudao-data";
    double hours = 8;
    bool with_token = false;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("--as", flags->as, "who you are, e.g. li.wei");
  cmd->add_option("--role", flags->roles,
                  "a role (repeat for several): sales_rep, sales_manager, "
                  "credit_controller, credit_manager, pricing_manager, "
                  "support_agent, support_manager, service_engineer, admin");
  cmd->add_option("--data_dir", flags->data_dir,
                  "the data directory of `qudao dev`")
      ->capture_default_str();
  cmd->add_option("--hours", flags->hours, "how long the token lasts")
      ->check(CLI::Range(0.01, 24.0))
      ->capture_default_str();
  cmd->add_flag("--with_token", flags->with_token,
                "read a token issued elsewhere from standard input");
  cmd->callback([flags, exit_code] {
    std::string token;
    if (flags->with_token) {
      token = std::string(std::istreambuf_iterator<char>(std::cin), {});
      token = std::string(absl::StripAsciiWhitespace(token));
      if (token.empty()) {
        std::fprintf(stderr, "error: no token on standard input\n");
        *exit_code = 2;
        return;
      }
    } else {
      if (flags->as.empty() || flags->roles.empty()) {
        std::fprintf(stderr,
                     "error: give --as=NAME and at least one --role=ROLE "
                     "(or --with_token)\n");
        *exit_code = 2;
        return;
      }
      for (const std::string& role : flags->roles) {
        if (!auth::RoleFromName(role).has_value()) {
          std::fprintf(stderr, "error: --role: '%s' is not a qudao role\n",
                       role.c_str());
          *exit_code = 2;
          return;
        }
      }
      auto issuer = auth::DevIssuer::Open(
          std::filesystem::absolute(flags->data_dir).string(),
          /*create=*/false);
      if (!issuer.ok()) {
        std::fprintf(stderr, "error: %s\n",
                     std::string(issuer.status().message()).c_str());
        *exit_code = 1;
        return;
      }
      auth::TokenClaims claims;
      claims.subject = flags->as;
      claims.roles = flags->roles;
      claims.issuer = issuer->issuer();
      claims.lifetime =
          absl::Seconds(static_cast<int64_t>(flags->hours * 3600));
      auto minted = issuer->signer().Mint(claims);
      if (!minted.ok()) {
        std::fprintf(stderr, "error: %s\n",
                     std::string(minted.status().message()).c_str());
        *exit_code = 1;
        return;
      }
      token = *std::move(minted);
    }
    if (absl::Status stored = StoreToken(token); !stored.ok()) {
      std::fprintf(stderr, "error: %s\n",
                   std::string(stored.message()).c_str());
      *exit_code = 1;
      return;
    }
    if (flags->with_token) {
      std::fprintf(stderr, "token stored in %s\n", TokenFilePath().c_str());
    } else {
      std::fprintf(stderr, "logged in as %s (%s) for %g hours; token in %s\n",
                   flags->as.c_str(), absl::StrJoin(flags->roles, ", ").c_str(),
                   flags->hours, TokenFilePath().c_str());
    }
  });
}

void AddLogout(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("logout", "forget the stored token");
  cmd->callback([exit_code] {
    std::error_code ec;
    std::filesystem::remove(TokenFilePath(), ec);
    if (ec) {
      std::fprintf(stderr, "error: cannot remove %s: %s\n",
                   TokenFilePath().c_str(), ec.message().c_str());
      *exit_code = 1;
    }
  });
}

void AddAudit(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "audit",
      "a service's audit trail: every mutating call, allowed or refused, "
      "newest first (admin)");
  auto options = std::make_shared<ClientOptions>();
  struct Flags {
    std::string service;
    std::string principal;
    std::string resource;
    std::string since;
    std::string until;
    int page_size = 50;
    std::string page_token;
  };
  auto flags = std::make_shared<Flags>();
  cmd->add_option("--service", flags->service, "whose trail")
      ->required()
      ->check(CLI::IsMember(
          {"customer_records", "pricing", "credit_control", "dealer_support"}));
  cmd->add_option("--principal", flags->principal,
                  "only calls by this subject");
  cmd->add_option("--resource", flags->resource,
                  "only calls on this resource, e.g. dealers/dlr_...");
  cmd->add_option("--since", flags->since,
                  "only calls at or after this time (RFC 3339)");
  cmd->add_option("--until", flags->until,
                  "only calls before this time (RFC 3339)");
  cmd->add_option("--page_size", flags->page_size)->capture_default_str();
  cmd->add_option("--page_token", flags->page_token);
  AddClientOptions(cmd, options.get());
  cmd->callback([options, flags, exit_code] {
    type::v1::ListAuditEventsRequest req;
    req.set_principal(flags->principal);
    req.set_resource(flags->resource);
    req.set_page_size(flags->page_size);
    req.set_page_token(flags->page_token);
    for (auto [text, field, out] :
         {std::tuple{&flags->since, "--since", req.mutable_start_time()},
          std::tuple{&flags->until, "--until", req.mutable_end_time()}}) {
      if (text->empty()) continue;
      absl::Time t;
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, *text, &t, &error)) {
        std::fprintf(stderr, "error: %s: '%s' is not an RFC 3339 time\n", field,
                     text->c_str());
        *exit_code = 2;
        return;
      }
      *out = TimeToProto(t);
    }
    type::v1::ListAuditEventsResponse out;
    auto ctx = options->Context();
    grpc::Status s;
    const std::string& service = flags->service;
    if (service == "customer_records") {
      s = customer::v1::CustomerRecordsService::NewStub(options->Channel())
              ->ListAuditEvents(ctx.get(), req, &out);
    } else if (service == "pricing") {
      s = pricing::v1::PricingService::NewStub(options->Channel())
              ->ListAuditEvents(ctx.get(), req, &out);
    } else if (service == "credit_control") {
      s = credit::v1::CreditControlService::NewStub(options->Channel())
              ->ListAuditEvents(ctx.get(), req, &out);
    } else {
      s = support::v1::DealerSupportService::NewStub(options->Channel())
              ->ListAuditEvents(ctx.get(), req, &out);
    }
    if (!s.ok()) {
      *exit_code = Fail(s, *ctx);
      return;
    }
    PrintList(*options, out, "events",
              {"time", "principal", "method", "resource", "outcome", "reason",
               "correlation_id"});
  });
}

}  // namespace

void AddAuthCommands(CLI::App& app, int* exit_code) {
  AddLogin(app, exit_code);
  AddLogout(app, exit_code);
  AddAudit(app, exit_code);
}

}  // namespace qudao::cli
