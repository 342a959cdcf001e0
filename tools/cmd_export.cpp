// `fsearch export`: one record per job (candidate, spec, state, metrics) as CSV or JSON.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <ctime>
#include <functional>
#include <map>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "fsearch/core/defaults.h"
#include "fsearch/core/error.h"
#include "fsearch/core/result_numbers.h"
#include "fsearch/search/sweep.h"

namespace fsearch::cli {
namespace {

// A CSV cell: quoted when it holds a separator, a quote or a line break; text that a spreadsheet
// would run as a formula (starting with = + - @, a tab or a carriage return) gets a leading quote.
std::string csv_text(const std::string& text) {
  std::string value = text;
  if (!value.empty() && std::string("=+-@\t\r").find(value[0]) != std::string::npos) value = "'" + value;
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}
std::string csv_number(double v) {
  return std::isfinite(v) ? fmt::format("{}", v) : "";
}

struct Row {
  const std::string& sweep;
  const search::JobReport& report;
  const db::ResultRow& result;
  const db::ReplacedResult* replaced = nullptr;  // --replaced: the record is this set-aside result
};

// The build that trained the job (result.json's git_commit, "-dirty" when built from uncommitted
// changes), for `fsearch run --retrain-build`; "" without a result.
std::string build_of(const Row& r) {
  if (!r.report.result) return "";
  const auto result = nlohmann::json::parse(r.result.result_json, nullptr, false);
  return result.is_object() ? result.value("git_commit", std::string()) : std::string();
}

// The CSV's columns, declared once: the header and every row come from this list.
struct Column {
  std::string_view name;
  std::function<std::string(const Row&)> cell;
};

const std::vector<Column>& columns() {
  static const std::vector<Column> kColumns = [] {
    std::vector<Column> out = {
        {"sweep", [](const Row& r) { return csv_text(r.sweep); }},
        {"key", [](const Row& r) { return r.report.job.key; }},
        {"function", [](const Row& r) { return csv_text(r.report.job.label); }},
        {"fingerprint", [](const Row& r) { return r.report.job.fingerprint; }},
        {"base",
         [](const Row& r) {
           return csv_text(r.report.candidate ? r.report.candidate->base : r.report.job.label);
         }},
        {"transforms",
         [](const Row& r) {
           return csv_text(r.report.candidate ? r.report.candidate->transforms_json : "[]");
         }},
        {"proxy", [](const Row& r) { return csv_text(r.report.job.proxy); }},
        {"shift", [](const Row& r) { return r.report.job.shift; }},
        {"alpha_init", [](const Row& r) { return csv_number(r.report.job.alpha_init); }},
        {"lr", [](const Row& r) { return csv_number(r.report.job.lr); }},
        {"seed", [](const Row& r) { return std::to_string(r.report.job.seed); }},
        {"state", [](const Row& r) { return db::to_string(r.report.job.state); }},
        {"attempts", [](const Row& r) { return std::to_string(r.report.job.attempts); }},
    };
    // Every number a result has (core/result_numbers.h), one column each.
    for (const auto& field : result_number_fields()) {
      out.push_back(
          {field.name, [member = field.member](const Row& r) { return csv_number(r.result.*member); }});
    }
    for (auto& column : std::vector<Column>{
             {"fid_features", [](const Row& r) { return csv_text(r.result.fid_features); }},
             {"steps", [](const Row& r) { return r.report.result ? std::to_string(r.result.steps) : ""; }},
             {"diverged_step",
              [](const Row& r) { return r.report.result ? std::to_string(r.result.diverged_step) : ""; }},
             {"diverged_reason", [](const Row& r) { return csv_text(r.result.diverged_reason); }},
             {"build", [](const Row& r) { return csv_text(build_of(r)); }},
             {"run_dir", [](const Row& r) { return csv_text(r.report.job.run_dir); }},
         })
      out.push_back(column);
    return out;
  }();
  return kColumns;
}

// --replaced adds when and why each result was set aside (the state, result, build and run
// directory columns are then the old result's).
std::string iso_time(double unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buffer;
}
const std::vector<Column>& replaced_columns() {
  static const std::vector<Column> kColumns = {
      {"replaced_at", [](const Row& r) { return iso_time(r.replaced->replaced_at); }},
      {"replaced_reason", [](const Row& r) { return csv_text(r.replaced->reason); }},
  };
  return kColumns;
}

nlohmann::json json_record(const Row& row) {
  const auto& j = row.report.job;
  return {{"sweep", row.sweep},
          {"key", j.key},
          {"function", j.label},
          {"fingerprint", j.fingerprint},
          {"base", row.report.candidate ? row.report.candidate->base : j.label},
          {"transforms",
           nlohmann::json::parse(row.report.candidate ? row.report.candidate->transforms_json : "[]")},
          {"proxy", j.proxy},
          {"shift", j.shift},
          {"alpha_init", j.alpha_init},
          {"lr", j.lr},
          {"seed", j.seed},
          {"state", db::to_string(j.state)},
          {"attempts", j.attempts},
          {"spec", nlohmann::json::parse(j.spec_json)},
          {"run_dir", j.run_dir},
          {"rung", row.report.rung ? nlohmann::json{{"step", row.report.rung->step},
                                                    {"fraction", row.report.rung->fraction},
                                                    {"metric", row.report.rung->metric},
                                                    {"score", std::isfinite(row.report.rung->score)
                                                                  ? nlohmann::json(row.report.rung->score)
                                                                  : nlohmann::json(nullptr)}}
                                   : nlohmann::json(nullptr)},
          {"result",
           row.report.result ? nlohmann::json::parse(row.result.result_json) : nlohmann::json(nullptr)}};
}

struct ExportCommand {
  std::string db = kDefaultDatabase, format = "csv";
  bool replaced = false;

  int run() const {
    if (!std::filesystem::exists(db)) throw ConfigError("no database at " + db);
    db::Database database(db, db::Access::ReadOnly);
    nlohmann::json out = nlohmann::json::array();
    std::vector<Column> all = columns();
    if (replaced) all.insert(all.end(), replaced_columns().begin(), replaced_columns().end());
    if (format == "csv") {
      std::string header;
      for (const auto& c : all) header += (header.empty() ? "" : ",") + std::string(c.name);
      std::cout << header << "\n";
    }
    auto write = [&](const Row& row) {
      if (format == "json") {
        auto record = json_record(row);
        if (row.replaced) {
          record["replaced_at"] = iso_time(row.replaced->replaced_at);
          record["replaced_reason"] = row.replaced->reason;
        }
        out.push_back(record);
        return;
      }
      std::string line;
      for (const auto& c : all) line += (line.empty() ? "" : ",") + c.cell(row);
      std::cout << line << "\n";
    };
    for (const auto& [id, name] : database.sweeps()) {
      const auto reports = search::job_reports(database, id);
      if (!replaced) {
        for (const auto& report : reports) {
          const db::ResultRow result = report.result.value_or(db::ResultRow{});
          write(Row{name, report, result});
        }
        continue;
      }
      // One record per set-aside result: the job as planned, with the state, result and run
      // directory it had when `fsearch run --retrain-build` took it back.
      std::map<std::string, const search::JobReport*> by_key;
      for (const auto& report : reports) by_key[report.job.key] = &report;
      for (const auto& old : database.replaced_results(id)) {
        const auto it = by_key.find(old.key);
        if (it == by_key.end()) continue;
        search::JobReport then = *it->second;
        then.job.state = db::parse_job_state(old.state);
        then.job.run_dir = old.run_dir;
        then.result = old.result;
        write(Row{name, then, old.result, &old});
      }
    }
    if (format == "json")
      std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
};

}  // namespace

Command register_export(CLI::App& app) {
  auto command = std::make_shared<ExportCommand>();
  CLI::App* sub = app.add_subcommand("export", "Export one record per job: candidate, spec, state, metrics");
  sub->add_option("--db", command->db, "SQLite database")->capture_default_str();
  sub->add_option("--format", command->format, "csv | json")
      ->capture_default_str()
      ->check(CLI::IsMember({"csv", "json"}));
  sub->add_flag("--replaced", command->replaced,
                "Export the results that `fsearch run --retrain-build` set aside instead of the jobs: one record each, "
                "with the old state, numbers, build and (moved) run directory, and when and why it was replaced");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
