set terminal svg size 1560,360 dynamic
set termoption noenhanced
set output "docs/results/reference/figures/table3-loss.svg"
set multiplot layout 1,3 title "Table 3: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "—"
plot "docs/results/reference/figures/table3-loss-a834f5bc356f521e.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table3-loss-c307ebd6371a9df0.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference/figures/table3-loss-d74348fdd38ee50a.dat" using 1:2 with lines lt 3 dt 1 title "arctan(x)", "docs/results/reference/figures/table3-loss-86c28ec133ddc03f.dat" using 1:2 with lines lt 4 dt 1 title "isru(x)"
set title "0.01"
plot "docs/results/reference/figures/table3-loss-214b00b944a21fa4.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table3-loss-654e5cb4317701ad.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference/figures/table3-loss-a79db45e7597a03f.dat" using 1:2 with lines lt 3 dt 1 title "arctan(x)", "docs/results/reference/figures/table3-loss-094ed5be375cc6dc.dat" using 1:2 with lines lt 4 dt 1 title "isru(x)"
set title "0.1"
plot "docs/results/reference/figures/table3-loss-a27026adc14ec596.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table3-loss-892089202ac1b3fe.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference/figures/table3-loss-bf47b8b99e622d0d.dat" using 1:2 with lines lt 3 dt 1 title "arctan(x)", "docs/results/reference/figures/table3-loss-c81b957ca5cb9c1e.dat" using 1:2 with lines lt 4 dt 1 title "isru(x)"
unset multiplot
