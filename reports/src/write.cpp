// Writing the report files and the figures (gnuplot, SVG and PNG).
#include <boost/process.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fsearch/core/error.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/functions/parse.h"
#include "fsearch/functions/program.h"
#include "fsearch/reports/report.h"

namespace fsearch::reports {
namespace {

namespace fs = std::filesystem;
namespace bp = boost::process;

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

void write_plot(const std::string& gnuplot, const fs::path& dir, const std::string& stem,
                const std::string& body) {
  for (const auto& [terminal, ext] : {std::pair<std::string, std::string>{"svg size 720,440 dynamic", "svg"},
                                      {"pngcairo size 900,550", "png"}}) {
    fs::path script = dir / (stem + "." + ext + ".gp");
    std::ofstream(script) << "set terminal " << terminal << "\nset output "
                          << quote((dir / (stem + "." + ext)).string()) << "\n"
                          << body;
    run_gnuplot(gnuplot, script);
  }
}

// Shapes of the table's functions on [-4, 4], like the paper's Figures 2-5.
std::string shapes_figure(const TableSpec& table, const fs::path& dir, const std::string& gnuplot) {
  if (table.figure_functions.empty()) return {};
  std::string stem = "table" + std::to_string(table.number) + "-functions";
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
  body << "set title " << quote("Table " + std::to_string(table.number) + ": function shapes") << "\n"
       << "set xlabel 'x'\nset ylabel 'f(x)'\nset grid\nset key top left\nset xrange [-4:4]\nplot ";
  for (std::size_t i = 0; i < table.figure_functions.size(); ++i) {
    body << (i ? ", " : "") << quote(data.string()) << " using 1:" << i + 2 << " with lines lw 2 title "
         << quote(table.figure_functions[i]);
  }
  body << "\n";
  write_plot(gnuplot, dir, stem, body.str());
  return stem;
}

// Training-loss curves of the table's jobs, like the paper's Figures 6-8.
std::string loss_figure(db::Database& db, const TableSpec& table, const fs::path& dir,
                        const std::string& gnuplot) {
  auto sweep = db.sweep_id(table.sweep);
  if (!sweep) return {};
  std::string stem = "table" + std::to_string(table.number) + "-loss";
  std::vector<std::pair<std::string, fs::path>> series;
  for (const auto& job : db.jobs(*sweep)) {
    auto curve = db.curve(job.key, "train");
    if (curve.empty() || series.size() >= 12) continue;
    fs::path data = dir / (stem + "-" + job.key + ".dat");
    std::ofstream out(data);
    for (const auto& p : curve) {
      if (std::isfinite(p.loss)) out << p.step << " " << p.loss << "\n";
    }
    series.emplace_back(
        job.label + (job.shift.empty() || job.shift == "scalar" ? "" : " (s: " + job.shift + ")"), data);
  }
  if (series.empty()) return {};
  std::ostringstream body;
  body << "set title " << quote("Table " + std::to_string(table.number) + ": training loss") << "\n"
       << "set xlabel 'step'\nset ylabel 'training loss'\nset grid\nset key top right\nplot ";
  for (std::size_t i = 0; i < series.size(); ++i) {
    body << (i ? ", " : "") << quote(series[i].second.string()) << " using 1:2 with lines title "
         << quote(series[i].first);
  }
  body << "\n";
  write_plot(gnuplot, dir, stem, body.str());
  return stem;
}

}  // namespace

std::vector<std::string> write_reports(db::Database& db, const ReportOptions& options) {
  fs::path out(options.out_dir);
  fs::path figures = out / "figures";
  fs::create_directories(figures);
  std::vector<std::string> written;
  std::ostringstream index;
  index << "# fsearch report\n\nThe paper's tables regenerated from " << options.db_label << ".\n\n";
  for (const auto& table : paper_tables()) {
    if (!options.tables.empty() &&
        std::find(options.tables.begin(), options.tables.end(), table.number) == options.tables.end()) {
      continue;
    }
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
  }
  std::ofstream(out / "index.md") << index.str();
  written.push_back((out / "index.md").string());
  return written;
}

}  // namespace fsearch::reports
