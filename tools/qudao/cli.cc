// Shared CLI plumbing; see cli.h.
#include "tools/qudao/cli.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/auth/private_file.h"
#include "common/grpc/client.h"
#include "common/grpc/status.h"
#include "common/money/money.h"
#include "common/proto/conversion.h"
#include "qudao/type/v1/money.pb.h"

namespace qudao::cli {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void PrintJson(const Message& m) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  std::cout << json;
}

// Terminal columns a UTF-8 string takes: East Asian wide characters two.
size_t DisplayWidth(const std::string& s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    width += len >= 3 ? 2 : 1;
    i += len;
  }
  return width;
}

std::string FormatMessage(const Message& m);

std::string FormatScalar(const Message& m, const FieldDescriptor* f,
                         int index) {
  const Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(m, f, index)
                              : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(m, f, index)
                              : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(m, f, index)
                              : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, index)
                              : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f))
                 ? "true"
                 : "false";
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* v = rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f);
      // CHANNEL_LEVEL_DISTRIBUTOR -> DISTRIBUTOR: drop the enum's prefix.
      std::string name = v->name();
      std::string prefix =
          v->type()->value_count() > 0 ? v->type()->value(0)->name() : "";
      const size_t cut = prefix.rfind("UNSPECIFIED");
      if (cut != std::string::npos &&
          name.rfind(prefix.substr(0, cut), 0) == 0) {
        name = name.substr(cut);
      }
      return name;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return FormatMessage(rep ? r->GetRepeatedMessage(m, f, index)
                               : r->GetMessage(m, f));
    default:
      return "";
  }
}

// Money and timestamps as people read them; other messages as JSON.
std::string FormatMessage(const Message& m) {
  if (const auto* money = dynamic_cast<const qudao::type::v1::Money*>(&m)) {
    auto value = Money::Create(money->currency_code(), money->minor_units());
    return value.ok() ? value->ToString()
                      : absl::StrCat(money->currency_code(), " ",
                                     money->minor_units(), " (minor units)");
  }
  if (const auto* ts = dynamic_cast<const google::protobuf::Timestamp*>(&m)) {
    return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC",
                            absl::FromUnixSeconds(ts->seconds()),
                            absl::UTCTimeZone());
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &json, options);
  return json;
}

std::string FormatField(const Message& m, const FieldDescriptor* f) {
  if (!f->is_repeated()) return FormatScalar(m, f, 0);
  std::vector<std::string> parts;
  for (int i = 0; i < m.GetReflection()->FieldSize(m, f); ++i) {
    parts.push_back(FormatScalar(m, f, i));
  }
  return absl::StrJoin(parts, ", ");
}

// The value at a dotted field path ("region.city"), or "".
std::string FormatPath(const Message& m, const std::string& path) {
  const Message* at = &m;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string name = path.substr(start, dot - start);
    const FieldDescriptor* f = at->GetDescriptor()->FindFieldByName(name);
    if (f == nullptr) return "";
    if (dot == std::string::npos) return FormatField(*at, f);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
      return "";
    }
    at = &at->GetReflection()->GetMessage(*at, f);
    start = dot + 1;
  }
}

bool IsLeaf(const FieldDescriptor* f) {
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
    return true;
  }
  const std::string& type = f->message_type()->full_name();
  return type == "qudao.type.v1.Money" || type == "google.protobuf.Timestamp";
}

void Flatten(const Message& m, const std::string& prefix,
             std::vector<std::vector<std::string>>* rows) {
  std::vector<const FieldDescriptor*> fields;
  m.GetReflection()->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string name = absl::StrCat(prefix, f->name());
    if (IsLeaf(f)) {
      rows->push_back({name, FormatField(m, f)});
    } else {
      Flatten(m.GetReflection()->GetMessage(m, f), name + ".", rows);
    }
  }
}

}  // namespace

std::shared_ptr<grpc::Channel> ClientOptions::Channel() const {
  if (!tls_ca.empty()) {
    ClientTls tls;
    for (auto [path, out] :
         {std::pair{&tls_ca, &tls.ca_pem}, std::pair{&tls_cert, &tls.cert_pem},
          std::pair{&tls_key, &tls.key_pem}}) {
      if (path->empty()) continue;
      std::ifstream in(*path, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "error: cannot read %s\n", path->c_str());
        std::exit(2);
      }
      std::ostringstream content;
      content << in.rdbuf();
      *out = content.str();
    }
    UseClientTls(tls);
  }
  return SharedChannel(target);
}

std::string TokenFilePath() {
  if (const char* dir = std::getenv("QUDAO_CONFIG_DIR"); dir && *dir) {
    return absl::StrCat(dir, "/token");
  }
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
    return absl::StrCat(xdg, "/qudao/token");
  }
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.config/qudao/token");
}

std::unique_ptr<grpc::ClientContext> ClientOptions::Context() const {
  auto ctx = OutgoingContext(absl::Seconds(timeout_s));
  std::string bearer = token;
  if (bearer.empty()) {
    // Only a token file nobody else can read is used (a missing one: no
    // token; the service says how to log in).
    absl::StatusOr<std::string> stored = auth::ReadPrivateFile(TokenFilePath());
    if (stored.ok()) {
      bearer = *std::move(stored);
    } else if (!absl::IsNotFound(stored.status())) {
      std::fprintf(stderr, "warning: %s\n",
                   std::string(stored.status().message()).c_str());
    }
  }
  bearer = std::string(absl::StripAsciiWhitespace(bearer));
  if (!bearer.empty()) {
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", bearer));
  }
  return ctx;
}

void AddClientOptions(CLI::App* command, ClientOptions* options) {
  command
      ->add_option("--target", options->target,
                   "gRPC address to call (qudao dev: 127.0.0.1:7233)")
      ->envname("QUDAO_TARGET")
      ->capture_default_str();
  command->add_option("--output,-o", options->output, "json or table")
      ->check(CLI::IsMember({"json", "table"}))
      ->capture_default_str();
  command->add_option("--timeout", options->timeout_s, "seconds to wait")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command
      ->add_option("--token", options->token,
                   "bearer token to call with (default: the one `qudao "
                   "login` stored)")
      ->envname("QUDAO_TOKEN");
  command
      ->add_option("--tls_ca", options->tls_ca,
                   "call over TLS, trusting the CAs in this PEM file")
      ->envname("QUDAO_TLS_CA");
  command
      ->add_option("--tls_cert", options->tls_cert,
                   "client certificate (PEM) for servers requiring one")
      ->envname("QUDAO_TLS_CERT");
  command
      ->add_option("--tls_key", options->tls_key,
                   "private key (PEM) of --tls_cert")
      ->envname("QUDAO_TLS_KEY");
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - DisplayWidth(row[i]) + 2, ' ');
      }
    }
    std::cout << line << "\n";
  };
  if (!header.empty() && !header[0].empty()) print(header);
  for (const auto& row : rows) print(row);
}

void PrintResource(const ClientOptions& options, const Message& message) {
  if (options.output == "json") {
    PrintJson(message);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  Flatten(message, "", &rows);
  PrintTable({"", ""}, rows);
}

void PrintList(const ClientOptions& options, const Message& response,
               const std::string& items,
               const std::vector<std::string>& columns) {
  if (options.output == "json") {
    PrintJson(response);
    return;
  }
  const FieldDescriptor* f = response.GetDescriptor()->FindFieldByName(items);
  const Reflection* r = response.GetReflection();
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; f != nullptr && i < r->FieldSize(response, f); ++i) {
    const Message& item = r->GetRepeatedMessage(response, f, i);
    std::vector<std::string> row;
    for (const std::string& c : columns) row.push_back(FormatPath(item, c));
    rows.push_back(std::move(row));
  }
  PrintTable(columns, rows);
  if (const FieldDescriptor* next =
          response.GetDescriptor()->FindFieldByName("next_page_token");
      next != nullptr && !r->GetString(response, next).empty()) {
    std::cout << "(more: --page_token=" << r->GetString(response, next)
              << ")\n";
  }
}

int Fail(const grpc::Status& status, const grpc::ClientContext& context) {
  const absl::Status s = FromGrpcCall(status, context);
  std::fprintf(stderr, "error: %s: %s (reason %s%s%s)\n",
               absl::StatusCodeToString(s.code()).c_str(),
               std::string(s.message()).c_str(), ReasonOf(s).c_str(),
               FieldOf(s).empty() ? "" : ", field ", FieldOf(s).c_str());
  return 1;
}

bool ToMoney(const std::string& currency, const std::string& amount,
             const std::string& flag, type::v1::Money* out) {
  absl::StatusOr<Money> money = Money::Parse(currency, amount);
  if (!money.ok()) {
    std::cerr << flag << ": " << money.status().message() << "\n";
    return false;
  }
  *out = MoneyToProto(*money);
  return true;
}

ClientCommand NewClientCommand(CLI::App* parent, const std::string& name,
                               const std::string& help) {
  ClientCommand c{parent->add_subcommand(name, help),
                  std::make_shared<ClientOptions>()};
  AddClientOptions(c.cmd, c.options.get());
  return c;
}

}  // namespace qudao::cli
