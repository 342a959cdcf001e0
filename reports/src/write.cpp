// Writing the report files and the figures (gnuplot, SVG and PNG).
#include <algorithm>
#include <boost/process.hpp>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "fsearch/core/error.h"
#include "fsearch/core/files.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"
#include "fsearch/reports/calibration_targets.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/figures.h"
#include "fsearch/reports/report.h"
#include "fsearch/reports/search.h"

namespace fsearch::reports {
namespace {

namespace fs = std::filesystem;
namespace bp = boost::process;

// A sweep's name as a file name: letters, digits, '.', '_' and '-' kept, anything else (a '/' that
// would leave the report folder, a space) becomes '_'.
std::string safe_file_name(const std::string& name) {
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
  if (out.empty() || out[0] == '.') out = "_" + out;
  return out;
}

std::string quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

// Runs gnuplot on a script; the script's paths are ours and quoted, no shell is involved.
void run_gnuplot(const std::string& gnuplot, const fs::path& script) {
  int code =
      bp::system(bp::search_path(gnuplot), script.string(), bp::std_out > bp::null, bp::std_err > bp::null);
  if (code != 0) throw Error("gnuplot failed on " + script.string(), "is gnuplot-nox installed?");
}

// One plot, or a grid of `columns` x `rows` smaller panels.
void write_plot(const std::string& gnuplot, const fs::path& dir, const std::string& stem,
                const std::string& body, int columns = 1, int rows = 1) {
  const bool grid = columns * rows > 1;
  const auto size = [&](int width, int height) {
    return " size " + std::to_string(width * columns) + "," + std::to_string(height * rows);
  };
  for (const auto& [terminal, ext] :
       {std::pair<std::string, std::string>{"svg" + (grid ? size(520, 360) : size(720, 440)) + " dynamic",
                                            "svg"},
        {"pngcairo" + (grid ? size(620, 420) : size(900, 550)), "png"}}) {
    fs::path script = dir / (stem + "." + ext + ".gp");
    // noenhanced: labels such as f_neg(x) or arcsinh_clip(x) are text, not subscript markup.
    std::ofstream(script) << "set terminal " << terminal << "\nset termoption noenhanced\nset output "
                          << quote((dir / (stem + "." + ext)).string()) << "\n"
                          << body;
    run_gnuplot(gnuplot, script);
  }
}

// Shapes of the table's functions on [-4, 4], like the paper's Figures 2-5.
std::string shapes_figure(const TableSpec& table, const fs::path& dir, const std::string& gnuplot,
                          std::string stem = "") {
  if (table.figure_functions.empty()) return {};
  if (stem.empty()) stem = "table" + std::to_string(table.number) + "-functions";
  fs::path data = dir / (stem + ".dat");
  std::vector<functions::Program> programs;
  for (const auto& f : table.figure_functions) {
    programs.emplace_back(functions::find_primitive(f) ? functions::primitive(f) : functions::parse(f));
  }
  std::ofstream out(data);
  for (int i = -400; i <= 400; ++i) {
    double x = i * 0.01;
    out << x;
    for (const auto& p : programs) out << " " << p.value(x);
    out << "\n";
  }
  out.close();
  std::ostringstream body;
  body << "set title "
       << quote((table.number > 0 ? "Table " + std::to_string(table.number) : table.title) +
                ": function shapes")
       << "\n"
       << "set xlabel 'x'\nset ylabel 'f(x)'\nset grid\nset key top left\nset xrange [-4:4]\nplot ";
  for (std::size_t i = 0; i < table.figure_functions.size(); ++i) {
    body << (i ? ", " : "") << quote(data.string()) << " using 1:" << i + 2 << " with lines lw 2 title "
         << quote(table.figure_functions[i]);
  }
  body << "\n";
  write_plot(gnuplot, dir, stem, body.str());
  return stem;
}

constexpr std::size_t kLossCurves = 8;  // rows of a sweep page's loss figure

// Training-loss curves of the table's cells, like the paper's Figures 6-8: a grid of panels (see
// loss_panels), each with its own scale.
std::string loss_figure(db::Database& db, const TableSpec& table, const fs::path& dir,
                        const std::string& gnuplot, std::string stem = "") {
  auto panels = loss_panels(db, table);
  if (panels.empty()) return {};
  if (stem.empty()) stem = "table" + std::to_string(table.number) + "-loss";
  const int columns = static_cast<int>(std::min<std::size_t>(3, panels.size()));
  const int rows = static_cast<int>((panels.size() + columns - 1) / columns);
  std::ostringstream body;
  body << "set multiplot layout " << rows << "," << columns << " title "
       << quote((table.number > 0 ? "Table " + std::to_string(table.number) : table.title) +
                ": training loss")
       << "\n"
       << "set xlabel 'step'\nset ylabel 'training loss'\nset grid\nset key top right font ',8'\n";
  for (const auto& panel : panels) {
    body << "set title " << quote(panel.title) << "\nplot ";
    for (std::size_t i = 0; i < panel.series.size(); ++i) {
      const auto& series = panel.series[i];
      fs::path data = dir / (stem + "-" + series.job_key + ".dat");
      std::ofstream out(data);
      for (const auto& p : db.curve(series.job_key, "train")) {
        if (std::isfinite(p.loss)) out << p.step << " " << p.loss << "\n";
      }
      // Eight colours, then the same colours dashed.
      body << (i ? ", " : "") << quote(data.string()) << " using 1:2 with lines lt " << i % 8 + 1 << " dt "
           << i / 8 + 1 << " title "
           << quote(series.stopped.empty() ? series.label : series.label + " (" + series.stopped + ")");
    }
    body << "\n";
  }
  body << "unset multiplot\n";
  write_plot(gnuplot, dir, stem, body.str(), columns, rows);
  return stem;
}

// A search's best result so far against the steps it has trained, with its baselines as lines.
std::string search_figure(const SearchTrace& trace, const std::string& sweep, const fs::path& dir,
                          const std::string& gnuplot) {
  if (trace.points.size() < 2) return {};
  const std::string stem = "sweep-" + safe_file_name(sweep) + "-search";
  const fs::path data = dir / (stem + ".dat");
  const double scale = trace.higher_is_better() ? 100 : 1;  // accuracy in %
  std::ofstream out(data);
  for (const auto& p : trace.points)
    if (!std::isnan(p.best)) out << p.steps << " " << scale * p.best << "\n";
  out.close();
  std::ostringstream body;
  body << "set title " << quote("Sweep " + sweep + " (" + trace.strategy + "): best so far") << "\n"
       << "set xlabel 'steps trained'\nset ylabel "
       << quote(trace.higher_is_better() ? "test accuracy (%)" : "FID")
       << "\nset grid\nset xrange [0:*]\nset key "
       << (trace.higher_is_better() ? "bottom right" : "top right") << "\nplot " << quote(data.string())
       << " using 1:2 with steps lw 2 title 'best candidate so far'";
  int line = 2;
  for (const auto& [label, value] : trace.baselines)
    body << ", " << scale * value << " with lines dt 2 lt " << line++ << " title " << quote(label);
  body << "\n";
  write_plot(gnuplot, dir, stem, body.str());
  return stem;
}

}  // namespace

std::vector<TableSpec> report_tables(const ReportOptions& options) {
  std::vector<TableSpec> out;
  for (const auto& table : paper_tables()) {
    if (options.tables.empty() ||
        std::find(options.tables.begin(), options.tables.end(), table.number) != options.tables.end())
      out.push_back(table);
  }
  for (const auto& own : options.own_tables) {
    for (const auto& other : paper_tables()) {
      if (other.number == own.number)
        throw ConfigError(own.source + ": table number " + std::to_string(own.number) + " is already " +
                              other.source + "'s",
                          "give your table a number the paper does not use, e.g. 101");
    }
    for (const auto& other : out) {
      if (other.number == own.number && other.source != own.source)
        throw ConfigError(own.source + ": table number " + std::to_string(own.number) + " is already " +
                          other.source + "'s");
    }
    out.push_back(own);
  }
  std::sort(out.begin(), out.end(),
            [](const TableSpec& a, const TableSpec& b) { return a.number < b.number; });
  return out;
}

WrittenReports write_reports(db::Database& db, const ReportOptions& options) {
  const auto tables = report_tables(options);
  fs::path out(options.out_dir);
  fs::path figures = out / "figures";
  make_directories(figures, "--out " + options.out_dir);
  std::vector<std::string> written;
  std::ostringstream index, fidelity;
  index << "# fsearch report\n\nThe paper's tables regenerated from " << options.db_label << ".\n\n";
  nlohmann::json fidelity_records = nlohmann::json::array();
  std::vector<TableFidelity> fidelities;
  // Sweeps that are not paper tables first: the README's main command, a user's own spaces.
  std::set<std::string> table_sweeps;
  for (const auto& table : paper_tables()) table_sweeps.insert(table.sweep);
  for (const auto& table : options.own_tables) table_sweeps.insert(table.sweep);
  bool any_sweep = false;
  for (const auto& [id, name] : db.sweeps()) {
    if (table_sweeps.count(name)) continue;
    const std::string file = "sweep-" + safe_file_name(name) + ".md";
    std::vector<std::string> links;
    if (options.figures) {
      if (auto stem = search_figure(search_trace(db, id), name, figures, options.gnuplot); !stem.empty())
        links.push_back("figures/" + stem + ".svg");
      // The shapes of the best candidates (up to five point-wise functions, best first).
      auto table = sweep_table(db, name);
      for (const auto& row : table.rows) {
        if (table.figure_functions.size() >= 5) break;
        const bool pointwise = !row.cells.empty() && !row.cells.front().fingerprint.empty();
        if (pointwise) table.figure_functions.push_back(row.label);
      }
      if (auto stem =
              shapes_figure(table, figures, options.gnuplot, "sweep-" + safe_file_name(name) + "-functions");
          !stem.empty())
        links.push_back("figures/" + stem + ".svg");
      // Training-loss curves of the best rows, baselines kept: more lines would not be told apart.
      std::vector<RowSpec> best;
      for (const auto& row : table.rows) {
        const bool baseline = !row.cells.empty() && !row.cells.front().baseline.empty();
        if (best.size() < kLossCurves || baseline) best.push_back(row);
      }
      table.rows = best;
      if (auto stem =
              loss_figure(db, table, figures, options.gnuplot, "sweep-" + safe_file_name(name) + "-loss");
          !stem.empty())
        links.push_back("figures/" + stem + ".svg");
    }
    std::ofstream(out / file) << render_sweep_page(db, name, options.db_label, links);
    written.push_back((out / file).string());
    index << (any_sweep ? "" : "Sweeps:\n\n") << "- [Sweep " << name << "](" << file << ")\n";
    any_sweep = true;
  }
  if (any_sweep) index << "\nThe paper's tables:\n\n";
  for (const auto& table : tables) {
    std::vector<std::string> links;
    if (options.figures) {
      for (auto stem : {shapes_figure(table, figures, options.gnuplot),
                        loss_figure(db, table, figures, options.gnuplot)}) {
        if (!stem.empty()) links.push_back("figures/" + stem + ".svg");
      }
    }
    std::string name = "table" + std::to_string(table.number) + ".md";
    std::ofstream(out / name) << render_table(db, table, options.db_label, links);
    written.push_back((out / name).string());
    index << "- [Table " << table.number << ": " << table.title << "](" << name << ")"
          << (db.sweep_id(table.sweep) ? "" : " — not run yet") << "\n";
    if (db.sweep_id(table.sweep)) {
      auto f = table_fidelity(db, table);
      fidelity << fidelity_summary_row(f) << "\n";
      fidelity_records.push_back(to_json(f));
      fidelities.push_back(std::move(f));
    }
  }
  if (!fidelity_records.empty()) {
    index << "\n## Fidelity: can these numbers be trusted?\n\n"
          << "Per table: cells where this run and the paper agree on failing or training; Kendall tau "
             "between the paper's numbers and ours over the cells that trained in both (1 is the paper's "
             "order, 0 none, -1 reversed); the paper's stated findings that hold here. Each table's page "
             "has the details.\n\n"
          << "| table | failure agreement | order (Kendall tau) | findings that hold |\n"
          << "| ---: | --- | --- | --- |\n"
          << fidelity.str() << "\n";
    // The calibration targets read the property study (Tables 1-5) and Table 7.
    const bool calibration = std::any_of(fidelities.begin(), fidelities.end(), [](const TableFidelity& f) {
      return (f.table >= 1 && f.table <= 5) || f.table == 7;
    });
    if (calibration) index << calibration_markdown(calibration_targets(fidelities));
  }
  std::ofstream(out / "index.md") << index.str();
  written.push_back((out / "index.md").string());
  std::ofstream(out / "fidelity.json") << fidelity_records.dump(2) << "\n";
  written.push_back((out / "fidelity.json").string());
  return {written, fidelities};
}

}  // namespace fsearch::reports
