set terminal pngcairo size 1240,420
set termoption noenhanced
set output "docs/results/reference/figures/table6-loss.png"
set multiplot layout 1,2 title "Table 6: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "f(x)"
plot "docs/results/reference/figures/table6-loss-a834f5bc356f521e.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table6-loss-c307ebd6371a9df0.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference/figures/table6-loss-d74348fdd38ee50a.dat" using 1:2 with lines lt 3 dt 1 title "arctan(x)", "docs/results/reference/figures/table6-loss-8ae552ef62d03e7e.dat" using 1:2 with lines lt 4 dt 1 title "sin(x)", "docs/results/reference/figures/table6-loss-858cd91e9809a5c5.dat" using 1:2 with lines lt 5 dt 1 title "dampx(x)", "docs/results/reference/figures/table6-loss-1c1476e4652708d7.dat" using 1:2 with lines lt 6 dt 1 title "dampexp(x)"
set title "f_neg(x)"
plot "docs/results/reference/figures/table6-loss-62d2e81e90d84ded.dat" using 1:2 with lines lt 1 dt 1 title "erf(x)", "docs/results/reference/figures/table6-loss-fff1b45d0336461f.dat" using 1:2 with lines lt 2 dt 1 title "tanh(x)", "docs/results/reference/figures/table6-loss-5d2a88bc8c88ca53.dat" using 1:2 with lines lt 3 dt 1 title "arctan(x)"
unset multiplot
