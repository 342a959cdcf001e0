// `fsearch report`: the paper's tables from the database, as markdown with figures.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "command.h"
#include "fsearch/core/defaults.h"
#include "fsearch/core/error.h"
#include "fsearch/reports/calibration_targets.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/report.h"

namespace fsearch::cli {
namespace {

struct ReportCommand {
  std::string db = kDefaultDatabase, tables, out = kDefaultReportDir;
  std::vector<std::string> table_files;
  bool no_figures = false, json = false;

  int run() const {
    reports::ReportOptions options;
    options.out_dir = out;
    if (!tables.empty()) options.tables = reports::parse_table_list(tables);
    for (const auto& file : table_files) options.own_tables.push_back(reports::load_table_file(file));
    reports::report_tables(options);  // a clash of numbers is an error before anything is written
    if (!std::filesystem::exists(db)) {
      throw ConfigError("no database at " + db,
                        "run a table first: fsearch run --space configs/tables/table5.yaml");
    }
    options.figures = !no_figures;
    options.db_label = db;
    db::Database database(db, db::Access::ReadOnly);
    const auto written = reports::write_reports(database, options);
    if (!json) {
      for (const auto& file : written.files) std::cout << file << "\n";
      return 0;
    }
    nlohmann::json out = {{"files", written.files}, {"fidelity", nlohmann::json::array()}};
    for (const auto& f : written.fidelity) out["fidelity"].push_back(reports::to_json(f));
    out["calibration"] = reports::to_json(reports::calibration_targets(written.fidelity));
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
  sub->add_option("--tables", command->tables,
                  "The paper's tables to write, e.g. 1-7,14-16 or 5 (default: all)");
  sub->add_option(
         "--table", command->table_files,
         "A table of your own: a space file with a table: section (docs/tables.md), rendered from the "
         "sweep it names; repeat for several")
      ->check(CLI::ExistingFile);
  sub->add_option("--out", command->out, "Output folder")->capture_default_str();
  sub->add_flag("--no-figures", command->no_figures, "Skip the gnuplot figures");
  sub->add_flag("--json", command->json,
                "Print the files written and each table's fidelity (failure agreement, Kendall tau, the "
                "paper's findings checked) as JSON");
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
