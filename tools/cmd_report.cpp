// `fsearch report`: the paper's tables from the database, as markdown with figures.
#include <filesystem>
#include <iostream>

#include "command.h"
#include "fsearch/core/defaults.h"
#include "fsearch/core/error.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/report.h"

#include <algorithm>

namespace fsearch::cli {
namespace {

struct ReportCommand {
  std::string db = kDefaultDatabase, tables = "1-7,14-16", out = kDefaultReportDir;
  bool no_figures = false, json = false;

  int run() const {
    if (!std::filesystem::exists(db)) {
      throw ConfigError("no database at " + db,
                        "run a table first: fsearch run --space configs/tables/table5.yaml");
    }
    reports::ReportOptions options;
    options.out_dir = out;
    options.tables = reports::parse_table_list(tables);
    options.figures = !no_figures;
    options.db_label = db;
    db::Database database(db, db::Access::ReadOnly);
    auto files = reports::write_reports(database, options);
    if (!json) {
      for (const auto& file : files) std::cout << file << "\n";
      return 0;
    }
    nlohmann::json out = {{"files", files}, {"fidelity", nlohmann::json::array()}};
    for (const auto& table : reports::paper_tables()) {
      if (std::find(options.tables.begin(), options.tables.end(), table.number) == options.tables.end()) continue;
      if (database.sweep_id(table.sweep)) out["fidelity"].push_back(reports::to_json(reports::table_fidelity(database, table)));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
};

}  // namespace

Command register_report(CLI::App& app) {
  auto command = std::make_shared<ReportCommand>();
  CLI::App* sub = app.add_subcommand(
      "report",
      "Regenerate the paper's tables from the database: one markdown file per table, an index, figures");
  sub->add_option("--db", command->db, "SQLite database")->capture_default_str();
  sub->add_option("--tables", command->tables, "Tables to write, e.g. 1-7,14-16 or 5")->capture_default_str();
  sub->add_option("--out", command->out, "Output folder")->capture_default_str();
  sub->add_flag("--no-figures", command->no_figures, "Skip the gnuplot figures");
  sub->add_flag("--json", command->json,
                "Print the files written and each table's fidelity (failure agreement, Kendall tau, the "
                "paper's findings checked) as JSON");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
