#include "fidelity_cells.h"

#include <cmath>

namespace fsearch::reports::detail {

double tolerance(const CellSpec& c) {
  return info(c.metric).tolerance;
}
double goodness(const CellSpec& c, double v) {
  return info(c.metric).higher_is_better ? v : -v;
}
std::string number_text(const CellSpec& c, double v) {
  return fmt_number(v, info(c.metric).decimals) + std::string(info(c.metric).unit);
}
double spread_or_zero(const CellValue& v) {
  return std::isnan(v.spread) ? 0.0 : v.spread;
}

std::string value_text(const Cell& c) {
  const auto& v = c.value;
  if (!v.has_result()) return "no result";
  const std::string mean = std::isnan(v.mean) ? "" : number_text(*c.spec, v.mean);
  if (v.failed()) {
    if (v.done() == 0 && v.rejected() == 0) return "x (every seed diverged)";
    if (v.done() == 0 && v.diverged() == 0) return "rejected (the early probe found no seed learning)";
    if (v.diverged() == 0 && v.rejected() == 0) return "at chance (" + mean + ")";
    return "failed (" + std::to_string(v.diverged()) + " of " +
           std::to_string(v.done() + v.diverged() + v.rejected()) + " seeds diverged, " +
           std::to_string(v.rejected()) + " rejected, " + std::to_string(v.at_chance()) + " at chance)";
  }
  std::string text = mean;
  if (!std::isnan(v.spread)) text += " ± " + fmt_number(v.spread, info(c.spec->metric).decimals);
  if (v.diverged() > 0) text += " (" + std::to_string(v.diverged()) + " seed(s) diverged)";
  return text;
}

std::string paper_text(const CellSpec& c) {
  if (c.paper_diverged) return "x";
  return number_text(c, c.paper);
}

Grid evaluate_grid(db::Database& db, const TableSpec& table) {
  auto data = detail::load_table_data(db, table);
  Grid grid;
  for (const auto& row : table.rows) {
    std::vector<Cell> cells;
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      Cell cell;
      cell.spec = &row.cells[c];
      cell.value = detail::evaluate(row.cells[c], data);
      // The header's last row.cells.size() entries head the cells (Table 1 has a "shift" column).
      const std::size_t offset = table.header.size() - row.cells.size();
      cell.name = row.label + (row.cells.size() > 1 ? ", " + table.header[offset + c] : "");
      cells.push_back(cell);
    }
    grid.push_back(cells);
  }
  return grid;
}


std::set<std::int64_t> shared_seeds(const std::vector<const Cell*>& cells, bool& differ) {
  std::vector<const CellValue*> values;
  for (const Cell* c : cells) values.push_back(&c->value);
  return detail::shared_seeds(values, differ);
}

Cell on_seeds(const Cell& c, const std::set<std::int64_t>& seeds) {
  Cell out = c;
  out.value = detail::on_seeds(c.value, seeds);
  return out;
}

int finished_seeds(const Cell& c) {
  return c.value.done() + c.value.diverged() + c.value.rejected();
}

std::string table_cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string percent(int a, int b) {
  return b > 0 ? fmt_number(100.0 * a / b, 0) + "%" : "—";
}

}  // namespace fsearch::reports::detail
